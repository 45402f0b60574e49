"""make bench-vectors: search by meaning in process (numpy, as api/search/semantic.py does) against
an approximate index (usearch's HNSW), on the report's passage vectors and on larger matrices.

The service ranks trends by their closest passage and keeps the best ``semantic.TOP`` (100) of
them: one product of the passages' matrix and the query's vector, each trend's best taken by its
run of rows (:func:`api.search.semantic.nearest`, timed as it is). An index returns passages, not
trends: to rank 100 trends it must be asked for enough passages to hold 100 distinct trends,
``K_PASSAGES``, whose similarities are then computed exactly (an 8-bit index's are rough), and the
trends they rank are compared with the exact ranking: the share of the exact
top 10 and top 100 trends it finds, and of their similarity (the summed similarity of its top 10
over the exact top 10's: near ties between trends lower the first, not the second).

Sizes past the report's are made from its vectors: each copy of each passage is moved by Gaussian
noise (cosine about 0.7 to the one it copies, about what two passages of one trend share) and
normalised, each copy of a trend a new trend. The queries are the
judged and held-out sets' (bench/judged.toml, bench/heldout*.toml), embedded as the service embeds them.

Run: ``make bench-vectors``. Environment: VECTORS_SIZES (default "1 10 100"; 1000 builds an
index of 429,000 rows, minutes), VECTORS_REPEAT (timed searches per query, 3). Writes
bench/RESULTS-vectors.md.
"""

import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.eval import HELD_OUT, JUDGED, load_judged, search_text  # noqa: E402
from bench.run import prepare_database  # noqa: E402

K_PASSAGES = 1000  # passages asked of the index per query: about 100 trends of 11 passages each
NOISE = 1.0  # of each copy's Gaussian move, against a unit vector: cosine about 1 / sqrt(1 + NOISE²)
SEED = 20210101


def report_vectors():
    """The seeded report's :class:`api.search.semantic.Vectors` and its queries' vectors."""
    workdir = Path(tempfile.mkdtemp(prefix="tendances-vectors-"))
    env = {**os.environ, "FLASK_APP": "api", "DATABASE_URL": ""}
    prepare_database(workdir, env)
    from api import create_app
    from api.search import semantic
    from api.search.expansion import expand
    from api.search.syntax import parse_query, positive_text

    app = create_app({"DATABASE_URL": env["DATABASE_URL"], "LOG_LEVEL": "WARNING"})
    queries = [query for path in (JUDGED, *HELD_OUT) for query in load_judged(path)[0]]
    with app.app_context():
        vectors = semantic.read_vectors()
        texts = []
        for query in queries:
            text = search_text(query)
            texts.append(semantic.query_text(positive_text(text), expand(parse_query(text)).expansions))
    return vectors, semantic.encode(texts)


def scaled(vectors, times, rng):
    """``vectors`` ``times`` over: the first copy as it is, the others moved by noise."""
    from api.search.semantic import Vectors

    rows = len(vectors.matrix)
    copies = [vectors.matrix]
    for _ in range(times - 1):
        moved = vectors.matrix + rng.standard_normal(vectors.matrix.shape, dtype=np.float32) * float(
            NOISE / np.sqrt(vectors.matrix.shape[1])
        )
        copies.append(moved / np.linalg.norm(moved, axis=1, keepdims=True))
    matrix = np.concatenate(copies).astype(np.float32, copy=False)
    starts = np.concatenate([vectors.starts + copy * rows for copy in range(times)])
    runs = len(vectors.starts)
    trend_ids = np.arange(runs * times, dtype=np.int64)
    run_of = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, len(matrix))))
    return Vectors(matrix, np.arange(len(matrix), dtype=np.int64), starts, trend_ids, np.ones(len(starts), np.int64), run_of)


def timed(function, queries, repeat):
    """``function(query)`` for each query, ``repeat`` times: the answers and the median milliseconds."""
    answers, timings = [], []
    for query in queries:
        for _ in range(repeat):
            started = time.perf_counter()
            answer = function(query)
            timings.append((time.perf_counter() - started) * 1e3)
        answers.append(answer)
    return answers, statistics.median(timings)


