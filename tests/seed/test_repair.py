"""The repair pass (seed/repair.py): each rule on short excerpts, where it fires and where it must
not; then the real report, repaired as served, word for word against the file."""

import html
import re
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from seed.parser import parse_report, read_corpus
from seed.records import ParseError
from seed.repair import KINDS, Repairs, counts, plain
from tests.factories import CORPUS_PATH, make_report

EXPERT = "**Marie Test**  \n**Directrice**  \n**ACME**\n\n<https://twitter.com/marietest>\n\n"


def source(*body, expert=EXPERT):
    """The Markdown of a report of one article whose body is ``body`` (Markdown paragraphs)."""
    return make_report(["## #1 Un test de titre\n\n" + expert + "\n\n".join(body) + "\n"])


def parsed(*body, meta=None, repaired=True, expert=EXPERT):
    return parse_report(source(*body, expert=expert), {"language": "fr", **(meta or {})}, repaired)


def blocks(report):
    return [(block.kind, block.number, block.text) for section in report.trends[0].sections for block in section.blocks]


def kinds(report):
    return [repair.kind for repair in report.repairs]


# Structure.


def test_a_list_item_cut_mid_phrase_ends_the_item_before_it_and_the_rest_are_numbered_again():
    body = (
        "Le système suit les étapes suivantes :",
        "1. Modélisation stratégique\n2. Création d'experts dédiés\n3. métiers avec un responsable.\n4. Mise en place.",
    )
    report = parsed(*body)
    assert blocks(report)[1:] == [
        ("numbered", 1, "Modélisation stratégique"),
        ("numbered", 2, "Création d'experts dédiés métiers avec un responsable."),
        ("numbered", 3, "Mise en place."),
    ]
    (repair,) = report.repairs
    line = source(*body).splitlines().index("3. métiers avec un responsable.") + 1
    assert (repair.kind, repair.line, repair.made) == ("continued-item", line, True)
    assert repair.after.endswith("dédiés métiers avec un responsable.")
    assert report.trends[0].sections[0].blocks[2].html == "Création d'experts dédiés métiers avec un responsable."


@pytest.mark.parametrize(
    "items",
    [
        # the author's last item, after items that end with a comma
        "- Fin 2019 RuNet, le projet russe,\n- Cet été, Tik tok a été banni d'Inde,\n- et bien d'autres...",
        # a list whose items all start in lowercase
        "- accélération pour les uns\n- accélération enfin pour les autres",
        # a brand name that starts in lowercase
        "- Des téléphones\n- iPhone et Android",
    ],
)
def test_list_items_that_start_in_lowercase_by_the_authors_will_stay(items):
    report = parsed("Quelques événements :", items)
    assert "continued-item" not in kinds(report)
    assert len(blocks(report)) == 1 + items.count("\n") + 1


def test_a_paragraph_that_goes_on_with_the_sentence_before_it_joins_it():
    report = parsed("Ces contenus ont le même objectif, nous le savons :", "que les consommateurs passent du temps.")
    assert blocks(report) == [
        ("paragraph", None, "Ces contenus ont le même objectif, nous le savons : que les consommateurs passent du temps.")
    ]
    assert kinds(report) == ["continued-paragraph"]


@pytest.mark.parametrize(
    "before, after",
    [
        ("Apple présente son nouveau téléphone", "iPhone 12 arrive en France le mois prochain."),  # a brand starts it
        ("Tout commence ici.", "puis tout recommence."),  # a full stop ends the one before
        ("Vraiment ?", "oui, vraiment."),
    ],
)
def test_a_lowercase_paragraph_that_starts_its_own_sentence_stays(before, after):
    report = parsed(before, after)
    assert len(blocks(report)) == 2
    assert "continued-paragraph" not in kinds(report)


def test_short_lines_of_one_form_after_a_colon_are_a_list():
    report = parsed(
        "Voici mes quelques conseils :",
        "Refondre la culture et se séparer des éléments toxiques",
        "Travailler en écosystème avec les freelances, les médias...",
        "Former, former, former",
        "En clair, Adapt or Die !",
    )
    assert [kind for kind, _, _ in blocks(report)] == ["paragraph", "bullet", "bullet", "bullet", "paragraph"]
    assert kinds(report) == ["list"]


def test_lowercase_short_lines_after_a_colon_are_a_list_not_one_paragraph():
    report = parsed("Mes conseils :", "refondre la culture", "miser sur le temps", "former les équipes")
    assert [kind for kind, _, _ in blocks(report)] == ["paragraph", "bullet", "bullet", "bullet"]
    assert kinds(report) == ["list"]


