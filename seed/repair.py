"""The repair pass: what the PDF-to-Markdown export broke in the report, mended by general rules.

It runs between parsing and loading: :func:`repair` takes the parsed trends and experts and
mends them in place, before the keywords are linked (seed/parser.py), so that their evidence
quotes the text as served. No rule names a trend, a line or a word, and each has cases where it
must not fire (tests/seed/test_repair.py); the one call no rule can make is the corpus's
``.toml``'s (``[repairs] glued``), with why.

Structure, within a section (never across a heading):

- **continued-item**: a list item that starts in lowercase, after an item that ends mid-phrase
  (on a letter or digit: an item ending with "," is the author's), in a list whose other items
  start with a capital, ends the item before it (the items after it are numbered again);
- **continued-paragraph**: a paragraph that starts in lowercase, after one that ends with a colon
  or without final punctuation, goes on with its sentence;
- **list**: three or more short paragraphs of one form (all with a capital first, or all in
  lowercase; one sentence, no full stop) after a paragraph that ends with a colon are the items of
  a list (read before paragraphs are joined: lowercase lines are a list, not one sentence);
- **heading-level**: parallel headings of an article (the same word, numbered on, the same mark
  after the number: "Tendance 3 : ...", "Tendance 4 : ...") take the shallowest level among them;
- **continued-role**: an expert's role that ends with a comma goes on with the next role line.

Words, in plain text and HTML alike (outside web addresses, handles, hashtags and tags):

- **glued-word**: one of the language's commonest words run into a capitalised word that follows
  ("deTiktok"); brands that start in lowercase start with a rarer word or a letter ("blueKiwi",
  "bonZoom", "iPhone", "eBook") and capitalised compounds are how brands write ("BlueBoat"), so
  those are left alone, and the glued names no rule can tell are the ``.toml``'s;
- **ellipsis**: two words joined by an ellipsis, both words ("soigner...les"; not "c...onfort");
- **stray-dots**: two dots after a word are an ellipsis cut short (not "1..10");
- **spacing**: no space before ".", "," and ")", one before a "(" run into a word that opens words
  of their own ("marché(l'Influence)", not "client(e)s", "utilisateur(trice)" nor "B2B(2C)"); and
  before ":", ";", "?" and "!", where the report puts a space at least :data:`CONSISTENT` of the
  time (over :data:`CONSISTENT_MIN` uses), a space where there is none: a narrow no-break one if
  the report keeps to it (then in place of the others too), else a plain one, and a space that
  is there stays.

Each repair is a :class:`records.Repair` (kind, line, before, after), in the report's order. A
word repair the HTML cannot make as the text does (the words straddle a tag) is not made, and is
a warning.
"""

import copy
import html as markup
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import cache

from wordfreq import available_languages, zipf_frequency

from api.analysis import fold

from . import records
from .articles import article_text, word_count

KINDS = (
    "continued-item",
    "continued-paragraph",
    "list",
    "heading-level",
    "continued-role",
    "glued-word",
    "ellipsis",
    "stray-dots",
    "spacing",
)
WORD_LANGUAGES = ("fr", "en")  # a half is a word when wordfreq knows it in either
# A lowercase word glued to a capitalised one is split when it is among the language's commonest
# words (Zipf 6.5: "de" 7.7, "que" 7.1, "avec" 6.7, about fifty of them): the words a lost space
# leaves stuck, while lowercase brand prefixes are rarer ("bon" 5.9, "dis" 5.5, "blue" 4.1).
COMMON_ZIPF = 6.5
LIST_MIN_ITEMS = 3
LIST_MAX_WORDS = 20
CONSISTENT = 0.8  # share of one spacing before ":", ";", "?" or "!" that makes it the report's
CONSISTENT_MIN = 10  # uses of a mark below which the report has no habit to follow
CONTEXT = 30  # characters of context a structural repair records on each side

