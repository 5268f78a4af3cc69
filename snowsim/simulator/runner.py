"""The replay runner: one loop for every target, from a scenario to a RunResult.

    deploy -> for each tick: deliver the batches and apply the control faults that fall before it (each at its own
    instant, letting the target fire the tasks due on the way) -> let the target fire the tasks due at the tick ->
    follow events to the final layer -> every sample_every: count rows, backlogs, task runs -> ... -> drain -> checks

No threads: observers are called from the loop and must return quickly (a TUI decouples rendering itself).
"""

from __future__ import annotations

import bisect
import heapq
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from snowsim.simulator import truth as truth_mod
from snowsim.simulator.checks import CheckContext, run_checks
from snowsim.simulator.controls import Controller, task_definitions
from snowsim.simulator.durations import parse_duration
from snowsim.simulator.events import gc_frozen, gc_paused
from snowsim.simulator.generator import Replay, build
from snowsim.simulator.ingestion import Batch, Ingestion, consumer_batches
from snowsim.simulator.latency import LatencyTracker
from snowsim.simulator.metrics import Sampler, TaskWatcher
from snowsim.simulator.pipeline import Pipeline, PipelineError, load_pipeline
from snowsim.simulator.results import (
    EXIT_CONFIG,
    EXIT_FAILED,
    FAULT,
    INFO,
    INGESTION_ERROR,
    STREAM_STALE,
    CheckResult,
    Moment,
    RunConfigError,
    RunInfo,
    RunResult,
    TickSample,
)
from snowsim.simulator.scenario import (
    Check,
    ReconcileCheck,
    Scenario,
    ScenarioError,
    SqlCheck,
    TaskFailuresCheck,
    UniqueCheck,
    load_scenario,
)
from snowsim.simulator.targets import DBError, Target, error_text, make_target

DEFAULT_SAMPLE_EVERY = timedelta(minutes=5)
DEFAULT_LATENCY_HORIZON = timedelta(minutes=30)
IDLE_BACKLOG_EVERY = timedelta(hours=6)  # how often an idle run still reads backlogs (a stream can go stale idle)


class TargetError(RuntimeError):
    """The target could not run the pipeline (e.g. the emulator does not support one of its statements)."""


@runtime_checkable
class RunObserver(Protocol):
    """Receives the run as it happens; every method is optional and is called from the runner's loop."""

    def on_start(self, info: RunInfo) -> None: ...
    def on_tick(self, sample: TickSample) -> None: ...
    def on_moment(self, moment: Moment) -> None: ...
    def on_finish(self, result: RunResult) -> None: ...


def exit_code(exc: BaseException) -> int:
    """The process exit code for an exception that stopped a run before its checks: 2 for bad input or config."""
    if isinstance(exc, (ScenarioError, PipelineError, RunConfigError, TargetError)):
        return EXIT_CONFIG
    return EXIT_FAILED


def run_scenario(
    scenario: str | Path | Scenario,
    *,
    target: str | Target = "emulator",
    pipeline: str | Path | Pipeline | None = None,
    seed: int | None = None,
    db_path: str | Path | None = None,
    observer: Any = None,
    sample_every: str | timedelta | None = None,
    drain: str | timedelta | None = None,
    latency_horizon: str | timedelta | None = None,
    **overrides: Any,
) -> RunResult:
    """Replay a scenario (name, path or Scenario) into a pipeline on a target and check the result.

    overrides replace scenario fields (duration="10m", traffic={"rate": 5}); sample_every (default 5m, at least one
    tick) spaces the TickSamples; drain (default max_wait + 3 ticks) keeps the tasks running after the traffic stops so
    that what was delivered can reach the final layer. Raises ScenarioError / PipelineError / RunConfigError /
    TargetError when the run cannot start or the target cannot run the pipeline (see exit_code).
    """
    if isinstance(scenario, Scenario):
        scn = scenario.with_overrides(**overrides)
    else:
        scn = load_scenario(scenario, **overrides)
    pipe = pipeline if isinstance(pipeline, Pipeline) else load_pipeline(pipeline or scn.pipeline)
    sample = _duration("sample_every", sample_every, max(scn.tick, DEFAULT_SAMPLE_EVERY))
    drained = _duration("drain", drain, scn.ingestion.max_wait + 3 * scn.tick)
    horizon = _duration("latency_horizon", latency_horizon, DEFAULT_LATENCY_HORIZON)
    tgt = make_target(target, db_path=db_path)
    wall0 = time.perf_counter()
    scn, fault_notes = plan_faults(scn, pipe)
    replay = build(scn, seed)
    run = _Run(scn, pipe, replay, tgt, observer, max(sample, scn.tick), drained, horizon, wall0)
    run.fault_notes = fault_notes
    run.timings["generate"] = time.perf_counter() - wall0
    return run.execute()


