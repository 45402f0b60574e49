"""The report's data: editions, experts and their links, trends and their sections, keywords.

Queries the API needs are classmethods here; each returns a Peewee query or rows.
"""

from peewee import JOIN, CharField, FloatField, ForeignKeyField, IntegerField, TextField, fn
from slugify import slugify

from .analysis import fold
from .db import BaseModel, JSONField


class Edition(BaseModel):
    """One yearly report ("Tendances 2021"); editions live side by side."""

    year = IntegerField(unique=True)
    title = TextField()
    subtitle = TextField()
    publisher = CharField()
    language = CharField()
    editor = CharField(null=True)
    introduction = JSONField(default=list)
    source_url = TextField(null=True)
    content_hash = CharField()  # of everything the seed loaded for this edition

    @classmethod
    def for_year(cls, year=None):
        """The edition of ``year`` (default: the latest), or None."""
        query = cls.select().order_by(cls.year.desc())
        return (query.where(cls.year == year) if year is not None else query).first()

    @classmethod
    def with_counts(cls):
        """Editions, newest first, each with ``trend_count``, ``expert_count``, ``keyword_count``."""
        trends = Trend.select(fn.COUNT(Trend.id)).where(Trend.edition == cls.id)
        experts = Trend.select(fn.COUNT(Trend.expert.distinct())).where(Trend.edition == cls.id)
        keywords = TrendKeyword.select(fn.COUNT(TrendKeyword.keyword.distinct())).join(Trend).where(Trend.edition == cls.id)
        return cls.select(
            cls,
            trends.alias("trend_count"),
            experts.alias("expert_count"),
            keywords.alias("keyword_count"),
        ).order_by(cls.year.desc())


class Expert(BaseModel):
    slug = CharField(unique=True)
    name = CharField()
    name_original = CharField()
    sort_name = CharField(index=True)  # analysis.sort_key(name)
    organization = CharField(null=True)
    organization_key = CharField(null=True, index=True)  # folded organization
    roles = JSONField(default=list)
    bio = JSONField(default=list)
    trend_count = IntegerField(default=0)

    SORTS = {
        "name": (lambda: [Expert.sort_name, Expert.id]),
        "-name": (lambda: [Expert.sort_name.desc(), Expert.id.desc()]),
        "-trend_count": (lambda: [Expert.trend_count.desc(), Expert.sort_name, Expert.id]),
    }

    def recent_trends(self, limit):
        """This expert's trends, newest edition first, with their keyword summaries."""
        query = Trend.listing().where(Trend.expert == self.id).order_by(Edition.year.desc(), Trend.number)
        return attach_keywords(list(query.limit(limit)))

    @classmethod
    def matching(cls, organization=None, sort="name"):
        """Experts, of one organisation (accents and case aside) if given."""
        query = cls.select()
        if organization:
            query = query.where(cls.organization_key == fold(organization))
        return query.order_by(*cls.SORTS[sort]())


class ExpertLink(BaseModel):
    expert = ForeignKeyField(Expert, backref="links", on_delete="CASCADE")
    position = IntegerField()
    kind = CharField()
    url = TextField()

    class Meta:
        indexes = ((("expert", "position"), True),)


