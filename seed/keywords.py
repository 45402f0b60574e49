"""The keyword cloud: split back into its terms, and each term linked to the trends it is about.

The cloud's text extraction wrapped terms across lines ("micro et" / "nano"), so line breaks say
nothing. The split is chosen by dynamic programming over the cloud's words:

- a term starts and ends on a content word, so a function word ("des", "et", "&", "le") is
  always inside a term: "disparition du clic", "TikTok & B2B", "réinventer le Live";
- two content words side by side are one term only when the whole term appears as a phrase
  in a trend's title, subtitle, headings or body; the split scores each such join by where the
  phrase was found (title > heading > body) and keeps the best total.

A term is then linked to every trend whose title, subtitle or headings hold it, or whose body
holds it as a phrase (a single word: at least twice); each link keeps the passage that justifies
it and a weight from where the term was found.
"""

import re
from collections import defaultdict
from itertools import pairwise
from dataclasses import dataclass

from slugify import slugify

from api.analysis import CONJUNCTIONS, STOPWORDS, raw_tokens, term_of

from . import records

MAX_TERM_WORDS = 8
LOCATION_SCORE = {"title": 3, "subtitle": 3, "heading": 2, "body": 1}
LOCATION_WEIGHT = {"title": 1.0, "subtitle": 0.9, "heading": 0.7, "body": 0.3}
CO_OCCURRENCE = 0.5  # weight factor when the words are all there, but not as a phrase
EXTRA_MATCH = 0.05  # weight added per further match in the same trend
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[«\"“(A-ZÀ-Ý0-9])")
_APOSTROPHES = {"'", "’"}
_PAUSES = {".", "...", "…"}  # marks a phrase may run across: "du digital...avec l'humain"
# "+" reads as "avec" or "et": "complémentarité digital + humain".
_CONNECTOR_MATCHES = {"+": {"+", "&", "et", "avec"}, "&": {"&", "et", "+"}, "et": {"et", "&", "+"}}


@dataclass(frozen=True)
class Word:
    """A word or mark of a text, with its folded form, analysed term and kind."""

    text: str
    folded: str
    term: str  # api.analysis.term_of: what the search index would hold
    kind: str  # content, stop, conjunction, punct
    start: int
    end: int


def read_words(text):
    """Every word and mark of ``text``; apostrophes are left out (``d'identité`` -> d, identité)."""
    words = []
    for match, folded in raw_tokens(text):
        if folded in _APOSTROPHES:
            continue
        if folded in CONJUNCTIONS:
            kind = "conjunction"
        elif folded in STOPWORDS:
            kind = "stop"
        elif folded[:1].isalnum():
            kind = "content"
        else:
            kind = "punct"
        words.append(Word(match.group(), folded, term_of(folded), kind, match.start(), match.end()))
    return words


def word_keys(word):
    """Index keys of a word: its term, and for "covid19" also the term of "covid"."""
    keys = {word.term}
    alpha = word.folded.rstrip("0123456789")
    if alpha != word.folded and len(alpha) >= 4:
        keys.add(term_of(alpha))
    return keys


def same_word(a, b):
    """Same term, or the same word with a number glued on ("covid" and "covid19")."""
    if a.term == b.term:
        return True
    short, long = sorted((a.folded, b.folded), key=len)
    return len(short) >= 4 and long.startswith(short) and long[len(short) :].isdigit()


@dataclass
class Passage:
    """A title, subtitle, heading or paragraph of a trend, as words."""

    trend_number: int
    location: str
    text: str
    words: list


def passages_of(trend):
    """Every passage of a trend, title first."""
    yield Passage(trend.number, "title", trend.title, read_words(trend.title))
    if trend.subtitle:
        yield Passage(trend.number, "subtitle", trend.subtitle, read_words(trend.subtitle))
    for section in trend.sections:
        if section.heading:
            yield Passage(trend.number, "heading", section.heading, read_words(section.heading))
        for block in section.blocks:
            yield Passage(trend.number, "body", block.text, read_words(block.text))


