"""Benchmark a pipeline end to end on the emulator: events/s through caves_albert, and one simulated day.

Run: python3 bench/pipeline.py [--max-events 100000] [--sizes 10000,100000] [--no-day | --day-only] [--profile]
     [--pipeline caves_albert] [--batch 50]

Throughput runs replay N events (baseline traffic, lifecycle off so that one entity is one event, spread over one
hour of 1-minute ticks) through the seeds' consumer (50 events / 60 s); the day is the issue's yardstick:
1 event/s with 1-minute tasks, 86,400 events and 1,440 ticks, target under 20 s. Every call into the target is
timed, so each line says how much of the run was the emulator (SQL, task runs, DuckDB) and how much the runner
(generation, batching, ground truth, bookkeeping). --profile adds a cProfile breakdown by package.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time
from collections import defaultdict
from datetime import datetime
from typing import Any

from snowsim.simulator.runner import run_scenario
from snowsim.simulator.targets import EmulatorTarget, Pending

DAY_TARGET_S = 20.0
SIZES = (10_000, 100_000, 1_000_000)


class TimedTarget(EmulatorTarget):
    """The emulator target, with the wall time spent inside it (SQL and advancing the clock) accumulated; a query
    run in the background (submit) counts only while the runner starts it or waits for it."""

    def __init__(self) -> None:
        super().__init__()
        self.spent = 0.0
        self.calls = defaultdict(int)
        self._depth = 0

    def _timed(self, kind: str, fn: Any, *args: Any) -> Any:
        self._depth += 1
        started = time.perf_counter()
        try:
            return fn(*args)
        finally:
            self._depth -= 1
            if self._depth == 0:  # query() calls execute(): count the outermost call only
                self.spent += time.perf_counter() - started
                self.calls[kind] += 1

    def execute(self, sql: str, params: Any = None) -> Any:
        return self._timed("sql", super().execute, sql, params)

    def query(self, sql: str, params: Any = None) -> list[tuple]:
        return self._timed("sql", super().query, sql, params)

    def query_dicts(self, sql: str, params: Any = None) -> list[dict[str, Any]]:
        return self._timed("sql", super().query_dicts, sql, params)

    def submit(self, sql: str, params: Any = None) -> Pending:
        # the caller's side only: starting the query, then waiting for its rows (the background work overlaps)
        pending = self._timed("submit", super().submit, sql, params)
        return Pending(lambda: self._timed("wait", pending.rows), failed=pending.failed)

    def advance_to(self, moment: datetime) -> bool:
        return self._timed("advance", super().advance_to, moment)

    def deploy(self, pipeline: Any) -> None:
        return self._timed("deploy", super().deploy, pipeline)


def run(label: str, pipeline: str, events_hint: int, *, profile: bool, **overrides: Any) -> None:
    """One timed run; prints events/s, the emulator/runner split and the runner's phases."""
    target = TimedTarget()
    profiler = cProfile.Profile() if profile else None
    # The main thread's CPU time next to the wall time: equal, the main thread never waited (for the background
    # reads, or for a core); a wall time above it is time spent waiting. (Both grow alike when the shared host is
    # slow: the same code's day took 16.8 and, an hour later, 21.6 s.)
    cpu, wall, main_cpu = time.process_time(), time.perf_counter(), time.thread_time()
    if profiler:
        profiler.enable()
    result = run_scenario("baseline", target=target, pipeline=pipeline, **overrides)
    if profiler:
        profiler.disable()
    wall, cpu, main_cpu = time.perf_counter() - wall, time.process_time() - cpu, time.thread_time() - main_cpu
    runs = sum(s["runs"] for s in result.task_summary.values())
    runner_s = wall - target.spent
    print(
        f"{label:<34} {result.events_generated:>9,} events {wall:8.1f} s wall {cpu:8.1f} s cpu "
        f"({main_cpu:.1f} s main thread) "
        f"{result.events_generated / wall:>9,.0f} events/s | emulator {target.spent:7.1f} s "
        f"({target.spent / wall:4.0%}) runner {runner_s:6.1f} s | {result.ingestion['batches']:,} batches, "
        f"{runs:,} task runs, {len(result.samples):,} samples"
    )
    phases = ", ".join(f"{k} {v:.1f}" for k, v in sorted(result.timings.items(), key=lambda kv: -kv[1]))
    print(f"{'':<34} phases (s): {phases}")
    print(f"{'':<34} target calls: {dict(target.calls)}; per task run "
          f"{result.timings.get('tasks', 0) / max(runs, 1) * 1000:.0f} ms, per batch "
          f"{result.timings.get('ingest', 0) / max(result.ingestion['batches'], 1) * 1000:.0f} ms")
    if profiler:
        _buckets(profiler)
    return result