_FINAL = re.compile(r"[.!?…][\s\"'»”’)\]]*$")
_NOT_A_LINE_END = re.compile(r"(?:(?<!\.)\.|[!?:;])[\s\"'»”’)]*$")
_SENTENCE_INSIDE = re.compile(r"[.!?]\s+[A-ZÀ-Þ]")
_TAG = re.compile(r"(<[^>]*>)")
_ADDRESS = re.compile(r"(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+\.[\w.]+|[@#]\w+")  # and handles, hashtags
_PARALLEL = re.compile(r"^\W*([^\W\d_]+)\s+(\d{1,2})\s*([:.)–—-])")  # "Tendance 3 :", "Étape 2 -"
_STRAY_DOTS = re.compile(r"([^\W\d_])\.\.(?!\.)")  # after a letter: "1..10" is a range
_ELLIPSIS = re.compile(r"([^\W\d_]+)(\.\.\.|…)([^\W\d_]+)")
_GLUED = re.compile(r"(?<![\w'’-])([a-zß-öø-ÿ]+)([A-ZÀ-ÖØ-Þ][^\W\d_]*)")
_SPACE_BEFORE_STOP = re.compile(r"([^\W_])( +)([.,])(?![.\w])")
_SPACE_BEFORE_CLOSE = re.compile(r"(\S)( +)\)")
# A "(" run into a word, opening words of their own (a capital, an elision or a space inside):
# "marché(l'Influence)", not "client(e)s", "utilisateur(trice)" nor "B2B(2C)".
_GLUED_PAREN = re.compile(r"([^\W\d_]{2})\((?=[^\W\d_][^()]*?(?:[A-ZÀ-Þ'’ ])[^()]*\)(?![^\W\d_]))")
_MARK = re.compile(r"([^\W_])([ \u00a0\u202f]?)([:;?!])(?=\s|$)")


@cache
def is_word(word):
    """True when wordfreq knows ``word`` in French or English."""
    return any(zipf_frequency(word.lower(), language) > 0 for language in WORD_LANGUAGES)


@cache
def is_common(word, language):
    """True for one of ``language``'s commonest words; never for a language wordfreq has no list of."""
    if language not in available_languages():
        return False
    return zipf_frequency(word.lower(), language) >= COMMON_ZIPF


