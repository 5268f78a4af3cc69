"""The SQL a cached plan sends on one run: per-run choices among texts its translation already holds.

Two choices, both exact and both cheaper than the general text:
- a standard stream's insert-only delta (streams.insert_only_delta_sql): the rows born in (lo, hi], used while no row
  version of the stream's table ended after lo. The connection keeps, per table id, a version no __vto of the table is
  above (Connection.rows_ended): every writer of __vto is a DmlPlan, which raises it before its steps run; Storage.undo
  and crash recovery only clear __vto. A rolled-back statement leaves it too high, which costs the cheaper text, never
  a wrong delta. A table not seen yet (a database reopened with path=) is read once.
- the conversion macros' stand-ins while the connection speculates (speculation.py).
A hot plan's chosen text then has its plain derived tables merged into their readers (flattening.py).
(A module of its own: executor and dml cannot import streams, whose import of stream_ddl imports executor.)
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from snowsim.emulator.flattening import flattened
from snowsim.emulator.speculation import fast_sql

if TYPE_CHECKING:
    from snowsim.emulator.connection import Connection
    from snowsim.emulator.translate import Translation


def rows_ended(conn: Connection, table_id: str, version: int) -> None:
    """Record that a statement writing `version` may end row versions of the table (call before it runs)."""
    # the version is above every __vto already stored (versions only grow), so this bounds an unknown table too
    if conn.rows_ended.get(table_id, 0) < version:
        conn.rows_ended[table_id] = version


def texts(conn: Connection, translation: Translation, values: dict[str, str], sqls: list[str]) -> list[str]:
    """The texts to send for this run (before bind_sql): insert-only deltas where exact, stand-ins while speculating."""
    variants = translation.insert_only
    if variants and _insert_only(conn, variants, values):
        sqls = [_insert_only_sql(sql, variants) for sql in sqls]
    if conn.fast_macros:
        sqls = [fast_sql(sql) for sql in sqls]
    if translation.flatten:
        sqls = [flattened(sql) for sql in sqls]
    return sqls


def _insert_only(conn: Connection, variants: tuple, values: dict[str, str]) -> bool:
    # no row version of any of the streams' tables ended after the stream's lo
    for lo, table_id, hist, _, _ in variants:
        last = conn.rows_ended.get(table_id)
        if last is None:  # e.g. a database reopened with path=
            last = conn.rows_ended[table_id] = conn.duck.execute(
                f"SELECT coalesce(max(__vto), 0) FROM {hist}").fetchone()[0]
        if last > int(values[lo]):
            return False
    return True


@lru_cache(maxsize=4096)
def _insert_only_sql(sql: str, variants: tuple[tuple[str, str, str, str, str], ...]) -> str:
    # the statement's SQL (or DML step) with its streams' deltas replaced by their insert-only texts
    for *_, general, cheap in variants:
        sql = sql.replace(general, cheap)
    return sql
