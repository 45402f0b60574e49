"""Markdown to a flat list of blocks (headings, paragraphs, list items) with their line numbers.

markdown-it-py does the CommonMark work (emphasis, links, escapes, autolinks); this module only
flattens its token stream and renders each inline run as plain text, safe HTML and links.
"""

import html
import re
from dataclasses import dataclass, field

from markdown_it import MarkdownIt

_MD = MarkdownIt("commonmark")
_LINK_SCHEMES = ("http://", "https://", "mailto:")
_WHITESPACE = " \t\n\r\u00a0\u202f"
_DOUBLE_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


@dataclass
class Line:
    """One visual line of a paragraph (split at line breaks), and whether it is all bold."""

    text: str
    bold: bool


@dataclass
class Inline:
    """An inline run rendered three ways."""

    text: str
    html: str
    links: list = field(default_factory=list)  # (text, url) pairs, dead "#" targets left out
    lines: list = field(default_factory=list)  # Line per visual line
    loose_text: bool = False  # some text stands outside any live link

    @property
    def is_link_only(self):
        """True when the run is nothing but links to real URLs (a profile or source line)."""
        return bool(self.links) and not self.loose_text


@dataclass
class Block:
    """A heading, paragraph or list item, with the 1-based line where it starts."""

    kind: str  # "heading", "paragraph", "bullet", "numbered"
    inline: Inline
    line: int
    level: int = 0  # heading level (1-6)
    number: int | None = None  # the number of a numbered list item

    @property
    def text(self):
        return self.inline.text


def read_blocks(text):
    """Parse Markdown ``text`` into a list of :class:`Block` in document order."""
    blocks, stack = [], []
    tokens = _MD.parse(text)
    for index, token in enumerate(tokens):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            stack.append(token.type)
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            stack.pop()
        elif token.type == "list_item_open":
            item_number = int(token.info) if token.info.isdigit() else None
        elif token.type == "inline":
            opener = tokens[index - 1]
            line = (token.map or opener.map or [0])[0] + 1
            inline = render_inline(token.children or [])
            if opener.type == "heading_open":
                blocks.append(Block("heading", inline, line, level=int(opener.tag[1])))
            elif stack and stack[-1] == "ordered_list_open":
                blocks.append(Block("numbered", inline, line, number=item_number))
            elif stack:
                blocks.append(Block("bullet", inline, line))
            else:
                blocks.append(Block("paragraph", inline, line))
        elif token.type in ("code_block", "fence", "html_block"):
            line = token.map[0] + 1
            content = token.content.strip(_WHITESPACE)
            if content:
                blocks.append(Block("paragraph", Inline(content, html.escape(content)), line))
    return blocks


def render_inline(children):
    """Render markdown-it inline children as an :class:`Inline`."""
    text, markup, links, lines = [], [], [], []
    line_text, line_bold, bold_depth = [], True, 0
    link_stack, loose_text = [], False

    def end_line():
        nonlocal line_text, line_bold
        content = "".join(line_text).strip(_WHITESPACE)
        if content:
            lines.append(Line(content, line_bold))
        line_text, line_bold = [], True

    for child in children:
        kind = child.type
        if kind in ("text", "code_inline"):
            if link_stack:  # the extraction escaped link texts twice: "Alban\\_Jarry"
                child.content = _DOUBLE_ESCAPE.sub(r"\1", child.content)
            text.append(child.content)
            markup.append(html.escape(child.content, quote=False))
            line_text.append(child.content)
            if child.content.strip(_WHITESPACE):
                line_bold = line_bold and bold_depth > 0
                loose_text = loose_text or not (link_stack and link_stack[-1][0])
            if link_stack:
                link_stack[-1][1].append(child.content)
        elif kind in ("strong_open", "strong_close"):
            bold_depth += 1 if kind == "strong_open" else -1
            markup.append("<strong>" if kind == "strong_open" else "</strong>")
        elif kind in ("em_open", "em_close"):
            markup.append("<em>" if kind == "em_open" else "</em>")
        elif kind == "link_open":
            href = child.attrs.get("href", "")
            live = href.startswith(_LINK_SCHEMES)
            link_stack.append((href if live else None, []))
            if live:
                markup.append(f'<a href="{html.escape(href)}">')
        elif kind == "link_close":
            href, parts = link_stack.pop()
            if href:
                markup.append("</a>")
                links.append(("".join(parts).strip(_WHITESPACE), href))
        elif kind in ("softbreak", "hardbreak"):
            text.append("\n" if kind == "hardbreak" else " ")
            markup.append("<br>" if kind == "hardbreak" else "\n")
            end_line()
        elif kind == "html_inline" and child.content.lower() in ("<sup>", "</sup>"):
            markup.append(child.content.lower())
        elif kind == "image":
            alt = child.content
            text.append(alt)
            markup.append(html.escape(alt, quote=False))
    end_line()
    return Inline(
        text="".join(text).strip(_WHITESPACE),
        html="".join(markup).strip(_WHITESPACE),
        links=links,
        lines=lines,
        loose_text=loose_text,
    )