class Trend(BaseModel):
    edition = ForeignKeyField(Edition, backref="trends", on_delete="CASCADE")
    number = IntegerField()
    slug = CharField()
    title = TextField()
    subtitle = TextField(null=True)
    sort_title = TextField()  # analysis.sort_key(title)
    expert = ForeignKeyField(Expert, backref="trends", null=True, on_delete="SET NULL")
    excerpt = TextField()
    plain_text = TextField()
    word_count = IntegerField()
    reading_time_minutes = IntegerField()
    footnotes = JSONField(default=list)
    links = JSONField(default=list)
    image_credit = TextField(null=True)

    SORTS = {
        "number": (lambda: [Trend.number]),
        "-number": (lambda: [Trend.number.desc()]),
        "title": (lambda: [Trend.sort_title, Trend.number]),
        "-title": (lambda: [Trend.sort_title.desc(), Trend.number.desc()]),
    }

    @classmethod
    def listing(cls, full=False):
        """Trends with their edition and expert, as summaries need them (one query); ``full``
        adds the whole text, footnotes and links a detail shows."""
        summary = (cls.id, cls.edition, cls.number, cls.slug, cls.title, cls.subtitle, cls.excerpt, cls.word_count,
                   cls.reading_time_minutes, cls.expert)  # fmt: skip
        columns = [cls] if full else list(summary)
        return (
            cls.select(*columns, Edition.id, Edition.year, Edition.title, Expert.id, Expert.slug, Expert.name)
            .join(Edition)
            .switch(cls)
            .join(Expert, JOIN.LEFT_OUTER)
        )

    @classmethod
    def matching(cls, edition, keywords=(), match="all", exclude=(), expert=None, sort="number"):
        """The ids of the trends of ``edition`` filtered by keyword ids and expert slug, in
        ``sort`` order (no joins: counting them walks an index; :meth:`listing` loads a page).

        :param keywords: keyword ids (None for a keyword that does not exist)
        :param match: ``all`` keeps trends with every keyword, ``any`` with at least one
        :param exclude: keyword ids no trend may have
        """
        query = cls.select(cls.id).where(cls.edition == edition.id)
        known = [k for k in keywords if k is not None]
        if keywords and (not known or (match == "all" and len(known) < len(keywords))):
            return query.where(False)
        if known:
            having = TrendKeyword.select(TrendKeyword.trend).where(TrendKeyword.keyword.in_(known)).group_by(TrendKeyword.trend)
            if match == "all":
                having = having.having(fn.COUNT(TrendKeyword.keyword.distinct()) == len(set(known)))
            query = query.where(cls.id.in_(having))
        excluded = [k for k in exclude if k is not None]
        if excluded:
            query = query.where(cls.id.not_in(TrendKeyword.select(TrendKeyword.trend).where(TrendKeyword.keyword.in_(excluded))))
        if expert is not None:
            query = query.where(cls.expert.in_(Expert.select(Expert.id).where(Expert.slug == expert)))
        return query.order_by(*cls.SORTS[sort]())

    @classmethod
    def by_number_or_slug(cls, edition, number_or_slug):
        """The trend of ``edition`` numbered or slugged so, as a one-row query."""
        if number_or_slug.isascii() and number_or_slug.isdigit():
            # Numbers past any trend's (and past what the database can bind) match nothing.
            key = cls.number == int(number_or_slug) if len(number_or_slug) <= 9 else False
        else:
            key = cls.slug == number_or_slug
        return cls.listing(full=True).where(cls.edition == edition.id, key)

    def load_details(self):
        """Attach what the detail view shows: ordered sections and ranked keyword links."""
        self.ordered_sections = list(self.sections.order_by(Section.position))
        self.keyword_links_ranked = list(
            TrendKeyword.select(TrendKeyword, Keyword)
            .join(Keyword)
            .where(TrendKeyword.trend == self.id)
            .order_by(TrendKeyword.weight.desc(), Keyword.sort_term)
        )
        return self

    @classmethod
    def related_to(cls, trend):
        """Other trends of its edition that share keywords or distinctive words with it.

        Ranked by the number of shared keywords, then by text similarity (cosine of the
        trends' TF-IDF signatures, see :class:`TrendTerm`). Each row has ``shared_keywords``
        (a count) and ``similarity``.
        """
        mine, theirs = TrendKeyword.alias(), TrendKeyword.alias()
        shared = (
            theirs.select(theirs.trend, fn.COUNT(theirs.keyword).alias("shared"))
            .join(mine, on=(mine.keyword == theirs.keyword))
            .where(mine.trend == trend.id, theirs.trend != trend.id)
            .group_by(theirs.trend)
            .alias("shared")
        )
        a, b = TrendTerm.alias(), TrendTerm.alias()
        similar = (
            b.select(b.trend, fn.SUM(a.weight * b.weight).alias("similarity"))
            .join(a, on=(a.term == b.term))
            .where(a.trend == trend.id, b.trend != trend.id)
            .group_by(b.trend)
            .alias("similar")
        )
        shared_count = fn.COALESCE(shared.c.shared, 0)
        similarity = fn.COALESCE(similar.c.similarity, 0.0)
        return (
            cls.listing()
            .select_extend(shared_count.alias("shared_count"), similarity.alias("similarity"))
            .join(shared, JOIN.LEFT_OUTER, on=(shared.c.trend_id == cls.id))
            .join(similar, JOIN.LEFT_OUTER, on=(similar.c.trend_id == cls.id))
            .where(cls.edition == trend.edition_id, cls.id != trend.id, (shared_count > 0) | (similarity > 0))
            .order_by(shared_count.desc(), similarity.desc(), cls.number)
        )

    class Meta:
        indexes = (
            (("edition", "number"), True),
            (("edition", "slug"), True),
            (("edition", "sort_title"), False),
            (("expert", "edition", "number"), False),
        )


class Section(BaseModel):
    trend = ForeignKeyField(Trend, backref="sections", on_delete="CASCADE")
    position = IntegerField()
    heading = TextField(null=True)
    level = IntegerField()
    blocks = JSONField(default=list)

    class Meta:
        indexes = ((("trend", "position"), True),)


