"""The virtual-clock task scheduler: a heap of timed events that starts graph runs and runs their tasks in time order.

docs: user-guide/tasks-intro, tasks-graphs, tasks-triggered; sql-reference/sql/create-task, alter-task, execute-task;
sql-reference/parameters (SUSPEND_TASK_AFTER_NUM_FAILURES, TASK_AUTO_RETRY_ATTEMPTS, USER_TASK_TIMEOUT_MS).

Events (time, priority, seq): a root falls due (scheduled, triggered or EXECUTE TASK), a task starts, a task ends.
A task's WHEN and body run when it starts, with the clock at its start time; its end comes `duration` later (zero
unless `durations` says otherwise), which is when its children become ready. So with the default zero durations a
whole graph run happens at its scheduled instant, and with a duration model runs overlap, NO_OVERLAP skips scheduled
runs and USER_TASK_TIMEOUT_MS fails slow tasks, all in virtual time. Nothing waits on the wall clock; with a system
clock only EXECUTE TASK runs anything, at once.
"""

from __future__ import annotations

import heapq
import itertools
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from snowflake.connector import errors as sf

from snowsim.emulator import errors
from snowsim.emulator.identifiers import ObjectName
from snowsim.emulator.tasks import body, conditions, system_functions
from snowsim.emulator.tasks.history import (
    EXECUTING,
    FAILED,
    FAILED_AND_AUTO_SUSPENDED,
    FROM_EXECUTE,
    FROM_SCHEDULE,
    FROM_TRIGGER,
    SKIPPED,
    SUCCEEDED,
    GraphRecord,
    History,
    HistoryRecord,
    query_hashes,
)
from snowsim.emulator.tasks.model import OverlapPolicy
from snowsim.emulator.tasks.registry import STARTED, SUSPENDED, Registry, Task
from snowsim.emulator.tasks.runs import GraphRun
from snowsim.emulator.tasks.schedule import IntervalSchedule

if TYPE_CHECKING:
    from snowsim.emulator.connection import Connection

Durations = timedelta | dict[str, timedelta] | Callable[[str, datetime], timedelta | None] | None

# Observed on real accounts (non-doc): a WHEN that is false gives this code and text in TASK_HISTORY.
CONDITION_FALSE_CODE = "0040003"
CONDITION_FALSE_MESSAGE = "Conditional expression for task evaluated to false."
# Snowflake's statement-timeout error (non-doc; the exact text for USER_TASK_TIMEOUT_MS is NOT verified).
TIMEOUT_CODE = "000630"
SUSPENDED_DUE_TO_ERRORS = "SUSPENDED_DUE_TO_ERRORS"

_END, _START, _DUE = 0, 1, 2  # at one instant: finish what ends, then start tasks, then start new graph runs
_SUSPENDED_CHILD, _NOT_RUN = "SUSPENDED", "NOT_RUN"  # internal outcomes (no TASK_HISTORY row)
_OK = (SUCCEEDED, _SUSPENDED_CHILD)  # docs (execute-task): suspended children are skipped and count as succeeded


def _run_id(moment: datetime) -> int:
    # docs: RUN_ID is the root's original scheduled time, epoch milliseconds
    return int(moment.replace(tzinfo=UTC).timestamp() * 1000)


def _timestamp_text(moment: datetime | None) -> str | None:
    # SYSTEM$TASK_RUNTIME_INFO returns a string; the docs do not show its format. ISO with an offset casts both ways.
    return None if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + "+00:00"


def error_code(exc: sf.Error) -> str | None:
    """ERROR_CODE as TASK_HISTORY shows it: the errno zero-padded to six digits."""
    errno = getattr(exc, "errno", None)
    return None if errno is None else (f"{errno:06d}" if errno >= 0 else str(errno))


def error_message(exc: sf.Error) -> str:
    """ERROR_MESSAGE as TASK_HISTORY shows it: the text without the connector's 'errno (sqlstate): ' prefix."""
    return getattr(exc, "raw_msg", None) or exc.msg


