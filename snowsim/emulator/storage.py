"""Versioned table storage: every table is a history of row versions behind a view of its current rows.

Physical layout for table DB.SCH.T (one DuckDB schema per Snowflake schema, so one DuckDB file holds everything):
  "DB.SCH"."T$H"  the row versions: user columns + __rid (stable, never reused), __vfrom (version that created the
                  row version), __vto (version that ended it, NULL while current), __ins (the row was inserted in
                  version __vfrom: set by INSERTs, and kept by an UPDATE/MERGE of the row in its inserting transaction;
                  append-only streams return rows "as inserted", see streams.inserted_sql)
  "DB.SCH"."T"    a view of the current rows (__vto IS NULL) with the user columns only.
Streams, CHANGES and time travel are all queries over the same row versions; see streams.py.
A row version alive at version v satisfies: __vfrom <= v AND (__vto IS NULL OR __vto > v).
"""

from __future__ import annotations

import duckdb

from snowsim.emulator.catalog import META_SCHEMA, Column
from snowsim.emulator.identifiers import ObjectName, duck_ident
from snowsim.emulator.types import duck_type

HIDDEN = ("__rid", "__vfrom", "__vto", "__ins")
RID_SEQUENCE = f"{META_SCHEMA}.rid_seq"


def history_table(name: ObjectName) -> str:
    """SQL reference to a table's row-version history."""
    return f"{duck_ident(name.duck_schema)}.{duck_ident(name.name + '$H')}"


def current_view(name: ObjectName) -> str:
    """SQL reference to a table's current rows (or to a view)."""
    return f"{duck_ident(name.duck_schema)}.{duck_ident(name.name)}"


def alive_at(version_sql: str) -> str:
    """Predicate selecting the row versions alive at a version (an SQL expression)."""
    return f"__vfrom <= {version_sql} AND (__vto IS NULL OR __vto > {version_sql})"


def column_ddl(col: Column) -> str:
    """DuckDB column definition. NOT NULL is enforced by DuckDB; defaults are applied by the INSERT rewrite."""
    return f"{duck_ident(col.name)} {duck_type(col.type)}" + ("" if col.nullable else " NOT NULL")


class Storage:
    """Creates, alters and drops the physical tables behind Snowflake tables."""

    def __init__(self, duck: duckdb.DuckDBPyConnection) -> None:
        self.duck = duck
        duck.execute(f"CREATE SEQUENCE IF NOT EXISTS {RID_SEQUENCE}")
        duck.execute(
            f"CREATE TABLE IF NOT EXISTS {META_SCHEMA}.versions (version BIGINT, committed_at TIMESTAMP, query_id VARCHAR)"
        )

    def ensure_schema(self, database: str, schema: str) -> None:
        """Create the DuckDB schema behind a Snowflake schema."""
        self.duck.execute(f"CREATE SCHEMA IF NOT EXISTS {duck_ident(f'{database}.{schema}')}")

    def drop_schema(self, database: str, schema: str) -> None:
        """Drop the DuckDB schema behind a Snowflake schema and all it holds."""
        self.duck.execute(f"DROP SCHEMA IF EXISTS {duck_ident(f'{database}.{schema}')} CASCADE")

    def create_table(self, name: ObjectName, columns: list[Column]) -> None:
        """Create the history table and the current-rows view."""
        cols = ", ".join(column_ddl(c) for c in columns)
        self.duck.execute(
            f"CREATE TABLE {history_table(name)} ({cols}{', ' if cols else ''}"
            f"__rid BIGINT DEFAULT nextval('{RID_SEQUENCE}'), __vfrom BIGINT, __vto BIGINT, __ins BOOLEAN DEFAULT TRUE)"
        )
        self.rebuild_view(name, columns)

    def rebuild_view(self, name: ObjectName, columns: list[Column]) -> None:
        """(Re)create the current-rows view after the column list changed."""
        cols = ", ".join(duck_ident(c.name) for c in columns)
        self.duck.execute(
            f"CREATE OR REPLACE VIEW {current_view(name)} AS SELECT {cols} FROM {history_table(name)} WHERE __vto IS NULL"
        )

    def drop_table(self, name: ObjectName) -> None:
        """Drop a table's view and history."""
        self.duck.execute(f"DROP VIEW IF EXISTS {current_view(name)}")
        self.duck.execute(f"DROP TABLE IF EXISTS {history_table(name)}")

    def rename_table(self, old: ObjectName, new: ObjectName, columns: list[Column]) -> None:
        """Move a table to a new name (possibly another schema), keeping its history: streams on it stay valid."""
        self.duck.execute(f"DROP VIEW IF EXISTS {current_view(old)}")
        if old.duck_schema == new.duck_schema:
            self.duck.execute(f"ALTER TABLE {history_table(old)} RENAME TO {duck_ident(new.name + '$H')}")
        else:
            self.duck.execute(f"CREATE TABLE {history_table(new)} AS SELECT * FROM {history_table(old)}")
            self.duck.execute(f"DROP TABLE {history_table(old)}")
        self.rebuild_view(new, columns)

    def undo(self, name: ObjectName, version: int) -> None:
        """Roll back every change a (never committed) version made to a table."""
        hist = history_table(name)
        self.duck.execute(f"DELETE FROM {hist} WHERE __vfrom >= ?", [version])
        self.duck.execute(f"UPDATE {hist} SET __vto = NULL WHERE __vto >= ?", [version])

    def compact(self, name: ObjectName, horizon: int) -> int:
        """Drop row versions that ended at or before `horizon` (nothing can read them any more)."""
        hist = history_table(name)
        return self.duck.execute(f"DELETE FROM {hist} WHERE __vto IS NOT NULL AND __vto <= ?", [horizon]).fetchone()[0]
