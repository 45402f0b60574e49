"""What partners and queries name keywords by: every keyword's slug and labels, read by each
worker once per data version (:data:`NAMES`), so that resolving ``keyword=`` values and finding
the keywords a search names cost no statement."""

from dataclasses import dataclass

from flask import has_request_context, request

from ..analysis import terms
from ..cache import PerVersion, request_version
from ..db import db, rows


@dataclass(frozen=True, slots=True)
class Named:
    """A keyword as names find it: its slug, term and labels (preferred ones first), each label's
    terms as the analyser reads them beside (what a search for it looks for)."""

    id: int
    slug: str
    term: str
    labels: tuple = ()
    analysed: tuple = ()  # of tuples of terms


@dataclass(frozen=True)
class Names:
    by_slug: dict  # slug -> keyword id
    by_key: dict  # label key (api.analysis.label_key) -> keyword id: a key two editions' clouds share, the oldest's
    keywords: dict  # keyword id -> Named
    labels: list  # (folded label, slug) of every label, in the keywords' order: what suggestions are chosen from

    def named(self, key):
        """The :class:`Named` keyword one of whose labels has ``key``, or None."""
        keyword_id = self.by_key.get(key)
        return None if keyword_id is None else self.keywords[keyword_id]


def read_names():
    """The stored keywords' :class:`Names`, in one statement (a seed between two would mix two
    versions of the data)."""
    keys, by_key, labels, own = {}, {}, [], {}
    for keyword_id, slug, term, key, label, preferred, search_text in rows(
        "SELECT k.id, k.slug, k.term, l.key, l.label, l.preferred, l.search_text FROM keyword k "
        "LEFT JOIN keyword_label l ON l.keyword_id = k.id ORDER BY k.sort_term, k.id, l.id"
    ):
        keys[keyword_id] = (slug, term)
        own.setdefault(keyword_id, [])
        if key is None:  # a keyword with no label
            continue
        by_key[key] = min(keyword_id, by_key.get(key, keyword_id))
        labels.append((search_text, slug))
        own[keyword_id].append((not preferred, label))
    keywords = {}
    for keyword_id, (slug, term) in keys.items():
        ordered = tuple(label for _, label in sorted(own[keyword_id], key=lambda pair: pair[0]))  # preferred first, stable
        keywords[keyword_id] = Named(keyword_id, slug, term, ordered, tuple(tuple(terms(label)) for label in ordered))
    return Names({slug: keyword_id for keyword_id, (slug, _) in keys.items()}, by_key, keywords, labels)


NAMES = PerVersion(read_names)


def names():
    """The :class:`Names` at the current request's data version (outside a request, as stored)."""
    return NAMES.at(request_version(request.environ if has_request_context() else {}, db))