def _duration(name: str, value: str | timedelta | None, default: timedelta) -> timedelta:
    if value is None:
        return default
    try:
        delta = parse_duration(value)
    except (TypeError, ValueError) as exc:
        raise RunConfigError(f"{name}: {exc}") from None
    if delta < timedelta(0) or (name != "drain" and delta == timedelta(0)):
        raise RunConfigError(f"{name}: must be greater than 0 (got {value!r})")
    return delta


# ---------------------------------------------------------------- check planning


def _objects(pipeline: Pipeline) -> set[str]:
    names = {pipeline.landing.table}
    for layer in pipeline.layers:
        names.update(layer.tables, layer.views, layer.streams, layer.tasks)
    return {n.upper() for n in names}


def _references(check: Check) -> list[str]:
    refs = [getattr(check, a) for a in ("table", "stream") if getattr(check, a, None)]
    task = getattr(check, "task", None)
    if task:
        refs.append(task)
    if isinstance(check, SqlCheck):
        try:
            tree = sqlglot.parse_one(check.query, read="snowflake")
        except SqlglotError:
            return []  # cannot tell: keep the check, the target will say what is wrong
        ctes = {cte.alias_or_name.upper() for cte in tree.find_all(exp.CTE)}
        refs += [
            f"{t.db}.{t.name}" for t in tree.find_all(exp.Table) if t.db and t.name.upper() not in ctes
        ]
    return [r.upper() for r in refs]


def plan_faults(scenario: Scenario, pipeline: Pipeline) -> tuple[Scenario, list[str]]:
    """The scenario with its task faults aimed at this pipeline, and notes on what was changed.

    A scenario written for another pipeline names tasks this one lacks: a suspended task becomes this pipeline's
    root tasks, a failing one its first root task (so stale_stream and task_failure still test what they say).
    """
    known = set(task_definitions(pipeline))
    roots = [str(t).upper() for t in pipeline.root_tasks]
    faults, notes = [], []
    for fault in scenario.faults:
        if fault.type == "pause_tasks" and any(t.upper() not in known for t in fault.tasks):
            tasks = [t for t in fault.tasks if t.upper() in known] or roots
            notes.append(f"pause_tasks: {', '.join(fault.tasks)} not in pipeline {pipeline.name}; pausing "
                         f"{', '.join(tasks)}")
            fault = fault.model_copy(update={"tasks": tasks})
        elif fault.type == "task_failure" and fault.task.upper() not in known:
            notes.append(f"task_failure: {fault.task} not in pipeline {pipeline.name}; failing {roots[0]}")
            fault = fault.model_copy(update={"task": roots[0]})
        faults.append(fault)
    return (scenario.model_copy(update={"faults": faults}) if notes else scenario), notes


