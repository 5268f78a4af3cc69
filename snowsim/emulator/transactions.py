"""Snowflake transactions on versioned storage.

A Snowflake transaction owns one version number. Every statement runs in its own DuckDB transaction, so a failing
statement rolls back only itself (Snowflake's rule inside explicit transactions, docs: sql-reference/transactions).
COMMIT records the version in _snowsim.versions and moves the offsets of the streams its DML consumed to the
transaction's start version, in one DuckDB transaction; ROLLBACK (or recovery after a crash) deletes the row versions
the uncommitted version wrote. Autocommit statements are one-statement transactions that commit with the statement.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

import duckdb

from snowsim.emulator.catalog import META_SCHEMA, Catalog
from snowsim.emulator.identifiers import ObjectName
from snowsim.emulator.storage import Storage, history_table


@dataclass
class Txn:
    """An open Snowflake transaction."""

    start_version: int  # what its reads see; where consumed stream offsets move to at commit
    version: int  # what its writes are stamped with
    explicit: bool
    touched: set[ObjectName] = field(default_factory=set)
    consumed: set[ObjectName] = field(default_factory=set)  # streams whose offsets advance at commit
    query_ids: list[str] = field(default_factory=list)


# A hook run inside the commit's DuckDB transaction (streams register one to move offsets).
CommitHook = Callable[[Txn, datetime], None]


class Transactions:
    """Owns the version counter and the open transaction of one connection."""

    def __init__(self, duck: duckdb.DuckDBPyConnection, catalog: Catalog, storage: Storage, now: Callable[[], datetime]):
        self.duck = duck
        self.catalog = catalog
        self.storage = storage
        self.now = now
        self.current: Txn | None = None
        self.commit_hooks: list[CommitHook] = []
        self._stmt_touched: set[ObjectName] = set()
        self._stmt_consumed: set[ObjectName] = set()
        self.committed = self._recover()

    def _recover(self) -> int:
        """Undo what a crashed process wrote under a version it never committed; return the last committed version."""
        committed = self.duck.execute(f"SELECT coalesce(max(version), 0) FROM {META_SCHEMA}.versions").fetchone()[0]
        for obj in self.catalog.all("TABLE"):
            hist = history_table(obj.name)
            dirty = self.duck.execute(
                f"SELECT count(*) FROM {hist} WHERE __vfrom > ? OR __vto > ?", [committed, committed]
            ).fetchone()[0]
            if dirty:
                self.storage.undo(obj.name, committed + 1)
        return committed

    @property
    def in_explicit(self) -> bool:
        """True inside BEGIN ... COMMIT."""
        return self.current is not None and self.current.explicit

    def read_version(self) -> int:
        """The version reads of streams see: the transaction start inside an explicit transaction."""
        return self.current.start_version if self.current is not None else self.committed

    def write_version(self, table: ObjectName) -> int:
        """The version a write to `table` is stamped with (allocating the transaction's version)."""
        self._stmt_touched.add(table)
        assert self.current is not None, "writes happen inside statement()"
        return self.current.version

    def consume(self, stream: ObjectName) -> None:
        """Record that the running DML statement read `stream`: its offset moves when the transaction commits."""
        self._stmt_consumed.add(stream)

    def begin(self) -> None:
        """BEGIN [TRANSACTION]: a no-op when one is already open, as in Snowflake."""
        if self.current is None:
            self.current = Txn(self.committed, self.committed + 1, explicit=True)

    @contextmanager
    def statement(self, writes: bool, query_id: str) -> Iterator[None]:
        """Run one statement atomically; in autocommit mode, commit it as its own transaction."""
        if not writes:
            yield
            return
        autocommit = self.current is None
        if autocommit:
            self.current = Txn(self.committed, self.committed + 1, explicit=False)
        self._stmt_touched, self._stmt_consumed = set(), set()
        self.duck.execute("BEGIN TRANSACTION")
        try:
            yield
            txn = self.current
            txn.touched |= self._stmt_touched
            txn.consumed |= self._stmt_consumed
            txn.query_ids.append(query_id)
            if autocommit:
                self._finish_commit(txn)
            self.duck.execute("COMMIT")
        except BaseException:
            self.duck.execute("ROLLBACK")
            raise
        finally:
            if autocommit:
                if self.current is not None and self.current.version <= self.committed:
                    pass
                self.current = None

    def commit(self) -> None:
        """COMMIT the open explicit transaction."""
        txn = self.current
        if txn is None:
            return
        self.duck.execute("BEGIN TRANSACTION")
        try:
            self._finish_commit(txn)
            self.duck.execute("COMMIT")
        except BaseException:
            self.duck.execute("ROLLBACK")
            raise
        self.current = None

    def _finish_commit(self, txn: Txn) -> None:
        """Inside the DuckDB transaction: record the version and run the commit hooks (stream offsets)."""
        now = self.now()
        if txn.touched:
            self.duck.execute(
                f"INSERT INTO {META_SCHEMA}.versions VALUES (?, ?, ?)", [txn.version, now, ",".join(txn.query_ids)]
            )
        for hook in self.commit_hooks:
            hook(txn, now)
        if txn.touched:
            self.committed = txn.version
            for name in txn.touched:
                obj = self.catalog.get("TABLE", name)
                if obj is not None:
                    obj.info["last_version"] = txn.version
                    obj.info["last_change"] = now.isoformat()

    def rollback(self) -> None:
        """ROLLBACK the open explicit transaction: its row versions are removed, stream offsets stay."""
        txn = self.current
        self.current = None
        if txn is None or not txn.touched:
            return
        self.duck.execute("BEGIN TRANSACTION")
        for name in txn.touched:
            if self.catalog.get("TABLE", name) is not None:
                self.storage.undo(name, txn.version)
        self.duck.execute("COMMIT")