@dataclass
class Repairs:
    """The repairs made (or, with ``made`` False, those that would be) and what could not be."""

    language: str
    glued: dict  # the .toml's glued names: printed form -> repaired form
    marks: dict = field(default_factory=dict)  # ":" -> the space the report puts before it
    made: bool = True
    found: list = field(default_factory=list)  # records.Repair
    warnings: list = field(default_factory=list)  # records.Notice

    def __post_init__(self):
        self.rules = self.word_rules()

    def add(self, kind, line, before, after):
        self.found.append(records.Repair(kind, line, before, after, self.made))

    # Words.

    def word_rules(self):
        """``(kind, pattern, replacement)`` in the order they apply; a replacement returns None
        where the rule must not fire."""
        rules = [
            ("stray-dots", _STRAY_DOTS, lambda m: f"{m[1]}..."),
            ("ellipsis", _ELLIPSIS, lambda m: f"{m[1]}{m[2]} {m[3]}" if is_word(m[1]) and is_word(m[3]) else None),
            ("glued-word", _GLUED, self.unglue),
        ]
        if self.glued:
            names = re.compile(r"(?<!\w)(" + "|".join(map(re.escape, self.glued)) + r")(?!\w)")
            rules.append(("glued-word", names, lambda m: self.glued[m[1]]))
        rules += [
            ("spacing", _GLUED_PAREN, lambda m: f"{m[1]} ("),
            ("spacing", _SPACE_BEFORE_STOP, lambda m: f"{m[1]}{m[3]}"),
            ("spacing", _SPACE_BEFORE_CLOSE, lambda m: f"{m[1]})"),
            ("spacing", _MARK, self.space_mark),
        ]
        return rules

    def unglue(self, match):
        left, right = match[1], match[2]
        if is_common(left, self.language) and is_word(right) and not is_word(left + right):
            return f"{left} {right}"
        return None

    def space_mark(self, match):
        """The report's space before ``match``'s mark where it has none; where the report keeps
        to a narrow no-break space, that one instead of another."""
        space = self.marks.get(match[3])
        if space is None or match[2] == space or (match[2] and space != "\u202f"):
            return None
        return f"{match[1]}{space}{match[3]}"

    def apply(self, text, found=None):
        """``text`` with the word rules applied outside web addresses; each change appended to
        ``found`` as ``(kind, before, after, match, replacement)``, before and after with the
        rest of the words they touch."""
        pieces, last = [], 0
        for address in _ADDRESS.finditer(text):
            pieces += [self.apply_plain(text[last : address.start()], found), address.group()]
            last = address.end()
        pieces.append(self.apply_plain(text[last:], found))
        return "".join(pieces)

    def apply_plain(self, text, found):
        for kind, pattern, replacement in self.rules:

            def substitute(match, kind=kind, replacement=replacement, text=text):
                after = replacement(match)
                if after is None or after == match[0]:
                    return match[0]
                if found is not None:
                    found.append((kind, *around(text, match.start(), match.end(), after), match[0], after))
                return after

            text = pattern.sub(substitute, text)
        return text

    def apply_html(self, html, found):
        """The word rules applied to the text between the tags of ``html``."""
        parts = _TAG.split(html)
        for i in range(0, len(parts), 2):
            parts[i] = markup.escape(self.apply(markup.unescape(parts[i]), found), quote=False)
        return "".join(parts)

    def mend(self, text, html, line):
        """``(text, html)`` with their words mended; ``html`` may be None (no HTML to follow)."""
        if not text:
            return text, html
        found = []
        new_text = self.apply(text, found)
        if not found:
            return text, html
        followed = []
        new_html = None if html is None else self.apply_html(html, followed)
        changes = [(kind, match, replacement) for kind, _, _, match, replacement in found]
        if new_html is not None and [(kind, match, replacement) for kind, _, _, match, replacement in followed] != changes:
            self.warnings.append(
                records.Notice(line, f"{found[0][1]!r} is not repaired: its HTML cannot follow the text ({html[:60]!r})")
            )
            return text, html
        for kind, before, after, _, _ in found:
            self.add(kind, line, before, after)
        return new_text, new_html

    def learn_marks(self, texts):
        """The space the report puts before ":", ";", "?" and "!", where it keeps to one."""
        counts = {}
        for text in texts:
            for segment in _ADDRESS.split(text):
                for match in _MARK.finditer(segment):
                    counts.setdefault(match[3], Counter())[match[2]] += 1
        for mark, spaces in counts.items():
            spaced = spaces.total() - spaces[""]
            if spaces.total() >= CONSISTENT_MIN and spaced >= CONSISTENT * spaces.total():
                self.marks[mark] = "\u202f" if spaces["\u202f"] >= CONSISTENT * spaces.total() else " "

    # Structure.

    def join_continued(self, blocks):
        """Blocks with each one that goes on with the block before it joined to it."""
        joined, merged = [], False  # merged: an item of this list was joined to the one before
        for i, block in enumerate(blocks):
            before = joined[-1] if joined else None
            if before is not None and before.kind != block.kind:
                merged = False
            kind = None
            if before is not None and starts_lowercase(block.text) and not _FINAL.search(before.text):
                if block.kind == before.kind == "paragraph":
                    kind = "continued-paragraph"
                elif block.kind == before.kind and before.text[-1:].isalnum() and siblings_capitalised(blocks, i):
                    kind = "continued-item"  # cut mid-phrase: an item ending with "," or ";" is the author's
            if kind is None:
                if merged and block.number is not None and before is not None and before.number is not None:
                    block = replace(block, number=before.number + 1)  # after a merge, counted on
                joined.append(block)
                continue
            self.add(
                kind,
                block.line,
                f"{before.text[-CONTEXT:]}\n{block.text[:CONTEXT]}",
                f"{before.text[-CONTEXT:]} {block.text[:CONTEXT]}",
            )
            joined[-1] = replace(before, text=f"{before.text} {block.text}", html=f"{before.html} {block.html}")
            merged = block.number is not None
        return joined

    def read_lists(self, blocks):
        """Blocks with each run of short lines of one form introduced by "... :" made a bulleted
        list (lines that all start in lowercase are one form too)."""
        blocks, i = list(blocks), 0
        while i < len(blocks):
            end = i + 1
            if blocks[i].kind == "paragraph" and blocks[i].text.rstrip().endswith(":"):
                while end < len(blocks) and is_line(blocks[end]) and same_case(blocks[end], blocks[i + 1]):
                    end += 1
            run = blocks[i + 1 : end]
            if len(run) >= LIST_MIN_ITEMS:
                self.add("list", run[0].line, f"{len(run)} paragraphs: {run[0].text[:CONTEXT]}", f"a list of {len(run)} items")
                blocks[i + 1 : end] = [replace(block, kind="bullet") for block in run]
            i = end
        return blocks

    def align_headings(self, sections):
        """Parallel headings ("Tendance 3 : ...") take the shallowest level among them."""
        groups = {}
        for section in sections:
            found = _PARALLEL.match(section.heading or "")
            if found:
                groups.setdefault((fold(found[1]), found[3]), []).append((int(found[2]), section))
        for group in groups.values():
            numbers = sorted(number for number, _ in group)
            if len(group) < 2 or numbers != list(range(numbers[0], numbers[0] + len(group))):
                continue  # parallel: the same word, numbered on, the same mark after the number
            if len({section.level for _, section in group}) < 2:
                continue
            level = min(section.level for _, section in group)
            for _, section in group:
                if section.level != level:
                    self.add("heading-level", section.line, f"level {section.level}: {section.heading}", f"level {level}")
                    section.level = level

    def join_roles(self, expert):
        """An expert's roles with each that ends with a comma joined to the next."""
        roles = []
        for role in expert.roles:
            if roles and roles[-1].endswith(","):
                self.add("continued-role", expert.line, f"{roles[-1]}\n{role}", f"{roles[-1]} {role}")
                roles[-1] = f"{roles[-1]} {role}"
            else:
                roles.append(role)
        if roles and roles[-1].endswith(","):
            self.add("continued-role", expert.line, roles[-1], roles[-1].rstrip(" ,"))
            roles[-1] = roles[-1].rstrip(" ,")
        expert.roles = roles


