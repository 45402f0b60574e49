"""A trend as a reference to cite, from its edition's metadata: CSL-JSON (what Zotero, Pandoc,
citeproc and Mendeley read) by default, BibTeX when the client's ``Accept`` prefers it.

A trend is a chapter of its edition: its title, its expert as author, the report (title and
subtitle) as the container, the edition's editor and publisher, its year, the trend's number as
the chapter's, and the trend's URL in this API. Nothing in it depends on the day it is asked
(no "accessed" date): a citation changes only when the data does, as its ETag says.
"""

import re
from dataclasses import dataclass

from ..lookups import trend_or_404
from ..schemas import trend_url

CSL_JSON = "application/vnd.citationstyles.csl+json"
BIBTEX = "application/x-bibtex"


@dataclass(frozen=True)
class EditionYear:
    year: int


@dataclass(frozen=True)
class Cited:
    """What a citation of a trend is made of."""

    number: int
    slug: str
    title: str
    author: str | None
    year: int
    report: str
    publisher: str
    editor: str | None
    language: str

    @property
    def edition(self):  # for trend_url
        return EditionYear(self.year)


def cited(edition, number_or_slug):
    """The :class:`Cited` of a trend of ``edition`` (a :class:`api.lookups.Edition`), in one
    statement; a 404 problem when there is no such trend."""
    number, slug, title, author, year, report, subtitle, publisher, editor, language = trend_or_404(
        edition,
        number_or_slug,
        select="t.number, t.slug, t.title, x.name, e.year, e.title, e.subtitle, e.publisher, e.editor, e.language",
        joins="trend t JOIN edition e ON e.id = t.edition_id LEFT JOIN expert x ON x.id = t.expert_id",
    )
    report = f"{report}, {subtitle}" if subtitle else report
    return Cited(number, slug, title, author, year, report, publisher, editor, language)


def person(name):
    """A name as CSL-JSON gives it: the family name its last word, the given names the others
    ("Maria Mercanti-Guérin": Mercanti-Guérin, Maria); a name of one word as it is."""
    given, _, family = name.strip().rpartition(" ")
    return {"family": family, "given": given} if given else {"literal": family}


def csl(cited):
    """The CSL-JSON item of a trend."""
    item = {
        "id": f"{cited.slug}-{cited.year}",
        "type": "chapter",
        "title": cited.title,
        "container-title": cited.report,
        "publisher": cited.publisher,
        "issued": {"date-parts": [[cited.year]]},
        "chapter-number": str(cited.number),
        "language": cited.language,
        "URL": trend_url(cited),
    }
    if cited.author:
        item["author"] = [person(cited.author)]
    if cited.editor:
        item["editor"] = [person(cited.editor)]
    return item


# LaTeX's special characters, as BibTeX values write them (the rest of the text is UTF-8, as
# biblatex and BibTeX with inputenc read it).
_LATEX = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_SPECIAL = re.compile("|".join(re.escape(character) for character in _LATEX))


def latex(text):
    return _SPECIAL.sub(lambda found: _LATEX[found.group()], text)


def bibtex_name(name):
    """A name as BibTeX reads it: "Family, Given" (a name of one word in braces, as it is)."""
    found = person(name)
    return latex(f"{found['family']}, {found['given']}") if "family" in found else "{" + latex(found["literal"]) + "}"


def bibtex(cited):
    """The BibTeX entry of a trend (``@incollection``; its key the publisher, year and number:
    ``digimind2021-13``), the title in braces so that styles keep its capitals."""
    key = f"{re.sub(r'[^a-z0-9]', '', cited.publisher.lower())}{cited.year}-{cited.number}"
    fields = [
        ("author", bibtex_name(cited.author) if cited.author else None),
        ("title", "{" + latex(cited.title) + "}"),
        ("booktitle", latex(cited.report)),
        ("editor", bibtex_name(cited.editor) if cited.editor else None),
        ("publisher", latex(cited.publisher)),
        ("year", str(cited.year)),
        ("chapter", str(cited.number)),
        ("url", trend_url(cited)),
    ]
    lines = [f"  {name} = {{{value}}}," for name, value in fields if value is not None]
    return "\n".join([f"@incollection{{{key},", *lines, "}", ""])