class PassageIndex:
    """Where each content word stands in the passages, to find phrases without a full scan."""

    def __init__(self, passages):
        self.passages = passages
        self.positions = defaultdict(list)
        for p, passage in enumerate(passages):
            for w, word in enumerate(passage.words):
                if word.kind == "content":
                    for key in word_keys(word):
                        self.positions[key].append((p, w))

    def places(self, word):
        """``(passage index, word index)`` of every word that is ``word``."""
        found = {place for key in word_keys(word) for place in self.positions.get(key, ())}
        return sorted(p for p in found if same_word(word, self.passages[p[0]].words[p[1]]))

    def phrases(self, term):
        """``(passage index, matched word indexes)`` of every place the term is a phrase."""
        first = next(w for w in term if w.kind == "content")
        return [(p, matched) for p, w in self.places(first) if (matched := phrase_at(term, self.passages[p].words, w))]

    def co_occurrences(self, term):
        """``(passage index, first index of each word)`` where all the term's words stand."""
        found = None
        for word in (w for w in term if w.kind == "content"):
            places = {}
            for p, w in self.places(word):
                places.setdefault(p, w)
            found = (
                {p: [w] for p, w in places.items()}
                if found is None
                else {p: found[p] + [places[p]] for p in found if p in places}
            )
        return sorted((found or {}).items())


def phrase_at(term, words, start):
    """Match the term's words from ``words[start]`` on; returns the matched indexes or None.

    Between two content words that stand side by side in the term, the text may only hold
    stop words (at most three, no conjunction, no punctuation); where the term holds function
    words, the text may hold up to three more words and marks, and must hold a matching
    conjunction where the term has one.
    """
    content = [i for i, w in enumerate(term) if w.kind == "content"]
    if not same_word(term[content[0]], words[start]):
        return None
    matched = [start]
    for previous, current in pairwise(content):
        between = term[previous + 1 : current]
        reach = min(len(words), matched[-1] + 2 + len(between) + 3)
        found = next((i for i in range(matched[-1] + 1, reach) if same_word(term[current], words[i])), None)
        if found is None:
            return None
        gap = words[matched[-1] + 1 : found]
        if not between:
            if len(gap) > 3 or any(w.kind != "stop" for w in gap):
                return None
        elif any(w.kind == "punct" and w.folded not in _PAUSES for w in gap):
            return None
        elif any(not any(g.folded in _CONNECTOR_MATCHES[w.folded] for g in gap) for w in between if w.kind == "conjunction"):
            return None
        matched.append(found)
    return matched


def best_split(words, index, line=0):
    """Choose the split of the cloud's words into terms that best matches the passages.

    A punctuation mark (a comma, a full stop) always ends a term and belongs to none.
    """
    n = len(words)
    best = [None] * (n + 1)
    best[0] = (0, [])
    scores = {}
    for end in range(1, n + 1):
        if words[end - 1].kind == "punct":
            best[end] = best[end - 1]
            continue
        if end < n and not can_cut(words, end):
            continue
        for start in range(max(0, end - MAX_TERM_WORDS * 2), end):
            if best[start] is None or (start and not can_cut(words, start)):
                continue
            if words[start].kind != "content" or words[end - 1].kind != "content":
                continue
            score = term_score(words[start:end], index, scores)
            if score is not None and (best[end] is None or best[start][0] + score > best[end][0]):
                best[end] = (best[start][0] + score, best[start][1] + [(start, end)])
    if best[n] is None:
        raise records.ParseError(
            "the keyword cloud cannot be split into terms: a term cannot start or end on a word like 'et', 'de' or '&'",
            line,
        )
    return [words[start:end] for start, end in best[n][1]]


def can_cut(words, position):
    """A term may end before ``words[position]`` between two content words, or at a mark."""
    before, after = words[position - 1].kind, words[position].kind
    return "punct" in (before, after) or before == after == "content"


