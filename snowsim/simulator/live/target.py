"""SnowflakeTarget: the runner's Target on a live account, isolated in a scratch database and driven deterministically.

- open(): connect with Snowflake's own configuration (live.config); every statement goes through a recorder.
- deploy(): SHOW DATABASES LIKE refuses a database this run did not create; the pipeline's SQL runs unchanged in
  the scratch database with the warehouse substituted, except the `ALTER TASK <root> RESUME` statements, which are
  withheld (recorded, not sent): roots stay suspended, so Snowflake never runs a graph by itself. Children are
  resumed as the SQL says, so that a root's EXECUTE TASK cascades to them.
- advance_to(t): the due instants of every logically started root up to t, from its SCHEDULE on the virtual
  timeline (interval counted from its start or last RESUME, or cron), in time order; each becomes one EXECUTE TASK,
  followed by TASK_HISTORY polls until that graph run is over (live.driver). WHEN is left to Snowflake: EXECUTE TASK
  on a root whose WHEN is false gives a SKIPPED run (observed, not documented: see docs/live.md).
- ALTER TASK <root> SUSPEND / RESUME sent by the runner (pause_tasks faults) only change the logical state.
- close(): drops the scratch database if this run created it (unless keep), on a fresh connection if the first one
  died, then reports the warehouse and query counts.
"""

from __future__ import annotations

import contextlib
import re
import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from snowflake.connector.errors import OperationalError

from snowsim.simulator.live.config import ConnectionSettings, LiveConfigError, open_connection, resolve_settings, scrub
from snowsim.simulator.live.driver import GraphRun, PollPolicy, TaskDriver
from snowsim.simulator.live.isolation import Isolation, database_name, new_run_id, scratch_name
from snowsim.simulator.live.recorder import Recorder, RecordingConnection
from snowsim.simulator.pipeline import DATABASE_FILE, Pipeline, PipelineError
from snowsim.simulator.runner import TargetError
from snowsim.simulator.targets import DBError, Target, error_text

_TASK_STATE = re.compile(r"^\s*ALTER\s+TASK\s+(?:IF\s+EXISTS\s+)?(?P<name>[\w$.]+)\s+(?P<op>RESUME|SUSPEND)\s*;?\s*$",
                         re.IGNORECASE)
_CREATE_DATABASE = re.compile(r"^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:TRANSIENT\s+)?DATABASE\b", re.IGNORECASE)
WITHHELD_NOTE = "withheld: the root stays suspended; snowsim runs it with EXECUTE TASK at its due instants"


class ConnectionLost(TargetError):
    """The account stopped answering mid-run (the connector raised OperationalError)."""


class _Done:
    """The cursor-like answer to a statement the target handled itself (a root's logical RESUME/SUSPEND)."""

    description = [("status", 2, None, None, None, None, True)]
    rowcount = 1

    def fetchall(self) -> list[tuple]:
        return [("Statement executed successfully.",)]

    def fetchone(self) -> tuple:
        return ("Statement executed successfully.",)


class _Root:
    """A root task's schedule on the virtual timeline and its logical state."""

    def __init__(self, name: str, task_id: str, schedule: Any) -> None:
        self.name, self.task_id, self.schedule = name, task_id, schedule
        self.started = False
        self.base: datetime | None = None  # interval schedules count from the last (logical) RESUME
        self.cursor: datetime | None = None  # every due instant up to here was handled

    def start(self, at: datetime) -> None:
        self.started, self.base, self.cursor = True, at, at

    def next_due(self) -> datetime | None:
        if not self.started or self.schedule is None or self.cursor is None:
            return None
        if hasattr(self.schedule, "interval"):
            return self.schedule.next_after(self.base, self.cursor)
        return self.schedule.next_after(self.cursor)


def parse_schedule(text: str | None) -> Any:
    """A SHOW TASKS schedule as an object with next_after(); None for a task without a schedule."""
    if not text:
        return None
    # The emulator's parser is pure Python (no DuckDB involved): reusing it keeps the due instants of both targets
    # identical by construction, which is what a parity run needs.
    from snowsim.emulator.tasks.schedule import parse_schedule as parse  # noqa: PLC0415

    return parse(str(text))


