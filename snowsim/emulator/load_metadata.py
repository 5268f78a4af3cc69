"""COPY load metadata: which staged files (path + checksum) were loaded into which table, and when.

docs: user-guide/data-load-considerations-load ("Load metadata"), sql/copy-into-table (FORCE, LOAD_UNCERTAIN_FILES),
sql/truncate-table ("deletes the load metadata"). Records expire after 64 days on the connection's clock. They live in
DuckDB table _snowsim.load_history, so they persist with `path=`.

Transactions: a COPY or TRUNCATE queues its change on the open Snowflake transaction and the queue is written by a
commit hook, inside the commit's DuckDB transaction. A rolled-back (or crashed) transaction therefore leaves no load
metadata behind, while statements later in the same transaction already see its pending changes.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from snowsim.emulator import dml
from snowsim.emulator.catalog import META_SCHEMA
from snowsim.emulator.identifiers import ObjectName

if TYPE_CHECKING:
    from snowsim.emulator.connection import Connection
    from snowsim.emulator.transactions import Txn

TABLE = f"{META_SCHEMA}.load_history"
EXPIRY = timedelta(days=64)
LOADED_STATUSES = ("LOADED", "PARTIALLY_LOADED")  # a failed file is retried by the next COPY
_COLUMNS = ("table_id", "stage_key", "path", "content_key", "last_modified", "loaded_at", "status", "rows_parsed",
            "rows_loaded", "errors_seen", "first_error")


@dataclass
class LoadRecord:
    """One file's load into one table."""

    table_id: str
    stage_key: str
    path: str
    content_key: str
    last_modified: datetime
    loaded_at: datetime
    status: str
    rows_parsed: int = 0
    rows_loaded: int = 0
    errors_seen: int = 0
    first_error: str | None = None

    def row(self) -> list[Any]:
        """Values in _COLUMNS order."""
        return [getattr(self, c) for c in _COLUMNS]


@dataclass
class _State:
    txn: Txn | None = None
    ops: list[tuple[str, Any]] = field(default_factory=list)  # ("load", LoadRecord) | ("truncate", table_id)


_STATES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _state(conn: Connection) -> _State:
    state = _STATES.get(conn)
    if state is None:
        conn.duck.execute(
            f"CREATE TABLE IF NOT EXISTS {TABLE} (table_id VARCHAR, stage_key VARCHAR, path VARCHAR, content_key VARCHAR,"
            " last_modified TIMESTAMP, loaded_at TIMESTAMP, status VARCHAR, rows_parsed BIGINT, rows_loaded BIGINT,"
            " errors_seen BIGINT, first_error VARCHAR)"
        )
        state = _State()
        _STATES[conn] = state
        conn.txns.commit_hooks.append(_commit_hook(weakref.ref(conn)))
    return state


def _pending(conn: Connection) -> list[tuple[str, Any]]:
    state = _state(conn)
    return state.ops if state.txn is not None and state.txn is conn.txns.current else []


def _queue(conn: Connection, op: tuple[str, Any]) -> None:
    state = _state(conn)
    current = conn.txns.current
    if state.txn is not current:  # whatever was queued belonged to a transaction that rolled back
        state.txn, state.ops = current, []
    state.ops.append(op)


def _commit_hook(conn_ref: weakref.ref):
    def hook(txn: Txn, now: datetime) -> None:
        conn = conn_ref()
        state = _STATES.get(conn) if conn is not None else None
        if state is None or state.txn is not txn:
            return
        for kind, value in state.ops:
            if kind == "truncate":
                conn.duck.execute(f"DELETE FROM {TABLE} WHERE table_id = ?", [value])
            else:
                conn.duck.execute(f"INSERT INTO {TABLE} ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})",
                                  value.row())
        state.txn, state.ops = None, []

    return hook


def record(conn: Connection, records: list[LoadRecord]) -> None:
    """Queue the loads a COPY made (call inside its statement; written when the transaction commits)."""
    for rec in records:
        _queue(conn, ("load", rec))


def on_truncate(conn: Connection, table: ObjectName) -> None:
    """TRUNCATE TABLE deletes the table's load metadata (docs: sql/truncate-table); DELETE FROM does not."""
    obj = conn.catalog.get("TABLE", table)
    if obj is not None:
        _queue(conn, ("truncate", obj.info.get("id")))


dml.TRUNCATE_LISTENERS.append(on_truncate)


@dataclass
class History:
    """A table's load metadata as one COPY sees it."""

    records: list[LoadRecord]
    now: datetime
    _latest: dict[tuple[str, str, str], LoadRecord] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # A COPY asks about every file on the stage: index the successful loads by file once.
        for rec in self.records:
            if rec.status in LOADED_STATUSES:
                key = (rec.stage_key, rec.path, rec.content_key)
                if key not in self._latest or self._latest[key].loaded_at <= rec.loaded_at:
                    self._latest[key] = rec

    def live(self, stage_key: str, path: str, content_key: str) -> LoadRecord | None:
        """The unexpired successful load of exactly this file (same path and checksum), if any."""
        rec = self._latest.get((stage_key, path, content_key))
        return rec if rec is not None and rec.loaded_at >= self.now - EXPIRY else None

    def uncertain(self, last_modified: datetime) -> bool:
        """Load status unknown: file staged and table first loaded more than 64 days ago (docs: LOAD_UNCERTAIN_FILES).

        Callers ask only when no live record exists, which covers the third condition (any load was > 64 days ago).
        """
        horizon = self.now - EXPIRY
        first = min((r.loaded_at for r in self.records), default=None)
        return last_modified < horizon and first is not None and first < horizon


def history(conn: Connection, table_id: str) -> History:
    """Committed load metadata of a table plus what the open transaction has queued."""
    _state(conn)
    rows = conn.duck.execute(f"SELECT {', '.join(_COLUMNS)} FROM {TABLE} WHERE table_id = ?", [table_id]).fetchall()
    records = [LoadRecord(*row) for row in rows]
    for kind, value in _pending(conn):
        if kind == "truncate" and value == table_id:
            records = []
        elif kind == "load" and value.table_id == table_id:
            records.append(value)
    return History(records, conn.clock.now())
