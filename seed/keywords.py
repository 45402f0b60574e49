"""The keyword cloud: split back into its terms, and each term linked to the trends it is about.

The cloud's text extraction wrapped terms across lines ("micro et" / "nano"), so line breaks say
nothing. The split is chosen by dynamic programming over the cloud's words:

- a term starts and ends on a content word, so a function word ("des", "et", "&", "le") is
  always inside a term: "disparition du clic", "TikTok & B2B", "réinventer le Live";
- two content words side by side are one term only when the whole term appears as a phrase
  in a trend's title, subtitle or headings (most terms summarise a title); the split scores
  each such join by where the phrase was found (title > heading) and keeps the best total.

A term is then linked to every trend whose title, subtitle or headings hold it, or whose body
holds it as a phrase (a single word: at least twice); each link keeps the passage that justifies
it and a weight from where the term was found. The passages are read once, trend by trend, for
all terms together, so a report a thousand times this one is linked in one pass and in memory
that follows its links.
"""

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import NamedTuple

from slugify import slugify

from api.analysis import CONJUNCTIONS, STOPWORDS, TOKEN_RE, fold, term_of

from . import records

MAX_TERM_WORDS = 8
LOCATION_SCORE = {"title": 3, "subtitle": 3, "heading": 2}  # where a joined term was found
LOCATION_WEIGHT = {"title": 1.0, "subtitle": 0.9, "heading": 0.7, "body": 0.3}
CO_OCCURRENCE = 0.5  # weight factor when the words are all there, but not as a phrase
EXTRA_MATCH = 0.05  # weight added per further match in the same trend
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[«\"“(A-ZÀ-Ý0-9])")
_APOSTROPHES = {"'", "’"}
_PAUSES = {".", "...", "…"}  # marks a phrase may run across: "du digital...avec l'humain"
# "+" reads as "avec" or "et": "complémentarité digital + humain". Any other conjunction of a
# term ("ou", "ni", "mais") matches itself only.
_CONNECTOR_MATCHES = {"+": {"+", "&", "et", "avec"}, "&": {"&", "et", "+"}, "et": {"et", "&", "+"}}


class Word(NamedTuple):
    """A word or mark of a text, with its folded form, analysed term and kind."""

    text: str
    folded: str
    term: str  # api.analysis.term_of: what the search index would hold
    kind: str  # content, stop, conjunction, punct
    start: int
    end: int
    keys: tuple  # the term, and for "covid19" also the term of "covid"


@lru_cache(maxsize=262144)
def classify(raw):
    """``(folded, term, kind, keys)`` of one token as printed; tokens repeat, so it is cached."""
    folded = fold(raw)
    if folded in CONJUNCTIONS:
        kind = "conjunction"
    elif folded in STOPWORDS:
        kind = "stop"
    elif folded[:1].isalnum():
        kind = "content"
    else:
        kind = "punct"
    term = term_of(folded)
    return folded, term, kind, word_keys(folded, term)


def read_words(text):
    """Every word and mark of ``text``; apostrophes are left out (``d'identité`` -> d, identité)."""
    words = []
    for match in TOKEN_RE.finditer(text):
        raw = match.group()
        if raw in _APOSTROPHES:
            continue
        folded, term, kind, keys = classify(raw)
        words.append(Word(raw, folded, term, kind, match.start(), match.end(), keys))
    return words


def word_keys(folded, term):
    """Index keys of a word: its term, and for "covid19" also the term of "covid"."""
    if not folded[-1:].isdigit():
        return (term,)
    alpha = folded.rstrip("0123456789")
    return (term, term_of(alpha)) if len(alpha) >= 4 else (term,)


def same_word(a, b):
    """Same term, or the same word with a number glued on ("covid" and "covid19")."""
    return a.term in b.keys or b.term in a.keys


@dataclass
class Passage:
    """A title, subtitle, heading or paragraph of a trend, as words."""

    trend_number: int
    location: str
    text: str
    words: list


def passages_of(trend, body=True):
    """Every passage of a trend, title first; ``body=False`` leaves the paragraphs out."""
    yield Passage(trend.number, "title", trend.title, read_words(trend.title))
    if trend.subtitle:
        yield Passage(trend.number, "subtitle", trend.subtitle, read_words(trend.subtitle))
    for section in trend.sections:
        if section.heading:
            yield Passage(trend.number, "heading", section.heading, read_words(section.heading))
        if body:
            for block in section.blocks:
                yield Passage(trend.number, "body", block.text, read_words(block.text))


