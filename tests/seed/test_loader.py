"""Records to rows: counts, idempotence, atomicity, and editions side by side."""

import dataclasses
import html

import pytest

from api.db import db, is_postgres, migration_runner
from api.models import MODELS, Edition, Expert, Keyword, Metadata, SearchEntry, Section, Trend, TrendKeyword
from seed import loader
from seed.loader import excerpt, load_report, reading_minutes, strongest_first
from seed.parser import parse_report
from tests.conftest import POSTGRES_URL
from tests.factories import make_report


def dump():
    """Every row of every table, ids included."""
    return {model.__name__: sorted(model.select().tuples()) for model in MODELS}


@pytest.fixture
def ctx(empty_app):
    with empty_app.app_context():
        yield


def test_load_stores_the_whole_report(ctx, report):
    result = load_report(report)
    assert result.changed
    assert (Trend.select().count(), Expert.select().count(), Keyword.select().count()) == (38, 35, 41)
    assert Section.select().count() == sum(len(t.sections) for t in report.trends)
    assert TrendKeyword.select().count() == sum(len(k.links) for k in report.keywords)
    trend = Trend.get(Trend.number == 16)
    assert (trend.expert.slug, trend.edition.year) == ("quentin-liot", 2021)
    assert Expert.get(Expert.slug == "nicolas-celic").trend_count == 3


def test_search_entry_ids_pack_their_kind(ctx, report):
    load_report(report)
    entries = list(SearchEntry.select())
    assert {e.kind for e in entries} == {"trend", "expert", "keyword"}
    assert all(e.id == e.object_id * 4 + SearchEntry.KIND_CODES[e.kind] for e in entries)
    if not is_postgres():  # the FTS5 index holds exactly these rows
        db.execute_sql("INSERT INTO search_fts(search_fts, rank) VALUES ('integrity-check', 1)")


@pytest.mark.skipif(not POSTGRES_URL, reason="PostgreSQL's planner statistics")
def test_a_seed_leaves_planner_statistics_of_what_it_loaded(ctx, report):
    def rows_planned(model):  # -1 until the table is first analyzed
        return db.execute_sql("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", (model._meta.table_name,)).fetchone()[0]

    load_report(report)
    assert [rows_planned(model) for model in (Trend, Expert, SearchEntry)] == [38, 35, 38 + 35 + 41]


def test_a_first_seed_only_inserts(ctx, report):
    changes = load_report(report).changes
    assert changes and all(what.endswith(("inserted", "Passage embedded", "ConceptVector embedded")) for what in changes), changes


def test_seeding_twice_changes_nothing(ctx, report):
    first = load_report(report)
    rows = dump()
    second = load_report(report)
    assert not second.changed and second.changes == {}
    assert dump() == rows
    assert second.data_version == first.data_version


def test_changed_report_updates_rows_in_place(ctx, report):
    load_report(report)
    ids = dict(Trend.select(Trend.number, Trend.id).tuples())
    version = Metadata.get_by_id("data_version").value
    changed = dataclasses.replace(report, trends=[dataclasses.replace(t) for t in report.trends])
    changed.trends[1].title = "Social media : fin du match"
    result = load_report(changed)
    assert result.changes["Trend updated"] == 1 and result.changes["Edition updated"] == 1
    assert not {"Trend inserted", "Trend deleted", "Section updated", "TrendKeyword updated"} & set(result.changes)
    assert dict(Trend.select(Trend.number, Trend.id).tuples()) == ids
    assert Trend.get(Trend.number == 2).title == "Social media : fin du match"
    assert Metadata.get_by_id("data_version").value != version


def test_new_code_deriving_the_index_moves_the_version_of_the_same_report(ctx, report, monkeypatch):
    # as after an upgrade whose analyser reads words otherwise: ETags must not outlive the answers
    version = load_report(report).data_version
    monkeypatch.setattr("seed.loader.derivation", lambda: "another analyser")
    result = load_report(report)
    assert result.changes == {"Metadata updated": 1} and result.data_version != version


def test_failure_half_way_leaves_earlier_data_intact(ctx, report, monkeypatch):
    load_report(report)
    rows = dump()
    changed = dataclasses.replace(report, trends=[dataclasses.replace(t, title=t.title + " !") for t in report.trends])

    def explode(*args):
        raise RuntimeError("disk full")

    monkeypatch.setattr(loader, "load_keywords", explode)
    with pytest.raises(RuntimeError):
        load_report(changed)
    assert dump() == rows


def test_a_later_edition_loads_beside_this_one(ctx, report):
    load_report(report)
    other = parse_report(
        make_report(
            articles=[(1, "Micro et nano, la suite", ("Violeta Roxin", "Consultant", "ACME"))], cloud="micro et nano", year=2022
        )
    )
    load_report(other)
    assert sorted(year for (year,) in Edition.select(Edition.year).tuples()) == [2021, 2022]
    assert Trend.select().where(Trend.number == 1).count() == 2
    assert Expert.get(Expert.slug == "violeta-roxin").trend_count == 2
    in_2021 = len(next(k for k in report.keywords if k.slug == "micro-et-nano").links)
    assert Keyword.get(Keyword.slug == "micro-et-nano").trend_count == in_2021 + 1
    assert Trend.select().count() == 39


def about_keywords_by_trend():
    return dict(Trend.select(Trend.number, Trend.about_keywords).tuples())


