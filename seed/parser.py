"""The report's Markdown to records: pure functions, no database.

The report is a run of top-level parts: the title page, "Sommaire", "Introduction", the keyword
cloud ("Nous allons parler de..."), the list of experts and titles ("avec..."), the publisher's
pages, the numbered trend articles ("#12 Title") and the editor ("Responsable éditorial").
"""

import re
import tomllib
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path

from api.analysis import fold

from . import records
from .articles import Article, is_continuation, key_words, mentions, parse_article
from .experts import expert_slug, person_name, read_block
from .keywords import link_keywords
from .markdown import read_blocks
from .repair import repair

ARTICLE_RE = re.compile(r"^#\s*(\d+)\s+(.+)$", re.S)
YEAR_RE = re.compile(r"\b(?:19|20)\d{2}\b")
CONTENTS = "sommaire"
INTRODUCTION = "introduction"
KEYWORD_CLOUD = "nous allons parler de"
ATTRIBUTIONS = "avec"
EDITOR = "responsable editorial"
PUBLISHER_PREFIX = "a propos de "
TITLE_MATCH = 0.85  # SequenceMatcher ratio above which two titles are the same title
MAX_ARTICLE_NUMBER = 1_000_000


@dataclass
class Part:
    """A top-level part of the report: its heading and the blocks under it."""

    heading: object
    blocks: list = field(default_factory=list)
    article: Article | None = None


@dataclass
class Attribution:
    """One line of the "avec..." list: an expert and the titles of their articles."""

    name: str
    titles: list[str]
    line: int


@dataclass
class Notices:
    warnings: list = field(default_factory=list)
    anomalies: list = field(default_factory=list)

    def warn(self, line, message):
        self.warnings.append(records.Notice(line, message))

    def anomaly(self, line, message):
        self.anomalies.append(records.Notice(line, message))


def read_corpus(path, repaired=True):
    """Read a report file (UTF-8) and its metadata file (same name, ``.toml``), then parse it.

    :raises ParseError: on bytes that are not UTF-8, naming the line
    """
    path = Path(path)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise records.ParseError(
            f"{path.name} is not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start})",
            line,
        ) from None
    meta_path = path.with_suffix(".toml")
    meta = tomllib.loads(meta_path.read_text("utf-8")) if meta_path.exists() else {}
    return parse_report(text, meta, repaired)


def heading_key(text):
    return " ".join(key_words(text))


def parse_report(text, meta=None, repaired=True):
    """Parse the report's Markdown ``text`` into a :class:`records.Report`.

    :param repaired: mend the export's damage (seed/repair.py); False loads the text exactly as
        exported, the repairs only listed
    :param meta: facts the text does not state (``language``, ``source_url``), the headings of
        the publisher's own pages to skip (``skip_sections``), the organisations of experts
        whose block does not say it by rule (``organizations``), the authors of articles the
        text signs nowhere (``authors``, by article number) and the repairs no rule can make
        (``repairs``)
    :raises ParseError: when the text is not a report, naming the line; an article with no
        author (no expert block, no "avec..." entry, no ``authors`` entry) is one: every trend
        has its expert
    """
    meta = meta or {}
    text = text.lstrip("\ufeff")
    blocks = read_blocks(text)
    if not blocks:
        raise records.ParseError("the report is empty: no title, no articles", 1)
    title_block = blocks[0]
    if title_block.kind != "heading" or title_block.level != 1:
        raise records.ParseError("the report must open with its title as a '# ' heading", title_block.line)

    notices = Notices()
    parts = split_parts(blocks[1:])
    front = parts.pop(0)
    subtitle = front.blocks[0].text if front.blocks else ""
    year = YEAR_RE.search(subtitle) or YEAR_RE.search(title_block.text)
    if not year:
        raise records.ParseError("no year in the report's title or subtitle", title_block.line)

    skip = {heading_key(name) for name in meta.get("skip_sections", [])}
    sections = {}
    articles = []
    for part in parts:
        if part.article:
            articles.append(part.article)
            continue
        key = heading_key(part.heading.text)
        if key.startswith(PUBLISHER_PREFIX.strip()) and "publisher" not in sections:
            sections["publisher"] = part.heading.text[len(PUBLISHER_PREFIX) :].strip()
        elif key in (CONTENTS, INTRODUCTION, KEYWORD_CLOUD, ATTRIBUTIONS, EDITOR):
            sections[key] = part
        elif key not in skip and not key.startswith(PUBLISHER_PREFIX.strip()):
            notices.warn(part.heading.line, f"section {part.heading.text!r} is not part of any article; skipped")
    if not articles:
        raise records.ParseError("no trend article ('#1 Title' heading) found", len(text.splitlines()))

    attributions = read_attributions(sections.get(ATTRIBUTIONS), notices)
    experts, trends = read_articles(articles, attributions, notices, meta.get("authors", {}))
    editor = read_editor(sections.get(EDITOR), experts, skip, notices)

    repairs = repair(trends, experts.values(), meta, notices, made=repaired)

    cloud = sections.get(KEYWORD_CLOUD)
    keywords = []
    if cloud is None:
        notices.warn(title_block.line, "no keyword cloud ('Nous allons parler de...') found")
    else:
        cloud_text = "\n".join(block.text for block in cloud.blocks)
        keywords = link_keywords(cloud_text, trends, cloud.heading.line + 1, notices)

    introduction = sections.get(INTRODUCTION)
    edition = records.Edition(
        year=int(year.group()),
        title=title_block.text,
        subtitle=subtitle,
        publisher=sections.get("publisher") or meta.get("publisher", ""),
        language=meta.get("language", "fr"),
        editor=editor,
        introduction=[block.text for block in introduction.blocks] if introduction else [],
        source_url=meta.get("source_url"),
    )
    set_organizations(experts, meta.get("organizations", {}), notices)
    return records.Report(
        edition,
        sorted(experts.values(), key=lambda e: e.slug),
        trends,
        keywords,
        notices.warnings,
        notices.anomalies,
        repairs,
    )


