"""The emulator's catalog: databases, schemas and every named object, persisted in DuckDB and mirrored in memory."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import duckdb

from snowsim.emulator.identifiers import ObjectName

META_SCHEMA = "_snowsim"

# Objects that share one namespace inside a schema (a view and a table cannot have the same name).
NAMESPACE = {
    "DATABASE": "database",
    "SCHEMA": "schema",
    "TABLE": "relation",
    "VIEW": "relation",
    "STREAM": "stream",
    "TASK": "task",
    "STAGE": "stage",
    "FILE FORMAT": "file_format",
    "SEQUENCE": "sequence",
}


@dataclass
class Column:
    """A table column as Snowflake describes it (type text in Snowflake's spelling)."""

    name: str
    type: str
    nullable: bool = True
    default: str | None = None
    comment: str | None = None


@dataclass
class CatalogObject:
    """One named object; `info` holds what its kind needs and is stored as JSON."""

    kind: str
    name: ObjectName
    created_on: datetime
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def columns(self) -> list[Column]:
        """The columns of a table or view."""
        return [Column(**c) for c in self.info.get("columns", [])]

    def column_names(self) -> list[str]:
        """Column names in order."""
        return [c["name"] for c in self.info.get("columns", [])]


def _key(kind: str, name: ObjectName) -> tuple[str, str, str, str]:
    return (NAMESPACE[kind], name.database, name.schema, name.name)


class Catalog:
    """Write-through catalog: every DDL goes to DuckDB (same transaction) and to the in-memory mirror; see flush()."""

    def __init__(self, duck: duckdb.DuckDBPyConnection) -> None:
        self.duck = duck
        self.version = 0  # bumps on every change; part of the translation cache key
        self._objects: dict[tuple[str, str, str, str], CatalogObject] = {}
        self._by_id: dict[tuple[str, str], CatalogObject] = {}
        duck.execute(f"CREATE SCHEMA IF NOT EXISTS {META_SCHEMA}")
        duck.execute(
            f"CREATE TABLE IF NOT EXISTS {META_SCHEMA}.objects (kind VARCHAR, database VARCHAR, schema VARCHAR, "
            "name VARCHAR, created_on TIMESTAMP, info VARCHAR)"
        )
        for kind, db, sch, name, created, info in duck.execute(f"SELECT * FROM {META_SCHEMA}.objects").fetchall():
            obj = CatalogObject(kind, ObjectName(db, sch, name), created, json.loads(info))
            self._objects[_key(kind, obj.name)] = obj
        # An in-memory DuckDB dies with the process and nothing reopens it, so runtime state (stream offsets, task
        # state) is written in batches by flush() instead of once per commit (~0.6 ms per task run); a file gets it
        # inside the committing DuckDB transaction, for crash recovery (transactions.py). Informational state (a
        # table's last commit time) waits for flush() on both (defer()). SQL reading this table flushes first.
        self.durable: bool = duck.execute(
            "SELECT path IS NOT NULL FROM duckdb_databases() WHERE database_name = current_database()"
        ).fetchone()[0]
        self._unsaved: dict[tuple[str, str, str, str], CatalogObject] = {}
        # The connection's clock, set by Transactions: put() stamps a table's or view's last DDL with it.
        self.now: Callable[[], datetime] | None = None

    def get(self, kind: str, name: ObjectName) -> CatalogObject | None:
        """The object of that kind's namespace with that name, or None."""
        obj = self._objects.get(_key(kind, name))
        if obj is not None and NAMESPACE[kind] == "relation":
            return obj
        return obj if obj is not None and obj.kind == kind else None

    def put(self, obj: CatalogObject) -> None:
        """Create or replace an object."""
        if self.now is not None and obj.kind in ("TABLE", "VIEW"):
            # every structural change of a relation is a DDL on it: INFORMATION_SCHEMA.TABLES' LAST_DDL and
            # LAST_ALTERED (docs: sql-reference/info-schema/tables)
            obj.info["last_ddl"] = obj.info["last_change"] = self.now().isoformat()
        self._delete_row(obj.kind, obj.name)
        self.duck.execute(
            f"INSERT INTO {META_SCHEMA}.objects VALUES (?, ?, ?, ?, ?, ?)",
            [obj.kind, obj.name.database, obj.name.schema, obj.name.name, obj.created_on, json.dumps(obj.info, default=str)],
        )
        key = _key(obj.kind, obj.name)
        self._objects[key] = obj
        self._unsaved.pop(key, None)  # the row just written holds the whole info
        self.version += 1

    def save(self, obj: CatalogObject, structural: bool = True) -> None:
        """Persist changes made to an existing object's info; non-structural changes (offsets) keep cached plans."""
        if structural:
            self.put(obj)
            return
        key = _key(obj.kind, obj.name)
        self._objects[key] = obj
        if self.durable:
            self._write_info(obj)  # an offset moved: one UPDATE of the info (a task run consumes streams each run)
        else:
            self._unsaved[key] = obj

    def defer(self, obj: CatalogObject) -> None:
        """Write an object's info at the next flush(), on a file too: for what no crash recovery needs."""
        # A table's last commit time (LAST_ALTERED) moves in every commit that writes it: a dict entry here (0.17 us)
        # instead of one UPDATE of its row per commit (0.4 ms, in memory and in a file); it is informational, so a
        # crash may lose the times since the last flush (a reopened file shows an older LAST_ALTERED, never data).
        key = _key(obj.kind, obj.name)
        if self._objects.get(key) is obj:  # not dropped or replaced meanwhile
            self._unsaved[key] = obj

    def flush(self) -> dict[tuple[str, str, str, str], CatalogObject]:
        """Write the state saved or deferred since the last flush; return what it wrote (keyed like the catalog)."""
        unsaved, self._unsaved = self._unsaved, {}
        for obj in unsaved.values():  # one row per object, however many commits moved it (a few streams and tasks)
            self._write_info(obj)
        return unsaved

    def _write_info(self, obj: CatalogObject) -> None:
        self.duck.execute(
            f"UPDATE {META_SCHEMA}.objects SET info = ? WHERE kind = ? AND database = ? AND schema = ? AND name = ?",
            [json.dumps(obj.info, default=str), obj.kind, obj.name.database, obj.name.schema, obj.name.name],
        )

    def drop(self, kind: str, name: ObjectName) -> None:
        """Forget an object."""
        self._delete_row(kind, name)
        self._objects.pop(_key(kind, name), None)
        self._unsaved.pop(_key(kind, name), None)
        self.version += 1

    def _delete_row(self, kind: str, name: ObjectName) -> None:
        kinds = [k for k, ns in NAMESPACE.items() if ns == NAMESPACE[kind]]
        self.duck.execute(
            f"DELETE FROM {META_SCHEMA}.objects WHERE kind IN ({','.join('?' * len(kinds))}) "
            "AND database = ? AND schema = ? AND name = ?",
            [*kinds, name.database, name.schema, name.name],
        )

    def by_id(self, kind: str, object_id: str) -> CatalogObject | None:
        """The object with that identity (tables keep it across renames; a recreated table gets a new one)."""
        cached = self._by_id.get((kind, object_id))
        if cached is not None and self._objects.get(_key(cached.kind, cached.name)) is cached:
            return cached
        found = next((o for o in self._objects.values() if o.kind == kind and o.info.get("id") == object_id), None)
        if found is not None:
            self._by_id[(kind, object_id)] = found  # streams look their table up on every read
        return found

    def all(self, kind: str | None = None) -> list[CatalogObject]:
        """Every object (of a kind), in creation order."""
        objs = [o for o in self._objects.values() if kind is None or o.kind == kind]
        return sorted(objs, key=lambda o: (o.created_on, o.name.database, o.name.schema, o.name.name))

    def in_schema(self, database: str, schema: str, kind: str | None = None) -> list[CatalogObject]:
        """Objects inside one schema."""
        return [o for o in self.all(kind) if o.name.database == database and o.name.schema == schema and o.kind not in ("DATABASE", "SCHEMA")]

    # Databases and schemas are objects too: DATABASE keyed (db, "", ""), SCHEMA keyed (db, schema, "").
    def database(self, name: str) -> CatalogObject | None:
        """The database with that name, or None."""
        return self.get("DATABASE", ObjectName(name, "", ""))

    def schema(self, database: str, schema: str) -> CatalogObject | None:
        """The schema, or None."""
        return self.get("SCHEMA", ObjectName(database, schema, ""))
