"""Metrics read from the target in SQL: rows per table, stream backlog, and task runs from TASK_HISTORY."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from snowsim.simulator.results import INFO, TASK_AUTO_SUSPENDED, TASK_FAILED, Moment
from snowsim.simulator.targets import DBError, Pending, Target, error_text

FAILED_STATES = ("FAILED", "FAILED_AND_AUTO_SUSPENDED")
FINISHED_STATES = ("SUCCEEDED", "SKIPPED", "CANCELLED", *FAILED_STATES)


def naive_utc(value: Any) -> Any:
    """A datetime in naive UTC (TIMESTAMP_LTZ values come back zone-aware)."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def _counts_sql(objects: Sequence[str]) -> str:
    return " UNION ALL ".join(f"SELECT '{name}' AS N, COUNT(*) AS C FROM {name}" for name in objects)


class Sampler:
    """Counts rows of the pipeline's tables and pending rows of its streams, one statement each when it can."""

    def __init__(self, target: Target, tables: Sequence[str], streams: Sequence[str]) -> None:
        self.target = target
        self.tables = list(tables)
        self.streams = list(streams)
        self.unreadable: dict[str, str] = {}  # object -> error (a stale stream, a table that failed to deploy)
        self._in_flight: tuple[list[str], list[str], Pending] | None = None  # (objects, readable, their counts)
        self._settled: tuple[dict[str, int], dict[str, int]] | None = None  # (rows, backlog) counted at submission

    def rows(self) -> dict[str, int]:
        """Table -> row count."""
        return self._counts(self.tables)

    def backlog(self) -> dict[str, int]:
        """Stream -> rows it would return now (a plain SELECT never consumes); -1 when it cannot be read."""
        return self._counts(self.streams)

    def rows_and_backlog(self) -> tuple[dict[str, int], dict[str, int]]:
        """rows() and backlog() in one statement when they can share it (a statement less per sample)."""
        self.submit()
        return self.settle()

    def submit(self, rows: bool = True) -> None:
        """Start rows_and_backlog()'s counts (backlog()'s only, without `rows`) on the data as it is now
        (Target.submit); settle() returns them."""
        objects = self.tables + self.streams if rows else list(self.streams)
        self._in_flight, self._settled = None, None
        if rows and set(self.tables) & set(self.streams):  # one name for a table and a stream: the counts would collide
            self._settled = self.rows(), self.backlog()
            return
        readable = [o for o in objects if o not in self.unreadable]
        pending = self.target.submit(_counts_sql(readable)) if readable else Pending(lambda: [])
        if pending.failed:  # an object cannot be read: count them one by one now, while the data is as it was
            self._settled = self._split(objects, self._one_by_one(readable))
        else:
            self._in_flight = (objects, readable, pending)

    def settle(self) -> tuple[dict[str, int], dict[str, int]]:
        """(rows, backlog) of the counts submitted last (rows is empty when only backlogs were)."""
        out = self._settled
        if out is None:
            objects, readable, pending = self._in_flight
            try:
                counts = {name: int(count) for name, count in pending.rows()}
            except DBError:  # it failed while running (no such case known): one by one, as soon as that is known
                counts = self._one_by_one(readable)
            out = self._split(objects, counts)
        self._in_flight, self._settled = None, None
        return out

    def _split(self, objects: list[str], counts: dict[str, int]) -> tuple[dict[str, int], dict[str, int]]:
        wanted = set(objects)
        return ({t: counts.get(t, -1) for t in self.tables if t in wanted},
                {s: counts.get(s, -1) for s in self.streams if s in wanted})

    def _counts(self, objects: list[str]) -> dict[str, int]:
        readable = [o for o in objects if o not in self.unreadable]
        out: dict[str, int] = {}
        if readable:
            try:
                out = {name: int(count) for name, count in self.target.query(_counts_sql(readable))}
            except DBError:
                out = self._one_by_one(readable)
        for name in objects:
            out.setdefault(name, -1)
        return {name: out[name] for name in objects}

    def _one_by_one(self, readable: list[str]) -> dict[str, int]:
        # One object spoils the UNION: count them one by one and remember which cannot be read.
        out: dict[str, int] = {}
        for name in readable:
            try:
                out[name] = int(self.target.query(_counts_sql([name]))[0][1])
            except DBError as exc:
                self.unreadable[name] = error_text(exc)
        return out


@dataclass(frozen=True, slots=True)
class TaskRun:
    """One finished task run, as TASK_HISTORY reports it (times in naive UTC)."""

    task: str  # SCHEMA.NAME
    state: str
    scheduled: datetime
    completed: datetime | None
    error_code: str | None
    error_message: str | None
    attempt: int = 1

    @property
    def error(self) -> str:
        """'<code>: <message>' without repeating a code the message already starts with."""
        message = " ".join(str(self.error_message or "").split())
        code = self.error_code or ""
        return message if not code or message.startswith(code) else f"{code}: {message}"


@dataclass
class TaskStats:
    """Per-task counters for the summary."""

    runs: int = 0
    succeeded: int = 0
    failed: int = 0
    skipped: int = 0
    cancelled: int = 0
    last_state: str | None = None
    last_error: str | None = None
    last_code: str | None = None
    first_failure: str | None = None
    streak: int = 0  # consecutive failures up to now
    errors: dict[str, int] = field(default_factory=dict)  # error -> how many runs failed with it


