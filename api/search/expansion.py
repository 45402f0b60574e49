"""What a query names of the keywords, searched under every label of each.

A word, a quoted phrase, or words typed side by side (up to ``MAX_RUN``, the longest first) whose
analysed terms are a label of a keyword (api.analysis.label_key: a label in French or English,
preferred or alternative) become one clause: what was typed (words side by side: all of them,
anywhere), or any other label of that keyword (a label of several words: as a phrase). So
``artificial intelligence`` finds the French "intelligence artificielle" and "IA", and trends
about the keyword rank higher (:data:`ABOUT_BOOST`, api/search/index.py). The query's echo lists
each expansion: why a French trend answers an English query.

No statement: the keywords' labels are read once per data version (api/keywords/names.py); a
query that names no keyword is left as it was.
"""

from dataclasses import dataclass

from ..keywords.names import names
from ..summaries import KeywordRef
from .syntax import Alternative

MAX_RUN = 6  # words a label may span in a query
MAX_LABELS = 12  # other labels searched for one keyword (preferred ones first)
ABOUT_BOOST = 1.5  # score factor of a trend about a keyword the query names


@dataclass(frozen=True)
class Expansion:
    """A keyword a query names (``matched``: its words, as analysed) and the labels added."""

    matched: str
    keyword_id: int
    slug: str
    term: str
    labels: tuple

    @property
    def keyword(self):
        return KeywordRef(self.keyword_id, self.slug, self.term)


def plain(alternatives):
    """The alternative of a clause that holds one word or phrase, else None."""
    return alternatives[0] if len(alternatives) == 1 and not alternatives[0].prefix else None


def candidates(clauses):
    """``{key: (start, end)}`` of every run of clauses of one word or phrase (``MAX_RUN`` at most)."""
    found = {}
    for start in range(len(clauses)):
        words = []
        for end in range(start, min(len(clauses), start + MAX_RUN)):
            alternative = plain(clauses[end])
            if alternative is None:
                break
            words += alternative.terms
            found.setdefault(" ".join(words), (start, end + 1))
    return found


def expand(query):
    """``query`` (an api.search.syntax.ParsedQuery) with the keywords it names searched under all
    their labels, and its ``expansions`` set."""
    runs = candidates(query.clauses)
    if not runs:
        return query
    known = names()
    labels = {key: named for key in runs if (named := known.named(key)) is not None}
    if not labels:
        return query
    clauses, expansions, position = [], [], 0
    while position < len(query.clauses):
        longest = max(
            ((key, end) for key, (start, end) in runs.items() if start == position and key in labels),
            key=lambda found: found[1],
            default=None,
        )
        if longest is None:
            clauses.append(query.clauses[position])
            position += 1
            continue
        key, end = longest
        named = labels[key]
        typed = [plain(clause) for clause in query.clauses[position:end]]
        own = typed[0] if len(typed) == 1 else Alternative(tuple(t for a in typed for t in a.terms), apart=True)
        alternatives, added = [own], []
        for label, analysed in zip(named.labels, named.analysed, strict=True):
            if analysed and len(added) < MAX_LABELS and all(analysed != a.terms for a in alternatives):
                alternatives.append(Alternative(analysed))
                added.append(label)
        clauses.append(alternatives)
        if added:
            expansions.append(Expansion(key, named.id, named.slug, named.term, tuple(added)))
        position = end
    query.clauses, query.expansions = clauses, expansions
    return query
