"""The French analyser, alone."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.analysis import analyze, fold, sort_key, terms


@pytest.mark.parametrize(
    "a, b",
    [
        ("sobriété", "SOBRIETE"),
        ("réseaux", "reseau"),
        ("l'influenceur", "influenceurs"),
        ("d'identité", "identités"),
        ("créatrice", "créateurs"),
        ("directrice", "directeur"),
        ("première", "premiers"),
        ("nombreuses", "nombreux"),
        ("Covid-19", "covid19"),
        ("Œuvre", "oeuvres"),
        ("qu'elles", ""),
        ("infirmières", "infirmiere"),
    ],
)
def test_forms_of_a_word_meet(a, b):
    assert terms(a) == terms(b)


@pytest.mark.parametrize(
    "plural, singular",
    [
        # the stemmer's own
        ("réseaux sociaux", "réseau social"),
        ("journaux", "journal"),
        ("bijoux", "bijou"),
        ("hashtags", "hashtag"),
        # "-os"
        ("vidéos", "vidéo"),
        ("photos", "photo"),
        ("scénarios", "scénario"),
        ("studios", "studio"),
        ("tutos", "tuto"),
        ("infos", "info"),
        # "-eux" of nouns in "-eu"
        ("jeux vidéo", "jeu vidéo"),
        ("enjeux", "enjeu"),
        ("milieux", "milieu"),
        ("lieux", "lieu"),
        ("vœux", "vœu"),
        ("cheveux", "cheveu"),
        ("dieux", "dieu"),
        # irregular
        ("travaux", "travail"),
        ("yeux", "œil"),
        ("vitraux", "vitrail"),
    ],
)
def test_plurals_meet_their_singular(plural, singular):
    assert terms(plural) == terms(singular)


@pytest.mark.parametrize(
    "a, b",
    [
        ("brand communities", "brand community"),
        ("agencies", "agency"),
        ("strategy", "stratégie"),
        ("technologies", "technologie"),
        ("economy", "économies"),
        ("agency", "agences"),
    ],
)
def test_english_nouns_in_y_meet_their_plurals_and_french_kin(a, b):
    assert terms(a) == terms(b)


@pytest.mark.parametrize("word", ["hockey", "play", "buy", "jockey"])
def test_a_y_after_a_vowel_or_in_a_short_word_stays(word):
    assert terms(word)[-1].endswith("y")


@pytest.mark.parametrize("word", ["gros", "propos", "héros", "repos", "tétanos", "thermos", "calvados"])
def test_singular_words_in_os_keep_their_s(word):
    assert terms(word) != terms(word[:-1])


@pytest.mark.parametrize(("a", "b"), [("heureux", "heureuse"), ("sérieux", "sérieuses"), ("nombreux", "nombreuse")])
def test_adjectives_in_eux_still_meet_their_feminine(a, b):
    assert terms(a) == terms(b)


def test_stop_words_and_punctuation_go():
    assert terms("Le réseau et la data, c'est l'avenir !") == ["reseau", "dat", "aven"]


def test_fold_strips_accents_and_ligatures():
    assert fold("Éduquer, Œuvre, Straße") == "eduquer, oeuvre, strasse"


def test_french_sort_key_puts_accented_letters_with_their_base():
    names = ["Zoé", "Émile", "Eric", "émilie", "Ada"]
    assert sorted(names, key=sort_key) == ["Ada", "Émile", "émilie", "Eric", "Zoé"]


@given(st.text(max_size=200))
def test_offsets_point_into_the_source(text):
    last = 0
    for token in analyze(text):
        assert 0 <= token.start < token.end <= len(text)
        assert token.start >= last  # in text order
        last = token.start
        assert token.term and token.term.isalnum()
        assert any(c.isalnum() for c in text[token.start : token.end])  # the span holds the word
