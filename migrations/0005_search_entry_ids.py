"""Search entries take ids that pack their kind: ``object_id * 4 + code`` (trend 0, expert 1,
keyword 2; api/models.py SearchEntry.id_for). SQLite's FTS5 index knows only these ids: it can
then count and rank hits by kind without reading search_entry (a join that cost as much as the
ranking itself on large reports). Entries move in two steps, through negative ids, so no new id
meets an old one on the way; on SQLite the triggers move the index entries with them.
"""

from peewee import PostgresqlDatabase

PACKED = "object_id * 4 + CASE kind WHEN 'trend' THEN 0 WHEN 'expert' THEN 1 ELSE 2 END"


def up(migrator, db):
    db.execute_sql(f"UPDATE search_entry SET id = -({PACKED})")
    db.execute_sql("UPDATE search_entry SET id = -id")


def down(migrator, db):
    # Any distinct ids do for the code before this migration, which lets PostgreSQL number new
    # entries: its sequence must start past the packed ids.
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql(
            "SELECT setval(pg_get_serial_sequence('search_entry', 'id'), "
            "(SELECT coalesce(max(id), 0) + 1 FROM search_entry), false)"
        )