def plan_checks(scenario: Scenario, pipeline: Pipeline) -> tuple[list[Check], list[str]]:
    """The scenario's checks that apply to the pipeline, plus generic ones when some did not (and why).

    A scenario written for another pipeline names tables this one lacks; those checks are dropped and replaced by
    what every pipeline's manifest supports: reconcile and unique keys on each final table, and no failed task run.
    """
    known = _objects(pipeline)
    tasks = {n.rsplit(".", 1)[-1] for n in known}
    kept, dropped = [], []
    for check in scenario.checks:
        missing = [r for r in _references(check) if r not in known and not (isinstance(check, TaskFailuresCheck)
                                                                             and r in tasks)]
        (dropped if missing else kept).append((check, missing))
    checks = [c for c, _ in kept]
    notes = []
    if dropped:
        missing = sorted({name for _, names in dropped for name in names})
        notes.append(f"{len(dropped)} of the scenario's checks skipped: pipeline {pipeline.name} has no "
                     f"{', '.join(missing)}")
        present = {(c.type, getattr(c, "table", "").upper()) for c in checks}
        for final in pipeline.final_tables:
            if ("reconcile", final.table) not in present:
                checks.append(ReconcileCheck(type="reconcile", table=final.table, key=final.key,
                                             status_column=final.status_column))
            if ("unique", final.table) not in present:
                checks.append(UniqueCheck(type="unique", table=final.table, columns=[final.key]))
        if not any(c.type == "task_failures" for c in checks):
            # no failed run, but those a task_failure fault makes (one per tick while it lasts, as the scenarios'
            # own checks allow)
            failing: dict[str, int] = {}
            for f in scenario.faults:
                if f.type == "task_failure":
                    failing[f.task.upper()] = failing.get(f.task.upper(), 0) + -(-f.duration // scenario.tick)
            if failing:
                checks += [TaskFailuresCheck(type="task_failures", task=task, max=failing.get(task, 0))
                           for task in task_definitions(pipeline)]
            else:
                checks.append(TaskFailuresCheck(type="task_failures", max=0))
        notes.append(f"added generic checks (reconcile, unique keys, no failed task) on the final tables of "
                     f"{pipeline.name}")
        own = [c for w in pipeline.weaknesses if w.scenario == scenario.name for c in w.checks]
        if own:
            checks += own
            notes.append(f"added {len(own)} check(s) the manifest of {pipeline.name} gives for {scenario.name}")
    return checks, notes


# ---------------------------------------------------------------- the run


class _Clocked:
    """A wall-clock stopwatch per phase, so a run can say where its time went (target vs runner)."""

    def __init__(self, timings: dict[str, float], phase: str) -> None:
        self.timings, self.phase = timings, phase

    def __enter__(self) -> None:
        self.t0 = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        self.timings[self.phase] = self.timings.get(self.phase, 0.0) + time.perf_counter() - self.t0


class _Run:
    def __init__(
        self,
        scenario: Scenario,
        pipeline: Pipeline,
        replay: Replay,
        target: Target,
        observer: Any,
        sample_every: timedelta,
        drain: timedelta,
        horizon: timedelta,
        wall0: float,
    ) -> None:
        self.scenario, self.pipeline, self.replay, self.target = scenario, pipeline, replay, target
        self.fault_notes: list[str] = []  # plan_faults()'s, recorded with the check notes
        self.observer = observer
        self.sample_every, self.drain, self.horizon = sample_every, drain, horizon
        self.timings: dict[str, float] = {}
        self.moments: list[Moment] = []
        self.samples: list[TickSample] = []
        self.lost: set[str] = set()
        self.delivered = 0
        self.wall0 = wall0
        self._last_ingestion_error: str | None = None
        self._ran: set[str] | None = None  # tasks run since the final tables were last read (None: unknown, read all)
        self._changed = True  # something may have changed any table since the last sample
        self._backlog_at: datetime | None = None
        self._pending_sample: tuple | None = None  # what _finish_sample() needs of the sample started last

    # ---- observer plumbing -------------------------------------------------------------------------------------
    def _notify(self, method: str, arg: Any) -> None:
        fn = getattr(self.observer, method, None) if self.observer is not None else None
        if fn is not None:
            fn(arg)

    def _moment(self, at: datetime, kind: str, text: str) -> None:
        moment = Moment(at, kind, text)
        self.moments.append(moment)
        self._notify("on_moment", moment)

    def phase(self, name: str) -> _Clocked:
        return _Clocked(self.timings, name)

    # ---- main --------------------------------------------------------------------------------------------------
    def execute(self) -> RunResult:
        scn, replay = self.scenario, self.replay
        start, end = scn.start, scn.end
        finish = start + _ceil(end + self.drain - start, scn.tick)
        self._notify("on_start", RunInfo(scn, self.pipeline, self.target.name, start, end, replay.seed,
                                         len(replay.events)))
        checks, notes = plan_checks(scn, self.pipeline)
        try:
            with self.phase("deploy"):
                self.target.open(start)
                self.target.deploy(self.pipeline)
            for note in self.fault_notes + notes:
                self._moment(start, INFO, note)
            self._setup(end)
            with gc_frozen():
                self._loop(start, end, finish)
                self._finish_sample()
                self.tracker.settle()
                with self.phase("checks"):
                    results = self._checks(checks, finish)
        finally:
            if getattr(self, "ingestion", None) is not None:
                self.ingestion.close()
            self.target.close()
        self.moments.sort(key=lambda m: m.at)
        result = RunResult(
            scenario=scn.name,
            pipeline=self.pipeline.name,
            target=self.target.name,
            seed=replay.seed,
            started_at=start,
            ended_at=finish,
            wall_seconds=time.perf_counter() - self.wall0,
            events_generated=len(replay.events),
            events_delivered=self.delivered,
            checks=results,
            samples=self.samples,
            moments=self.moments,
            task_summary=self.watcher.summary(),
            ingestion=self.ingestion.summary(),
            latency={t: self.tracker.table_stats(t, finish) for t in self.truths},
            timings=dict(self.timings, total=time.perf_counter() - self.wall0),
            truth=replay.truth.details,
        )
        self._notify("on_finish", result)
        return result

    def _setup(self, end: datetime) -> None:
        target, pipe = self.target, self.pipeline
        with self.phase("setup"):
            self.ingestion = Ingestion(target, pipe.landing)
            readable = self._readable_lines(end)
            with gc_paused():  # ~90,000 ground-truth records a day, no cycles: GC passes would only rescan the events
                self.truths = truth_mod.build(
                    pipe.final_tables, self.replay.events, self.replay.truth, end, self.lost, readable
                )
            self.tracker = LatencyTracker(target, self.truths.values(), self.horizon)
            tables = [t for layer in pipe.layers for t in layer.tables]
            streams = [s for layer in pipe.layers for s in layer.streams]
            self.sampler = Sampler(target, tables, streams)
            database = target.database or pipe.database
            # a live target watches TASK_HISTORY its own way (7-day window, wall-clock times): let it choose
            make_watcher = getattr(target, "task_watcher", None)
            self.watcher = (make_watcher(database, self.scenario.start) if make_watcher is not None
                            else TaskWatcher(target, database, self.scenario.start))
            self.controller = Controller(target, pipe)
            self.writers = _writers(pipe, self.controller)
            with gc_paused():
                self.event_times = sorted(e.event_time for e in self.replay.events)

    def _readable_lines(self, end: datetime) -> set[str]:
        """Ids of malformed events whose line the target's TRY_PARSE_JSON accepts (it is the judge of JSON)."""
        broken = {e.event_id: e.raw for e in self.replay.events if e.raw is not None and e.arrival_time < end}
        items = list(broken.items())
        readable: set[str] = set()
        for start in range(0, len(items), 200):
            part = items[start : start + 200]
            values = ", ".join(["(%s, %s)"] * len(part))
            rows = self.target.query(
                f"SELECT I FROM VALUES {values} AS V(I, L) WHERE TRY_PARSE_JSON(L) IS NOT NULL",
                [x for pair in part for x in pair],
            )
            readable.update(str(r[0]) for r in rows)
        if readable:
            self._moment(self.scenario.start, INFO,
                         f"{len(readable):,} of {len(broken):,} malformed lines are valid JSON to the {self.target.name} "
                         "target (e.g. a trailing comma): they count as delivered in the ground truth")
        return readable

    def _timeline(self, end: datetime) -> Iterator[tuple[datetime, int, Any]]:
        """Batches, control actions and fault announcements merged in time order (controls before batches)."""
        ing = self.scenario.ingestion
        batches = ((b.at, 2, b) for b in consumer_batches(self.replay.events, ing.max_events, ing.max_wait, end))
        controls = ((c.at, 1, c) for c in self.replay.controls)
        return heapq.merge(self._announcements(), controls, batches, key=lambda item: (item[0], item[1]))

    def _announcements(self) -> Iterator[tuple[datetime, int, Any]]:
        start = self.scenario.start
        out: list[tuple[datetime, int, Any]] = []
        for kind, details in self.replay.truth.details.items():
            for d in details:
                if kind in ("task_failure", "pause_tasks"):
                    continue  # announced when their control actions run
                at = datetime.fromisoformat(d.get("since") or d.get("from") or start.isoformat())
                out.append((at, 0, f"{kind}: {_fault_text(kind, d)}"))
        return iter(sorted(out, key=lambda item: item[0]))

    def _loop(self, start: datetime, end: datetime, finish: datetime) -> None:
        tick = self.scenario.tick
        timeline = self._timeline(end)
        pending = next(timeline, None)
        next_sample = start + self.sample_every
        now = start
        while now < finish:
            now = min(now + tick, finish)
            while pending is not None and pending[0] <= now:
                at, _, item = pending
                self._advance(at)
                self._handle(at, item)
                pending = next(timeline, None)
            self._advance(now)
            with self.phase("sample"):
                self._finish_sample()  # the last sample's TASK_HISTORY read ran during this tick's work
            sample_due = now >= next_sample or now >= finish
            # Only tasks write the final tables (and deliveries, when the landing table is one of them): read the
            # ones whose writers ran since the last read.
            tables = self._written(self._ran)
            if tables is None or tables or sample_due:
                self._ran = set()
                with self.phase("latency"):
                    # read while the next tick's deliveries and tasks run (settled before the next probe)
                    self.tracker.submit(now, full=sample_due, tables=tables)
            if sample_due:
                while next_sample <= now:
                    next_sample += self.sample_every
                self._sample(now)

    def _written(self, ran: set[str] | None) -> set[str] | None:
        """Final tables that the tasks in `ran` may have written (None: all of them)."""
        if ran is None:
            return None
        return {
            table for table, writers in self.writers.items()
            if (ran and writers is None) or (writers and not writers.isdisjoint(ran))
        }

    def _advance(self, moment: datetime) -> None:
        with self.phase("tasks"):
            try:
                ran = self.target.advance_to(moment)
                if ran is None:
                    self._ran, self._changed = None, True
                elif ran:
                    self._changed = True
                    if self._ran is not None:
                        self._ran.update(ran)
            except DBError as exc:
                raise TargetError(f"the {self.target.name} target could not run the pipeline's tasks at "
                                  f"{moment:%Y-%m-%d %H:%M:%S}: {error_text(exc)}") from None

    def _handle(self, at: datetime, item: Any) -> None:
        if isinstance(item, Batch):
            with self.phase("ingest"):
                result = self.ingestion.deliver(item)
            self.delivered += result.sent
            self._changed = True
            if self.pipeline.landing.table in self.truths and self._ran is not None:
                self._ran.add(_LANDING)
            if result.loaded == 0 and result.error:
                self.lost.update(e.event_id for e in item.events)
            else:
                self.tracker.add(item.events, at)
            if result.error:
                self._ingestion_error(at, item, result)
            return
        if isinstance(item, str):
            self._moment(at, FAULT, item)
            return
        with self.phase("controls"):
            text = self.controller.apply(item)
        self._moment(at, FAULT, f"{item.kind}: {text}")

    def _ingestion_error(self, at: datetime, batch: Batch, result: Any) -> None:
        # A COPY stuck on one bad file fails with the same error every batch: say it once, until it changes.
        if result.error == self._last_ingestion_error:
            return
        self._last_ingestion_error = result.error
        if result.loaded == 0 and not result.skipped:
            text = f"batch {batch.seq} ({len(batch.events)} events) rejected: {result.error}"
        else:
            text = f"batch {batch.seq}: {result.skipped} line(s) skipped: {result.error}"
        self._moment(at, INGESTION_ERROR, text)

    def _sample(self, now: datetime) -> None:
        """Start this tick's reads (counts, TASK_HISTORY; the latency probe is under way): they run in the
        background, and _finish_sample() completes the sample at the next tick (or the loop's end)."""
        with self.phase("sample"):
            self._finish_sample()
            last = self.samples[-1] if self.samples else None
            idle = last is not None and not self._changed
            # Nothing ran and nothing was delivered: the counts cannot have moved. Only staleness can change with
            # time alone, so backlogs are still read, at a slower pace.
            counted = None  # (rows, backlog) kept from the last sample, else read (settled in _finish_sample)
            before = set(self.sampler.unreadable)
            if idle and self._backlog_at is not None and now - self._backlog_at < IDLE_BACKLOG_EVERY:
                counted = last.rows, last.backlog
            else:
                self.sampler.submit(rows=not idle)
                self._backlog_at = now
            if not idle:
                self.watcher.submit()
            self._changed = False
            self._pending_sample = (now, self.delivered, counted, last.rows if idle else None, before)

    def _finish_sample(self) -> None:
        """Complete the sample started last (if any) with what its background reads found."""
        if self._pending_sample is None:
            return
        now, delivered, counted, kept_rows, unreadable_before = self._pending_sample
        self._pending_sample = None
        if counted is not None:
            rows, backlog = counted
        else:
            rows, backlog = self.sampler.settle()
            rows = kept_rows if kept_rows is not None else rows
            for stream in self.sampler.unreadable:  # in the order found (a set difference's varies per process)
                if stream not in unreadable_before and stream in self.sampler.streams:
                    self._moment(now, STREAM_STALE, f"{stream} cannot be read: {self.sampler.unreadable[stream]}")
        for moment in self.watcher.settle():  # (moments are sorted by time at the end of the run)
            self.moments.append(moment)
            self._notify("on_moment", moment)
        self.tracker.settle()  # the sample tick's probe
        p50, p95 = self.tracker.window(now)
        sample = TickSample(
            at=now,
            events_generated_so_far=bisect.bisect_right(self.event_times, now),
            events_delivered=delivered,
            rows=rows,
            backlog=backlog,
            task_states=self.watcher.states(),
            task_runs=self.watcher.runs,
            failures=self.watcher.failures,
            latency_p50_s=p50,
            latency_p95_s=p95,
            wall_seconds=time.perf_counter() - self.wall0,
        )
        self.samples.append(sample)
        self._notify("on_tick", sample)

    def _checks(self, checks: list[Check], now: datetime) -> list[CheckResult]:
        duplicated = frozenset(self.replay.truth.touched.get("duplicate", ()))
        ctx = CheckContext(self.target, self.pipeline, self.truths, now, self.tracker, self.watcher, duplicated)
        return run_checks(ctx, checks)


_LANDING = "$landing"  # stands for "a delivery" among the writers of the landing table


def _writers(pipeline: Pipeline, controller: Controller) -> dict[str, set[str] | None]:
    """Final table -> the tasks that write it (None: any task may, e.g. a view or a body we cannot read)."""
    writes = {name: task.writes for name, task in controller.tasks.items()}
    views = {v.upper() for layer in pipeline.layers for v in layer.views}
    out: dict[str, set[str] | None] = {}
    for final in pipeline.final_tables:
        table = final.table
        if table in views or any(w is None for w in writes.values()):
            out[table] = None
            continue
        writers = {name for name, w in writes.items() if table in w}
        if table == pipeline.landing.table:
            writers.add(_LANDING)
        out[table] = writers or None
    return out


def _ceil(delta: timedelta, step: timedelta) -> timedelta:
    steps = -(-delta // step)
    return steps * step


def _fault_text(kind: str, d: dict[str, Any]) -> str:
    count = d.get("count")
    if kind == "late":
        return f"{count:,} events arrive {d['delay'][0]}-{d['delay'][1]} after they happen"
    if kind == "duplicate":
        how = "in the same batch" if d.get("same_batch") else "again later"
        return f"{count:,} events delivered twice ({how})"
    if kind == "out_of_order":
        return f"{count:,} lifecycle events of {d.get('orders', 0):,} orders arrive shuffled ({d.get('gap')} apart)"
    if kind == "schema_drift":
        ops = ", ".join(c.get("op", "?") + " " + str(c.get("field") or c.get("into") or "") for c in d["changes"])
        return f"producer moves to schema_version {d['schema_version']} ({ops}); {count:,} events affected"
    if kind == "malformed":
        return f"{count:,} events delivered as broken JSON ({', '.join(f'{k} {n}' for k, n in d['kinds'].items())})"
    if kind == "burst":
        return f"traffic x{d['multiplier']:g} until {d['to']} ({count:,} events in the window)"
    return ", ".join(f"{k}={v}" for k, v in d.items())


__all__ = ["RunObserver", "TargetError", "exit_code", "plan_checks", "run_scenario"]
