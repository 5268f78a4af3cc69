"""Queries run in the background (cursor.execute_async), each on the data as it was when it was submitted.

snowflake.connector's execute_async() returns at once and get_results_from_sfqid() waits for the result; a query
reads the data committed when it started. Here a read-only query starts its own DuckDB transaction on a second
DuckDB connection before execute_async() returns (its snapshot: what was committed then), and a worker thread runs
it while the caller goes on: DuckDB releases the GIL while it works, so on two cores a caller's own statements and
its background reads run at the same time (the replay runner's latency probes; runner.py).

Only the DuckDB work moves to the worker: the statement is planned, its per-run values bound and its text chosen in
the caller's thread, from the session as it is at submission, and the rows are shaped and errors worded there when
the result is fetched. A statement that is not a plain read (DML, DDL, commands), runs inside an open transaction
(whose writes only the session sees), or needs one of the session's own DuckDB objects (its `__snowsim_` temp tables),
runs at once instead, and its result waits for get_results_from_sfqid(): the caller sees the same answer either way.
"""

from __future__ import annotations

import queue
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import duckdb
from snowflake.connector import errors as sf_errors
from snowflake.connector.constants import QueryStatus

from snowsim.emulator import errors
from snowsim.emulator.macros import install_macros
from snowsim.emulator.results import Result

if TYPE_CHECKING:
    from snowsim.emulator.connection import Connection

TEMP_PREFIX = "__snowsim_"  # the session's own DuckDB temp tables (a MERGE's joined rows, COPY's rows): not shared
# A cheap read that makes DuckDB start the transaction's snapshot now (it starts at the first read, not at BEGIN).
_PIN = "SELECT 1 FROM _snowsim.versions LIMIT 0"


@dataclass
class Submitted:
    """A query handed to the worker: its DuckDB result arrives in `future` as (column names, types, rows)."""

    plan: Any  # the executor.QueryPlan it runs (it keeps the result's shape)
    future: Future

    def result(self) -> Result:
        """Wait for the rows and shape them as the plan's synchronous run does; DuckDB's error if it failed."""
        names, types, rows = self.future.result()
        return self.plan.shaped(rows, lambda: (names, types))


class Background:
    """A worker thread and the DuckDB connections it reads on (one per query in flight, reused)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._idle: queue.SimpleQueue[duckdb.DuckDBPyConnection] = queue.SimpleQueue()
        self._all: list[duckdb.DuckDBPyConnection] = []
        self._timezone: dict[int, str] = {}
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="snowsim-background")

    def submit(self, plan: Any, sql: str, params: list[Any]) -> Submitted:
        """Start `sql` (the plan's DuckDB text for this run) on a snapshot of the data committed now."""
        duck = self._connection()
        duck.execute("BEGIN TRANSACTION")
        duck.execute(_PIN)
        return Submitted(plan, self._worker.submit(_run, duck, sql, params, self._idle))

    def close(self) -> None:
        """Wait for the queries in flight, then close the worker and its connections."""
        self._worker.shutdown(wait=True)
        for duck in self._all:
            duck.close()

    def _connection(self) -> duckdb.DuckDBPyConnection:
        try:
            duck = self._idle.get_nowait()
        except queue.Empty:
            duck = self.conn.duck.cursor()  # the same database, its own transactions and temp catalog
            install_macros(duck)
            self._all.append(duck)
        tz = str(self.conn.session.parameters.get("TIMEZONE", "America/Los_Angeles"))
        if self._timezone.get(id(duck)) != tz:  # TIMESTAMP_LTZ values are rendered in the session's time zone
            duck.execute(f"SET TimeZone = '{tz}'")
            self._timezone[id(duck)] = tz
        return duck


def _run(duck: duckdb.DuckDBPyConnection, sql: str, params: list[Any],
         idle: queue.SimpleQueue) -> tuple[list[str], list[str], list[tuple]]:
    # the worker: the DuckDB part only (no emulator state is touched here)
    try:
        cur = duck.execute(sql, params) if params else duck.execute(sql)
        desc = cur.description
        rows = cur.fetchall()
        return [d[0] for d in desc], [str(d[1]) for d in desc], rows
    finally:
        try:
            duck.execute("ROLLBACK")  # read only: nothing to keep
        finally:
            idle.put(duck)


KEPT = 4096  # results of execute_async() queries kept for get_results_from_sfqid()


class AsyncQueries:
    """A connection's execute_async() queries by query id: the outcome of each (Submitted, Result or error), and the
    worker that runs them, started by the first one."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.outcomes: OrderedDict[str, tuple[Any, str]] = OrderedDict()  # sfqid -> (outcome, statement)
        self._background: Background | None = None

    def submit(self, plan: Any, sql: str, params: list[Any]) -> Submitted:
        """Start a plan's DuckDB text in the background (Background.submit)."""
        if self._background is None:
            self._background = Background(self.conn)
        return self._background.submit(plan, sql, params)

    def remember(self, sfqid: str, outcome: Any, command: str) -> None:
        """Keep a started query's outcome for its status and results (the last KEPT queries)."""
        self.outcomes[sfqid] = (outcome, command)
        while len(self.outcomes) > KEPT:
            self.outcomes.popitem(last=False)

    def failed_at_start(self, sfqid: str) -> bool:
        """Whether the query failed before it started (a missing object, a stale stream): known at once."""
        found = self.outcomes.get(sfqid)
        return found is not None and isinstance(found[0], Exception)

    def outcome(self, sfqid: str) -> tuple[Result | Exception, str]:
        """(the Result or the Snowflake error, the statement) of a started query; waits for it."""
        found = self.outcomes.get(sfqid)
        if found is None:
            raise errors.ProgrammingError(msg=f"No query {sfqid} was started by this connection (or its result "
                                              f"is no longer kept: the last {KEPT:,} are)", sfqid=sfqid)
        outcome, command = found
        if isinstance(outcome, Submitted):
            try:
                outcome = outcome.result()
            except duckdb.Error as exc:
                outcome = exc
        if isinstance(outcome, duckdb.Error):
            outcome = errors.translate_duckdb_error(outcome, command)
        if isinstance(outcome, sf_errors.Error):
            outcome.sfqid, outcome.query = sfqid, command
        self.outcomes[sfqid] = (outcome, command)
        return outcome, command

    def status(self, sfqid: str) -> QueryStatus:
        """NO_DATA for an unknown id, RUNNING while it runs, then SUCCESS or FAILED_WITH_ERROR."""
        found = self.outcomes.get(sfqid)
        if found is None:
            return QueryStatus.NO_DATA
        outcome = found[0]
        if isinstance(outcome, Submitted):
            if not outcome.future.done():
                return QueryStatus.RUNNING
            return QueryStatus.FAILED_WITH_ERROR if outcome.future.exception() else QueryStatus.SUCCESS
        return QueryStatus.FAILED_WITH_ERROR if isinstance(outcome, Exception) else QueryStatus.SUCCESS

    def close(self) -> None:
        """Wait for the queries in flight and stop the worker."""
        if self._background is not None:
            self._background.close()