def set_organizations(experts, organizations, notices):
    """The organisations the metadata gives by expert name (``organizations``: an empty one
    means none), where the expert block's lines do not say it by rule (seed/experts.py)."""
    by_name = {expert.name: expert for expert in experts.values()}
    for name, organization in organizations.items():
        if name in by_name:
            by_name[name].organization = organization or None
        else:
            notices.warn(0, f"the metadata gives the organisation of {name!r}, who wrote no article")


def split_parts(blocks):
    """Group blocks under top-level headings and numbered article headings.

    A level-1 heading that repeats the current article's title is a continuation page, not
    a new part. A "©" paragraph just before an article heading is that article's image credit.
    """
    parts = [Part(None)]
    for block in blocks:
        current = parts[-1]
        match = ARTICLE_RE.match(block.text) if block.kind == "heading" else None
        if match and block.level <= 2:
            credits = []
            while current.blocks and current.blocks[-1].text.startswith("©"):
                credits.insert(0, current.blocks.pop())
            article = Article(int(match.group(1)), match.group(2).strip(), block, [], credits)
            parts.append(Part(block, article.blocks, article))
        elif (
            block.kind == "heading"
            and block.level == 1
            and not (current.article and is_continuation(block.text, current.article.title))
        ):
            parts.append(Part(block))
        else:
            current.blocks.append(block)
    return parts


def read_attributions(part, notices):
    """The "avec..." list: ``Name :** Title • Title`` per item."""
    if part is None:
        return []
    attributions = []
    for block in part.blocks:
        name, sep, titles = block.text.partition(":")
        if block.kind != "bullet" or not sep:
            notices.warn(block.line, f"unreadable line in the 'avec...' list: {block.text[:60]!r}")
            continue
        titles = [title.strip(" *") for title in titles.split("•") if title.strip(" *")]
        if not titles or not name.strip(" *"):
            notices.warn(block.line, f"an 'avec...' line without a name or a title: {block.text[:60]!r}")
            continue
        attributions.append(Attribution(name.strip(" *"), titles, block.line))
    return attributions


def same_title(a, b):
    """True when two printings of a title are the same title (punctuation, prefixes aside)."""
    a, b = heading_key(a), heading_key(b)
    return a == b or (min(len(a), len(b)) > 10 and (a in b or b in a)) or (SequenceMatcher(None, a, b).ratio() >= TITLE_MATCH)


def find_attribution(title, attributions, by_title):
    """The "avec..." entry naming ``title``: the same words first (a lookup), else a close
    printing of it (a scan, for the few titles the list prints differently)."""
    found = by_title.get(heading_key(title))
    if found is None:
        found = next((a for a in attributions if any(same_title(title, t) for t in a.titles)), None)
    return found