@pytest.mark.parametrize(
    "body",
    [
        ("Deux conseils :", "Refondre la culture", "Former, former, former"),  # two lines are not a list
        ("Trois idées :", "Refondre la culture", "miser sur le temps", "Former, former, former"),  # not one form
        ("Trois idées.", "Refondre la culture", "Miser sur le temps", "Former, former, former"),  # no colon
        (
            "Ce que je retiens :",
            "La culture compte.",
            "Le temps aussi compte. Et les équipes.",
            "Les clients comptent.",
        ),  # sentences
    ],
)
def test_paragraphs_that_do_not_read_as_a_list_stay_paragraphs(body):
    report = parsed(*body)
    assert {kind for kind, _, _ in blocks(report)} == {"paragraph"}


def test_parallel_headings_take_the_shallowest_level_and_the_others_keep_theirs():
    report = parsed(
        "### **Tendance 1 : Un ultra-ciblage**",
        "Texte.",
        "#### **Tendance 2 : Des partenariats**",
        "Texte.",
        "#### Une sous-partie",
        "Texte.",
        "### **Tendance 3 : Une professionnalisation**",
        "Texte.",
    )
    levels = [(section.heading, section.level) for section in report.trends[0].sections]
    assert levels == [
        ("Tendance 1 : Un ultra-ciblage", 2),
        ("Tendance 2 : Des partenariats", 2),
        ("Une sous-partie", 3),
        ("Tendance 3 : Une professionnalisation", 2),
    ]
    assert kinds(report) == ["heading-level"]


@pytest.mark.parametrize(
    "headings",
    [
        ("### Les 5 piliers", "#### Les 3 erreurs"),  # no mark after the number: titles, not parts
        ("### Tendance 1 : Un", "#### Tendance 3 : Trois"),  # not numbered on
        ("### Étape 1 : Un", "#### Étape 2 - Deux"),  # not the same mark
    ],
)
def test_headings_that_are_not_parallel_keep_their_levels(headings):
    report = parsed(*(part for heading in headings for part in (heading, "Texte.")))
    assert [section.level for section in report.trends[0].sections] == [2, 3]
    assert "heading-level" not in kinds(report)


def test_headings_keep_their_emphasis_as_html():
    report = parsed("### **L'attention : la _quête_ du graal !**", "Texte.")
    section = report.trends[0].sections[0]
    assert (section.heading, section.heading_html) == (
        "L'attention : la quête du graal !",
        "<strong>L'attention : la <em>quête</em> du graal !</strong>",
    )


def test_roles_the_author_wrote_as_one_line_are_one_role():
    expert = (
        "**Camille Test**  \n**Consultant Influence et Social Media,**  \n**Formateur, Auteur et Blogueur,**  \n"
        "**Membre de La Brigade du Web**\n\n"
    )
    report = parsed("Texte.", expert=expert)
    assert report.experts[0].roles == [
        "Consultant Influence et Social Media, Formateur, Auteur et Blogueur, Membre de La Brigade du Web"
    ]
    assert kinds(report) == ["continued-role", "continued-role"]
    assert parsed("Texte.", expert=expert, repaired=False).experts[0].roles[0] == "Consultant Influence et Social Media,"


def test_lines_that_name_no_job_after_the_organisation_describe_it():
    expert = "**Jean Test**  \n**Directeur**  \n**Inter-Ligere.fr**  \n**Cabinet de veille et intelligence économique**\n\n"
    (found,) = parsed("Texte.", expert=expert).experts
    assert (found.roles, found.organization) == (["Directeur"], "Inter-Ligere.fr, Cabinet de veille et intelligence économique")


# Words.