def plain(html):
    """The text of an HTML run, whitespace collapsed: what its plain text must read."""
    return " ".join(markup.unescape(_TAG.sub("", html.replace("<br>", " "))).split())


def around(text, start, end, after):
    """``text[start:end]`` and ``after`` with the rest of the words they touch on each side."""
    head = re.search(r"\S*$", text[:start])[0]
    tail = re.match(r"\S*", text[end:])[0]
    return f"{head}{text[start:end]}{tail}", f"{head}{after}{tail}"


def starts_lowercase(text):
    """True when ``text`` starts with a lowercase word that is not a name ("iPhone", "eBay")."""
    first = text.split(maxsplit=1)[0] if text.strip() else ""
    return first[:1].islower() and not any(letter.isupper() for letter in first[1:])


def siblings_capitalised(blocks, index):
    """True when the other items of the list ``blocks[index]`` is in all start with a capital."""
    kind, start, end = blocks[index].kind, index, index + 1
    while start and blocks[start - 1].kind == kind:
        start -= 1
    while end < len(blocks) and blocks[end].kind == kind:
        end += 1
    others = [block for block in blocks[start:end] if block is not blocks[index]]
    return bool(others) and not any(block.text[:1].islower() for block in others)


def same_case(block, first):
    return block.text[:1].isupper() == first.text[:1].isupper()


