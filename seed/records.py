"""Plain records the parser produces and the loader stores: no database in sight."""

from dataclasses import dataclass, field


class ParseError(Exception):
    """The report cannot be read; ``line`` says where (1-based, 0 when it has no place)."""

    def __init__(self, message, line=0):
        super().__init__(f"line {line}: {message}" if line else message)
        self.message = message
        self.line = line


@dataclass
class Notice:
    """Something the parser could not place, or a doubt about the data, and where."""

    line: int
    message: str

    def __str__(self):
        return f"line {self.line}: {self.message}"


@dataclass
class Link:
    kind: str  # twitter, linkedin, instagram, website
    url: str


@dataclass
class Expert:
    slug: str
    name: str  # as a person writes it: "Guillaume Terrien"
    name_original: str  # as the expert block prints it: "Guillaume TERRIEN"
    roles: list[str]
    organization: str | None
    links: list[Link]
    bio: list["Block"] = field(default_factory=list)  # paragraphs the report prints about them
    line: int = 0


@dataclass
class Block:
    kind: str  # paragraph, bullet, numbered
    text: str
    html: str
    number: int | None = None
    line: int = field(default=0, compare=False)  # where the report prints it; not stored


@dataclass
class Section:
    heading: str | None
    level: int
    blocks: list[Block]
    heading_html: str | None = None
    line: int = field(default=0, compare=False)  # of the heading (of the first block when untitled)


@dataclass
class Footnote:
    number: int
    text: str
    urls: list[str]
    html: str = ""
    line: int = field(default=0, compare=False)


@dataclass
class TextLink:
    text: str
    url: str


@dataclass
class Trend:
    number: int
    slug: str
    title: str
    subtitle: str | None
    expert_slug: str | None
    sections: list[Section]
    footnotes: list[Footnote]
    links: list[TextLink]
    plain_text: str
    word_count: int
    image_credit: str | None = None
    line: int = 0


@dataclass
class KeywordLink:
    trend_number: int
    weight: float
    evidence: str  # the passage that justifies the link
    location: str  # title, subtitle, heading, body
    grade: str = "mention"  # "about" when the trend is about the keyword (seed/keywords.py Tally.grade)


@dataclass
class Keyword:
    """A keyword: a term of the report's cloud, or a concept of the thesaurus (seed/concepts.py)."""

    slug: str
    term: str  # the French preferred label
    links: list[KeywordLink]
    line: int = 0
    kind: str = "cloud"
    labels: dict = field(default_factory=dict)  # language -> preferred label ({"fr": term} for the cloud alone)
    alt_labels: dict = field(default_factory=dict)  # language -> [alternative labels]
    broader: list = field(default_factory=list)  # slugs of keywords
    related: list = field(default_factory=list)  # slugs of keywords
    thesaurus: bool = False  # a concept of the thesaurus: kept though no trend names it


@dataclass
class Edition:
    year: int
    title: str
    subtitle: str
    publisher: str
    language: str
    editor: str | None
    introduction: list[str]
    source_url: str | None = None


@dataclass
class Report:
    """Everything one report file says, plus what the parser noticed on the way."""

    edition: Edition
    experts: list[Expert]
    trends: list[Trend]
    keywords: list[Keyword]
    warnings: list[Notice] = field(default_factory=list)
    anomalies: list[Notice] = field(default_factory=list)  # Repair among them (seed/repair.py)
    repairs: list["Repair"] = field(default_factory=list)


@dataclass
class Repair:
    """A repair of the export's damage (seed/repair.py): its kind, where, and the text before and after.

    ``made`` is False when the seed ran with ``--no-repair``: the repair it would have made.
    """

    kind: str
    line: int
    before: str
    after: str
    made: bool = True

    def __str__(self):
        note = "" if self.made else " (not made: --no-repair)"
        return f"line {self.line}: {self.kind}: {self.before!r} -> {self.after!r}{note}"