def term_score(term, index, cache):
    """The score of one candidate term, or None when it cannot be a term.

    A term with no two content words side by side scores 0 (its shape forces it). Each pair of
    side-by-side content words needs the whole term to appear as a phrase somewhere, and scores
    by the best place it appears.
    """
    if sum(1 for w in term if w.kind == "content") > MAX_TERM_WORDS:
        return None
    if any(w.kind == "punct" for w in term):
        return None
    joins = sum(1 for a, b in pairwise(term) if a.kind == b.kind == "content")
    if not joins:
        return 0
    key = tuple(w.folded for w in term)
    if key not in cache:
        places = [LOCATION_SCORE[index.passages[p].location] for p, _ in index.phrases(term)]
        cache[key] = max(places, default=None)
    return None if cache[key] is None else joins * cache[key]


def sentences_around(text, start, end):
    """The sentences of ``text`` that hold the span ``start:end``."""
    bounds = [0] + [m.end() for m in _SENTENCE_END.finditer(text)] + [len(text)]
    first = max(b for b in bounds if b <= start)
    last = min((b for b in bounds if b >= end), default=len(text))
    return text[first:last].strip()


@dataclass
class Match:
    passage: Passage
    indexes: list
    phrase: bool

    @property
    def weight(self):
        return LOCATION_WEIGHT[self.passage.location] * (1 if self.phrase else CO_OCCURRENCE)

    @property
    def evidence(self):
        if self.passage.location != "body":
            return self.passage.text
        words = self.passage.words
        start = min(words[i].start for i in self.indexes)
        end = max(words[i].end for i in self.indexes)
        return sentences_around(self.passage.text, start, end)


def term_matches(term, index):
    """Matches of a term by trend number: phrases, else co-occurrences of all its words."""
    by_passage = defaultdict(list)
    for p, matched in index.phrases(term):
        by_passage[p].append(Match(index.passages[p], matched, True))
    for p, first in index.co_occurrences(term):
        if p not in by_passage:
            by_passage[p].append(Match(index.passages[p], first, False))
    by_trend = defaultdict(list)
    for p, found in by_passage.items():
        by_trend[index.passages[p].trend_number].extend(found)
    return by_trend


def is_linked(matches, single_word):
    """A trend is about a term when a title, subtitle or heading holds it, or its body holds
    it as a phrase (a single word: twice)."""
    if any(m.passage.location != "body" for m in matches):
        return True
    return sum(1 for m in matches if m.phrase) >= (2 if single_word else 1)


def link_keywords(cloud_text, trends, line, notices):
    """Split the cloud into terms and link each to its trends (see the module docstring)."""
    index = PassageIndex([p for trend in trends for p in passages_of(trend)])
    keywords, slugs = [], set()
    for term in best_split(read_words(cloud_text), index, line):
        text = " ".join(cloud_text[term[0].start : term[-1].end].split())
        single = sum(1 for w in term if w.kind == "content") == 1
        by_trend = term_matches(term, index)
        linked = {n: ms for n, ms in by_trend.items() if is_linked(ms, single)}
        if not linked:  # fall back on the trends that hold all its words, phrase or not
            linked = by_trend
        links = []
        for number, matches in linked.items():
            best = max(matches, key=lambda m: m.weight)
            weight = min(1.0, best.weight + EXTRA_MATCH * (len(matches) - 1))
            links.append(records.KeywordLink(number, round(weight, 3), best.evidence, best.passage.location))
        links.sort(key=lambda link: (-link.weight, link.trend_number))
        if not links:
            notices.warn(line, f"keyword {text!r} is about no trend")
        slug = slugify(text) or "keyword"
        if slug in slugs:
            notices.warn(line, f"keyword {text!r} appears twice in the cloud; kept once")
            continue
        slugs.add(slug)
        keywords.append(records.Keyword(slug, text, links, line))
    return keywords