@pytest.fixture
def words():
    mend = Repairs("fr", {"HenrikBorg": "Henrik Borg"}, marks={":": " ", "!": " "})
    return lambda text: mend.apply(text)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Déjà 2 ans que je parle deTiktok.", "Déjà 2 ans que je parle de Tiktok."),
        ("Éduquer, nourrir, soigner...les innovations", "Éduquer, nourrir, soigner... les innovations"),
        ("des exemples comme d'Instagram...les réseaux", "des exemples comme d'Instagram... les réseaux"),
        ("que font les marques..", "que font les marques..."),
        ("Nexta en Biélorussie.. ) et", "Nexta en Biélorussie...) et"),
        ("des milliers d'entreprises .", "des milliers d'entreprises."),
        ("la note Schufa . Toujours", "la note Schufa. Toujours"),
        ("le marché(l'Influence) et", "le marché (l'Influence) et"),
        ("HenrikBorg / Lena Müller", "Henrik Borg / Lena Müller"),
        ("mieux exploiter la data!", "mieux exploiter la data !"),
        ("Source: Ifop", "Source : Ifop"),
    ],
)
def test_word_rules_mend_the_exports_damage(words, text, expected):
    assert words(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "un bon coup de pied au c...onfort",  # "onfort" is no word: the author's pun
        "Télétravail, webinars, e-commerce... La révolution",  # an ellipsis and a space: the author's
        "Maîtrisez internet ... avant qu'internet ne nous maîtrise",
        "chez blueKiwi, bonZoom et disCéline",  # brands that start in lowercase
        "un iPhone, un eBook et un iProspect",
        "la société BlueBoat et ByteDance",  # capitalised compounds: how brands write
        "les client(e)s et le B2B(2C)",  # inclusive writing, a notation
        'From Series "Re:Birth" par Thomas',  # no space after: not the punctuation
        "voir https://example.com/deTiktok...les et www.exemple.fr/a..b",  # web addresses
        "de 4.0 à 2,5 fois",
        "les pages 1..10",  # a range
        "chaque utilisateur(trice) inscrit(e)",
        "le hashtag #deTiktok et @deTiktok",
        "Voici\u00a0: enfin\u202f!",  # a no-break space is a space: kept as it is
    ],
)
def test_word_rules_leave_the_authors_writing_alone(words, text):
    assert words(text) == text


def test_a_title_is_mended_like_text_and_keeps_its_slug_and_an_authors_ellipsis_stays():
    text = make_report(
        [
            (1, "Éduquer, soigner...les innovations", ("Marie Test", "Directrice", "ACME")),
            (2, "Un bon coup de pied au c...onfort", ("Jean Test", "Directeur", "ACME")),
        ]
    )
    exported, mended = parse_report(text, {}, repaired=False), parse_report(text, {})
    assert [t.title for t in mended.trends] == ["Éduquer, soigner... les innovations", "Un bon coup de pied au c...onfort"]
    assert [t.slug for t in mended.trends] == [t.slug for t in exported.trends]
    assert [(r.kind, r.before) for r in mended.repairs] == [("ellipsis", "soigner...les")]


def test_a_report_that_keeps_to_a_narrow_no_break_space_gets_it_everywhere():
    mend = Repairs("fr", {})
    mend.learn_marks(["Voici\u202f:"] * 9 + ["Voilà :"] + ["Oui !"] * 3)
    assert mend.marks == {":": "\u202f"}  # "!": 3 uses, too few to show a habit
    assert mend.apply("Voilà : et voici: oui!") == "Voilà\u202f: et voici\u202f: oui!"


def test_a_language_without_a_word_list_leaves_glued_words_alone():
    assert Repairs("xx", {}).apply("je parle deTiktok") == "je parle deTiktok"


def test_a_space_before_a_mark_follows_the_reports_habit_only_where_it_has_one():
    mend = Repairs("fr", {})
    mend.learn_marks(["Voici :"] * 9 + ["Voilà:"] + ["Oui !"] * 6 + ["Non!"] * 5)
    assert mend.marks == {":": " "}  # 9 in 10 for ":", 6 in 11 for "!": no habit
    assert mend.apply("Voilà: enfin! ") == "Voilà : enfin! "


def test_html_follows_the_text_and_a_repair_it_cannot_follow_is_not_made():
    report = parsed("Je parle **deTiktok** et de Twitch.", "Soigner...*les* innovations.")
    first, second = report.trends[0].sections[0].blocks
    assert (first.text, first.html) == ("Je parle de Tiktok et de Twitch.", "Je parle <strong>de Tiktok</strong> et de Twitch.")
    assert (second.text, second.html) == ("Soigner...les innovations.", "Soigner...<em>les</em> innovations.")
    assert kinds(report) == ["glued-word"]
    assert any("'Soigner...les' is not repaired" in str(warning) for warning in report.warnings)


@pytest.mark.parametrize(
    "table",
    [
        {"glued": {"HenrikBorg": "Henrick Borg"}},  # a letter changed
        {"glued": {"": " "}},
        {"glued": {"HenrikBorg": 3}},
        {"glued": ["HenrikBorg"]},
        "HenrikBorg",
    ],
)
def test_the_glued_names_the_metadata_gives_must_only_add_spaces_to_a_word(table):
    with pytest.raises(ParseError, match=r"\[repairs\] glued"):
        parsed("Texte.", meta={"repairs": table})


