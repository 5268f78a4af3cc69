"""Task driving on a live account: EXECUTE TASK a root, then poll TASK_HISTORY until its graph run is over.

EXECUTE TASK is asynchronous (docs: execute-task): the statement returns at once and the graph runs in the background.
One poll is one query: the graph's rows from TASK_HISTORY(ROOT_TASK_ID => ...) plus its COMPLETE_TASK_GRAPHS row.
The run this EXECUTE TASK started is the root's one graph run group not seen before; it is over when
COMPLETE_TASK_GRAPHS reports it with no task of the group still scheduled or executing, or when the root itself was
SKIPPED (a false WHEN: Snowflake writes no COMPLETE_TASK_GRAPHS row then). Polls back off from `first` to
`max_interval` seconds, and give up after `timeout` seconds with PollTimeout. Sleep and clock are injectable so that
tests never wait.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from snowsim.simulator.runner import TargetError

FINAL_STATES = ("SUCCEEDED", "FAILED", "FAILED_AND_AUTO_SUSPENDED", "SKIPPED", "CANCELLED")
HISTORY_LIMIT = 1000


class PollTimeout(TargetError):
    """A graph run did not finish within the poll timeout."""


@dataclass(frozen=True)
class PollPolicy:
    """Bounded exponential backoff between TASK_HISTORY polls."""

    first: float = 1.0  # seconds before the first poll
    factor: float = 1.5
    max_interval: float = 10.0
    timeout: float = 900.0  # give up on one graph run after this many seconds

    def intervals(self) -> Any:
        """The waits before each poll: first, first*factor, ... capped at max_interval."""
        wait = self.first
        while True:
            yield wait
            wait = min(wait * self.factor, self.max_interval)


@dataclass(frozen=True)
class TaskRow:
    """One task run of a graph run, as TASK_HISTORY reports it (account times, naive UTC)."""

    task: str  # SCHEMA.NAME
    state: str
    error_code: str | None
    error_message: str | None
    scheduled: datetime | None
    query_start: datetime | None
    completed: datetime | None
    attempt: int = 1


@dataclass
class GraphRun:
    """A graph run the driver started, once it is over."""

    root: str
    due: datetime  # the virtual instant it stands for
    group_id: str | None
    state: str  # SUCCEEDED | FAILED | SKIPPED | CANCELLED (of the graph), from COMPLETE_TASK_GRAPHS or the root
    tasks: list[TaskRow] = field(default_factory=list)
    polls: int = 0
    wall_seconds: float = 0.0

    @property
    def task_seconds(self) -> float:
        """Seconds the tasks' queries ran (start to completion), what the warehouse was busy for."""
        return sum(max((t.completed - t.query_start).total_seconds(), 0.0)
                   for t in self.tasks if t.completed and t.query_start)

    def auto_suspended(self) -> bool:
        """Whether Snowflake reported the graph suspended after too many failures."""
        return any(t.state == "FAILED_AND_AUTO_SUSPENDED" for t in self.tasks)


def literal(text: str) -> str:
    """A SQL string literal (our own names and ids only, but quoted safely anyway)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def _naive_utc(value: Any) -> datetime | None:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value if isinstance(value, datetime) else None


def poll_sql(root_id: str, root_name: str) -> str:
    """The one query a poll sends: the graph's task runs and its completed graph runs, newest first."""
    # Arguments are literals, not bound parameters: table-function arguments must be constants.
    columns = "SCHEMA_NAME, {name}, STATE, GRAPH_RUN_GROUP_ID, {code}, {message}, SCHEDULED_TIME, {start}, " \
              "COMPLETED_TIME, ATTEMPT_NUMBER"
    tasks = columns.format(name="NAME", code="ERROR_CODE", message="ERROR_MESSAGE", start="QUERY_START_TIME")
    graphs = columns.format(name="ROOT_TASK_NAME", code="FIRST_ERROR_CODE", message="FIRST_ERROR_MESSAGE",
                            start="QUERY_START_TIME")
    return (
        f"SELECT 'TASK' AS KIND, {tasks} FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY("
        f"ROOT_TASK_ID => {literal(root_id)}, RESULT_LIMIT => {HISTORY_LIMIT})) "
        f"UNION ALL SELECT 'GRAPH' AS KIND, {graphs} FROM TABLE(INFORMATION_SCHEMA.COMPLETE_TASK_GRAPHS("
        f"ROOT_TASK_NAME => {literal(root_name)}, RESULT_LIMIT => 100))"
    )