def trends_of(keys, similarities, run_of, limit):
    """The first ``limit`` distinct trends (runs) of passages ``keys``, closest first, each with
    its closest passage's similarity."""
    order = np.argsort(-similarities, kind="stable")
    runs, similarities = run_of[np.asarray(keys)[order]], similarities[order]
    _, first = np.unique(runs, return_index=True)
    first = np.sort(first)[:limit]
    return list(zip(runs[first].tolist(), similarities[first].tolist(), strict=True))


def overlap(found, exact, top):
    """The share of each exact top ``top`` that ``found`` holds, on average."""
    return statistics.mean(
        len({run for run, _ in f[:top]} & {run for run, _ in e[:top]}) / min(top, len(e))
        for f, e in zip(found, exact, strict=True)
    )


def similarity_kept(found, exact, top):
    """The summed similarity of each ``found`` top ``top`` over the exact one's, on average."""
    return statistics.mean(sum(s for _, s in f[:top]) / sum(s for _, s in e[:top]) for f, e in zip(found, exact, strict=True))


def measure(vectors, queries, repeat):
    from usearch.index import Index

    from api.cache import PerVersion
    from api.search import semantic

    semantic.VECTORS = PerVersion(lambda: vectors)
    run_of_id = {int(t): run for run, t in enumerate(vectors.trend_ids)}
    exact, numpy_ms = timed(
        lambda q: [
            (run_of_id[near.trend_id], near.similarity) for near in semantic.nearest(q, "bench", None, None, semantic.TOP)
        ],
        queries,
        repeat,
    )
    rows = {"numpy (the service)": (numpy_ms, 1.0, 1.0, 1.0, vectors.matrix.nbytes, None)}
    for dtype in ("f32", "i8"):
        started = time.perf_counter()
        index = Index(ndim=vectors.matrix.shape[1], metric="cos", dtype=dtype)
        index.add(np.arange(len(vectors.matrix)), vectors.matrix, threads=os.cpu_count() or 1)
        built = time.perf_counter() - started
        k = min(K_PASSAGES, len(vectors.matrix))

        def search(q, index=index, k=k):
            keys = index.search(q, k).keys
            return trends_of(keys, vectors.matrix[keys] @ q, vectors.run_of, semantic.TOP)  # rescored exactly

        found, ms = timed(search, queries, repeat)
        quality = (overlap(found, exact, 10), overlap(found, exact, 100), similarity_kept(found, exact, 10))
        rows[f"usearch HNSW {dtype}, {k} passages"] = (ms, *quality, index.memory_usage, built)
    return rows


def main():
    sizes = [int(size) for size in os.environ.get("VECTORS_SIZES", "1 10 100").split()]
    repeat = int(os.environ.get("VECTORS_REPEAT", "3"))
    vectors, queries = report_vectors()
    rng = np.random.default_rng(SEED)
    lines = [
        "| size | passages | method | ms a query (p50) | top 10 found | top 100 found | similarity kept | MiB | build s |",
        "| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for size in sizes:
        matrix = scaled(vectors, size, rng)
        for method, (ms, top10, top100, kept, memory, built) in measure(matrix, queries, repeat).items():
            line = (
                f"| {size}x | {len(matrix.matrix):,} | {method} | {ms:.2f} | {top10:.2f} | {top100:.2f} | {kept:.3f} | "
                f"{memory / 2**20:.1f} | {'-' if built is None else f'{built:.1f}'} |"
            )
            lines.append(line)
            print(line, flush=True)
    versions = f"numpy {metadata.version('numpy')}, usearch {metadata.version('usearch')}"
    text = "\n".join(
        [
            "# Search by meaning: in process against an index",
            "",
            f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `make bench-vectors` on {platform.node()}: "
            f"{os.cpu_count()} cores, Python {platform.python_version()}; {versions}. {len(queries)} queries "
            f"(the judged and held-out sets'), each searched {repeat} times; medians. Sizes past 1x are the "
            f"report's vectors copied with noise (bench/vectors.py). An index is asked for {K_PASSAGES} passages, "
            "from which the trends are ranked; top 10 / top 100 found: the share of the exact ranking's it finds; "
            "similarity kept: its top 10's summed similarity over the exact top 10's.",
            "",
            *lines,
            "",
        ]
    )
    (ROOT / "bench" / "RESULTS-vectors.md").write_text(text)


if __name__ == "__main__":
    main()
