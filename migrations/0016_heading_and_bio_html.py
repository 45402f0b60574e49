"""Headings and bios as safe HTML beside their plain text, like blocks: ``section.heading_html``
and ``expert.bio_html`` (one HTML paragraph per bio paragraph). Footnotes gain their ``html`` in
their JSON. Written by the next seed (seed/repair.py mends the text they hold); until then a
heading's HTML is null and a bio's an empty list."""

from peewee import TextField


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("section", "heading_html", TextField(null=True)),
        migrator.add_column("expert", "bio_html", TextField(default="[]")),
    )


def down(migrator, db):
    migrator.migrate(migrator.drop_column("section", "heading_html"), migrator.drop_column("expert", "bio_html"))