class PassageIndex:
    """Where each content word stands in some passages, to find phrases without a full scan."""

    def __init__(self, passages):
        self.passages = passages
        self.positions = defaultdict(lambda: defaultdict(list))  # key -> passage -> word indexes
        for p, passage in enumerate(passages):
            for w, word in enumerate(passage.words):
                if word.kind == "content":
                    for key in word.keys:
                        self.positions[key][p].append(w)

    def holding(self, word):
        """The passages that hold a word (under any of its keys)."""
        return set().union(*(self.positions[key].keys() for key in word.keys if key in self.positions))

    def phrases(self, term):
        """``(passage index, matched word indexes)`` of every place the term is a phrase; only
        the passages that hold all its words are tried."""
        content = [w for w in term if w.kind == "content"]
        candidates = self.holding(content[0])
        for word in content[1:]:
            candidates &= self.holding(word)
        found = []
        for p in sorted(candidates):
            starts = sorted({w for key in content[0].keys if key in self.positions for w in self.positions[key].get(p, ())})
            found += [(p, matched) for w in starts if (matched := phrase_at(term, self.passages[p].words, w))]
        return found


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
        elif any(w.kind == "punct" and w.folded not in _PAUSES and w.folded not in {b.folded for b in between} for w in gap):
            return None  # a mark the term does not hold itself ("micro-influenceur" holds its hyphen)
        elif any(
            not any(g.folded in _CONNECTOR_MATCHES.get(w.folded, {w.folded}) for g in gap)
            for w in between
            if w.kind == "conjunction"
        ):
            return None
        matched.append(found)
    return matched


def best_split(words, index, line=0):
    """Choose the split of the cloud's words into terms that best matches the titles and
    headings in ``index``.

    A punctuation mark (a comma, a full stop) always ends a term and belongs to none.
    """
    n = len(words)
    best = [None] * (n + 1)  # (score, where the last term starts), or None if no split ends here
    best[0] = (0, None)
    scores = {}
    for end in range(1, n + 1):
        if words[end - 1].kind == "punct":
            best[end] = None if best[end - 1] is None else (best[end - 1][0], end - 1)
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
                best[end] = (best[start][0] + score, start)
    if best[n] is None:
        raise records.ParseError(
            "the keyword cloud cannot be split into terms: a term cannot start or end on a word like 'et', 'de' or '&'",
            line,
        )
    terms, end = [], n
    while end:
        start = best[end][1]
        if words[end - 1].kind != "punct":
            terms.append(words[start:end])
        end = start
    return terms[::-1]


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


class Match:
    """Where a passage holds a term: its location, the span of the matched words, and whether
    they form the phrase (or only stand in the same passage). Keeps the text, not the words."""

    __slots__ = ("location", "text", "start", "end", "phrase", "weight")

    def __init__(self, passage, indexes, phrase):
        words = passage.words
        self.location, self.text, self.phrase = passage.location, passage.text, phrase
        self.start = min(words[i].start for i in indexes)
        self.end = max(words[i].end for i in indexes)
        self.weight = LOCATION_WEIGHT[self.location] * (1 if phrase else CO_OCCURRENCE)

    @property
    def evidence(self):
        """The title or heading, or the sentences of the paragraph around the matched words."""
        return self.text if self.location != "body" else sentences_around(self.text, self.start, self.end)


# A trend is about a term when a title, subtitle or heading names it as a phrase, or when its
# body holds it this strongly (a phrase of several words counts 2, a single word 1): a passing
# mention is not enough.
ABOUT_STRENGTH = 6


class Tally:
    """What one trend says of one term (or of the labels of one concept): its best match, how
    many matches it holds and how strong they are."""

    __slots__ = ("best", "count", "strength", "outside_body", "named")

    def __init__(self):
        self.best, self.count, self.strength, self.outside_body, self.named = None, 0, 0, False, False

    def add(self, match, single_word):
        """Count a match of a term of one word (``single_word``) or of several."""
        self.count += 1
        if match.phrase:
            self.strength += 1 if single_word else 2
            self.named = self.named or match.location != "body"
        self.outside_body = self.outside_body or match.location != "body"
        if self.best is None or match.weight > self.best.weight:
            self.best = match

    def merge(self, other):
        """Add what ``other`` counted (another label of the same concept) to this tally."""
        self.count += other.count
        self.strength += other.strength
        self.outside_body = self.outside_body or other.outside_body
        self.named = self.named or other.named
        if self.best is None or other.best.weight > self.best.weight:
            self.best = other.best
        return self

    def is_link(self):
        """A trend is linked to a term when a title, subtitle or heading holds it, or its body
        holds it as a phrase (a single word: twice)."""
        return self.outside_body or self.strength >= 2

    def grade(self):
        """``about`` when a title, subtitle or heading names the term, or the body holds it
        ``ABOUT_STRENGTH`` strongly; else ``mention``."""
        return "about" if self.named or self.strength >= ABOUT_STRENGTH else "mention"

    def link(self, number):
        """The :class:`~seed.records.KeywordLink` of trend ``number`` this tally makes."""
        weight = round(min(1.0, self.best.weight + EXTRA_MATCH * (self.count - 1)), 3)
        return records.KeywordLink(number, weight, self.best.evidence, self.best.location, self.grade())


