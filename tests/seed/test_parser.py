"""The parser on the real corpus and on crafted excerpts."""

import re

import pytest

from api.analysis import fold
from seed.experts import organization_in
from seed.parser import parse_report, read_corpus
from seed.records import ParseError
from tests.factories import CORPUS_PATH, article, make_report

TRENDS = [
    (
        1,
        "Éduquer, nourrir, soigner... les innovations digitales chinoises préfigurent-elles de nouveaux usages sociaux ?",
        "Maria Mercanti-Guérin",
    ),
    (2, "Social media : fin du game", "Jean-Marc Dupouy"),
    (3, "Avec la pandémie, le sens est devenu le motif impérieux", "Thierry Wellhoff"),
    (4, "Minimalisme marketing : facile à imaginer, difficile à appliquer", "Aurélien Gohier"),
    (5, "TikTok & B2B : expérimentation obligatoire en 2021 !", "Guillaume Terrien"),
    (6, "Ces formats qui nous rendent accros", "Céline Beckrich"),
    (7, "Rationalisation des services social media et groupes privés", "Anthony Rochand"),
    (8, "Culture, créativité, modèle économique : profonde crise d'identité des agences pour 2021", "Mathieu Flaig"),
    (9, "2021 : échapper au réel", "Fabrice Frossard"),
    (10, "Micro et nano", "Violeta Roxin"),
    (11, "Les 7 tendances de l'Influence Marketing en 2021", "Camille Jourdain"),
    (
        12,
        "L'expérience client retail de 2021 repose (plus que jamais) sur la complémentarité du digital... avec l'humain",
        "Jérôme Monange",
    ),
    (13, "Fragmentation du monde et Splinternet", "Claire Renault"),
    (14, "Bon sens, Local et Compétences", "Christophe Thil"),
    (15, "La disparition prochaine du clic, ou l'obsolescence annoncée de la souris ?", "Quentin Liot"),
    (16, "Des réseaux sociaux transformés en réseaux commerciaux", "Quentin Liot"),
    (17, "La consécration des communautés informelles sur WhatsApp et autres messageries", "Jean-Denis Garo"),
    (18, "2021 : le chaos créatif d'un monde digitalisé", "Yann Gourvenec"),
    (19, "Empowerment 4.0 : les nouvelles armureries numériques", "Caroline Faillet"),
    (20, "Social Scoring : vers une notation permanente ?", "Kevin Mérigot"),
    (21, "Révolution informationnelle : Une chance pour l'Intelligence Économique", "Jérôme Bondu"),
    (22, "Grosse fatigue généralisée et attention éparpillée", "Nicolas Celic"),
    (23, "Des réseaux soucieux", "Nicolas Celic"),
    (24, "Woke washing et quête de la sincérité", "Nicolas Celic"),
    (25, "Social et Livestream Commerce, TikTok, gaming et voix", "Arnault Chatel"),
    (26, "La pensée critique au défi des réseaux sociaux", "Jacqueline Sala"),
    (27, "Recentrage client & Hyperpersonnalisation : Les tendances marketing qui feront 2021", "Stéphane Contrepois"),
    (28, "Avis consommateurs : quand les étoiles ne suffisent plus", "Joël Gaudeul"),
    (29, "L'impact du covid19 sur le digital", "Christophe Bisson"),
    (30, "Communication et médias sociaux : vers plus de sobriété", "Emilie Marquois"),
    (31, "Les vidéos en direct entreront dans le quotidien", "Jonathan Chan"),
    (32, "L'accélération numérique centrée sur l'humain", "Pierre Cappelli"),
    (33, "Tirer profit de cette année de Covid pour moderniser sa communication et son marketing", "Alban Jarry"),
    (34, "Le Live est mort ! ou l'art de réinventer vos réunions à distance", "Fadhila Brahimi"),
    (
        35,
        "Télétravail, webinars, e-commerce... La révolution des interactions va nous obliger à tout réapprendre.",
        "Damien Douani",
    ),
    (36, "Au-delà de la Covid-19 : remodeler l'avenir de la mode", "David Dubois"),  # as repaired: seed/repair.py
    (37, "2021 : Vous avez le bonZoom d'Acteurs de santé !", "Stéphanie Chevrel"),
    (38, "Le réseau social est aussi votre allié positif", "Christophe Asselin"),
]