def test_without_repair_the_text_is_as_exported_and_the_repairs_are_listed_not_made():
    body = ("Je parle deTiktok.", "Le système :", "que voici.")
    raw, mended = parsed(*body, repaired=False), parsed(*body)
    assert blocks(raw) == [("paragraph", None, text) for text in body]
    assert [(r.kind, r.line, r.before, r.after) for r in raw.repairs] == [
        (r.kind, r.line, r.before, r.after) for r in mended.repairs
    ]
    assert {r.made for r in raw.repairs} == {False} and {r.made for r in mended.repairs} == {True}
    assert all(repair in raw.anomalies for repair in raw.repairs)
    assert "(not made: --no-repair)" in str(raw.repairs[0])
    heading = parsed("### **Une _partie_**", "Texte.", repaired=False).trends[0].sections[0]
    assert heading.heading_html == "<strong>Une <em>partie</em></strong>"  # HTML is no repair


# The real report.


@pytest.fixture(scope="module")
def exported():
    return read_corpus(CORPUS_PATH, repaired=False)


def trend(report, number):
    return next(t for t in report.trends if t.number == number)


def items(report, number):
    return [(b.kind, b.number, b.text) for s in trend(report, number).sections for b in s.blocks if b.kind != "paragraph"]


def test_the_seven_kinds_of_damage_are_repaired_in_the_report(report, exported):
    numbered = items(report, 29)
    assert [number for _, number, _ in numbered] == [1, 2, 3, 4, 5]
    assert numbered[3][2].endswith("d'experts dédiés métiers avec un responsable des analyses et un ou plusieurs décideurs.")

    paragraphs = [b.text for s in trend(report, 6).sections for b in s.blocks]
    assert not [text for text in paragraphs if text[:1].islower()]
    assert any("nous le savons : que les consommateurs passent" in text for text in paragraphs)

    bullets = [text for _, _, text in items(report, 8)]
    advice = bullets[bullets.index("Refondre la culture et se séparer des éléments toxiques") :]
    assert (
        len(advice) == 7 and [p for s in trend(exported, 8).sections for p in s.blocks if p.text in advice][0].kind == "paragraph"
    )
    assert advice[-1] == "Tester, tester, tester"

    parts = [s for s in trend(report, 11).sections if s.heading and s.heading.startswith("Tendance")]
    assert [s.level for s in parts] == [2] * 7

    texts = "\n".join(
        [t.title for t in report.trends]
        + [t.plain_text for t in report.trends]
        + [f.text for t in report.trends for f in t.footnotes]
    )
    for mended in ("de Tiktok", "Henrik Borg", "marché (l'Influence)", "soigner... les", "tweets... puis", "digital... avec"):
        assert mended in texts
    for damage in ("deTiktok", "HenrikBorg", "marché(l", "soigner...les", "mal...commencé", "que...responsables"):
        assert damage not in texts
    assert not re.search(r"\w \.(?!\.)|(?<!\.)\.\.(?!\.)", texts)

    bold = [s.heading for t in report.trends for s in t.sections if s.heading_html and s.heading_html.startswith("<strong>")]
    printed = [
        line
        for number, lines in regions(markup=True).items()
        for line in lines
        if re.match(r"#+ .*\*\*", line) and alnum(line) not in alnum(trend(report, number).title)
    ]
    assert len(bold) == len(printed) == 25  # every bold heading of the articles, as the file prints it

    camille = next(e for e in report.experts if e.slug == "camille-jourdain")
    assert len(camille.roles) == 1
    jerome = next(e for e in report.experts if e.slug == "jerome-bondu")
    assert jerome.organization.startswith("Inter-Ligere.fr, Cabinet de veille")


def test_every_kind_of_repair_is_made_in_the_report_and_counted(report):
    assert set(counts(report.repairs)) == set(KINDS)
    assert sum(counts(report.repairs).values()) == len(report.repairs)


def test_repaired_titles_keep_their_slugs(report, exported):
    assert [t.slug for t in report.trends] == [t.slug for t in exported.trends]
    assert trend(report, 1).title != trend(exported, 1).title