class Tallies:
    """The tallies of the terms: trend by trend, each term's linked trends; and, for a term no
    trend is linked to yet, the trends that hold its words without being about it (the
    fallback). Once linked, a term's fallback is dropped: memory follows the links, not the
    (far more) passing mentions of common words."""

    def __init__(self, terms):
        self.terms = terms
        self.content = [[w for w in term if w.kind == "content"] for term in terms]
        self.keys = [[w.keys for w in words] for words in self.content]
        self.single = [len(words) == 1 for words in self.content]
        # A passage is a candidate for a term only when it holds the term's first two content
        # words: terms are found by those (a term of one word, by it), and the rest is checked.
        self.by_word = defaultdict(list)
        self.by_pair = defaultdict(lambda: defaultdict(list))
        for i, words in enumerate(self.content):
            for first in words[0].keys:
                if len(words) == 1:
                    self.by_word[first].append(i)
                for second in words[1].keys if len(words) > 1 else ():
                    self.by_pair[first][second].append(i)
        self.linked = defaultdict(dict)
        self.fallback = defaultdict(dict)

    def read_trend(self, number, passages):
        tallies = defaultdict(Tally)
        for passage in passages:
            self.read_passage(passage, tallies)
        for i, tally in tallies.items():
            if tally.is_link():
                self.linked[i][number] = tally
                self.fallback.pop(i, None)
            elif i not in self.linked:
                self.fallback[i][number] = tally

    def read_passage(self, passage, tallies):
        """Try the passage for the terms whose words it holds: as a phrase at each place the
        first word stands, else as the co-occurrence of all the term's words."""
        positions = defaultdict(list)
        for index, word in enumerate(passage.words):
            if word.kind == "content":
                for key in word.keys:
                    positions[key].append(index)
        present = positions.keys()
        candidates = {i for key in present & self.by_word.keys() for i in self.by_word[key]}
        for first in present & self.by_pair.keys():
            seconds = self.by_pair[first]
            candidates.update(i for second in present & seconds.keys() for i in seconds[second])
        for i in sorted(candidates):
            if not all(any(key in positions for key in keys) for keys in self.keys[i]):
                continue  # the term's words are not all here: neither phrase nor co-occurrence
            starts = sorted({start for key in self.content[i][0].keys for start in positions.get(key, ())})
            found = [Match(passage, m, True) for start in starts if (m := phrase_at(self.terms[i], passage.words, start))]
            if not found:
                firsts = [min(p for key in w.keys for p in positions.get(key, ())) for w in self.content[i]]
                found = [Match(passage, firsts, False)]
            tally = tallies[i]
            for match in found:
                tally.add(match, self.single[i])

    def of(self, i):
        """``{trend number: Tally}``: the trends linked to term ``i``, or else its fallback."""
        return self.linked.get(i) or self.fallback.get(i, {})


def tally_terms(terms, trends):
    """Every passage of every trend read once, for all the terms together (see :class:`Tallies`)."""
    tallies = Tallies(terms)
    for trend in trends:
        tallies.read_trend(trend.number, passages_of(trend))
    return tallies


def link_keywords(cloud_text, trends, line, notices):
    """Split the cloud into terms and link each to its trends (see the module docstring)."""
    index = PassageIndex([p for trend in trends for p in passages_of(trend, body=False)])
    terms = best_split(read_words(cloud_text), index, line)
    tallies = tally_terms(terms, trends)
    keywords, slugs = [], set()
    for i, term in enumerate(terms):
        text = " ".join(cloud_text[term[0].start : term[-1].end].split())
        linked = tallies.of(i)  # else the trends that hold all its words, phrase or not
        links = [tally.link(number) for number, tally in linked.items()]
        links.sort(key=lambda link: (-link.weight, link.trend_number))
        if not links:
            notices.warn(line, f"keyword {text!r} is about no trend")
        slug = slugify(text) or "keyword"
        if slug in slugs:
            notices.warn(line, f"keyword {text!r} appears twice in the cloud; kept once")
            continue
        slugs.add(slug)
        keywords.append(records.Keyword(slug, text, links, line, labels={"fr": text}))
    return keywords