def _bucket(filename: str, name: str) -> str:
    if "snowsim/emulator/" in filename or "duckdb" in name or "duckdb" in filename:
        return "emulator (Python + DuckDB)"
    if "sqlglot" in filename:
        return "sqlglot (emulator translation)"
    if "snowsim/simulator/" in filename:
        generator = ("generator.py", "faults.py", "domain.py", "traffic.py", "events.py")
        return "generator" if filename.endswith(generator) else "runner"
    return "other (stdlib, faker, builtins)"


def _buckets(profiler: cProfile.Profile) -> None:
    stats = pstats.Stats(profiler)
    totals: dict[str, float] = defaultdict(float)
    for (filename, _line, name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
        totals[_bucket(filename, name)] += tottime
    whole = sum(totals.values()) or 1.0
    for bucket, seconds in sorted(totals.items(), key=lambda kv: -kv[1]):
        print(f"{'':<34}   {bucket:<34} {seconds:7.1f} s {seconds / whole:5.0%}")
    print(f"{'':<34}   top functions by own time:")
    stats.sort_stats("tottime")
    for func in stats.fcn_list[:8]:
        filename, line, name = func
        tottime = stats.stats[func][2]
        print(f"{'':<34}     {tottime:7.2f} s  {filename.rsplit('/', 2)[-2:]}:{line} {name}")


def main() -> None:
    """Throughput for 10k / 100k / 1M events (up to --max-events), then one simulated day."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pipeline", default="caves_albert")
    parser.add_argument("--max-events", type=int, default=1_000_000, help="skip sizes above this (1M takes long)")
    parser.add_argument("--sizes", default=",".join(str(s) for s in SIZES), help="comma-separated event counts")
    parser.add_argument("--batch", type=int, default=50, help="consumer batch size (max_events), 50 like the seeds")
    parser.add_argument("--no-day", action="store_true", help="skip the simulated day")
    parser.add_argument("--day-only", action="store_true", help="only the simulated day")
    parser.add_argument("--profile", action="store_true", help="cProfile breakdown by package for each run")
    args = parser.parse_args()
    no_lifecycle = {"lifecycle": {"enabled": False}}
    print(f"pipeline {args.pipeline}, emulator target, consumer batches of {args.batch} events / 60 s")
    if not args.day_only:
        for size in (int(s) for s in args.sizes.split(",") if int(s) <= args.max_events):
            run(f"{size:,} events in 1h of 1-min ticks", args.pipeline, size, profile=args.profile, duration="1h",
                traffic={"rate": size / 3600, **no_lifecycle}, ingestion={"max_events": args.batch})
    if not args.no_day:
        started = time.perf_counter()
        run("one day, 1 event/s, 1-min tasks", args.pipeline, 86_400, profile=args.profile, duration="1d",
            tick="1m", traffic={"rate": 1, **no_lifecycle}, ingestion={"max_events": args.batch})
        wall = time.perf_counter() - started
        verdict = "met" if wall < DAY_TARGET_S else "NOT met"
        print(f"simulated day: {wall:.1f} s (target {DAY_TARGET_S:.0f} s: {verdict})")


if __name__ == "__main__":
    main()