def trend(report, number):
    return next(t for t in report.trends if t.number == number)


def expert(report, slug):
    return next(e for e in report.experts if e.slug == slug)


def body_texts(t):
    return (
        [s.heading or "" for s in t.sections]
        + [b.text for s in t.sections for b in s.blocks]
        + [b.html for s in t.sections for b in s.blocks]
    )


def test_corpus_has_38_trends_and_35_experts(report):
    assert [t.number for t in report.trends] == list(range(1, 39))
    assert len(report.experts) == 35
    assert len({e.slug for e in report.experts}) == 35


@pytest.mark.parametrize("number, title, name", TRENDS)
def test_every_trend_has_its_title_and_expert(report, number, title, name):
    t = trend(report, number)
    assert t.title == title
    assert expert(report, t.expert_slug).name == name


@pytest.mark.parametrize("number", [16, 23, 24])
def test_articles_without_expert_block_are_attributed_from_the_avec_list(report, number):
    assert trend(report, number).expert_slug == {16: "quentin-liot", 23: "nicolas-celic", 24: "nicolas-celic"}[number]


def test_edition_metadata(report):
    edition = report.edition
    assert edition.title == "Social Media et Marketing Digital : l'avis des experts"
    assert (edition.subtitle, edition.year, edition.publisher) == ("Tendances 2021", 2021, "Digimind")
    assert (edition.language, edition.editor) == ("fr", "Christophe Asselin")
    assert edition.introduction[0].startswith("Quelles sont les tendances majeures")


@pytest.mark.parametrize("number", range(1, 39))
def test_bodies_hold_no_page_turn_marks_nor_repeated_titles(report, number):
    t = trend(report, number)
    texts = body_texts(t)
    assert not any("→" in text or "●" in text for text in texts)
    assert all(fold(s.heading or "") not in fold(t.title) for s in t.sections if s.heading)
    assert "→" not in t.plain_text and t.word_count > 150


def test_continuation_pages_keep_their_text(report):
    # The paragraph after "## Éduquer, nourrir, soigner..." (a page turn) is still in #1.
    assert "Quant à l'agriculture, un acteur comme Pinduoduo" in trend(report, 1).plain_text
    # #27's page turn repeats only the first half of the title.
    assert "Cette évolution répond également aux préoccupations" in trend(report, 27).plain_text


def test_subtitle_and_image_credit_of_trend_18(report):
    t = trend(report, 18)
    assert t.subtitle == "Tendances et conseils pour sortir de la crise"
    assert t.image_credit == '© from Series "Re:Birth" par Thomas Olliver'
    assert [t.subtitle for t in report.trends if t.subtitle] == [t.subtitle]


def test_sections_follow_headings_with_levels(report):
    t = trend(report, 13)
    assert [(s.heading, s.level) for s in t.sections] == [
        (None, 2),
        ("Vue depuis la fenêtre du marketing", 2),
        ("Un protectionnisme numérique à risques", 2),
        ("Quelles solutions ?", 2),
    ]
    assert t.sections[0].blocks[1].kind == "bullet"


def test_numbered_lists_keep_their_numbers(report):
    items = [b for s in trend(report, 29).sections for b in s.blocks if b.kind == "numbered"]
    assert [b.number for b in items] == [1, 2, 3, 4, 5]  # six as exported: tests/seed/test_repair.py
    assert items[0].text == "Modélisation stratégique"


def test_footnotes_with_their_urls(report):
    assert [(f.number, f.urls) for f in trend(report, 5).footnotes] == [
        (1, []),
        (2, ["https://www.marconomy.de"]),
    ]
    assert trend(report, 18).footnotes[0].urls == [
        "https://www.histoire-en-citations.fr/citations/Karr-plus-ca-change-plus-c-est-la-meme-chose"
    ]
    notes = trend(report, 38).footnotes
    assert [f.number for f in notes] == [1, 2, 3, 4, 5]
    assert notes[0].urls == ["https://bit.ly/2ZJAx4o"]
    # A bare link after the last footnote belongs to it.
    assert notes[4].urls == ["https://landing.digimind.com/fr/covid-monde-apres-communication-marques"]
    assert not any(f.text in trend(report, 38).plain_text for f in notes)