class TaskWatcher:
    """Polls TASK_HISTORY for runs finished since the last poll and keeps counts, states and moments."""

    def __init__(self, target: Target, database: str, since: datetime) -> None:
        self.target = target
        self.database = database.upper()
        self.watermark = since
        self.seen: set[tuple] = set()
        self.stats: dict[str, TaskStats] = {}
        self.failed_runs: list[TaskRun] = []
        self.error: str | None = None
        self._in_flight: Pending | None = None  # a submitted read of TASK_HISTORY

    @property
    def runs(self) -> int:
        """Finished runs that did something (skipped ones excluded)."""
        return sum(s.runs for s in self.stats.values())

    @property
    def failures(self) -> int:
        """Failed runs."""
        return sum(s.failed for s in self.stats.values())

    def states(self) -> dict[str, str]:
        """Task -> state of its last finished run."""
        return {task: s.last_state for task, s in sorted(self.stats.items()) if s.last_state}

    def poll(self) -> list[Moment]:
        """Read newly finished runs; returns the moments they make (failures, auto-suspensions, recoveries)."""
        self.submit()
        return self.settle()

    def submit(self) -> None:
        """Start poll()'s read of TASK_HISTORY as it is now (Target.submit); settle() counts what it finds."""
        # Literals, not bound parameters: table-function arguments are constants to the planner. The range
        # start is an offset from the target's CURRENT_TIMESTAMP(), so no time zone is involved.
        back = max(0, int((self.target.now() - self.watermark).total_seconds()) + 1)
        self._in_flight = self.target.submit(
            "SELECT SCHEMA_NAME, NAME, STATE, SCHEDULED_TIME, COMPLETED_TIME, ERROR_CODE, ERROR_MESSAGE, "
            "ATTEMPT_NUMBER FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY("
            f"SCHEDULED_TIME_RANGE_START => DATEADD('second', -{back}, CURRENT_TIMESTAMP()), "
            f"RESULT_LIMIT => 10000)) WHERE DATABASE_NAME = '{self.database}'"
        )

    def settle(self) -> list[Moment]:
        """Count the runs the submitted read found (none in flight: nothing); the moments they make."""
        pending, self._in_flight = self._in_flight, None
        if pending is None:
            return []
        try:
            rows = pending.rows()
        except DBError as exc:
            self.error = error_text(exc)
            return []
        runs, executing, latest = [], [], self.watermark
        for schema, name, state, scheduled, completed, code, message, attempt in rows:
            scheduled, completed = naive_utc(scheduled), naive_utc(completed)
            if state == "EXECUTING":
                executing.append(scheduled)
            if state not in FINISHED_STATES:
                continue
            key = (schema, name, scheduled, attempt, state)
            if key in self.seen:
                continue
            self.seen.add(key)
            latest = max(latest, scheduled)
            runs.append(TaskRun(f"{schema}.{name}", state, scheduled, completed, code, message, attempt or 1))
        # Next time, start from the oldest run still executing, else the newest finished one (runs of one instant
        # can finish across polls; the seen set drops what was already counted).
        self.watermark = min(executing, default=latest)
        runs.sort(key=lambda r: (r.completed or r.scheduled, r.scheduled))
        moments: list[Moment] = []
        for run in runs:
            moments.extend(self._count(run))
        return moments

    def _count(self, run: TaskRun) -> list[Moment]:
        s = self.stats.setdefault(run.task, TaskStats())
        s.last_state = run.state
        at = run.completed or run.scheduled
        if run.state == "SKIPPED":
            s.skipped += 1
            return []
        s.runs += 1
        if run.state == "CANCELLED":
            s.cancelled += 1
            return []
        if run.state == "SUCCEEDED":
            s.succeeded += 1
            streak, s.streak = s.streak, 0
            if streak > 1:
                return [Moment(at, INFO, f"{run.task} succeeded again after {streak} failed runs")]
            return []
        s.failed += 1
        s.streak += 1
        error = run.error
        s.errors[error] = s.errors.get(error, 0) + 1
        self.failed_runs.append(run)
        moments = []
        # One moment per streak of failures with the same code (the message varies with the row at fault).
        code = run.error_code or error
        if s.streak == 1 or code != s.last_code:
            moments.append(Moment(at, TASK_FAILED, f"{run.task} failed: {error}"))
            s.first_failure = s.first_failure or at.isoformat(sep=" ")
        s.last_error, s.last_code = error, code
        if run.state == "FAILED_AND_AUTO_SUSPENDED":
            moments.append(
                Moment(at, TASK_AUTO_SUSPENDED,
                       f"{run.task} suspended after {s.streak} consecutive failed runs "
                       "(SUSPEND_TASK_AFTER_NUM_FAILURES); its graph no longer runs")
            )
        return moments

    def summary(self) -> dict[str, dict[str, Any]]:
        """Task -> counters, last state and error, for the report."""
        return {
            task: {
                "runs": s.runs,
                "succeeded": s.succeeded,
                "failed": s.failed,
                "skipped": s.skipped,
                "cancelled": s.cancelled,
                "last_state": s.last_state,
                "last_error": s.last_error,
                "errors": dict(sorted(s.errors.items(), key=lambda kv: -kv[1])),
            }
            for task, s in sorted(self.stats.items())
        }