@dataclass
class _Group:
    """A graph run group: the first run and its retries (same RUN_ID and GRAPH_RUN_GROUP_ID)."""

    id: str
    root_id: str
    run_id: int
    original_scheduled: datetime
    scheduled_from: str
    config: str | None
    last_success: tuple[str | None, datetime | None]


@dataclass
class _Run:
    """One graph run in flight."""

    public: GraphRun
    group: _Group
    attempt: int
    root: Task
    tasks: dict[ObjectName, Task]
    preds: dict[ObjectName, list[ObjectName]]
    children: dict[ObjectName, list[ObjectName]]
    finalizer: ObjectName | None
    graph_version: int
    next_scheduled: datetime | None
    start_time: datetime
    outcome: dict[ObjectName, str] = field(default_factory=dict)
    end: dict[ObjectName, datetime] = field(default_factory=dict)
    records: dict[ObjectName, HistoryRecord] = field(default_factory=dict)
    returns: dict[ObjectName, str | None] = field(default_factory=dict)
    finalizer_started: bool = False
    finished: bool = False
    graph_record: GraphRecord | None = None  # written once the root has run (none when the root is skipped)


@dataclass
class _Current:
    """The task whose WHEN or body is running (SYSTEM$SET_RETURN_VALUE writes here)."""

    run: _Run
    name: ObjectName


