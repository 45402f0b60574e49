"""The report's data: editions, experts and their links, trends and their sections, keywords;
and, apart from it (a seed never touches them), the API keys and their use.

The tables, and nothing else: what each resource reads is in its own ``queries.py``, returning
declared results (api/summaries.py), and the seed writes them (seed/loader.py).
"""

from peewee import (
    BlobField,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    FloatField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

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


class Expert(BaseModel):
    slug = CharField(unique=True)
    name = CharField()
    name_original = CharField()
    sort_name = CharField(index=True)  # analysis.sort_key(name)
    organization = CharField(null=True)
    organization_key = CharField(null=True, index=True)  # folded organization
    roles = JSONField(default=list)
    bio = JSONField(default=list)
    bio_html = JSONField(default=list)  # the bio's paragraphs as safe HTML
    trend_count = IntegerField(default=0)


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
    # [[id, slug, term], ...]: the keywords it is about, strongest link first, as lists embed
    # them; written by the seed with its links (seed/loader.py), read with the trend's row
    about_keywords = JSONField(default=list)

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
    heading_html = TextField(null=True)
    level = IntegerField()
    blocks = JSONField(default=list)

    class Meta:
        indexes = ((("trend", "position"), True),)


class Keyword(BaseModel):
    """A term of a report's keyword cloud, or a concept of the thesaurus (seed/concepts.py)."""

    slug = CharField(unique=True)
    term = CharField()  # the French preferred label
    sort_term = CharField(index=True)  # analysis.sort_key(term)
    search_text = CharField()  # folded term
    trend_count = IntegerField(default=0)
    kind = CharField(default="cloud", index=True)  # cloud, topic, platform... (seed/thesaurus.py KINDS)
    labels = JSONField(default=dict)  # language -> preferred label
    alt_labels = JSONField(default=dict)  # language -> [alternative labels]
    relations = JSONField(default=dict)  # broader, narrower, related -> [[slug, term], ...]


class KeywordLabel(BaseModel):
    """Every label of a keyword, keyed as a lookup reads a name (api.analysis.label_key)."""

    keyword = ForeignKeyField(Keyword, backref="label_rows", on_delete="CASCADE")
    language = CharField()
    label = CharField()
    preferred = BooleanField()
    key = CharField(index=True)
    search_text = CharField()  # folded label, words apart by one space (/v1/keywords?q=)

    class Meta:
        indexes = ((("keyword", "language", "label"), True),)


class TrendKeyword(BaseModel):
    trend = ForeignKeyField(Trend, backref="keyword_links", on_delete="CASCADE")
    keyword = ForeignKeyField(Keyword, backref="trend_links", on_delete="CASCADE")
    weight = FloatField()
    evidence = TextField()
    location = CharField()  # title, subtitle, heading or body
    grade = CharField(default="about")  # about, or mention (seed/keywords.py Tally.grade)

    class Meta:
        indexes = (
            (("trend", "keyword"), True),
            (("keyword", "weight"), False),
            (("trend", "grade", "weight", "keyword"), False),  # a trend's links of one grade, covered
        )


class Passage(BaseModel):
    """A passage of a trend (its title, subtitle, or a run of sentences of its text: a slice of
    that field) with the vector of its meaning (api/search/semantic.py)."""

    trend = ForeignKeyField(Trend, backref="passages", on_delete="CASCADE")
    position = IntegerField()
    field = CharField()  # title, subtitle or plain_text
    span_start = IntegerField()  # the slice of the field's text
    span_end = IntegerField()
    text_hash = CharField(index=True)  # semantic.text_hash: the text and the model that embedded it
    vector = BlobField()  # semantic.DIMENSIONS little-endian float32

    class Meta:
        indexes = ((("trend", "position"), True),)


class ConceptVector(BaseModel):
    """The vector of a concept of the thesaurus (the text it is embedded as: semantic.concept_text),
    kept by text hash as a passage's is: a seed embeds only the concepts whose text or model changed."""

    text_hash = CharField(unique=True)  # semantic.text_hash
    vector = BlobField()  # semantic.DIMENSIONS little-endian float32


class TrendNeighbour(BaseModel):
    """One of the trends of its edition closest to a trend by meaning (the cosine of the means of
    their passages' vectors; ``semantic.NEIGHBOURS`` a trend), written by the seed."""

    trend = ForeignKeyField(Trend, backref="neighbours", on_delete="CASCADE")
    neighbour = ForeignKeyField(Trend, backref="+", on_delete="CASCADE")
    similarity = FloatField()

    class Meta:
        indexes = ((("trend", "neighbour"), True),)


class KeywordSuggestion(BaseModel):
    """A trend close by meaning to a keyword's concept that no label of it names (the trend has no
    link to it), written by the seed: a suggestion, never a graded link."""

    keyword = ForeignKeyField(Keyword, backref="suggestions", on_delete="CASCADE")
    trend = ForeignKeyField(Trend, backref="+", on_delete="CASCADE")
    similarity = FloatField()  # of the trend's passage closest to the concept
    passage = TextField()  # that passage: why the trend is suggested

    class Meta:
        indexes = ((("keyword", "trend"), True),)


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


class SearchEntry(BaseModel):
    """What the full-text index holds for one trend, expert or keyword: analysed terms of its
    title (name, term) and of its body. See api/search/index.py.

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


MODELS = [
    Edition,
    Expert,
    ExpertLink,
    Trend,
    Section,
    Keyword,
    KeywordLabel,
    TrendKeyword,
    TrendTerm,
    Passage,
    ConceptVector,
    TrendNeighbour,
    KeywordSuggestion,
    SearchEntry,
    Metadata,
]


class ApiKey(BaseModel):
    """A partner's API key (api/keys.py), known by its SHA-256 digest: the key itself is shown once."""

    name = CharField(max_length=64, unique=True)
    prefix = CharField(max_length=16)  # the key's first characters, to tell keys apart in lists
    digest = CharField(max_length=64, unique=True)
    rate_limit = TextField()  # the limits library's syntax: "10000/hour"
    created = DateTimeField()  # UTC, as every time here
    expires = DateField(null=True)  # the last day (UTC) the key works
    revoked = DateTimeField(null=True)
    last_used = DateTimeField(null=True)  # written with the usage counted in the database


class ApiKeyUsage(BaseModel):
    """Requests a key made on a day (UTC), when usage is counted in the database (no Redis)."""

    key = ForeignKeyField(ApiKey, on_delete="CASCADE")
    day = DateField()
    requests = IntegerField()

    class Meta:
        indexes = ((("key", "day"), True),)