def test_placeholder_links_keep_their_text_and_lose_their_target(report):
    t = trend(report, 4)
    assert "petite étude que j'ai menée" in t.plain_text
    assert 'href="#"' not in "".join(body_texts(t))
    assert t.links == []


@pytest.mark.parametrize(
    "slug, url",
    [
        ("aurelien-gohier", "https://twitter.com/Aurelien_Gohier"),
        ("celine-beckrich", "https://www.instagram.com/dis_celine/"),
        ("alban-jarry", "https://twitter.com/Alban_Jarry"),
        ("stephanie-chevrel", "https://twitter.com/s_chevrel"),
    ],
)
def test_profile_links_are_unescaped(report, slug, url):
    assert [link.url for link in expert(report, slug).links] == [url]


@pytest.mark.parametrize(
    "slug, kind",
    [
        ("maria-mercanti-guerin", "twitter"),
        ("thierry-wellhoff", "linkedin"),
        ("celine-beckrich", "instagram"),
        ("jerome-bondu", "website"),
        ("yann-gourvenec", "linkedin"),
    ],
)
def test_profile_links_have_a_kind(report, slug, kind):
    assert expert(report, slug).links[0].kind == kind


@pytest.mark.parametrize(
    "slug, name, printed",
    [
        ("guillaume-terrien", "Guillaume Terrien", "Guillaume TERRIEN"),
        ("celine-beckrich", "Céline Beckrich", "Céline BECKRICH"),
        ("nicolas-celic", "Nicolas Celic", "Nicolas CELIC"),
        ("jacqueline-sala", "Jacqueline Sala", "Jacqueline SALA"),
    ],
)
def test_names_as_a_person_writes_them_and_as_printed(report, slug, name, printed):
    e = expert(report, slug)
    assert (e.name, e.name_original) == (name, printed)


@pytest.mark.parametrize(
    "slug, roles, organization",
    [
        ("mathieu-flaig", ["Directeur Général au sein du Cabinet Conseil et Formation en accélération digitale"], "SYSK"),
        ("jerome-monange", ["Expert retail, Conseil Marketing et Communication"], "Lab LUXURY and RETAIL"),
        ("christophe-thil", ["CEO de la société BlueBoat et créateur de l'Ereriday"], "BlueBoat"),
        ("thierry-wellhoff", ["Fondateur associé de l'agence Wellcom"], "TW&A Consultants"),
        ("celine-beckrich", ["Activatrice de réseaux sociaux et formatrice"], "disCéline"),
        (
            "camille-jourdain",
            # one line, as the author wrote it (seed/repair.py joins a role that ends with a comma)
            ["Consultant Influence et Social Media, Formateur, Auteur et Blogueur, Membre de La Brigade du Web"],
            None,
        ),
        (
            "alban-jarry",
            ["Chief Digital Officer en Asset Management", "Président Délégué de l'Ecole Polytechnique d'Assurances"],
            "Ecole Polytechnique d'Assurances",
        ),
        ("maria-mercanti-guerin", ["Maître de conférences, Directrice de recherche"], "Sorbonne Université, IAE de Paris"),
    ],
)
def test_roles_wrapped_over_two_lines_are_one_role(report, slug, roles, organization):
    e = expert(report, slug)
    assert (e.roles, e.organization) == (roles, organization)


