"""Snowflake transactions on versioned storage.

A Snowflake transaction owns one version number. Every statement runs in its own DuckDB transaction, so a failing
statement rolls back only itself (Snowflake's rule inside explicit transactions, docs: sql-reference/transactions).
An autocommit statement is a one-statement transaction: when it is a single DuckDB statement that consumes no stream
(or any single DuckDB statement, on an in-memory database: offsets are Python state there), DuckDB's own statement
atomicity is enough and no BEGIN/COMMIT is sent (the hot paths of ingestion and of a task's INSERT ... SELECT).
An explicit transaction writes a marker row in _snowsim.open_txns with its first write; COMMIT removes it and runs the
commit hooks (streams move their offsets to the transaction's start version) in one DuckDB transaction; ROLLBACK, or
recovery after a crash, deletes the row versions written under a version that still has a marker.
Commit times (for AT(TIMESTAMP => ...)) are buffered and flushed to _snowsim.versions in batches: after a crash the
last few commit times may be missing, never data. On an in-memory database (nothing to recover) the stream offsets the
commit hooks save are written with them (Catalog.flush), not in every commit; so is each table's last commit time
(INFORMATION_SCHEMA.TABLES.LAST_ALTERED), on a file too. A flush inside a DuckDB transaction that rolls back is redone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

import duckdb

from snowsim.emulator.catalog import META_SCHEMA, Catalog, CatalogObject
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
    marked: bool = False  # an open_txns marker row exists (explicit transactions that wrote)


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
        self._pending_versions: list[tuple[int, datetime, str]] = []
        # what flush() wrote inside the DuckDB transaction statement() or commit() has open: a ROLLBACK undoes it
        self._flushed: tuple[list[tuple[int, datetime, str]], list[CatalogObject]] | None = None
        catalog.now = now
        self.duck.execute(f"CREATE TABLE IF NOT EXISTS {META_SCHEMA}.open_txns (version BIGINT)")
        self.committed = self._recover()

    def _recover(self) -> int:
        """Undo what a crashed process wrote under a version it never committed; return the last committed version."""
        uncommitted = [v for (v,) in self.duck.execute(f"SELECT version FROM {META_SCHEMA}.open_txns").fetchall()]
        committed = self.duck.execute(f"SELECT coalesce(max(version), 0) FROM {META_SCHEMA}.versions").fetchone()[0]
        for obj in self.catalog.all("TABLE"):
            hist = history_table(obj.name)
            for version in uncommitted:
                self.storage.undo(obj.name, version)
            last = self.duck.execute(f"SELECT coalesce(max(greatest(__vfrom, coalesce(__vto, 0))), 0) FROM {hist}").fetchone()[0]
            obj.info["last_version"] = last
            committed = max(committed, last)
        self.duck.execute(f"DELETE FROM {META_SCHEMA}.open_txns")
        return committed

    @property
    def in_duck_transaction(self) -> bool:
        """Whether statement() or commit() has a DuckDB transaction open (a failed DuckDB statement aborts it)."""
        return self._flushed is not None

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
        txn = self.current
        if txn.explicit and not txn.touched and not txn.marked:
            # first write of an explicit transaction: mark it so a crash before COMMIT gets rolled back on reopen
            self.duck.execute(f"INSERT INTO {META_SCHEMA}.open_txns VALUES (?)", [txn.version])
            txn.marked = True
        return txn.version

    def consume(self, stream: ObjectName) -> None:
        """Record that the running DML statement read `stream`: its offset moves when the transaction commits."""
        self._stmt_consumed.add(stream)

    def begin(self) -> None:
        """BEGIN [TRANSACTION]: a no-op when one is already open, as in Snowflake."""
        if self.current is None:
            self.current = Txn(self.committed, self.committed + 1, explicit=True)

    @contextmanager
    def statement(self, writes: bool, query_id: str, single: bool = False) -> Iterator[None]:
        """Run one statement atomically; in autocommit mode, commit it as its own transaction.

        `single`: the statement is one DuckDB statement and DuckDB's statement atomicity suffices (DmlPlan.single).
        """
        if not writes:
            yield
            return
        autocommit = self.current is None
        if autocommit:
            self.current = Txn(self.committed, self.committed + 1, explicit=False)
        self._stmt_touched, self._stmt_consumed = set(), set()
        wrap = not (autocommit and single)
        if wrap:
            self._begin()
        try:
            yield
            txn = self.current
            txn.touched |= self._stmt_touched
            txn.consumed |= self._stmt_consumed
            txn.query_ids.append(query_id)
            if autocommit:
                self._finish_commit(txn)
            if wrap:
                self._commit()
        except BaseException:
            if wrap:
                self._rollback()
                if self.current is not None and not self.current.touched:
                    self.current.marked = False  # the marker row was rolled back with the statement
            raise
        finally:
            if autocommit:
                self.current = None

    def commit(self) -> None:
        """COMMIT the open explicit transaction."""
        txn = self.current
        if txn is None:
            return
        self._begin()
        try:
            self._finish_commit(txn)
            self._commit()
        except BaseException:
            self._rollback()
            raise
        self.current = None

    def _begin(self) -> None:
        self.duck.execute("BEGIN TRANSACTION")
        self._flushed = ([], [])

    def _commit(self) -> None:
        self.duck.execute("COMMIT")
        self._flushed = None

    def _rollback(self) -> None:
        """ROLLBACK the DuckDB transaction; what flush() wrote in it is pending again (else it would be lost)."""
        self.duck.execute("ROLLBACK")
        flushed, self._flushed = self._flushed, None
        if flushed is not None:
            versions, objects = flushed
            # a commit that failed in its hooks has its version buffered but not committed: it gets no commit time
            self._pending_versions = [v for v in versions + self._pending_versions if v[0] <= self.committed]
            for obj in objects:
                self.catalog.defer(obj)

    def _finish_commit(self, txn: Txn) -> None:
        """Inside the DuckDB transaction: record the version and run the commit hooks (stream offsets)."""
        now = self.now()
        if txn.marked:
            self.duck.execute(f"DELETE FROM {META_SCHEMA}.open_txns WHERE version = ?", [txn.version])
        if txn.touched:
            self._pending_versions.append((txn.version, now, ",".join(txn.query_ids)))
            if len(self._pending_versions) >= 256 or txn.explicit:
                self.flush()
        for hook in self.commit_hooks:
            hook(txn, now)
        if txn.touched:
            self.committed = txn.version
            changed = now.isoformat()
            for name in txn.touched:
                obj = self.catalog.get("TABLE", name)
                if obj is not None:
                    obj.info["last_version"] = txn.version
                    obj.info["last_change"] = changed  # LAST_ALTERED (docs: info-schema/tables)
                    self.catalog.defer(obj)  # written at the next flush: no statement per commit

    def flush(self) -> None:
        """Write buffered commit times to _snowsim.versions (time travel by timestamp reads them) and catalog state."""
        objects = self.catalog.flush()
        pending = self._pending_versions
        if pending:
            # one statement, passed column-wise: executemany runs one INSERT per row (~0.6 ms each, 256 at a time)
            versions, times, query_ids = (list(c) for c in zip(*pending, strict=True))
            self.duck.execute(
                f"INSERT INTO {META_SCHEMA}.versions "
                "SELECT unnest(?::BIGINT[]), unnest(?::TIMESTAMP[]), unnest(?::VARCHAR[])",
                [versions, times, query_ids],
            )
            self._pending_versions = []
        if self._flushed is not None:  # inside statement()/commit()'s DuckDB transaction: keep it to redo
            self._flushed[0].extend(pending)
            self._flushed[1].extend(objects.values())

    def commit_times(self) -> list[tuple[int, datetime]]:
        """(version, committed_at) of every committed version, oldest first."""
        self.flush()
        return self.duck.execute(f"SELECT version, committed_at FROM {META_SCHEMA}.versions ORDER BY version").fetchall()

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
        self.duck.execute(f"DELETE FROM {META_SCHEMA}.open_txns WHERE version = ?", [txn.version])
        self.duck.execute("COMMIT")
