"""Targets: a Snowflake account the runner deploys a pipeline into and drives through DB-API SQL and a clock.

The runner only ever calls Target methods, and every SQL statement it sends is plain Snowflake SQL, identical on
every target. What differs between targets is how time moves: the emulator advances a virtual clock and its
scheduler fires the due task graphs; a live account (written later against this same interface) would deploy into
a scratch database, run due root tasks with EXECUTE TASK and poll TASK_HISTORY until they finish.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from snowflake.connector.errors import Error as DBError

from snowsim.simulator.pipeline import Pipeline, PipelineError
from snowsim.simulator.results import RunConfigError

# The runner's session keeps Snowflake's default parameters (TIMEZONE America/Los_Angeles), like the tasks of a
# pipeline that sets none: a TIMESTAMP_NTZ column filled with CURRENT_TIMESTAMP() by a task then reads back the way
# the pipeline wrote it. The runner's own SQL never depends on the session time zone.

__all__ = ["DBError", "EmulatorTarget", "Pending", "Target", "error_text", "make_target"]


def error_text(exc: BaseException) -> str:
    """A one-line rendering of a connector error: '100069 (22P02): Error parsing JSON: ...' without the query id."""
    msg = getattr(exc, "raw_msg", None) or getattr(exc, "msg", None) or str(exc)
    errno, sqlstate = getattr(exc, "errno", None), getattr(exc, "sqlstate", None)
    text = " ".join(str(msg).split())
    if errno is not None and errno >= 0 and not text.startswith(f"{errno:06d}"):
        text = f"{errno:06d}" + (f" ({sqlstate})" if sqlstate else "") + f": {text}"
    return text.split(" (sfqid=")[0]




@dataclass(frozen=True)
class Pending:
    """A query started by Target.submit()."""

    rows: Callable[[], list[tuple]]  # waits for its rows; raises its error
    failed: bool = False  # it failed before it started (so rows() raises at once)


class Target(ABC):
    """A Snowflake account reached through a DB-API connection; the runner's only door to the pipeline."""

    name = "target"

    def __init__(self) -> None:
        self.conn: Any = None
        self.database: str | None = None  # where the pipeline lives, set by deploy()

    # ---- lifecycle ---------------------------------------------------------------------------------------------
    @abstractmethod
    def open(self, start: datetime) -> None:
        """Connect, with the target's clock at `start` (naive UTC)."""

    @abstractmethod
    def advance_to(self, moment: datetime) -> Collection[str] | None:
        """Move time to `moment` and let the target run every task graph that falls due meanwhile, in time order.

        Returns the tasks (SCHEMA.NAME) that ran and may have changed data (skipped runs excluded), so that the
        runner reads only the tables they write; None when the target cannot tell (the runner then reads all).
        """

    @abstractmethod
    def now(self) -> datetime:
        """The target's current time (naive UTC)."""

    def deploy_names(self, pipeline: Pipeline) -> tuple[str | None, str | None]:
        """(database, warehouse) to deploy under; None keeps the pipeline's own (a live target renames both)."""
        return None, None

    def deploy(self, pipeline: Pipeline) -> None:
        """Run the pipeline's SQL files in order; a rejected statement raises PipelineError naming file and line."""
        database, warehouse = self.deploy_names(pipeline)
        cur = self.conn.cursor()
        for stmt in pipeline.statements(database=database, warehouse=warehouse):
            try:
                cur.execute(stmt.sql)
            except DBError as exc:
                raise PipelineError(
                    stmt.path, f"line {stmt.line}", f"the {self.name} target rejected this statement: {error_text(exc)}"
                ) from None
        self.database = database or pipeline.database

    def close(self) -> None:
        """Close the connection (idempotent)."""
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    # ---- SQL -----------------------------------------------------------------------------------------------------
    def execute(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        """Run one statement and return its cursor."""
        cur = self.conn.cursor()
        cur.execute(sql, params)
        return cur

    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
        """Run one query and fetch every row."""
        return self.execute(sql, params).fetchall()

    def submit(self, sql: str, params: Sequence[Any] | None = None) -> Pending:
        """Start a read-only query on the data as it is now; Pending.rows() waits for its rows (raises its error).

        Run at once here: a live account could only promise that an asynchronous query reads the data of some moment
        after it was sent, and the runner's reads must see the tick they were sent at (the emulator overlaps them).
        """
        try:
            rows = self.query(sql, params)
        except DBError as exc:
            failed = exc

            def fail() -> list[tuple]:
                raise failed

            return Pending(fail, failed=True)
        return Pending(lambda: rows)

    def query_dicts(self, sql: str, params: Sequence[Any] | None = None) -> list[dict[str, Any]]:
        """Run one query; rows as dicts keyed by the column names Snowflake reports (UPPERCASE when unquoted)."""
        cur = self.execute(sql, params)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def __enter__(self) -> Target:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class EmulatorTarget(Target):
    """The offline target: snowsim.emulator.connect with a virtual clock; advancing it runs the due task graphs."""

    name = "emulator"

    def __init__(self, path: str | Path | None = None, connect: Callable[..., Any] | None = None) -> None:
        super().__init__()
        self.path = Path(path) if path else None
        self._connect = connect
        self._clock: Any = None

    def open(self, start: datetime) -> None:
        """Connect to a fresh emulator (the db file, if any, is overwritten: it is this run's record)."""
        from snowsim.emulator import Clock, connect

        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            for stale in (self.path, self.path.with_name(self.path.name + ".wal")):
                stale.unlink(missing_ok=True)
        self._clock = Clock(start)
        factory = self._connect or connect
        self.conn = factory(clock=self._clock, path=str(self.path) if self.path else None)

    def advance_to(self, moment: datetime) -> Collection[str] | None:
        """The only emulator-specific call: move the virtual clock, running due task graphs on the way."""
        if moment <= self._clock.now():
            return ()
        ran: set[str] = set()
        for run in self.conn.advance_to(moment) or ():
            tasks = getattr(run, "tasks", None)
            if tasks is None:
                return None
            # A skipped run (WHEN false) wrote nothing; a failed one may have (earlier statements commit).
            ran.update(".".join(name.upper().split(".")[-2:]) for name, state in tasks.items() if state != "SKIPPED")
        return ran

    def now(self) -> datetime:
        """The virtual clock."""
        return self._clock.now()

    def submit(self, sql: str, params: Sequence[Any] | None = None) -> Pending:
        """The connector's execute_async(): the emulator reads the data committed at submission, in a worker thread,
        while the runner goes on (snowsim/emulator/background.py); get_results_from_sfqid() waits for it."""
        if not hasattr(self.conn, "run_async"):  # a connect= factory that returned no emulator connection
            return super().submit(sql, params)
        cur = self.conn.cursor()
        query_id = cur.execute_async(sql, params)["queryId"]

        def rows() -> list[tuple]:
            cur.get_results_from_sfqid(query_id)
            return cur.fetchall()

        # An error found before the query started (a missing object, a stale stream) is kept with it by the emulator.
        return Pending(rows, failed=self.conn.async_queries.failed_at_start(query_id))


TARGETS = ("emulator", "snowflake")


def make_target(target: str | Target, *, db_path: str | Path | None = None) -> Target:
    """A Target from its name ("emulator"), or the given instance unchanged."""
    if isinstance(target, Target):
        return target
    if target == "emulator":
        return EmulatorTarget(db_path)
    if target == "snowflake":
        try:
            from snowsim.simulator.live.target import SnowflakeTarget
        except ImportError:
            raise RunConfigError("the live Snowflake target is not available in this installation") from None
        return SnowflakeTarget()
    raise RunConfigError(f"unknown target {target!r} (expected one of: {', '.join(TARGETS)})")
