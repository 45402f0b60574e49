"""The French analyser: one definition of a word, used at index time and at query time.

Lowercase, fold accents (before stemming, so "infirmières" and "infirmiere" meet), drop
elisions (l', d', qu'...) and stop words, split letters from digits ("covid19", "Covid-19"),
make singular the plurals the stemmer misses ("vidéos", "jeux"), end English nouns in "-y" as
French ones in "-ie" ("communities" meets "community", "strategy" "stratégie"), align feminine
endings with masculine ones, then Snowball French stemming. Every index (SQLite
FTS5, PostgreSQL tsvector) stores what this module produces, so both engines see the same terms.
"""

import re
import threading
import unicodedata
from functools import lru_cache
from typing import NamedTuple

import snowballstemmer

# A word is a run of letters and digits; a decimal number ("4.0", "2,2") stays one word, and
# so does an ellipsis ("...").
TOKEN_RE = re.compile(r"\d+(?:[.,]\d+)+|[^\W_]+|[&+]|\.{2,}|[^\w\s]", re.UNICODE)
_WORD_RE = re.compile(r"\d+(?:[.,]\d+)+|[^\W_]+", re.UNICODE)
_PLAIN_RUN = re.compile(r"\d+|[^\W\d_]+")  # letters or digits: "covid19" is "covid" then "19"
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss"})

# French elided forms: "l'", "qu'", "jusqu'"... are grammar, not content.
ELISIONS = frozenset("c d j l m n s t qu jusqu lorsqu puisqu quoiqu".split())

# Snowball's French stop-word list, accent-folded, plus the elided forms.
STOPWORDS = (
    frozenset(
        """
    au aux avec ce ces dans de des du elle elles en et eux il ils je la le les leur lui ma mais me meme
    mes moi mon ne nos notre nous on ou par pas pour qu que qui sa se ses son sur ta te tes toi ton
    tu un une vos votre vous c d j l a m n s t y ete etee etees etes etant etante etants etantes
    suis es est sommes etes sont serai seras sera serons serez seront serais serait serions seriez
    seraient etais etait etions etiez etaient fus fut fumes futes furent sois soit soyons soyez
    soient fusse fusses fut fussions fussiez fussent ayant ayante ayantes ayants eu eue eues eus
    ai as avons avez ont aurai auras aura aurons aurez auront aurais aurait aurions auriez
    auraient avais avait avions aviez avaient eut eumes eutes eurent aie aies ait ayons ayez aient
    eusse eusses eut eussions eussiez eussent ceci cela cet cette ici ils les leurs quel quels
    quelle quelles sans soi
    """.split()
    )
    | ELISIONS
)

# Words that join the two halves of a phrase ("micro et nano", "TikTok & B2B").
CONJUNCTIONS = frozenset({"et", "ou", "ni", "mais", "&", "+"})

_local = threading.local()


class Token(NamedTuple):
    """One word of a text: its analysed term and where it stands in the source."""

    term: str
    start: int
    end: int


class _FoldTable(dict):
    """Each character's folded form, worked out once: ``str.translate`` then folds at C speed."""

    def __missing__(self, code):
        decomposed = unicodedata.normalize("NFKD", chr(code).translate(_LIGATURES))
        folded = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
        self[code] = folded
        return folded


_FOLD = _FoldTable()


def fold(text):
    """Lowercase ``text`` and strip its accents: "Éduquer" -> "eduquer"."""
    return text.translate(_FOLD)


def raw_tokens(text):
    """Yield ``(match, folded)`` for every word, number and punctuation mark of ``text``."""
    for match in TOKEN_RE.finditer(text):
        yield match, fold(match.group())


def is_word(folded):
    """True for a word or a number, False for punctuation."""
    return folded[:1].isalnum()


# Feminine endings Snowball leaves apart from the masculine, brought together before stemming:
# "créatrice" meets "créateur", "première" "premier", "influenceuse" "influenceur". Adjectives in
# -eux/-euse ("nombreux", "nombreuses") go the same way, so they still meet each other. Short
# words ("deux", "jeux", "vieux") are left alone.
GENDER_ENDINGS = (
    ("trices", "teurs"),
    ("trice", "teur"),
    ("ieres", "iers"),
    ("iere", "ier"),
    ("euses", "eurs"),
    ("euse", "eur"),
    ("eux", "eur"),
)