@pytest.mark.parametrize(
    "roles, organization",
    [
        (["Fondateur de World Digital People"], "World Digital People"),
        (["Community Manager chez dentsu / iProspect"], "dentsu / iProspect"),
        (["Directeur général d'Acteurs de santé Tv", "Présidente de l'Observatoire"], "Acteurs de santé Tv"),
        (["Fondateur de Faber-Content, stratégie de contenu"], "Faber-Content"),
        (["Rédactrice en chef de Veille mag", "Organisatrice de Search Day"], "Veille mag"),
        (["Head of Social @Acme"], "Acme"),
        (["Consultant en stratégie digitale"], None),  # "de" before a common noun
        (["Eclaireur du Numérique & pionnier du Livestreaming."], None),
        (["Digital & Innovation Consultant"], None),
    ],
)
def test_an_organisation_a_role_names_by_rule(roles, organization):
    assert organization_in(roles) == organization


def test_the_metadata_gives_the_organisations_no_rule_reads(report):
    assert expert(report, "anthony-rochand").organization == "LEW (Les Experts du Web)"
    assert expert(report, "camille-jourdain").organization is None  # a group he belongs to (the .toml says why)
    assert sum(e.organization is None for e in report.experts) == 5


def test_the_organisation_of_someone_who_wrote_nothing_is_a_warning():
    text = make_report(articles=[(1, "Un titre", ("Marie Test", "Directrice", "ACME"))])
    report = parse_report(text, {"organizations": {"Nobody Here": "X"}})
    assert any("Nobody Here" in warning.message for warning in report.warnings)


def test_bio_paragraphs_go_to_the_expert_not_the_body(report):
    bio = expert(report, "anthony-rochand").bio
    assert [(b.text, b.html) for b in bio] == [
        (
            "Anthony est Formateur / Mentor en Communication d'influence & Social Marketing",
            "Anthony est Formateur / Mentor en Communication d'influence &amp; Social Marketing",
        )
    ]
    assert "Anthony est Formateur" not in trend(report, 7).plain_text
    assert expert(report, "guillaume-terrien").bio[0].text.startswith("Spécialiste de la communication digitale")
    assert expert(report, "jerome-bondu").bio[0].text.startswith("Jérôme Bondu est l'auteur")


def test_shared_profile_link_is_an_anomaly_and_stays_with_its_owner(report):
    assert any("Damien Douani and David Dubois share" in n.message for n in report.anomalies)
    assert expert(report, "david-dubois").links == []
    assert expert(report, "damien-douani").links[0].url == "https://twitter.com/DamienDouani"


def test_real_corpus_has_no_unplaced_content(report):
    assert report.warnings == []


# Crafted inputs


def test_an_article_nothing_signs_is_a_parse_error_with_its_line():
    text = make_report(articles=[(1, "Un test de titre", ("Marie Test", "Directrice", "ACME")), (2, "Orphelin complet", None)])
    with pytest.raises(ParseError, match=r'#2 names no expert .*\[authors\] "2" = "Name"') as raised:
        parse_report(text)
    assert raised.value.line == text.splitlines().index("## #2 Orphelin complet") + 1


def test_the_metadata_names_the_author_of_an_article_nothing_signs():
    text = make_report(articles=[(1, "Un test de titre", ("Marie Test", "Directrice", "ACME")), (2, "Orphelin complet", None)])
    report = parse_report(text, {"authors": {"2": "Marie Test", "1": "Paul Autre", "9": "Paul Autre"}})
    assert [trend.expert_slug for trend in report.trends] == ["marie-test", "marie-test"]
    assert [expert.slug for expert in report.experts] == ["marie-test"]  # #1's block is kept, #9 is no article
    assert sorted(w.message for w in report.warnings if "metadata" in w.message) == [
        "the metadata gives the author of #1, an article its text signs or none: not used",
        "the metadata gives the author of #9, an article its text signs or none: not used",
    ]


def test_every_trend_of_the_corpus_has_its_expert(report):
    assert all(trend.expert_slug for trend in report.trends)


def test_avec_entry_without_article_means_a_truncated_file():
    text = open(CORPUS_PATH, encoding="utf-8").read()
    cut = text[: text.index("## #20 Social Scoring")]
    with pytest.raises(ParseError) as error:
        parse_report(cut)
    assert "Social Scoring" in str(error.value) and "truncated" in str(error.value)
    assert error.value.line == cut.splitlines().index("- Kevin Mérigot :** Social Scoring : vers une notation permanente ?") + 1


