"""Headings and bios as safe HTML beside their plain text, like blocks: ``section.heading_html``
and ``expert.bio_html`` (one HTML paragraph per bio paragraph); footnotes gain their ``html`` in
their JSON.

Filled here from the plain text, escaped (what the text holds, without its emphasis and links),
so that every answer has them at once; the next seed writes them with their emphasis and links
(and mends the text they hold: seed/repair.py).
"""

import json
from html import escape

from peewee import TextField


def dumped(value):
    return json.dumps(value, ensure_ascii=False, sort_keys=True)  # as api.db.JSONField stores it


def set_value(db, table, column, row_id, value):
    db.execute_sql(f"UPDATE {table} SET {column} = {db.param} WHERE id = {db.param}", (value, row_id))


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("section", "heading_html", TextField(null=True)),
        migrator.add_column("expert", "bio_html", TextField(default="[]")),
    )
    for section_id, heading in db.execute_sql("SELECT id, heading FROM section WHERE heading IS NOT NULL").fetchall():
        set_value(db, "section", "heading_html", section_id, escape(heading, quote=False))
    for expert_id, bio in db.execute_sql("SELECT id, bio FROM expert").fetchall():
        set_value(
            db, "expert", "bio_html", expert_id, dumped([escape(paragraph, quote=False) for paragraph in json.loads(bio or "[]")])
        )
    for trend_id, footnotes in db.execute_sql("SELECT id, footnotes FROM trend").fetchall():
        notes = [{"html": escape(note["text"], quote=False), **note} for note in json.loads(footnotes or "[]")]
        set_value(db, "trend", "footnotes", trend_id, dumped(notes))


def down(migrator, db):
    migrator.migrate(migrator.drop_column("section", "heading_html"), migrator.drop_column("expert", "bio_html"))
    for trend_id, footnotes in db.execute_sql("SELECT id, footnotes FROM trend").fetchall():
        notes = [{key: value for key, value in note.items() if key != "html"} for note in json.loads(footnotes or "[]")]
        set_value(db, "trend", "footnotes", trend_id, dumped(notes))
