"""Web-search syntax, read into a query both indexes understand.

Words are ANDed; ``"quoted words"`` are a phrase; ``-word`` or ``-"a phrase"`` excludes;
``OR`` (upper case) between two words or phrases accepts either; ``word*`` matches words
starting so. Every word goes through the French analyser, so what is searched is exactly what
was indexed. Nothing the user types reaches an index as syntax: expressions are rebuilt from
analysed terms, which are plain runs of letters and digits.
"""

import re
from dataclasses import dataclass, field, replace

from ..analysis import fold, singular, terms

MAX_CLAUSES = 16
MAX_PHRASE_TERMS = 32
_LEXER = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_PREFIX = re.compile(r"[^\W_]{2,}")


@dataclass(frozen=True)
class Alternative:
    """A term, a phrase (several terms in a row), a prefix, or several terms ``apart`` (all of
    them, anywhere: words typed side by side that name a keyword, api/search/expansion.py)."""

    terms: tuple
    prefix: bool = False
    apart: bool = False

    def display(self):
        text = " ".join(self.terms)
        if self.prefix:
            return f"{text}*"
        return f'"{text}"' if len(self.terms) > 1 and not self.apart else text

    def fts5(self):
        if self.apart:
            return "(" + " AND ".join(f'"{term}"' for term in self.terms) + ")"
        return f'"{" ".join(self.terms)}"' + ("*" if self.prefix else "")

    def tsquery(self):
        if self.prefix:
            return f"'{self.terms[0]}':*"
        return (" & " if self.apart else " <-> ").join(f"'{term}'" for term in self.terms)


@dataclass
class ParsedQuery:
    """Clauses that must all match (each a list of alternatives), and exclusions."""

    text: str
    clauses: list = field(default_factory=list)
    excluded: list = field(default_factory=list)
    expansions: list = field(default_factory=list)  # of api.search.expansion.Expansion
    relaxed: bool = False  # any of the words is enough: the query as sent found nothing (any_word())
    ignored: list = field(default_factory=list)  # what was typed and is not searched: stop words, punctuation

    @property
    def empty(self):
        """Nothing to search for (stop words and punctuation alone): it finds nothing."""
        return not self.clauses

    def fts5(self):
        """The SQLite FTS5 MATCH expression."""
        expression = " AND ".join(
            alternatives[0].fts5() if len(alternatives) == 1 else "(" + " OR ".join(a.fts5() for a in alternatives) + ")"
            for alternatives in self.clauses
        )
        for alternative in self.excluded:
            expression = f"({expression}) NOT {alternative.fts5()}"
        return expression

    def tsquery(self):
        """The PostgreSQL ``to_tsquery('simple', ...)`` expression."""
        parts = ["(" + " | ".join(f"({a.tsquery()})" for a in alternatives) + ")" for alternatives in self.clauses]
        parts += [f"!({alternative.tsquery()})" for alternative in self.excluded]
        return " & ".join(parts)

    def any_word(self, split=False):
        """The query with any of its clauses' alternatives enough (one clause holding them all;
        words typed side by side split apart; with ``split``, phrases too, into their words;
        prefixes and exclusions kept), or None when it already is so."""
        alternatives = [
            part
            for clause in self.clauses
            for alternative in clause
            for part in (
                [Alternative((term,)) for term in alternative.terms]
                if alternative.apart or (split and not alternative.prefix)
                else [alternative]
            )
        ]
        alternatives = list(dict.fromkeys(alternatives))
        if len(self.clauses) == 1 and alternatives == self.clauses[0]:
            return None
        return ParsedQuery(self.text, [alternatives], list(self.excluded), list(self.expansions), True, list(self.ignored))

    def marked(self):
        """What a snippet marks: the analysed words of the positive alternatives (each word of
        a phrase too), and the prefixes of their ``word*``, as ``(terms, prefixes)``."""
        positive = [a for alternatives in self.clauses for a in alternatives]
        return {t for a in positive if not a.prefix for t in a.terms}, [a.terms[0] for a in positive if a.prefix]

    def describe(self):
        positive = [a for alternatives in self.clauses for a in alternatives]
        return {
            "text": self.text,
            "operator": "AND",
            "clauses": [[a.display() for a in alternatives] for alternatives in self.clauses],
            "terms": sorted({t for a in positive if (len(a.terms) == 1 or a.apart) and not a.prefix for t in a.terms}),
            "phrases": [list(a.terms) for a in positive if len(a.terms) > 1 and not a.apart],
            "prefixes": [a.terms[0] for a in positive if a.prefix],
            "excluded": [a.display() for a in self.excluded],
            "expansions": self.expansions,
            "relaxed": self.relaxed,
            "ignored": self.ignored,
        }


def positive_text(text):
    """What a query searches for, as typed: its words and phrases, without quotes, exclusions,
    ``OR`` or ``*`` (the text search by meaning embeds)."""
    kept = []
    for match in _LEXER.finditer(text):
        negated, phrase, word = match.group(1) == "-", match.group(2), match.group(3)
        if phrase is not None:
            if not negated:
                kept.append(phrase)
        elif word != "OR" and not (word.startswith("-") and len(word) > 1):
            kept.append(word.rstrip("*"))
    return " ".join(" ".join(kept).split())


def read_word(word):
    """The alternative a bare word stands for, or None for a stop word or punctuation."""
    if word.endswith("*") and _PREFIX.fullmatch(fold(word[:-1])):
        # made singular as the index makes it ("vidéos*" finds "vidéo", stored for both forms)
        return Alternative((singular(fold(word[:-1])),), prefix=True)
    analysed = tuple(terms(word))
    return Alternative(analysed) if analysed else None


def parse_query(text):
    """Read a search box's text.

    Every text is a query; what cannot be searched is left out and listed in ``ignored``: stop
    words and punctuation, a phrase's words past the :data:`MAX_PHRASE_TERMS`-th, every word,
    phrase or exclusion past the :data:`MAX_CLAUSES`-th (as web search engines cut long
    queries). A text with nothing left to search for (stop words alone, exclusions alone) is a
    query that finds nothing (:attr:`ParsedQuery.empty`): a search box that has typed "la" gets
    no hit, not an error.
    """
    query, pending_or, cut = ParsedQuery(text), False, False
    for match in _LEXER.finditer(text):
        negated, phrase, word = match.group(1) == "-", match.group(2), match.group(3)
        if phrase is None and word == "OR":
            pending_or = bool(query.clauses) and not cut  # an alternative of what was cut is cut too
            continue
        if phrase is not None:
            analysed = tuple(terms(phrase))
            alternative = Alternative(analysed) if analysed else None
        else:
            negated = word.startswith("-") and len(word) > 1
            alternative = read_word(word[1:] if negated else word)
        cut = alternative is not None and len(query.clauses) + len(query.excluded) == MAX_CLAUSES and not pending_or
        if alternative is None or cut:
            query.ignored.append(match.group(0).strip())
            continue
        if len(alternative.terms) > MAX_PHRASE_TERMS:
            query.ignored.append(" ".join(alternative.terms[MAX_PHRASE_TERMS:]))
            alternative = replace(alternative, terms=alternative.terms[:MAX_PHRASE_TERMS])
        if negated:
            query.excluded.append(alternative)
        elif pending_or:
            query.clauses[-1].append(alternative)
        else:
            query.clauses.append([alternative])
        pending_or = False
    return query
