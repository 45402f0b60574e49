"""One trend article: subtitle, expert block, body sections, footnotes and the expert's bio.

Continuation pages are layout: their repeated title headings and the "...→" / "→" page-turn
marks are dropped, as is the "●" that closes an article.
"""

import re
from dataclasses import dataclass, field

from slugify import slugify

from api.analysis import fold, is_word, raw_tokens

from . import records
from .experts import looks_like_block

FOOTNOTE_RE = re.compile(r"^\((\d+)\)\s*(.+)$", re.S)
_LEADING_TURN = re.compile(r"^\s*→\s*")
_TRAILING_MARKS = re.compile(r"(?:\s*(?:\.\.\.|…)?\s*→|\s*●)+\s*$")
_WORD_RE = re.compile(r"\S*[^\W_]\S*")
SLUG_LENGTH = 80


@dataclass
class Article:
    """What an article part of the report says, before experts are resolved."""

    number: int
    title: str
    heading: object  # the markdown Block of the title
    blocks: list
    credits: list = field(default_factory=list)


@dataclass
class ParsedArticle:
    trend: records.Trend
    expert_block: object | None  # markdown Block of the expert's name, roles and organisation
    link_blocks: list  # link-only paragraphs right after the expert block
    body_tail: list  # paragraphs at the end that may be the expert's bio


def key_words(text):
    """Folded words of ``text`` without punctuation: the key two titles are compared on."""
    return [folded for _, folded in raw_tokens(text) if is_word(folded)]


def is_continuation(heading_text, title):
    """True when a heading repeats the article title (or a run of it) on a new page."""
    heading, words = key_words(heading_text), key_words(title)
    if len(heading) < 2 and heading != words:
        return False
    return any(words[i : i + len(heading)] == heading for i in range(len(words) - len(heading) + 1))


def strip_marks(text):
    """Remove page-turn arrows and the closing "●" from a run of text or HTML."""
    return _TRAILING_MARKS.sub("", _LEADING_TURN.sub("", text))


def word_count(text):
    """Words as a word processor counts them: whitespace-separated runs holding a letter or digit."""
    return len(_WORD_RE.findall(text))


def trend_slug(title, taken):
    """A lowercase ASCII slug for ``title``, made unique against ``taken``."""
    base = slugify(title, max_length=SLUG_LENGTH, word_boundary=True) or "trend"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def parse_article(article, taken_slugs, attributed_name=None):
    """Turn an :class:`Article` into a trend record and the pieces that name its expert.

    :param attributed_name: the expert the "avec..." list gives, used to spot the bio
        of an article that has no expert block
    """
    blocks = list(article.blocks)
    subtitle = None
    if blocks and blocks[0].kind == "heading" and blocks[0].level > article.heading.level:
        if not is_continuation(blocks[0].text, article.title):
            subtitle = strip_marks(blocks.pop(0).text)

    expert_block, link_blocks = None, []
    if blocks and looks_like_block(blocks[0]):
        expert_block = blocks.pop(0)
        while blocks and blocks[0].kind == "paragraph" and blocks[0].inline.is_link_only:
            link_blocks.append(blocks.pop(0))

    name = expert_block.inline.lines[0].text if expert_block else attributed_name
    body, tail = split_tail(blocks, name)
    footnotes = read_footnotes(tail)
    sections, links = read_sections(body, article.title)
    plain_text = article_text(sections)
    trend = records.Trend(
        number=article.number,
        slug=trend_slug(article.title, taken_slugs),
        title=article.title,
        subtitle=subtitle,
        expert_slug=None,
        sections=sections,
        footnotes=footnotes,
        links=links,
        plain_text=plain_text,
        word_count=word_count(plain_text),
        image_credit=" ".join(" ".join(block.text.split()) for block in article.credits) or None,
        line=article.heading.line,
    )
    bio_candidates = [block for block in tail if not FOOTNOTE_RE.match(block.text)]
    return ParsedArticle(trend, expert_block, link_blocks, bio_candidates)


def article_text(sections):
    """The plain text of an article's sections: headings and blocks, a blank line between each."""
    return "\n\n".join(
        part for section in sections for part in [section.heading or "", *(block.text for block in section.blocks)] if part
    )


def split_tail(blocks, expert_name):
    """Split the closing footnotes, source links and bio paragraphs off the body.

    Walks back from the end over paragraphs that are footnotes ("(1) ..."), bare links, or
    about the expert in the third person ("Anthony est Formateur..."); the rest is the body.
    """

    def is_tail(block):
        return (
            bool(FOOTNOTE_RE.match(block.text))
            or block.inline.is_link_only
            or bool(expert_name and mentions(block.text, expert_name))
        )

    end = len(blocks)
    while end and blocks[end - 1].kind == "paragraph" and is_tail(blocks[end - 1]):
        end -= 1
    # A bare link only belongs to the tail when it follows a footnote.
    while end < len(blocks) and blocks[end].inline.is_link_only:
        end += 1
    return blocks[:end], blocks[end:]


def read_footnotes(tail):
    """Footnotes of the tail; a bare link right after a footnote belongs to it."""
    footnotes = []
    for block in tail:
        match = FOOTNOTE_RE.match(block.text)
        if match:
            urls = [url for _, url in block.inline.links]
            html = FOOTNOTE_RE.sub(r"\2", block.inline.html).strip()
            footnotes.append(records.Footnote(int(match.group(1)), match.group(2).strip(), urls, html, block.line))
        elif block.inline.is_link_only and footnotes:
            footnotes[-1].urls.extend(url for _, url in block.inline.links)
    return footnotes


def read_sections(body, title):
    """Group the body into sections at each heading that is not a repeated title."""
    sections, links = [records.Section(None, 0, [], line=body[0].line if body else 0)], []
    for block in body:
        if block.kind == "heading":
            if not is_continuation(strip_marks(block.text), title):
                heading = records.Section(strip_marks(block.text), block.level, [], strip_marks(block.inline.html), block.line)
                sections.append(heading)
            continue
        text, html = strip_marks(block.text), strip_marks(block.inline.html)
        if not text:
            continue
        sections[-1].blocks.append(records.Block(block.kind, text, html, block.number, block.line))
        links.extend(records.TextLink(text, url) for text, url in block.inline.links)
    if not sections[0].blocks:
        sections.pop(0)
    rank_levels(sections)
    return sections, links


def rank_levels(sections):
    """Level 1 is the article title; an untitled opening section and the shallowest headings are 2."""
    levels = sorted({section.level for section in sections if section.heading})
    for section in sections:
        section.level = levels.index(section.level) + 2 if section.heading else 2


def mentions(text, name):
    """True when ``text`` opens with the first name or holds the full name of ``name``."""
    folded, full = fold(text), fold(name)
    return folded.startswith(full.split()[0] + " ") or full in folded
