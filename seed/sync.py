"""Make a table hold given rows, matched on a natural key, writing only the differences."""

from collections import Counter

from peewee import chunked

BATCH = 500


class Sync:
    """Inserts, updates and deletes, counted by ``"<Model> inserted"`` and so on."""

    def __init__(self):
        self.changes = Counter()
        self.counts = {}

    def rows(self, model, key, desired, scope=None, delete=True, unique=()):
        """Insert, update (and delete, within ``scope``) so ``model`` holds ``desired``.

        :param key: the natural key of a row dict (ids of foreign keys, not objects)
        :param scope: the rows this load owns; without one, rows are only added or updated
        :param unique: columns under a unique index that an update may swap between rows
            ("Alpha" and "Beta" trading slugs): they are moved aside first
        :returns: ``{key: id}`` for every desired row
        """
        name = model.__name__
        query = model.select() if scope is None else model.select().where(scope)
        existing = {key(row): row for row in query.dicts()}
        if scope is None:
            wanted = {key(row) for row in desired}
            existing = {k: row for k, row in existing.items() if k in wanted}
        ids, inserts, updates = {}, [], []
        for row in desired:
            current = existing.pop(key(row), None)
            if current is None:
                inserts.append(row)
                continue
            ids[key(row)] = current["id"]
            changed = {field: value for field, value in row.items() if current[field] != value}
            if changed:
                updates.append((current["id"], changed))
        for row_id, changed in updates:
            moved = {field: f"~{row_id}" for field in unique if field in changed}
            if moved:
                model.update(**moved).where(model.id == row_id).execute()
        for row_id, changed in updates:
            model.update(**changed).where(model.id == row_id).execute()
        self.changes[f"{name} updated"] += len(updates)
        if delete and existing:
            for batch in chunked([row["id"] for row in existing.values()], BATCH):
                model.delete().where(model.id.in_(batch)).execute()
            self.changes[f"{name} deleted"] += len(existing)
        for batch in chunked(inserts, BATCH):
            model.insert_many(batch).execute()
        if inserts:
            self.changes[f"{name} inserted"] += len(inserts)
            wanted = {key(row) for row in inserts}
            query = model.select() if scope is None else model.select().where(scope)
            ids.update({key(r): r["id"] for r in query.dicts() if key(r) in wanted})
        self.changes = +self.changes  # drop zero counts
        self.counts[name] = len(desired)
        return ids