def is_line(block):
    """True for a paragraph that reads as a list item: short, one sentence, no full stop."""
    text = block.text
    return (
        block.kind == "paragraph"
        and text[:1].isalpha()
        and len(text.split()) <= LIST_MAX_WORDS
        and not _SENTENCE_INSIDE.search(text)
        and not _NOT_A_LINE_END.search(text)
    )


def texts_of(trends, experts):
    """Every text the word rules read: titles, subtitles, headings, blocks, footnotes, bios, roles."""
    for trend in trends:
        yield from (trend.title, trend.subtitle or "")
        for section in trend.sections:
            yield section.heading or ""
            yield from (block.text for block in section.blocks)
        yield from (footnote.text for footnote in trend.footnotes)
    for expert in experts:
        yield from (block.text for block in expert.bio)
        yield from expert.roles


def check_glued(table):
    """The .toml's glued names (``[repairs] glued = {printed = mended}``), each checked to be a
    word that the mended form only adds spaces to.

    :raises records.ParseError: for one that is not
    """
    glued = table.get("glued", {}) if isinstance(table, dict) else None
    if not isinstance(glued, dict):
        raise records.ParseError("[repairs] glued must be a table: printed form = form with spaces")
    for printed, mended in glued.items():
        if not re.fullmatch(r"\w+", printed) or not isinstance(mended, str) or mended.replace(" ", "") != printed:
            raise records.ParseError(f"[repairs] glued: {mended!r} is not the word {printed!r} with spaces added")
    return glued


def repair(trends, experts, meta, notices, made=True):
    """Mend ``trends`` and ``experts`` in place (or, with ``made`` False, only say what would be
    mended); the repairs are added to ``notices.anomalies`` and returned.

    :param meta: the corpus's metadata: its ``language`` and ``[repairs] glued`` names
    """
    experts = list(experts)
    if not made:  # the same rules, on copies: the report stays as exported
        trends, experts = copy.deepcopy(trends), copy.deepcopy(experts)
    glued = check_glued(meta.get("repairs", {}))
    repairs = Repairs(meta.get("language", "fr"), glued, made=made)
    repairs.learn_marks(texts_of(trends, experts))
    for trend in trends:
        trend.title, _ = repairs.mend(trend.title, None, trend.line)
        if trend.subtitle:
            trend.subtitle, _ = repairs.mend(trend.subtitle, None, trend.line)
        for section in trend.sections:
            if section.heading:
                section.heading, section.heading_html = repairs.mend(section.heading, section.heading_html, section.line)
            section.blocks = repairs.join_continued(repairs.read_lists(section.blocks))
            for block in section.blocks:
                block.text, block.html = repairs.mend(block.text, block.html, block.line)
        repairs.align_headings(trend.sections)
        for footnote in trend.footnotes:
            footnote.text, footnote.html = repairs.mend(footnote.text, footnote.html, footnote.line)
        trend.plain_text = article_text(trend.sections)
        trend.word_count = word_count(trend.plain_text)
    for expert in experts:
        repairs.join_roles(expert)
        expert.roles = [repairs.mend(role, None, expert.line)[0] for role in expert.roles]
        for block in expert.bio:
            block.text, block.html = repairs.mend(block.text, block.html, block.line)
    repairs.found.sort(key=lambda repair: repair.line)  # in the report's order
    notices.anomalies.extend(repairs.found)
    notices.warnings.extend(repairs.warnings)
    return repairs.found


def counts(found):
    """``{kind: n}`` of a list of repairs, in :data:`KINDS` order, kinds with none left out."""
    tally = Counter(repair.kind for repair in found)
    return {kind: tally[kind] for kind in KINDS if tally[kind]}