# Plurals Snowball leaves apart from their singular (it folds "-aux" into "-al", and an "s"
# after most letters, but not after "o", nor the "x" of "-eux"), made singular before stemming:
# "vidéos" meets "vidéo", "jeux" "jeu", "milieux" "milieu", "travaux" "travail".
# Words in "-os" drop their "s", except those that end so in the singular too.
SINGULAR_IN_OS = frozenset(
    "gros repos propos heros chaos cosmos pathos ethos mythos kudos clos enclos eros tetanos albatros rhinoceros "
    "thermos calvados tournedos merinos".split()
)
# Nouns in "-eu" whose plural takes an "x" (adjectives in "-eux" are singular too: GENDER_ENDINGS).
PLURAL_IN_EUX = frozenset("jeux enjeux feux lieux milieux voeux cheveux neveux adieux essieux dieux aveux".split())
# Plurals no ending rule makes singular (accent-folded).
IRREGULAR_PLURALS = {
    "travaux": "travail",
    "coraux": "corail",
    "vitraux": "vitrail",
    "emaux": "email",
    "baux": "bail",
    "soupiraux": "soupirail",
    "yeux": "oeil",
    "cieux": "ciel",
    "aieux": "aieul",
}


# English nouns in a consonant and "-y" take "-ie" before stemming: their plurals in "-ies" then
# meet them ("community", "communities"), and so do the French words in "-ie" they translate
# ("strategy" meets "stratégie", "technology" "technologie", "agency" "agence"). French has
# few such words ("jury", "rugby"); they change their term, the same at index and query time.
_ENGLISH_Y = re.compile(r"(?<=[^aeiouy\d])y$")


def singular(folded):
    """The singular of an accent-folded plural the stemmer would leave apart (else ``folded``)."""
    if folded in IRREGULAR_PLURALS:
        return IRREGULAR_PLURALS[folded]
    if folded in PLURAL_IN_EUX:
        return folded[:-1]
    if len(folded) > 3 and folded.endswith("os") and folded not in SINGULAR_IN_OS:
        return folded[:-1]
    return folded


@lru_cache(maxsize=262144)
def term_of(folded):
    """The index term of one accent-folded word: made singular, feminine endings aligned, then
    stemmed."""
    folded = singular(folded)
    if len(folded) > 3:
        folded = _ENGLISH_Y.sub("ie", folded)
    if len(folded) > 6:
        for ending, replacement in GENDER_ENDINGS:
            if folded.endswith(ending):
                folded = folded[: -len(ending)] + replacement
                break
    return stem(folded)


@lru_cache(maxsize=262144)
def stem(folded):
    """Snowball French stem of an accent-folded word (cached; the stemmer is per thread)."""
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = snowballstemmer.stemmer("french")
    return stemmer.stemWord(folded)


def analyze(text):
    """The content words of ``text`` as :class:`Token` s, stop words and elisions removed.

    Only kept words count, so a phrase is a run of consecutive terms at index time and at
    query time alike.
    """
    tokens = []
    for match in _WORD_RE.finditer(text):
        word = match.group()
        folded = word.translate(_FOLD)
        if folded in STOPWORDS or not word[0].isalnum():  # "℠" folds to "sm": not a word
            continue
        if folded.isalpha() or folded.isdigit():  # the common case: one plain run
            tokens.append(Token(term_of(folded), match.start(), match.end()))
            continue
        # "4.0" is one word for the keyword cloud, but two terms for the indexes, whose own
        # tokenizers (FTS5, PostgreSQL) would split it anyway: every term is a plain run.
        same_length = len(folded) == match.end() - match.start()
        for part in _PLAIN_RUN.finditer(folded):
            # Offsets in the source: the part's own where folding kept the length ("4.0"),
            # else the whole word's ("Œuvre" folds to six letters, "½" to "1⁄2").
            start, end = (match.start() + part.start(), match.start() + part.end()) if same_length else match.span()
            tokens.append(Token(term_of(part.group()), start, end))
    return tokens


def terms(text):
    """The analysed terms of ``text``, in order: what an index stores."""
    return [token.term for token in analyze(text)]


def sort_key(text):
    """A key that sorts French text as a reader expects: accents and case aside ("Émile" near
    "Emma", not after "Zoé"), punctuation as a space, ties broken by the exact text."""
    words = [folded for _, folded in raw_tokens(text) if is_word(folded)]
    return f"{' '.join(words)}\x1f{text}"


def label_key(text):
    """What a keyword's label and a name a partner looks a keyword up by are compared by: their
    analysed terms ("Réseaux sociaux" and "réseau social" are one key); for a name made of stop
    words only, its folded words (the acronyms "AI" and "EU" are the French "ai" and "eu"; an
    empty key would match nothing)."""
    analysed = terms(text)
    return " ".join(analysed) if analysed else " ".join(folded for _, folded in raw_tokens(text) if is_word(folded))
