"""The emulator's cursor: snowflake.connector's SnowflakeCursor surface."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import duckdb
from snowflake.connector import DictCursor
from snowflake.connector import errors as sf_errors

from snowsim.emulator import errors
from snowsim.emulator.params import to_qmark
from snowsim.emulator.query_ids import query_id_text
from snowsim.emulator.results import Result

if TYPE_CHECKING:
    from snowsim.emulator.connection import Connection


class Cursor:
    """A cursor over materialised results; `cursor(DictCursor)` returns rows as dicts."""

    arraysize = 1

    def __init__(self, connection: Connection, cursor_class: type | None = None) -> None:
        self.connection = connection
        self._dict = cursor_class is not None and issubclass(cursor_class, DictCursor)
        self._result: Result | None = None
        self._pos = 0
        self._query_number = 0  # of the last statement; its sfqid is formatted only when read
        self.query: str | None = None

    @property
    def sfqid(self) -> str | None:
        """The Snowflake-style query id of the last statement."""
        return query_id_text(self._query_number) if self._query_number else None

    # ---- execution ---------------------------------------------------------------------------------------
    def execute(self, command: str, params: Sequence[Any] | Mapping[str, Any] | None = None, **kwargs: Any) -> Cursor:
        """Run one statement with the connector's parameter styles."""
        conn = self.connection
        self.query = command
        # the hot path of a cached statement: every call here costs more than it seems, because the DuckDB call
        # before it leaves the CPU caches cold (bench/statement_overhead.py)
        self._query_number = number = conn.next_query_number()
        sql, ordered = (command, []) if params is None else to_qmark(command, params, conn.paramstyle)
        try:
            self._result = conn.run(sql, ordered, number)
        except sf_errors.Error as exc:
            exc.sfqid = query_id_text(number)
            exc.query = command
            raise
        except duckdb.Error as exc:
            raise errors.translate_duckdb_error(exc, command) from None
        self._pos = 0
        return self

    def execute_async(self, command: str, params: Sequence[Any] | Mapping[str, Any] | None = None,
                      **kwargs: Any) -> dict[str, str | None]:
        """Start a statement and return at once with its query id; get_results_from_sfqid() waits for its result
        (a read-only query sees the data committed now: background.py)."""
        conn = self.connection
        self.query = command
        self._query_number = number = conn.next_query_number()
        sfqid = query_id_text(number)
        sql, ordered = (command, []) if params is None else to_qmark(command, params, conn.paramstyle)
        try:
            outcome: Any = conn.run_async(sql, ordered, number)
        except (sf_errors.Error, duckdb.Error) as exc:
            outcome = exc  # a failed query: Snowflake reports it when its status or results are asked for
        conn.async_queries.remember(sfqid, outcome, command)
        self._result = None
        return {"queryId": sfqid}

    def get_results_from_sfqid(self, sfqid: str) -> None:
        """Wait for a query started by execute_async() and make its result this cursor's (its error is raised)."""
        conn = self.connection
        outcome, command = conn.async_queries.outcome(sfqid)
        self.query = command
        self._result = None
        if isinstance(outcome, Exception):
            raise outcome
        self._result = outcome
        self._pos = 0

    def describe(self, command: str, params: Sequence[Any] | Mapping[str, Any] | None = None,
                 **kwargs: Any) -> list | None:
        """The result metadata of a query, without its rows; None for a statement that returns no result set."""
        from snowsim.emulator.executor import QueryPlan  # local: executor imports the handlers' modules

        sql, _ = to_qmark(command, params, self.connection.paramstyle)
        try:
            plan = self.connection.plan_for(sql)
        except duckdb.Error as exc:
            raise errors.translate_duckdb_error(exc, command) from None
        if not isinstance(plan, QueryPlan):
            return None
        # a query's shape is known once it has run; reading has no side effects (streams are consumed only by DML)
        self.execute(command, params)
        self._result.rows = []
        self._result.rowcount = 0
        return self.description

    def executemany(self, command: str, seqparams: Sequence[Any]) -> Cursor:
        """Run one statement per parameter set; rowcount is the total."""
        total = 0
        for params in seqparams:
            self.execute(command, params)
            total += self.rowcount or 0
        if self._result is not None:
            self._result.rowcount = total
        return self

    # ---- results -----------------------------------------------------------------------------------------
    @property
    def description(self) -> list | None:
        """Column metadata (ResultMetadata tuples) of the last result."""
        return self._result.description if self._result is not None else None

    @property
    def rowcount(self) -> int | None:
        """Rows returned by a query, or rows affected by DML."""
        return self._result.rowcount if self._result is not None else None

    def _shape(self, row: tuple) -> Any:
        if self._dict:
            return {d.name: v for d, v in zip(self._result.description, row, strict=True)}
        return row

    def fetchone(self) -> Any:
        """The next row, or None."""
        if self._result is None:
            raise errors.InterfaceError(msg="No result set: execute a statement first", errno=251002)
        if self._pos >= len(self._result.rows):
            return None
        row = self._result.rows[self._pos]
        self._pos += 1
        return self._shape(row)

    def fetchmany(self, size: int | None = None) -> list:
        """Up to `size` more rows."""
        size = size or self.arraysize
        out = []
        for _ in range(size):
            row = self.fetchone()
            if row is None:
                break
            out.append(row)
        return out

    def fetchall(self) -> list:
        """All remaining rows."""
        result = self._result
        if result is None:
            raise errors.InterfaceError(msg="No result set: execute a statement first", errno=251002)
        rows = result.rows[self._pos :]  # a new list: the caller may keep or change it
        self._pos = len(result.rows)
        return [self._shape(r) for r in rows] if self._dict else rows

    def fetch_pandas_all(self):  # pragma: no cover - pandas is optional
        """The remaining rows as a pandas DataFrame (needs pandas)."""
        import pandas as pd

        return pd.DataFrame(self.fetchall(), columns=[d.name for d in self.description])

    def __iter__(self) -> Iterator[Any]:
        while (row := self.fetchone()) is not None:
            yield row

    def close(self) -> bool:
        """Close the cursor."""
        self._result = None
        return True

    def __enter__(self) -> Cursor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