def test_a_trend_keeps_the_keywords_it_is_about_strongest_first(ctx, report):
    load_report(report)
    links = (
        TrendKeyword.select(Trend.number, TrendKeyword.weight, Keyword.sort_term, Keyword.id, Keyword.slug, Keyword.term)
        .join(Keyword)
        .switch(TrendKeyword)
        .join(Trend)
        .where(TrendKeyword.grade == "about")
        .tuples()
    )
    expected = {number: [] for number in range(1, 39)}
    for number, _, _, *ref in sorted(links, key=lambda link: (link[0], strongest_first(link[1], link[2], link[4]))):
        expected[number].append(ref)
    assert about_keywords_by_trend() == expected
    assert sum(map(len, expected.values())) == sum(link.grade == "about" for k in report.keywords for link in k.links) > 38


def test_the_migration_fills_what_the_seed_writes(ctx, report):
    load_report(report)
    written = about_keywords_by_trend()
    runner = migration_runner()
    runner.down("0012_trend_about_keywords")
    runner.up("0012_trend_about_keywords")
    assert about_keywords_by_trend() == written


def test_the_html_migration_fills_headings_bios_and_footnotes_from_their_text(ctx, report):
    load_report(report)
    runner = migration_runner()
    runner.down("0016_heading_and_bio_html")
    assert all("html" not in note for (notes,) in Trend.select(Trend.footnotes).tuples() for note in notes)
    runner.up("0016_heading_and_bio_html")
    headings = list(Section.select(Section.heading, Section.heading_html).where(Section.heading.is_null(False)).tuples())
    assert len(headings) > 30 and all(markup == html.escape(heading, quote=False) for heading, markup in headings)
    bios = list(Expert.select(Expert.bio, Expert.bio_html).tuples())
    assert all(markup == [html.escape(p, quote=False) for p in bio] for bio, markup in bios) and any(bio for bio, _ in bios)
    notes = [note for (found,) in Trend.select(Trend.footnotes).tuples() for note in found]
    assert len(notes) == 8 and all(note["html"] == html.escape(note["text"], quote=False) for note in notes)


def test_the_concept_vectors_migration_goes_down_and_up_and_the_next_seed_fills_it(ctx, seeded_report):
    load_report(seeded_report)
    runner = migration_runner()
    runner.down("0017_concept_vectors")
    assert "concept_vector" not in db.get_tables()
    runner.up("0017_concept_vectors")
    changes = load_report(seeded_report).changes
    assert changes["ConceptVector inserted"] == changes["ConceptVector embedded"] > 300
    assert set(changes) == {"ConceptVector inserted", "ConceptVector embedded"}, changes


def test_a_keyword_renamed_by_a_later_edition_is_renamed_in_every_trend_about_it(ctx, report):
    load_report(report)
    renamed = "micro & nano influence"
    about = [number for number, refs in about_keywords_by_trend().items() if any(ref[1] == "micro-et-nano" for ref in refs)]
    other = parse_report(
        make_report(
            articles=[(1, "Micro et nano, la suite", ("Violeta Roxin", "Consultant", "ACME"))], cloud="micro et nano", year=2022
        )
    )
    other = dataclasses.replace(
        other, keywords=[dataclasses.replace(k, term=renamed) if k.slug == "micro-et-nano" else k for k in other.keywords]
    )
    result = load_report(other)
    assert about and result.changes["Trend updated"] == len(about)
    for trend in Trend.select().where(Trend.number.in_(about)):
        assert [ref[2] for ref in trend.about_keywords if ref[1] == "micro-et-nano"] == [renamed], trend.edition.year


def test_excerpt_cuts_at_a_word():
    text = "mot " * 100
    cut = excerpt(text, 30)
    assert cut.endswith("…") and len(cut) <= 31 and not cut[:-1].endswith(" ")
    assert excerpt("court", 30) == "court"


@pytest.mark.parametrize("words, minutes", [(0, 1), (230, 1), (231, 2), (1605, 7)])
def test_reading_time_rounds_up(words, minutes):
    assert reading_minutes(words) == minutes


def two_editions():
    older = parse_report(
        make_report(
            articles=[(1, "Micro et nano", ("Violeta Roxin", "Consultante", "Roxin SA"))], cloud="micro et nano", year=2021
        )
    )
    newer = parse_report(
        make_report(
            articles=[(1, "Micro et nano, la suite", ("Violeta Roxin", "Directrice", "ACME"))], cloud="micro et nano", year=2022
        )
    )
    return older, newer


def experts_by_slug():
    return {e.slug: (e.roles, e.organization, e.trend_count) for e in Expert.select()}


@pytest.mark.parametrize("order", [(0, 1), (1, 0)])
def test_an_expert_shows_their_latest_edition_whatever_the_seed_order(ctx, order):
    editions = two_editions()
    for index in order:
        load_report(editions[index])
    assert experts_by_slug()["violeta-roxin"] == (["Directrice"], "ACME", 2)
    again = load_report(editions[0])  # re-seeding the older edition changes nothing
    assert not again.changed, again.changes


def test_trends_may_swap_titles_and_slugs(ctx):
    articles = [
        (1, "Alpha et oméga", ("Marie Test", "Directrice", "ACME")),
        (2, "Bêta et gamma", ("Marie Test", "Directrice", "ACME")),
    ]
    load_report(parse_report(make_report(articles=articles)))
    swapped = [(1, articles[1][1], articles[1][2]), (2, articles[0][1], articles[0][2])]
    result = load_report(parse_report(make_report(articles=swapped)))
    assert result.changes["Trend updated"] == 2
    assert dict(Trend.select(Trend.number, Trend.slug).tuples()) == {1: "beta-et-gamma", 2: "alpha-et-omega"}


def test_a_keyword_about_no_trend_is_not_stored(ctx):
    report = parse_report(make_report(cloud="Test xyzzy"))
    assert any("'xyzzy' is about no trend" in w.message for w in report.warnings)
    load_report(report)
    assert [k.slug for k in Keyword.select()] == ["test"]
    assert not load_report(report).changed