def test_every_heading_footnote_and_bio_has_html_that_reads_as_its_text(report):
    pairs = [(s.heading, s.heading_html) for t in report.trends for s in t.sections if s.heading]
    pairs += [(f.text, f.html) for t in report.trends for f in t.footnotes]
    pairs += [(b.text, b.html) for e in report.experts for b in e.bio]
    pairs += [(b.text, b.html) for t in report.trends for s in t.sections for b in s.blocks]
    assert len(pairs) > 400
    assert [(text, markup) for text, markup in pairs if plain(markup) != " ".join(text.split())] == []
    marconomy = '<a href="https://www.marconomy.de">marconomy.de</a> - Henrik Borg / Lena Müller'
    assert trend(report, 5).footnotes[1].html.endswith(marconomy)


def test_the_repairs_change_no_letter_or_digit(report, exported):
    def stream(r):
        return [alnum(text) for text in texts_of_report(r)]

    assert stream(report) == stream(exported)


def texts_of_report(report):
    for t in report.trends:
        yield t.title
        yield t.plain_text
        yield from (f.text for f in t.footnotes)
    for e in report.experts:
        yield " ".join(e.roles)
        yield from (b.text for b in e.bio)


def alnum(text):
    return re.sub(r"[\W_]", "", text)


_MD = MarkdownIt("commonmark")
_ARTICLE = re.compile(r"^#{1,2} #(\d+) ")


def regions(markup=False):
    """``{number: [line text]}``: the report's lines from each article heading to the next part (a
    top-level heading that does not repeat the title), each rendered to text by markdown-it (or
    as printed, with ``markup``)."""
    found, number, title = {}, None, ""
    for line in Path(CORPUS_PATH).read_text("utf-8").splitlines():
        heading = _ARTICLE.match(line)
        if heading:
            number, title = int(heading[1]), alnum(line)
            found[number] = []
        elif line.startswith("# ") and alnum(line) not in title:
            number = None
        if number is not None:
            found[number].append(line if markup else html.unescape(re.sub(r"<[^>]+>", "", _MD.render(line))))
    return found


def test_every_word_of_every_article_is_served_and_nothing_is_invented(get_json):
    """Each line of an article's region of the file (furniture aside: page-turn marks, the title
    repeated on continuation pages) is read, letters and digits only, in what the API serves
    for the trend and its expert; and each text the API serves is read in the region."""
    served_words, found = 0, regions()
    details = {number: get_json(f"/v1/trends/{number}?edition=2021") for number in found}
    # Served elsewhere: an image credit is printed before the next article's title, and a profile
    # link that names another expert goes to them (seed/parser.py check_shared_links).
    elsewhere = [detail["image_credit"] or "" for detail in details.values()]
    elsewhere += [link["url"] for expert in get_json("/v1/experts?page_size=100") for link in expert["links"]]
    elsewhere = "|".join(alnum(text) for text in elsewhere)
    for number, lines in found.items():
        detail = details[number]
        expert = get_json(f"/v1/experts/{detail['expert']['slug']}")
        served = [f"#{number} {detail['title']}", detail["subtitle"] or "", detail["image_credit"] or ""]
        served += [s["heading"] or "" for s in detail["sections"]]
        served += [b["text"] for s in detail["sections"] for b in s["blocks"]]
        served += [f"({f['number']}) {f['text']} {' '.join(f['urls'])}" for f in detail["footnotes"]]
        served += [expert["name_original"], expert["organization"] or "", *expert["roles"], *expert["bio"]]
        served += [link["url"] for link in expert["links"]]
        served_stream = "|".join(alnum(text) for text in served)
        missing = [line for line in lines if alnum(line) and alnum(line) not in served_stream and alnum(line) not in elsewhere]
        assert missing == [], f"#{number}: lines of the report not served"
        region = alnum("".join(lines))
        texts = [detail["title"], *(b["text"] for s in detail["sections"] for b in s["blocks"])]
        texts += [s["heading"] for s in detail["sections"] if s["heading"]]
        invented = [text for text in texts if alnum(text) not in region]
        assert invented == [], f"#{number}: served text not in the report"
        served_words += sum(len(b["text"].split()) for s in detail["sections"] for b in s["blocks"])
    assert served_words > 20_000


def test_keyword_evidence_quotes_the_text_as_repaired(seeded_report):
    texts = {t.number: "\n".join([t.title, t.subtitle or "", t.plain_text]) for t in seeded_report.trends}
    links = [(k.slug, link) for k in seeded_report.keywords for link in k.links]
    assert len(links) > 600
    assert [(slug, link.evidence) for slug, link in links if link.evidence not in texts[link.trend_number]] == []