class Scheduler:
    """Runs the tasks of one connection on its clock (see the module docstring)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.registry = Registry(conn)
        self.history = History(conn.duck)
        self.sessions = body.TaskSessions()
        self.durations: Durations = None
        self.strict = True  # a body snowsim cannot emulate fails its task and is raised out of advance()/EXECUTE
        self.current: _Current | None = None
        self._heap: list[tuple[datetime, int, int, Callable[[], None]]] = []
        self._seq = itertools.count()
        self._ids = itertools.count(1)
        self._processing = False
        self._inflight: dict[str, list[_Run]] = {}  # root id -> runs not yet finished
        self._last_group: dict[str, _Run] = {}  # root id -> last run of its last finished group (RETRY LAST)
        self._groups: dict[str, _Run] = {}  # group id -> its last run
        self._last_success: dict[str, tuple[str, datetime]] = {}  # root id -> (group id, original scheduled time)
        self._triggered: set[ObjectName] = set()
        self._trigger_pending: set[ObjectName] = set()
        self._conditions: dict[tuple[str, int], conditions.Condition | None] = {}
        self._hashes: dict[str, tuple[str, str]] = {}
        self._started: list[GraphRun] = []
        for task in self.registry.all():
            if task.started and task.is_root:
                self.reschedule(task, keep_generation=True)

    # ---- public API --------------------------------------------------------------------------------------
    def advance_to(self, moment: datetime) -> list[GraphRun]:
        """Run, in time order, everything due up to `moment`; leave the clock there. Returns the graph runs started."""
        clock = self.conn.clock
        if moment < clock.now():
            raise ValueError(f"the virtual clock cannot go back from {clock.now()} to {moment}")
        self._started = []
        self._run_events(moment)
        clock.set(moment)
        started, self._started = self._started, []
        if self.conn.path:
            self.flush()  # persistent state: keep the file inspectable between advances
        return started

    def flush(self) -> None:
        """Write buffered history, the next scheduled runs and changed task state to DuckDB."""
        self.history.set_next_runs(self._next_rows())
        self.history.flush()
        self.registry.flush()

    def execute(self, root: Task, config: str | None = None) -> GraphRun:
        """EXECUTE TASK: start a graph run now (docs: execute-task); it runs at once unless a transaction is open."""
        now = self.conn.clock.now()
        run = self._start_graph(root, now, FROM_EXECUTE, config)
        self._run_now()
        return run

    def retry(self, root: Task, group_id: str | None = None) -> GraphRun:
        """EXECUTE TASK ... RETRY LAST | RETRY GRAPH RUN GROUP: re-run the failed tasks of the last failed run."""
        last = self._groups.get(group_id) if group_id is not None else self._last_group.get(root.id)
        if last is None or last.group.root_id != root.id or last.public.state != FAILED:
            # docs (execute-task): the last graph run must be FAILED or CANCELED; message NOT verified
            raise errors.ProgrammingError(msg=f"Cannot retry task graph {root.name}: no failed graph run to retry.",
                                          errno=91000, sqlstate="22000")
        if root.info.get("graph_dirty") or root.info.get("graph_version", 0) != last.graph_version:
            # docs: the task graph must not have been modified since it was last run; message NOT verified
            raise errors.ProgrammingError(msg=f"Cannot retry task graph {root.name}: it was modified since its last "
                                          "run.", errno=91000, sqlstate="22000")
        run = self._retry(last, self.conn.clock.now(), FROM_EXECUTE)
        self._run_now()
        return run

    def reschedule(self, task: Task, keep_generation: bool = False) -> None:
        """Recompute a task's next run after RESUME / SUSPEND / schedule changes (older queued runs are dropped)."""
        if not keep_generation:
            task.info["generation"] = task.info.get("generation", 0) + 1
        self._triggered.discard(task.name)
        task.set_time("next_time", None)
        if not (task.started and task.is_root):
            return
        definition = task.definition
        if definition.schedule is not None:
            if not self.conn.clock.virtual:
                return  # docs-silent choice: without a virtual clock nothing runs by itself
            now = self.conn.clock.now()
            if task.time("base_time") is None:
                task.set_time("base_time", now)
            due = self._next_time(task, now)
            task.set_time("next_time", due)
            self._push_due(task, due)
        elif definition.when:
            self._triggered.add(task.name)  # docs (tasks-triggered): WHEN and no SCHEDULE: runs when data arrives

    def forget(self, task: Task) -> None:
        """A dropped task: drop what is queued for it."""
        task.info["generation"] = task.info.get("generation", 0) + 1
        self._triggered.discard(task.name)

    # ---- event loop --------------------------------------------------------------------------------------
    def _push(self, when: datetime, priority: int, fn: Callable[[], None]) -> None:
        heapq.heappush(self._heap, (when, priority, next(self._seq), fn))

    def _run_now(self) -> None:
        if self.conn.txns.current is not None:
            return  # asynchronous, as in Snowflake: runs at the next advance() (or EXECUTE TASK) outside the txn
        self._run_events(self.conn.clock.now() if self.conn.clock.virtual else datetime.max)
        self.flush()

    def _run_events(self, until: datetime) -> None:
        if self._processing:
            return  # EXECUTE TASK from inside a task body: the outer loop runs what it queued
        self._processing = True
        try:
            self._check_triggers()
            clock = self.conn.clock
            while self._heap and self._heap[0][0] <= until:
                when, _, _, fn = heapq.heappop(self._heap)
                if clock.virtual and when > clock.now():
                    clock.set(when)
                fn()
        finally:
            self._processing = False

    def _now(self) -> datetime:
        return self.conn.clock.now()

    # ---- schedules ---------------------------------------------------------------------------------------
    def _next_time(self, task: Task, after: datetime) -> datetime:
        schedule = task.definition.schedule
        if isinstance(schedule, IntervalSchedule):
            return schedule.next_after(task.time("base_time") or after, after)
        return schedule.next_after(after)

    def _push_due(self, task: Task, due: datetime) -> None:
        name, task_id, generation = task.name, task.id, task.info.get("generation", 0)

        def fire() -> None:
            current = self.registry.get(name)
            if current is None or current.id != task_id or not current.started:
                return
            if current.info.get("generation", 0) != generation:
                return  # suspended, resumed or changed since this run was queued
            following = self._next_time(current, due)
            current.set_time("next_time", following)
            self._push_due(current, following)
            self._start_graph(current, due, FROM_SCHEDULE, None)

        self._push(due, _DUE, fire)

    def _next_rows(self) -> list[tuple]:
        rows = []
        for task in self.registry.all():
            due = task.time("next_time")
            if due is None or not task.started or not task.is_root:
                continue
            d = task.definition
            config = d.config
            rows.append((task.name.name, task.name.database, task.name.schema, d.body, d.when, due, task.id,
                         task.info.get("graph_version", 0), _run_id(due), config))
        return rows

    # ---- triggered tasks ---------------------------------------------------------------------------------
    def _check_triggers(self) -> None:
        """Queue a run for each triggered task whose stream has data (docs: tasks-triggered)."""
        if not self._triggered or not self.conn.clock.virtual:
            return
        now = self._now()
        for name in sorted(self._triggered, key=str):
            if name in self._trigger_pending:
                continue
            task = self.registry.get(name)
            if task is None or not task.started or not task.is_root or self._inflight.get(task.id):
                continue
            try:
                ready = self._condition(task, None)
            except sf.Error:
                ready = True  # let the run fail on it, visibly
            if not ready:
                continue
            last = task.time("last_trigger")
            interval = timedelta(seconds=task.definition.user_task_minimum_trigger_interval_in_seconds)
            at = now if last is None else max(now, last + interval)
            self._trigger_pending.add(name)
            self._push(at, _DUE, self._trigger_fire(task, at))

    def _trigger_fire(self, task: Task, at: datetime) -> Callable[[], None]:
        name, task_id, generation = task.name, task.id, task.info.get("generation", 0)

        def fire() -> None:
            self._trigger_pending.discard(name)
            current = self.registry.get(name)
            if current is None or current.id != task_id or current.info.get("generation", 0) != generation:
                return
            current.set_time("last_trigger", at)
            self.registry.touch(current)
            self._start_graph(current, at, FROM_TRIGGER, None)

        return fire

    # ---- graph runs --------------------------------------------------------------------------------------
    def _new_group(self, root: Task, scheduled: datetime, scheduled_from: str, config: str | None) -> _Group:
        last = self._last_success.get(root.id, (None, None))
        group_id = str(uuid.uuid5(uuid.NAMESPACE_OID, f"{root.id}/{scheduled.isoformat()}/{next(self._ids)}"))
        return _Group(group_id, root.id, _run_id(scheduled), scheduled, scheduled_from, config, last)

    def _overlaps(self, root: Task) -> bool:
        """Whether a new scheduled run must be skipped (docs: create-task OVERLAP_POLICY; release notes 2026-03-13)."""
        running = [r for r in self._inflight.get(root.id, ()) if not r.finished]
        policy = root.definition.overlap_policy
        if not running or policy == OverlapPolicy.ALLOW_ALL_OVERLAP:
            return False
        if policy == OverlapPolicy.ALLOW_CHILD_OVERLAP:
            return any(root.name not in r.end or r.end[root.name] > self._now() for r in running)
        return True

    def _start_graph(self, root: Task, scheduled: datetime, scheduled_from: str, config: str | None) -> GraphRun:
        group = self._new_group(root, scheduled, scheduled_from, config if config is not None else root.definition.config)
        if scheduled_from == FROM_SCHEDULE and self._overlaps(root):
            return self._skip_overlap(root, group)
        if root.info.get("graph_dirty", True):
            # docs (tasks-graphs, versioning): a run uses the graph version set when the root is resumed or executed
            root.info["graph_version"] = root.info.get("graph_version", 0) + 1
            root.info["graph_dirty"] = False
            self.registry.touch(root)
        return self._launch(root, group, 1, scheduled, carried={}, restart=None)

    def _launch(self, root: Task, group: _Group, attempt: int, scheduled: datetime, carried: dict[ObjectName, str],
                restart: list[ObjectName] | None) -> GraphRun:
        members = self.registry.members(root.name)
        tasks = {root.name: root}
        for name in members[1:]:
            found = self.registry.get(name)
            if found is not None:
                tasks[name] = found
        finalizer = self.registry.finalizer(root.name)
        preds = {n: [p for p in t.predecessors if p in tasks] for n, t in tasks.items() if n != finalizer}
        children: dict[ObjectName, list[ObjectName]] = {}
        for name in tasks:
            if name != finalizer:
                children[name] = [c for c in self.registry.children(name) if c in tasks]
        public = GraphRun(str(root.name), scheduled, group.scheduled_from, attempt, group.run_id, group.id,
                          query_start_time=self._now())
        run = _Run(public, group, attempt, root, tasks, preds, children, finalizer if finalizer in tasks else None,
                   root.info.get("graph_version", 0), root.time("next_time"), self._now())
        self._inflight.setdefault(root.id, []).append(run)
        self._started.append(public)
        now = self._now()
        if restart is None:
            self._push(now, _START, lambda: self._start_task(run, root.name))
        else:
            # docs (execute-task RETRY LAST): the new run begins at the failed tasks; the rest keep their outcome
            for name, outcome in carried.items():
                run.outcome[name], run.end[name] = outcome, now
            for name in restart:
                self._push(now, _START, lambda n=name: self._start_task(run, n))
        return public

    def _retry(self, last: _Run, when: datetime, scheduled_from: str) -> GraphRun:
        failed = [n for n, o in last.outcome.items() if o == FAILED and n != last.finalizer]
        carried = {n: o for n, o in last.outcome.items() if o in (SUCCEEDED, _SUSPENDED_CHILD, SKIPPED)}
        carried.pop(last.finalizer, None)
        root = self.registry.get(last.root.name) or last.root
        group = last.group
        if scheduled_from != group.scheduled_from:
            group = _Group(group.id, group.root_id, group.run_id, group.original_scheduled, scheduled_from,
                           group.config, group.last_success)
        if not failed:  # only the finalizer failed: run it again
            failed, carried = [], {n: o for n, o in last.outcome.items() if n != last.finalizer}
            public = self._launch(root, group, last.attempt + 1, when, carried, restart=[])
            run = self._inflight[root.id][-1]
            self._push(self._now(), _START, lambda: self._maybe_finish(run))
            return public
        return self._launch(root, group, last.attempt + 1, when, carried, restart=failed)

    def _skip_overlap(self, root: Task, group: _Group) -> GraphRun:
        # docs (tasks-intro): a scheduled run whose previous run is still executing is skipped. The docs do not
        # say what TASK_HISTORY shows for it: a SKIPPED root row without error code/message here.
        now = self._now()
        public = GraphRun(str(root.name), now, FROM_SCHEDULE, 1, group.run_id, group.id, state=SKIPPED,
                          tasks={str(root.name): SKIPPED}, query_start_time=None, completed_time=now)
        record = self._record(root, group, 1, now, root.info.get("graph_version", 0), root.time("next_time"))
        record.state, record.query_start_time, record.completed_time = SKIPPED, None, now
        self.history.add(record)
        self._started.append(public)
        return public

    def _record(self, task: Task, group: _Group, attempt: int, scheduled: datetime, version: int,
                next_scheduled: datetime | None) -> HistoryRecord:
        d = task.definition
        hashes = self._hashes.get(d.body)
        if hashes is None:
            hashes = self._hashes[d.body] = query_hashes(d.body)
        return HistoryRecord(
            self.history.new_id(), None, task.name.name, task.name.database, task.name.schema, d.body, d.when,
            EXECUTING, None, None, scheduled, self._now(), next_scheduled, None, group.root_id, version, group.run_id,
            None, group.scheduled_from, attempt, group.config, hashes[0], 2, hashes[1], 1, group.id,
        )

    # ---- one task ----------------------------------------------------------------------------------------
    def _start_task(self, run: _Run, name: ObjectName) -> None:
        task = run.tasks[name]
        now = self._now()
        if name != run.root.name and not task.started:
            run.outcome[name], run.end[name] = _SUSPENDED_CHILD, now
            self._end_task(run, name)
            return
        scheduled = run.public.scheduled_time if name == run.root.name else now
        record = self._record(task, run.group, run.attempt, scheduled, run.graph_version, run.next_scheduled)
        run.records[name] = record
        run.public.tasks[str(name)] = EXECUTING
        self.current = _Current(run, name)
        unsupported: errors.NotSupportedError | None = None
        try:
            state, ends, failure, skipped = self._execute(run, task, now)
        except errors.NotSupportedError as exc:
            state, ends, failure, skipped, unsupported = FAILED, now, (None, error_message(exc)), False, exc
        finally:
            self.current = None
        record.state, record.completed_time = state, ends
        if skipped:
            record.query_start_time = None  # nothing ran: the condition is evaluated without a warehouse
            record.error_code, record.error_message = CONDITION_FALSE_CODE, CONDITION_FALSE_MESSAGE
        else:
            record.query_id = self.conn.new_query_id()
        if failure is not None:
            record.error_code, record.error_message = failure
        record.return_value = run.returns.get(name)
        run.outcome[name], run.end[name] = state, ends
        self.history.add(record)
        if name == run.root.name and state != SKIPPED and run.graph_record is None:
            # CURRENT_TASK_GRAPHS shows the run while it executes; _finish completes the same row
            run.graph_record = GraphRecord(
                self.history.new_id(), run.root.name.name, run.root.name.database, run.root.name.schema, EXECUTING,
                run.group.scheduled_from, None, None, None, run.public.scheduled_time, run.start_time,
                run.next_scheduled, None, run.root.id, run.graph_version, run.group.run_id, run.attempt,
                run.group.config, run.group.id,
            )
            self.history.add(run.graph_record)
        self._push(ends, _END, lambda: self._end_task(run, name))
        if unsupported is not None and self.strict:
            raise unsupported

    def _execute(self, run: _Run, task: Task, now: datetime) -> tuple[str, datetime, tuple | None, bool]:
        """WHEN then body: (state, completion time, (error code, message) or None, skipped by WHEN)."""
        d = task.definition
        fast = self._fast_condition(task)
        variable_set = False
        session = self.sessions.session_for(d, task.name.database, task.name.schema)
        with body.in_session(self.conn, session):
            try:
                if d.when:
                    if fast is None and self._needs_variable(task):
                        self._set_variable(run, task)
                        variable_set = True
                    if not self._condition(task, fast):
                        return SKIPPED, now, None, True
                duration = self._duration(task, now)
                timeout_ms = d.user_task_timeout_ms
                if timeout_ms and duration > timedelta(milliseconds=timeout_ms):
                    seconds = timeout_ms // 1000
                    message = f"Statement reached its statement or warehouse timeout of {seconds:,} second(s) and was canceled."
                    return FAILED, now + timedelta(milliseconds=timeout_ms), (TIMEOUT_CODE, message), False
                if not variable_set and self._needs_variable(task):
                    self._set_variable(run, task)
                    variable_set = True
                body.run(self.conn, d.body)
                return SUCCEEDED, now + duration, None, False
            except errors.NotSupportedError:
                raise
            except sf.Error as exc:
                return FAILED, now, (error_code(exc), error_message(exc)), False
            finally:
                if variable_set:
                    self.conn.duck.execute(system_functions.RESET_VARIABLE_SQL)

    def _fast_condition(self, task: Task) -> conditions.Condition | None:
        key = (task.id, task.info.get("revision", 0))
        if key not in self._conditions:
            when = task.definition.when
            self._conditions[key] = (
                conditions.compile_fast(self.conn, when, task.name.database, task.name.schema) if when else None
            )
        return self._conditions[key]

    def _condition(self, task: Task, fast: conditions.Condition | None) -> bool:
        """Evaluate WHEN (True when there is none); the caller has entered the task's session for the SQL path."""
        when = task.definition.when
        if not when:
            return True
        fast = fast or self._fast_condition(task)
        if fast is not None:
            return fast()
        if self.conn.session.database != task.name.database or self.conn.session.schema != task.name.schema:
            session = self.sessions.session_for(task.definition, task.name.database, task.name.schema)
            with body.in_session(self.conn, session):
                return conditions.evaluate_sql(self.conn, when)
        return conditions.evaluate_sql(self.conn, when)

    def _needs_variable(self, task: Task) -> bool:
        """Whether the WHEN or body calls a task system function (publishing the values costs a DuckDB statement)."""
        text = f"{task.definition.when or ''} {task.definition.body}".upper()
        return any(f in text for f in system_functions.READ_FUNCTIONS)

    def _set_variable(self, run: _Run, task: Task) -> None:
        group = run.group
        values: dict[str, str | None] = {
            "CURRENT_TASK_NAME": task.name.name,
            "CURRENT_ROOT_TASK_NAME": run.root.name.name,
            "CURRENT_ROOT_TASK_UUID": run.root.id,
            "CURRENT_TASK_GRAPH_RUN_GROUP_ID": group.id,
            "CURRENT_TASK_GRAPH_ORIGINAL_SCHEDULED_TIMESTAMP": _timestamp_text(group.original_scheduled),
            "LAST_SUCCESSFUL_TASK_GRAPH_RUN_GROUP_ID": group.last_success[0],
            "LAST_SUCCESSFUL_TASK_GRAPH_ORIGINAL_SCHEDULED_TIMESTAMP": _timestamp_text(group.last_success[1]),
            system_functions.USER_TASK_NAME: task.name.name,
            system_functions.CONFIG: group.config,
        }
        preds = run.preds.get(task.name, [])
        for pred in preds:
            for key in system_functions.predecessor_keys((pred.database, pred.schema, pred.name)):
                values[key] = run.returns.get(pred)
        if len(preds) == 1:
            values[system_functions.PREDECESSOR] = run.returns.get(preds[0])
        self.conn.duck.execute(system_functions.set_variable_sql(values))

    def set_return_value(self, value: str | None) -> None:
        """SYSTEM$SET_RETURN_VALUE from the running task."""
        if self.current is None:
            raise system_functions.outside_task_error("SYSTEM$SET_RETURN_VALUE")
        self.current.run.returns[self.current.name] = value

    def _duration(self, task: Task, start: datetime) -> timedelta:
        model = self.durations
        if model is None or not self.conn.clock.virtual:
            return timedelta()
        if isinstance(model, timedelta):
            return model
        if isinstance(model, dict):
            return model.get(str(task.name), model.get(task.name.name, timedelta()))
        return model(str(task.name), start) or timedelta()

    def _end_task(self, run: _Run, name: ObjectName) -> None:
        state = run.outcome[name]
        if state not in (_SUSPENDED_CHILD, _NOT_RUN):
            run.public.tasks[str(name)] = run.records[name].state
        if name == run.finalizer:
            self._maybe_finish(run)
            return
        for child in run.children.get(name, ()):
            if child in run.outcome:
                continue
            preds = run.preds[child]
            if any(p not in run.outcome or p not in run.end or run.end[p] > self._now() for p in preds):
                continue  # docs (tasks-graphs): a child runs after ALL its predecessors complete
            if all(run.outcome[p] in _OK for p in preds):
                run.outcome[child] = EXECUTING  # claimed: started once even if two predecessors end together
                self._push(self._now(), _START, lambda c=child: self._start_task(run, c))
            else:
                run.outcome[child], run.end[child] = _NOT_RUN, self._now()
                self._end_task(run, child)
        self._maybe_finish(run)

    def _maybe_finish(self, run: _Run) -> None:
        if run.finished:
            return
        body_tasks = [n for n in run.tasks if n != run.finalizer]
        if any(run.outcome.get(n) in (None, EXECUTING) or run.end.get(n, datetime.max) > self._now()
               for n in body_tasks):
            return
        if run.finalizer is not None and run.outcome.get(run.root.name) != SKIPPED:
            if not run.finalizer_started:
                # docs (tasks-graphs): the finalizer runs after all other tasks complete or fail, not if root skipped
                run.finalizer_started = True
                run.outcome.pop(run.finalizer, None)
                self._push(self._now(), _START, lambda: self._start_task(run, run.finalizer))
                return
            if run.outcome.get(run.finalizer) in (None, EXECUTING) or run.end[run.finalizer] > self._now():
                return
        self._finish(run)

    def _finish(self, run: _Run) -> None:
        run.finished = True
        now = self._now()
        runs = self._inflight.get(run.root.id, [])
        if run in runs:
            runs.remove(run)
        outcomes = run.outcome
        if outcomes.get(run.root.name) == SKIPPED:
            state = SKIPPED
        elif any(o == FAILED for o in outcomes.values()):
            state = FAILED
        else:
            state = SUCCEEDED  # docs (complete_task_graphs): skipped children still make a SUCCEEDED graph run
        run.public.state, run.public.completed_time = state, now
        first = min((r for r in run.records.values() if r.state == FAILED),
                    key=lambda r: (r.completed_time, r.name), default=None)
        if first is not None:
            run.public.first_error = f"{first.name}: {first.error_code} {first.error_message}"
        graph = run.graph_record
        if graph is not None:  # docs: no COMPLETE_TASK_GRAPHS row when the root was skipped
            graph.state, graph.completed_time = state, now
            if first is not None:
                graph.first_error_task_name = first.name
                graph.first_error_code, graph.first_error_message = first.error_code, first.error_message
            self.history.add(graph)
        self._groups[run.group.id] = run
        retries = run.root.definition.task_auto_retry_attempts
        if state == FAILED and run.attempt <= retries:
            # docs (create-task TASK_AUTO_RETRY_ATTEMPTS): the graph restarts from the failed task
            self._retry(run, now, run.group.scheduled_from)
            return
        self._group_done(run, state)
        self._check_triggers()

    def _group_done(self, run: _Run, state: str) -> None:
        """Consecutive-failure counting and auto-suspension, once per group (after retries)."""
        self._last_group[run.root.id] = run
        if state == SUCCEEDED:
            self._last_success[run.root.id] = (run.group.id, run.group.original_scheduled)
        if state == SKIPPED:
            return  # docs (parameters): skipped runs do not count
        limit = run.root.definition.suspend_task_after_num_failures
        suspend_for: list[ObjectName] = []
        for name, outcome in run.outcome.items():
            if outcome not in (SUCCEEDED, FAILED):
                continue
            task = self.registry.get(name)
            if task is None:
                continue
            failures = task.info.get("failures", 0) + 1 if outcome == FAILED else 0
            if failures != task.info.get("failures", 0):
                task.info["failures"] = failures
                self.registry.touch(task)
            if outcome == FAILED and limit and failures >= limit:
                suspend_for.append(name)
        if suspend_for:
            root = self.registry.get(run.root.name)
            if root is not None and root.id == run.root.id and root.started:
                self.auto_suspend(root)
            for name in suspend_for:
                record = run.records.get(name)
                if record is not None:
                    record.state = FAILED_AND_AUTO_SUSPENDED
                    self.history.add(record)
                    run.public.tasks[str(name)] = FAILED_AND_AUTO_SUSPENDED

    def auto_suspend(self, root: Task) -> None:
        """Suspend a root after too many consecutive failures (docs: SUSPEND_TASK_AFTER_NUM_FAILURES)."""
        root.info["state"] = SUSPENDED
        root.info["last_suspended_reason"] = SUSPENDED_DUE_TO_ERRORS
        root.set_time("last_suspended_on", self._now())
        for member in self.registry.members(root.name):
            task = self.registry.get(member)
            if task is not None and task.info.get("failures"):
                task.info["failures"] = 0
                self.registry.touch(task)
        self.reschedule(root)
        self.registry.touch(root)


def resume_state(task: Task, now: datetime) -> None:
    """The state changes of ALTER TASK ... RESUME (the interval base time restarts: docs alter-task)."""
    task.info["state"] = STARTED
    task.set_time("base_time", now)
    task.info["failures"] = 0