class SnowflakeTarget(Target):
    """A live Snowflake account behind snowflake.connector (or any factory with its signature, e.g. the emulator)."""

    name = "snowflake"

    def __init__(
        self,
        settings: ConnectionSettings | None = None,
        *,
        connect: Callable[..., Any] | None = None,
        connection_name: str | None = None,
        warehouse: str | None = None,
        database: str | None = None,
        allow_existing: bool = False,
        keep: bool = False,
        run_id: str | None = None,
        poll: PollPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        echo: Callable[[str], None] | None = None,
        before_teardown: Callable[[SnowflakeTarget], None] | None = None,
    ) -> None:
        super().__init__()
        if allow_existing and not database:
            raise LiveConfigError("--allow-existing needs --database NAME (a generated scratch name never exists)")
        self.settings = settings
        self._factory = connect
        self._connection_name = connection_name
        self._warehouse_option = warehouse
        self._database_option = database_name(database) if database else None
        self.allow_existing, self.keep = allow_existing, keep
        self.run_id = run_id or new_run_id()
        self.poll = poll or PollPolicy()
        self._sleep, self._clock = sleep, clock
        self.echo = echo or (lambda line: print(line, file=sys.stderr))
        self.before_teardown = before_teardown
        self.recorder = Recorder(clock=self.now)
        self.warehouse: str | None = None
        self.isolation: Isolation | None = None
        self.driver: TaskDriver | None = None
        self.roots: dict[str, _Root] = {}
        self.teardown_error: str | None = None
        self._now: datetime | None = None
        self._wall0 = 0.0
        self._wall = 0.0
        self._closed = False

    # ---- lifecycle ---------------------------------------------------------------------------------------------
    def open(self, start: datetime) -> None:
        """Connect (the virtual clock starts at `start`; Snowflake's own clock is left alone)."""
        self._now = start
        self._wall0 = time.perf_counter()
        if self.settings is None:
            self.settings = resolve_settings(self._connection_name, warehouse=self._warehouse_option)
        elif self._warehouse_option:
            self.settings = self.settings.with_overrides(warehouse=self._warehouse_option)
        self.conn = self._connect()
        self.warehouse = self.settings.warehouse or self._current_warehouse()
        self.echo(f"snowflake: {self.settings.describe()}")

    def _connect(self) -> RecordingConnection:
        # Session parameters stay Snowflake's defaults, like the emulator target's; the tag finds the run in QUERY_HISTORY.
        params = {"QUERY_TAG": f"snowsim {self.run_id}"}
        return RecordingConnection(open_connection(self.settings, self._factory, params), self.recorder)

    def _current_warehouse(self) -> str:
        try:
            row = self.query("SELECT CURRENT_WAREHOUSE()")
        except DBError as exc:
            raise LiveConfigError(f"cannot ask Snowflake for the current warehouse: {self._scrub(error_text(exc))}"
                                  ) from None
        if not row or not row[0][0]:
            raise LiveConfigError("no warehouse: give --warehouse, set SNOWFLAKE_WAREHOUSE, or add warehouse = ... "
                                  "to the connection")
        return str(row[0][0])

    def scratch_database(self, pipeline: Pipeline) -> str:
        """The database this run deploys into: --database, else SNOWSIM_<PIPELINE>_<RUN_ID>."""
        return self._database_option or scratch_name(pipeline.name, self.run_id)

    def deploy_names(self, pipeline: Pipeline) -> tuple[str | None, str | None]:
        """The scratch database and the configured warehouse."""
        return self.scratch_database(pipeline), self.warehouse

    def deploy(self, pipeline: Pipeline) -> None:
        """Check isolation, run the pipeline's SQL (root RESUMEs withheld), and learn the roots' schedules."""
        database, warehouse = self.deploy_names(pipeline)
        self.echo(f"snowflake: warehouse {warehouse}; database {database}")
        self.isolation = Isolation(database, self.allow_existing, self.keep)
        self.isolation.check(self._show_names)
        roots = {r.upper() for r in pipeline.root_tasks}
        resumed: list[str] = []
        cur = self.conn.cursor()
        for stmt in pipeline.statements(database=database, warehouse=warehouse):
            state = _TASK_STATE.match(stmt.sql)
            if state and state["op"].upper() == "RESUME" and self._qualified(state["name"]) in roots:
                self.recorder.withhold(stmt.sql, WITHHELD_NOTE)
                resumed.append(self._qualified(state["name"]))
                continue
            try:
                self._guard(lambda s=stmt.sql: cur.execute(s))
            except DBError as exc:
                raise PipelineError(stmt.path, f"line {stmt.line}", f"the {self.name} target rejected this statement: "
                                    f"{self._scrub(error_text(exc))}") from None
            if stmt.path.name == DATABASE_FILE and _CREATE_DATABASE.match(stmt.sql):
                self.isolation.deployed_database_statement()
        self.database = database
        # Belt and braces: a resume file may start roots some other way (SYSTEM$TASK_DEPENDENTS_ENABLE ...).
        for root in pipeline.root_tasks:
            self.execute(f"ALTER TASK {root} SUSPEND")
        self._learn_roots(pipeline, resumed)

    def _learn_roots(self, pipeline: Pipeline, resumed: list[str]) -> None:
        rows = self.query_dicts(f"SHOW TASKS IN DATABASE {self.database}")
        found = {f"{r['schema_name']}.{r['name']}".upper(): r for r in ({k.lower(): v for k, v in row.items()}
                                                                       for row in rows)}
        self.driver = TaskDriver(self.query, self.execute, self.poll, self._sleep, self._clock)
        for root in pipeline.root_tasks:
            row = found.get(root.upper())
            if row is None:
                raise PipelineError(pipeline.directory, "root_tasks", f"{root} does not exist after the deploy")
            self.roots[root.upper()] = _Root(root.upper(), str(row["id"]), parse_schedule(row.get("schedule")))
            if root.upper() in resumed:
                self.roots[root.upper()].start(self._now)
            if self.isolation.existed:
                self.driver.prime(root.upper(), str(row["id"]))

    def advance_to(self, moment: datetime) -> None:
        """Run, in time order, one graph per due instant of each started root up to `moment`."""
        while True:
            due = [(at, i, root) for i, root in enumerate(self.roots.values())
                   if (at := root.next_due()) is not None and at <= moment]
            if not due:
                break
            at, _, root = min(due)
            self._now = max(self._now, at)
            root.cursor = at
            run = self.driver.run(root.name, root.task_id, at)
            if run.auto_suspended():
                root.started = False  # Snowflake suspended the graph after too many failures: stop running it
        self._now = max(self._now, moment)

    def task_watcher(self, database: str, since: datetime) -> Any:
        """The runner's TaskWatcher for this target: task runs on the virtual timeline, read by the driver's polls."""
        from snowsim.simulator.live.watcher import LiveTaskWatcher  # noqa: PLC0415 - watcher imports metrics

        return LiveTaskWatcher(self, database, since)

    def now(self) -> datetime:
        """The virtual clock (the runner's timeline; Snowflake's CURRENT_TIMESTAMP is the real time)."""
        return self._now

    def close(self) -> None:
        """Drop the scratch database if this run created it (even after a failure), close, report the counts."""
        if self._closed:
            return
        self._closed = True
        try:
            if self.before_teardown is not None and self.conn is not None:
                self.before_teardown(self)
        finally:
            try:
                self._teardown()
            finally:
                if self.conn is not None:
                    # A dead connection cannot be closed cleanly; it is gone anyway.
                    with contextlib.suppress(Exception):
                        self.conn.close()
                    self.conn = None
                self._wall = time.perf_counter() - self._wall0 if self._wall0 else 0.0
                if self.settings is not None:
                    self.echo(self.report_line())

    def _teardown(self) -> None:
        iso = self.isolation
        if iso is None or not iso.should_drop():
            return
        statement = iso.drop_statement()
        try:
            self.execute(statement)
            iso.dropped = True
            return
        except (DBError, ConnectionLost, AttributeError):
            pass  # the session is gone: try once more on a new connection
        try:
            fresh = self._connect()
            try:
                fresh.cursor().execute(statement)
                iso.dropped = True
            finally:
                fresh.close()
        except Exception as exc:  # noqa: BLE001 - say what is left behind rather than hide the run's own error
            self.teardown_error = self._scrub(error_text(exc))
            self.echo(f"snowflake: teardown failed ({self.teardown_error}); {iso.outcome()}")

    # ---- SQL -----------------------------------------------------------------------------------------------------
    def execute(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        """Run one statement; a root's RESUME/SUSPEND only moves its logical state; a lost connection ends the run."""
        state = _TASK_STATE.match(sql)
        if state and self._qualified(state["name"]) in self.roots:
            root = self.roots[self._qualified(state["name"])]
            if state["op"].upper() == "RESUME":
                if not root.started:
                    root.start(self._now)
            else:
                root.started = False
            self.recorder.withhold(sql, "logical: the root stays suspended on the account")
            return _Done()
        return self._guard(lambda: super(SnowflakeTarget, self).execute(sql, params))

    def _guard(self, call: Callable[[], Any]) -> Any:
        try:
            return call()
        except OperationalError as exc:
            raise ConnectionLost(f"the Snowflake connection failed mid-run: {self._scrub(error_text(exc))}") from None

    def _show_names(self, sql: str) -> list[str]:
        rows = self.query_dicts(sql)
        return [str(v) for row in rows for k, v in row.items() if k.lower() == "name"]

    def _qualified(self, name: str) -> str:
        # Roots are schema-qualified in the manifest; a database-qualified name drops the database.
        parts = name.upper().split(".")
        return ".".join(parts[-2:])

    def _scrub(self, text: str) -> str:
        return scrub(text, self.settings.secrets()) if self.settings else text

    # ---- what it cost --------------------------------------------------------------------------------------------
    @property
    def graph_runs(self) -> list[GraphRun]:
        """The graph runs EXECUTE TASK started, in order."""
        return self.driver.runs if self.driver else []

    def usage(self) -> dict[str, Any]:
        """Statement counts by kind, graph runs, task query seconds, wall seconds and the database's fate."""
        runs = self.graph_runs
        states: dict[str, int] = {}
        for run in runs:
            states[run.state] = states.get(run.state, 0) + 1
        return {
            "account": self.settings.describe() if self.settings else None,
            "warehouse": self.warehouse,
            "database": self.isolation.database if self.isolation else None,
            "run_id": self.run_id,
            "statements": self.recorder.counts(),
            "withheld": len(self.recorder.withheld),
            "graph_runs": len(runs),
            "graph_run_states": dict(sorted(states.items())),
            "task_query_seconds": round(sum(r.task_seconds for r in runs), 3),
            "wall_seconds": round(self._wall, 3),
            "database_outcome": self.isolation.outcome() if self.isolation else "no database",
            "teardown_error": self.teardown_error,
        }

    def report_line(self) -> str:
        """One line: warehouse, statements by kind, graph runs and the database's fate."""
        u = self.usage()
        c = u["statements"]
        return (
            f"snowflake: warehouse {u['warehouse']}; {c['total']:,} statements ({c['deploy']:,} deploy, "
            f"{c['load']:,} load, {c['execute_task']:,} EXECUTE TASK, {c['poll']:,} TASK_HISTORY polls, "
            f"{c['read']:,} other reads, {c['teardown']:,} teardown); {u['graph_runs']:,} graph runs "
            f"{u['graph_run_states']}, task queries {u['task_query_seconds']:.1f} s; {u['database_outcome']}"
        )