class TaskDriver:
    """Starts graph runs with EXECUTE TASK and waits for each to finish by polling TASK_HISTORY."""

    def __init__(
        self,
        query: Callable[[str], list[tuple]],
        execute: Callable[[str], Any],
        policy: PollPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.query, self.execute = query, execute
        self.policy = policy or PollPolicy()
        self.sleep, self.clock = sleep, clock
        self.seen: dict[str, set[str]] = {}  # root -> graph run groups already accounted for
        self.runs: list[GraphRun] = []
        self.polls = 0

    def prime(self, root: str, root_id: str) -> None:
        """Mark the root's existing graph runs as seen (a reused database may carry old ones)."""
        self.seen.setdefault(root, set()).update(r[4] for r in self.query(poll_sql(root_id, root.split(".")[-1]))
                                                  if r[4])

    def run(self, root: str, root_id: str, due: datetime) -> GraphRun:
        """EXECUTE TASK root, wait until the graph run it started is over, and return it."""
        schema, _, name = root.rpartition(".")
        seen = self.seen.setdefault(root, set())
        started = self.clock()
        self.execute(f"EXECUTE TASK {root}")
        sql = poll_sql(root_id, name)
        polls = 0
        for polls, wait in enumerate(self.policy.intervals()):  # noqa: B007 - polls is read after the loop too
            elapsed = self.clock() - started
            if elapsed >= self.policy.timeout:
                raise PollTimeout(
                    f"{root}: the graph run EXECUTE TASK started for {due:%Y-%m-%d %H:%M:%S} (virtual) did not "
                    f"finish within {self.policy.timeout:g} s ({polls} polls of TASK_HISTORY); "
                    "raise the poll timeout or look at the task in Snowsight"
                )
            self.sleep(min(wait, max(self.policy.timeout - elapsed, 0.0)))
            rows = self.query(sql)
            self.polls += 1
            done = self._finished(root, schema, name, rows, seen)
            if done is not None:
                done.due, done.polls, done.wall_seconds = due, polls + 1, self.clock() - started
                seen.add(done.group_id or "")
                self.runs.append(done)
                return done
        raise AssertionError("unreachable")  # intervals() never ends

    def _finished(self, root: str, schema: str, name: str, rows: list[tuple], seen: set[str]) -> GraphRun | None:
        """The new graph run if it is over, else None (not visible yet, or still running)."""
        tasks: dict[str, list[tuple]] = {}
        graphs: dict[str, list[tuple]] = {}
        for row in rows:
            kind, row_schema, task_name, _, group = row[:5]
            if not group or group in seen or str(row_schema).upper() != schema.upper():
                continue
            (graphs if kind == "GRAPH" else tasks).setdefault(group, []).append(row)
        for group, task_rows in tasks.items():
            root_rows = [r for r in task_rows if str(r[2]).upper() == name.upper()]
            pending = any(r[3] not in FINAL_STATES for r in task_rows)
            root_skipped = any(r[3] == "SKIPPED" for r in root_rows)
            complete = [r for r in graphs.get(group, []) if r[3] in FINAL_STATES]
            if root_skipped and not pending:
                return GraphRun(root, datetime.min, group, "SKIPPED", self._rows(task_rows))
            if complete and not pending:
                newest = max(complete, key=lambda r: (r[9] or 0, _naive_utc(r[8]) or datetime.min))
                return GraphRun(root, datetime.min, group, str(newest[3]), self._rows(task_rows))
        return None

    @staticmethod
    def _rows(rows: list[tuple]) -> list[TaskRow]:
        out = [
            TaskRow(f"{schema}.{name}".upper(), str(state), code, message, _naive_utc(scheduled), _naive_utc(start),
                    _naive_utc(completed), int(attempt or 1))
            for _, schema, name, state, _, code, message, scheduled, start, completed, attempt in rows
        ]
        return sorted(out, key=lambda t: (t.scheduled or datetime.min, t.task))