def read_articles(articles, attributions, notices, authors):
    """Parse every article, resolve its expert, and cross-check it against the "avec..." list.
    An article its text signs nowhere takes its author from ``authors`` (the metadata's, by
    number); without one, the report is refused (a ParseError naming each such article)."""
    experts, trends, taken, numbers, used, unsigned, unsigned_numbers = {}, [], set(), {}, set(), [], set()
    by_title = {}
    for attribution in attributions:
        for title in attribution.titles:
            by_title.setdefault(heading_key(title), attribution)  # the first to claim it, as a scan finds
    for article in articles:
        if not 1 <= article.number <= MAX_ARTICLE_NUMBER:
            raise records.ParseError(
                f"article number #{article.number} is out of range (1 to {MAX_ARTICLE_NUMBER})", article.heading.line
            )
        if article.number in numbers:
            raise records.ParseError(
                f"article number #{article.number} is used twice (first at line {numbers[article.number]})",
                article.heading.line,
            )
        numbers[article.number] = article.heading.line
        attribution = find_attribution(article.title, attributions, by_title)
        parsed = parse_article(article, taken, attribution.name if attribution else None)
        trend = parsed.trend
        taken.add(trend.slug)
        if attribution:
            used.add(id(attribution))
        author = None
        if parsed.expert_block is None and attribution is None:
            author = authors.get(str(article.number))
            unsigned_numbers.add(str(article.number))
        expert = resolve_expert(parsed, attribution, experts, notices, author)
        if expert:
            trend.expert_slug = expert.slug
            expert.bio.extend(
                records.Block("paragraph", b.text, b.inline.html, line=b.line)
                for b in parsed.body_tail
                if mentions(b.text, expert.name)
            )
        else:
            unsigned.append(trend)
        trends.append(trend)

    for attribution in attributions:
        if id(attribution) not in used:
            raise records.ParseError(
                f"the 'avec...' list gives {attribution.name} the article "
                f"{attribution.titles[0]!r}, but no article has that title: is the file truncated?",
                attribution.line,
            )
    if unsigned:
        named = ", ".join(f"#{trend.number}" for trend in unsigned)
        raise records.ParseError(
            f"{named} name{'s' if len(unsigned) == 1 else ''} no expert (no expert block, no 'avec...' entry): "
            f'give each its author in the report\'s .toml, [authors] "{unsigned[0].number}" = "Name"',
            unsigned[0].line,
        )
    for number in authors:
        if number not in unsigned_numbers:
            notices.warn(0, f"the metadata gives the author of #{number}, an article its text signs or none: not used")
    missing = max(numbers) - len(numbers)
    if missing:
        first = [n for n in range(1, max(numbers)) if n not in numbers][:10]
        more = f" and {missing - len(first)} more" if missing > len(first) else ""
        notices.warn(0, f"article numbers missing: {', '.join(f'#{n}' for n in first)}{more}")
    check_shared_links(experts, notices)
    return experts, sorted(trends, key=lambda t: t.number)


def resolve_expert(parsed, attribution, experts, notices, author):
    """The expert of an article: its own block, else the "avec..." list (checked against both),
    else ``author``, the metadata's; None when nothing names one."""
    trend = parsed.trend
    if parsed.expert_block is None:
        if attribution is not None:
            return expert_for(attribution.name, attribution.name, [], None, [], attribution.line, experts)
        return expert_for(author, author, [], None, [], trend.line, experts) if author else None

    printed, roles, organization, links = read_block(parsed.expert_block, parsed.link_blocks)
    if attribution is None:
        notices.warn(trend.line, f"#{trend.number} is missing from the 'avec...' list")
        name = person_name(printed)
    elif fold(attribution.name) == fold(printed):
        name = attribution.name
    else:
        notices.anomaly(
            parsed.expert_block.line,
            f"#{trend.number}: the expert block names {printed!r} but the 'avec...' list "
            f"(line {attribution.line}) names {attribution.name!r}; the block is kept",
        )
        name = person_name(printed)
    return expert_for(name, printed, roles, organization, links, parsed.expert_block.line, experts)


def expert_for(name, printed, roles, organization, links, line, experts):
    """The expert record named ``name``, created or completed with what this block adds."""
    slug = expert_slug(name)
    expert = experts.get(slug)
    if expert is None:
        expert = experts[slug] = records.Expert(slug, name, printed, roles, organization, links, line=line)
    elif roles and not expert.roles:
        expert.name_original, expert.roles, expert.organization = printed, roles, organization
        expert.links, expert.line = links, line
    return expert


def canonical_url(url):
    return re.sub(r"^https?://(www\.)?", "", url.lower()).rstrip("/")


def check_shared_links(experts, notices):
    """Report profile links shared by several experts; keep each with the one it names.

    The handle of a shared link is compared with the experts' names: the link stays with the
    expert whose family name appears in it and is dropped from the others.
    """
    owners = {}
    for expert in experts.values():
        for link in expert.links:
            owners.setdefault(canonical_url(link.url), []).append(expert)
    for url, sharing in owners.items():
        if len(sharing) < 2:
            continue
        named = [e for e in sharing if fold(e.name.split()[-1]) in url]
        names = " and ".join(e.name for e in sharing)
        kept = named[0] if len(named) == 1 else None
        notices.anomaly(
            max(e.line for e in sharing),
            f"{names} share the profile link {url}"
            + (f"; it names {kept.name}, so the others lose it" if kept else "; kept for all"),
        )
        for expert in sharing:
            if kept and expert is not kept:
                expert.links = [link for link in expert.links if canonical_url(link.url) != url]


def read_editor(part, experts, skip, notices):
    """The editor's name: the first sub-heading of "Responsable éditorial"."""
    if part is None:
        return None
    headings = [block for block in part.blocks if block.kind == "heading"]
    if not headings:
        notices.warn(part.heading.line, "'Responsable éditorial' names no one")
        return None
    name = person_name(headings[0].text)
    for heading in headings[1:]:
        if heading_key(heading.text) not in skip:
            notices.warn(heading.line, f"section {heading.text!r} is not part of any article; skipped")
    known = next((e.name for e in experts.values() if fold(e.name) == fold(name)), None)
    return known or name
