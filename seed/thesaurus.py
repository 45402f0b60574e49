"""The thesaurus (data/thesaurus.toml): the concepts a partner may name a keyword by, in French or
English, SKOS in spirit (preferred and alternative labels, broader and related concepts).

Read and checked before anything is loaded; each of these stops the seed with the file's line:
a key the format does not have, a slug given twice or not lowercase ASCII, an unknown kind, a
concept without both preferred labels, a label the analyser reduces to nothing (only stop words)
unless it is an acronym in capitals ("AI" is the French "ai"), a label two concepts share (compared as the analyser reads them, so
"Influenceurs" and "influenceur" are one label), a broader or related slug that names no concept
(or the concept itself).
"""

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from api.analysis import label_key, terms

from .records import ParseError

THESAURUS = Path(__file__).resolve().parent / "data" / "thesaurus.toml"
KINDS = frozenset({"cloud", "topic", "platform", "practice", "format", "sector", "place", "event"})
LANGUAGES = ("fr", "en")
KEYS = frozenset({"slug", "kind", *LANGUAGES, *(f"alt_{language}" for language in LANGUAGES), "broader", "related"})
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# A label of stop words only ("AI", "EU": the French "ai", "eu") is kept when it is such an
# acronym: a keyword lookup matches it whole; the texts are never searched for it.
ACRONYM = re.compile(r"[A-Z]{2,5}")
_CONCEPT_HEADER = re.compile(r"^[ \t]*\[\[[ \t]*concept[ \t]*\]\]", re.MULTILINE)


@dataclass
class Concept:
    slug: str
    kind: str
    labels: dict  # language -> the preferred label
    alt_labels: dict  # language -> [alternative labels]
    broader: list = field(default_factory=list)  # slugs
    related: list = field(default_factory=list)  # slugs
    line: int = 0  # of its [[concept]] header

    def all_labels(self):
        """Every label, preferred ones first, as ``(language, label)``."""
        return [*self.labels.items(), *((language, label) for language in LANGUAGES for label in self.alt_labels[language])]


def read_thesaurus(path=THESAURUS):
    """The checked concepts of ``path``, in the file's order; :class:`ParseError` at the first fault."""
    text = path.read_text("utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ParseError(str(error)) from None
    entries = data.get("concept")
    lines = [text.count("\n", 0, match.start()) + 1 for match in _CONCEPT_HEADER.finditer(text)]
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries) or set(data) != {"concept"}:
        raise ParseError("the file must hold [[concept]] tables, and nothing else", (lines or [0])[0])
    if len(lines) != len(entries):  # a "[[concept]]" line inside a text, or a table written inline
        raise ParseError(f"{len(entries)} concepts, but {len(lines)} lines open one with [[concept]]")
    concepts = [concept_of(entry, line) for entry, line in zip(entries, lines, strict=True)]
    check_references(concepts)
    return concepts


def concept_of(entry, line):
    unknown = sorted(set(entry) - KEYS)
    if unknown:
        raise ParseError(f"unknown key {unknown[0]!r} (keys: {', '.join(sorted(KEYS))})", line)
    slug = entry.get("slug")
    if not isinstance(slug, str) or not SLUG.fullmatch(slug):
        raise ParseError(f"slug {slug!r} must be lowercase ASCII words joined by hyphens", line)
    if entry.get("kind") not in KINDS:
        raise ParseError(f"{slug}: kind {entry.get('kind')!r} is none of {', '.join(sorted(KINDS))}", line)
    labels, alt_labels = {}, {}
    for language in LANGUAGES:
        labels[language] = entry.get(language)
        if not isinstance(labels[language], str) or not labels[language].strip():
            raise ParseError(f"{slug}: a preferred label {language!r} is needed", line)
        alt_labels[language] = entry.get(f"alt_{language}", [])
        if not isinstance(alt_labels[language], list) or not all(isinstance(label, str) for label in alt_labels[language]):
            raise ParseError(f"{slug}: alt_{language} must be a list of labels", line)
    related = {name: entry.get(name, []) for name in ("broader", "related")}
    for name, slugs in related.items():
        if not isinstance(slugs, list) or not all(isinstance(other, str) for other in slugs):
            raise ParseError(f"{slug}: {name} must be a list of slugs", line)
    return Concept(slug, entry["kind"], labels, alt_labels, related["broader"], related["related"], line)


def check_references(concepts):
    """Slugs given once, labels shared by no two concepts, broader and related naming concepts."""
    by_slug, by_label = {}, {}
    for concept in concepts:
        if concept.slug in by_slug:
            raise ParseError(f"slug {concept.slug!r} is given twice (first at line {by_slug[concept.slug].line})", concept.line)
        by_slug[concept.slug] = concept
        for language, label in concept.all_labels():
            key = label_key(label)
            if not terms(label) and not ACRONYM.fullmatch(label):
                raise ParseError(
                    f"{concept.slug}: the label {label!r} ({language}) has no word the analyser keeps (only an acronym "
                    "in capitals may: it is then looked up whole, never searched for in texts)",
                    concept.line,
                )
            other = by_label.setdefault(key, concept)
            if other is not concept:
                raise ParseError(
                    f"{concept.slug}: the label {label!r} reads as a label of {other.slug} (line {other.line})", concept.line
                )
    for concept in concepts:
        for name in ("broader", "related"):
            for slug in getattr(concept, name):
                if slug not in by_slug or slug == concept.slug:
                    raise ParseError(f"{concept.slug}: {name} {slug!r} is no other concept of the file", concept.line)