class Keyword(BaseModel):
    slug = CharField(unique=True)
    term = CharField()
    sort_term = CharField(index=True)  # analysis.sort_key(term)
    search_text = CharField()  # folded term
    trend_count = IntegerField(default=0)

    SORTS = {
        "term": (lambda: [Keyword.sort_term, Keyword.id]),
        "-trend_count": (lambda: [Keyword.trend_count.desc(), Keyword.sort_term, Keyword.id]),
    }

    @classmethod
    def matching(cls, q=None, sort="term"):
        """Keywords whose term contains ``q``, accents and case aside."""
        query = cls.select()
        if q:
            query = query.where(cls.search_text.contains(fold(q)))
        return query.order_by(*cls.SORTS[sort]())

    @classmethod
    def ids_for(cls, values):
        """The id of the keyword each value names (a slug or the term itself), or None."""
        slugs = [slugify(value) for value in values]
        found = dict(cls.select(cls.slug, cls.id).where(cls.slug.in_(slugs)).tuples()) if slugs else {}
        return [found.get(slug) for slug in slugs]

    def ranked_trends(self, limit):
        """This keyword's trends, strongest link first, each with its ``link`` (weight,
        evidence, location) and its keyword summaries."""
        query = (
            Trend.listing()
            .select_extend(TrendKeyword.weight, TrendKeyword.evidence, TrendKeyword.location)
            .switch(Trend)
            .join(TrendKeyword, on=(TrendKeyword.trend == Trend.id), attr="link")
            .where(TrendKeyword.keyword == self.id)
            .order_by(TrendKeyword.weight.desc(), Edition.year.desc(), Trend.number)
        )
        return attach_keywords(list(query.limit(limit)))

    def co_occurring(self):
        """Other keywords that share trends with this one, with ``count`` of shared trends."""
        mine, theirs = TrendKeyword.alias(), TrendKeyword.alias()
        count = fn.COUNT(theirs.trend)
        return (
            Keyword.select(Keyword, count.alias("count"))
            .join(theirs, on=(theirs.keyword == Keyword.id))
            .join(mine, on=(mine.trend == theirs.trend))
            .where(mine.keyword == self.id, theirs.keyword != self.id)
            .group_by(Keyword.id)
            .order_by(count.desc(), Keyword.sort_term)
        )


class TrendKeyword(BaseModel):
    trend = ForeignKeyField(Trend, backref="keyword_links", on_delete="CASCADE")
    keyword = ForeignKeyField(Keyword, backref="trend_links", on_delete="CASCADE")
    weight = FloatField()
    evidence = TextField()
    location = CharField()  # title, subtitle, heading or body

    class Meta:
        indexes = (
            (("trend", "keyword"), True),
            (("keyword", "weight"), False),
        )


class TrendTerm(BaseModel):
    """A distinctive word of a trend, for text similarity: the trend's top TF-IDF terms,
    weights normalised so that the sum of products over shared terms is a cosine."""

    trend = ForeignKeyField(Trend, backref="terms", on_delete="CASCADE")
    term = CharField()
    weight = FloatField()

    class Meta:
        indexes = (
            (("trend", "term"), True),
            (("term", "trend"), False),
        )


def attach_links(experts):
    """Give each expert its ``link_list`` (profile links, in printed order), in one query."""
    by_expert = {expert.id: expert for expert in experts}
    for expert in experts:
        expert.link_list = []
    if by_expert:
        links = ExpertLink.select().where(ExpertLink.expert.in_(list(by_expert))).order_by(ExpertLink.position)
        for link in links:
            by_expert[link.expert_id].link_list.append(link)
    return experts


def attach_keywords(trends):
    """Give each trend its ``keyword_summaries``, strongest first, in one query."""
    by_trend = {trend.id: trend for trend in trends}
    for trend in trends:
        trend.keyword_summaries = []
    if by_trend:
        links = (
            TrendKeyword.select(TrendKeyword, Keyword)
            .join(Keyword)
            .where(TrendKeyword.trend.in_(list(by_trend)))
            .order_by(TrendKeyword.weight.desc(), Keyword.sort_term)
        )
        for link in links:
            by_trend[link.trend_id].keyword_summaries.append(link.keyword)
    return trends


class SearchEntry(BaseModel):
    """What the full-text index holds for one trend, expert or keyword: analysed terms of its
    title (name, term) and of its body. See api/fulltext.py.

    Its id packs the kind into the two low bits (:meth:`id_for`): SQLite's index, which
    knows only ids, then tells what each hit is without reading this table.
    """

    KIND_CODES = {"trend": 0, "expert": 1, "keyword": 2}

    id = IntegerField(primary_key=True)  # id_for(kind, object_id), never left to the database
    kind = CharField()
    object_id = IntegerField()
    edition_id = IntegerField(null=True)
    title_terms = TextField()
    body_terms = TextField()

    class Meta:
        indexes = ((("kind", "object_id"), True), (("kind", "edition_id"), False))

    @classmethod
    def id_for(cls, kind, object_id):
        return object_id * 4 + cls.KIND_CODES[kind]


class Metadata(BaseModel):
    """Facts about the stored data as a whole, such as its version."""

    key = CharField(primary_key=True)
    value = TextField()


MODELS = [Edition, Expert, ExpertLink, Trend, Section, Keyword, TrendKeyword, TrendTerm, SearchEntry, Metadata]