@pytest.mark.parametrize("text", ["", "   \n\n", "\ufeff"])
def test_empty_file_is_a_parse_error_at_line_1(text):
    with pytest.raises(ParseError, match="empty") as error:
        parse_report(text)
    assert error.value.line == 1


def test_file_without_articles_is_a_parse_error():
    with pytest.raises(ParseError, match="no trend article"):
        parse_report("# Un titre\n\n**Tendances 2021**\n\nDu texte.\n")


def test_non_utf8_file_is_a_parse_error_naming_the_line(tmp_path):
    path = tmp_path / "latin1.md"
    heading = "## #1 Un test de titre"
    path.write_bytes(make_report().encode().replace(heading.encode(), "## #1 Un été".encode("latin-1")))
    with pytest.raises(ParseError, match="not UTF-8") as error:
        read_corpus(path)
    assert error.value.line == make_report().splitlines().index(heading) + 1


def test_crlf_line_endings_parse_like_lf(report, tmp_path):
    path = tmp_path / "crlf.md"
    path.write_bytes(open(CORPUS_PATH, "rb").read().replace(b"\n", b"\r\n"))
    path.with_suffix(".toml").write_bytes(open(CORPUS_PATH.replace(".md", ".toml"), "rb").read())
    assert read_corpus(path) == report


def test_duplicate_article_number_is_a_parse_error():
    text = make_report(articles=[(1, "Premier titre", None), (1, "Second titre", None)], avec=[])
    with pytest.raises(ParseError, match="#1 is used twice"):
        parse_report(text)


def test_missing_year_is_a_parse_error():
    with pytest.raises(ParseError, match="no year"):
        parse_report("# Un titre sans année\n\n" + article(1, "Titre"))


def test_expert_missing_from_avec_list_is_a_warning():
    text = make_report(avec=[])
    report = parse_report(text)
    assert report.trends[0].expert_slug == "marie-test"
    assert any("missing from the 'avec...' list" in w.message for w in report.warnings)


def test_block_and_avec_list_disagreeing_is_an_anomaly():
    text = make_report(avec=[("Paul Autre", "Un test de titre")])
    report = parse_report(text)
    assert report.trends[0].expert_slug == "marie-test"
    assert any("names 'Marie Test' but the 'avec...' list" in a.message for a in report.anomalies)


def test_unknown_top_level_section_is_a_warning():
    text = make_report() + "\n\n# Publicité\n\nAchetez nos produits.\n"
    report = parse_report(text)
    assert [w.message for w in report.warnings] == ["section 'Publicité' is not part of any article; skipped"]


def test_slugs_are_lowercase_ascii_and_unique(report):
    slugs = [t.slug for t in report.trends] + [e.slug for e in report.experts] + [k.slug for k in report.keywords]
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug) for slug in slugs)
    assert len({t.slug for t in report.trends}) == 38


def test_avec_line_without_title_is_a_warning():
    text = make_report(avec=[("Marie Test", "Un test de titre")]).replace("# avec...\n\n", "# avec...\n\n- Paul Autre :**\n")
    report = parse_report(text)
    assert any("without a name or a title" in w.message for w in report.warnings)


def test_huge_article_number_is_a_parse_error_not_a_hang():
    with pytest.raises(ParseError, match="out of range"):
        parse_report(make_report(articles=[(10**12, "Un test de titre", ("Marie Test", "Directrice", "ACME"))]))


def test_gaps_in_article_numbers_are_summarised():
    articles = [
        (1, "Premier titre", ("Marie Test", "Directrice", "ACME")),
        (500, "Dernier titre", ("Marie Test", "Directrice", "ACME")),
    ]
    report = parse_report(make_report(articles=articles))
    assert any(
        w.message == "article numbers missing: #2, #3, #4, #5, #6, #7, #8, #9, #10, #11 and 488 more" for w in report.warnings
    )


def test_punctuation_in_the_cloud_ends_a_term():
    report = parse_report(make_report(cloud="test, titre"))
    assert [k.term for k in report.keywords] == ["test", "titre"]
