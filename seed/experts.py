"""Expert blocks: the bold name, role and organisation lines, and profile links under a title."""

import re
from pathlib import Path
from urllib.parse import urlsplit

from slugify import slugify

from api.analysis import fold

from .records import Link

ROLE_WORDS = frozenset(
    word
    for line in (Path(__file__).parent / "data" / "roles.txt").read_text("utf-8").splitlines()
    if not line.startswith("#")
    for word in line.split()
)
# A role line that ends on one of these, or a next line that starts in lowercase or with "&",
# is one role wrapped over two lines ("Expert retail, Conseil Marketing et" / "Communication").
_WRAP_ENDINGS = frozenset({"et", "de", "du", "des", "d", "en", "&", "+", "and", "of", "au", "aux"})
_LINK_KINDS = {
    "twitter.com": "twitter",
    "x.com": "twitter",
    "linkedin.com": "linkedin",
    "instagram.com": "instagram",
}
_SENTENCE_END = re.compile(r"[.!?;:]\s*$")
# An organisation a role names: what follows "chez" or "@", or a capitalised name after "de" or
# "d'" ("Fondateur de World Digital People", "CEO de la société BlueBoat", "Président de l'Ecole
# Polytechnique..."), up to a comma, a parenthesis or " et ". A role that names one otherwise, or
# names a group the expert is not of, is the corpus's .toml's to say (``organizations``).
_ORGANIZATION = re.compile(
    r"(?:\bchez\s+|@\s*|\bde\s+(?:la\s+société\s+|l['’]agence\s+|l['’](?=[A-ZÉ]))?(?=[A-ZÉ])|\bd['’](?=[A-ZÉ]))"
    r"(?P<name>[^,()]+?)\s*(?:,|\(|\bet\b|$)"
)


def organization_in(roles):
    """The organisation the first role naming one names (:data:`_ORGANIZATION`), else None."""
    for role in roles:
        found = _ORGANIZATION.search(role)
        if found:
            return found.group("name").strip()
    return None


def link_kind(url):
    """``twitter``, ``linkedin``, ``instagram`` or ``website`` for a profile URL."""
    host = (urlsplit(url).hostname or "").lower().removeprefix("www.")
    return _LINK_KINDS.get(host, "website")


def person_name(printed):
    """The name as a person writes it: "Guillaume TERRIEN" -> "Guillaume Terrien"."""

    def recase(word):
        if len(word) > 1 and word.isupper():
            return "-".join(part.capitalize() for part in word.split("-"))
        return word

    return " ".join(recase(word) for word in printed.split())


def expert_slug(name):
    """A stable lowercase ASCII slug: "Céline Beckrich" -> "celine-beckrich"."""
    return slugify(name)


def looks_like_block(block):
    """True when a paragraph opens like an expert block: a short all-bold name line."""
    lines = block.inline.lines
    if block.kind != "paragraph" or not lines or not lines[0].bold:
        return False
    name = lines[0].text
    return len(name.split()) <= 5 and not _SENTENCE_END.search(name) and len(lines) <= 8


def split_lines(lines):
    """Join wrapped lines back into whole roles."""
    joined = []
    for line in lines:
        first_word = re.split(r"[\s'’]", line, maxsplit=1)[0]
        if joined and (
            fold(joined[-1].split()[-1]).strip(",") in _WRAP_ENDINGS
            or fold(first_word) in _WRAP_ENDINGS
            or first_word.islower()  # "stratégie de contenu"; not a brand like "disCéline"
        ):
            joined[-1] = f"{joined[-1]} {line}"
        else:
            joined.append(line)
    return joined


def is_role(line):
    """True when ``line`` names a job (it holds a role word), False for an organisation."""
    words = re.findall(r"[\w-]+", fold(line))
    return any(word in ROLE_WORDS or word.split("-")[0] in ROLE_WORDS for word in words)


def read_block(block, link_blocks):
    """Name, roles, organisation and links of an expert block.

    :param block: the paragraph whose first line is the bold name
    :param link_blocks: the link-only paragraphs that follow it
    :returns: ``(printed_name, roles, organization, links)``
    """
    link_texts = {text for text, _ in block.inline.links}
    lines = [line.text for line in block.inline.lines[1:] if line.text not in link_texts]
    entries = split_lines([line.strip() for line in lines])
    # Lines that name no job are the organisation: the first names it, any after it describe
    # it ("Inter-Ligere.fr" / "Cabinet de veille et intelligence économique"). Roles keep
    # their punctuation as printed (seed/repair.py joins those the author wrote as one line).
    named = [entry.rstrip(" ,") for entry in entries if not is_role(entry)]
    roles = [entry for entry in entries if is_role(entry)]
    organization = ", ".join(named) or organization_in(roles)
    urls = [url for _, url in block.inline.links]
    urls += [url for link_block in link_blocks for _, url in link_block.inline.links]
    links = [Link(link_kind(url), url) for url in dict.fromkeys(urls)]
    return block.inline.lines[0].text, roles, organization, links
