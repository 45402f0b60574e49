"""Snippets: the passages of a hit's texts that match a query, with the matches marked.

Where each word of a text stands is worked out once, when the seed indexes it (:func:`offsets`,
with the French analyser the index uses): a request only looks up the words that answer its
query (:func:`marker`), so a word is marked exactly when its analysed term answers the query.
Offsets are stored as Python indices (code points) into the source text; an answer gives them
in UTF-16 code units, as JavaScript indexes strings (:class:`Units`): a snippet's place in its
field, and each match's place in the snippet's text.
"""

import html
import re
from bisect import bisect_left, bisect_right
from collections import defaultdict
from itertools import repeat
from operator import itemgetter

WIDTH = 180  # characters of context per snippet, about
_TO_WORD_END = re.compile(r"\S*")  # \s is what str.isspace() calls a space
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")  # a code point UTF-16 writes as two units (an emoji)


class Units:
    """Python indices into ``text`` as UTF-16 code units (JavaScript's string indices): the same
    but after a character past U+FFFF, which counts two. Checking a text for one costs its
    encoding (2 µs for 8 KB); the report has one (an emoji)."""

    __slots__ = ("astral",)

    def __init__(self, text):
        plain = text.isascii() or len(text.encode("utf-16-le")) == 2 * len(text)
        self.astral = [] if plain else [found.start() for found in _ASTRAL.finditer(text)]

    def __call__(self, index):
        return index + bisect_left(self.astral, index) if self.astral else index


def offsets(fields):
    """Where each analysed word of an entry's texts stands, as :func:`snippets` reads it: one
    line per term and field, ``term field start:end start:end...``.

    :param fields: the tokens of each text (api.analysis.analyze), in the order of the texts;
        a field is named by its position in that order
    """
    spans = {}
    for number, tokens in enumerate(fields):
        for token in tokens:
            spans.setdefault((token.term, number), []).append(f"{token.start}:{token.end}")
    return "\n".join(f"{term} {number} {' '.join(found)}" for (term, number), found in spans.items())


def marker(query):
    """A pattern that finds, in :func:`offsets`, the lines of the words a parsed query marks:
    its positive words, and the words starting with its prefixes."""
    terms, prefixes = query.marked()
    words = [re.escape(term) for term in sorted(terms)] + [re.escape(prefix) + "[^ ]*" for prefix in prefixes]
    # Led by a line break, not "^" in multi-line mode: the engine then jumps from line to line.
    return re.compile(f"\n({'|'.join(words)}) (\\d+) ([^\n]*)")


def snippets(texts, offsets, marker, limit):
    """Up to ``limit`` snippets of a hit's texts around the words ``marker`` finds, from the first
    text on.

    :param texts: the hit's texts by field name, in the order :func:`offsets` had them
    :returns: dicts with ``field``, ``start``/``end`` (the slice of the source text shown),
        ``text`` (that slice), ``html`` (it, escaped, matches in ``<mark>``, "…" where cut)
        and ``matches`` (``start``/``end`` of each marked word in ``text``), offsets in UTF-16
        code units (:class:`Units`)
    """
    found = defaultdict(list)  # field number -> (start, end, term) of each marked word
    for term, number, spans in marker.findall("\n" + offsets):
        bounds = list(map(int, spans.replace(":", " ").split()))
        found[int(number)] += zip(bounds[::2], bounds[1::2], repeat(term))
    chosen = []
    for number, (field, text) in enumerate(texts.items()):
        if found[number] and len(chosen) < limit:
            hits = sorted(found[number], key=itemgetter(0))  # stable: a word's terms stay in stored order
            chosen += passages(text, hits, field, limit - len(chosen))
    return chosen


def _word_start(text, position):
    """``position`` moved back to the start of the word it falls in."""
    while position > 0 and not text[position - 1].isspace():
        position -= 1
    return position


def _word_end(text, position):
    """``position`` moved on to the end of the word it falls in."""
    return _TO_WORD_END.match(text, position).end()


def passages(text, hits, field, limit):
    """Up to ``limit`` snippets of ``text`` around ``hits`` (``(start, end, term)``, in text order)."""
    units = Units(text)
    windows = []
    for hit_start, hit_end, _ in hits:
        if windows and hit_end <= windows[-1][1]:
            continue
        start = _word_start(text, max(0, hit_start - WIDTH // 3))
        end = _word_end(text, min(len(text), start + WIDTH))
        windows.append((start, max(end, hit_end)))
    starts = [hit[0] for hit in hits]

    def inside(window):  # the hits a window holds whole, found by bisection: hits are in text order
        start, end = window
        return [hit for hit in hits[bisect_left(starts, start) : bisect_right(starts, end)] if hit[1] <= end]

    held = [(window, inside(window)) for window in windows]
    if len(held) > limit:  # the windows holding the most distinct matched terms, then in text order
        held = sorted(sorted(held, key=lambda each: (-len({term for _, _, term in each[1]}), each[0][0]))[:limit])
    return [_snippet(text, start, end, inside_hits, field, units) for (start, end), inside_hits in held]


def _snippet(text, start, end, hits, field, units):
    parts, cursor, matches = [], start, []
    offset = units(start)
    for hit_start, hit_end, _ in hits:
        if hit_start < cursor:  # two terms of one source word ("½"): marked once
            continue
        matches.append({"start": units(hit_start) - offset, "end": units(hit_end) - offset})
        parts.append(html.escape(text[cursor:hit_start], quote=False))
        parts.append(f"<mark>{html.escape(text[hit_start:hit_end], quote=False)}</mark>")
        cursor = hit_end
    parts.append(html.escape(text[cursor:end], quote=False))
    marked = "".join(parts).strip()
    return {
        "field": field,
        "start": offset,
        "end": units(end),
        "text": text[start:end],
        "html": ("…" if start > 0 else "") + marked + ("…" if end < len(text) else ""),
        "matches": matches,
        "similarity": None,  # a passage found by meaning gives it (api/search/results.py)
    }
