"""Benchmark the event generator: events/s for generation, fault injection, ground truth and serialisation.

Run: python3 bench/generator.py [--events 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from snowsim.simulator.domain import build_catalogue
from snowsim.simulator.events import EventLog
from snowsim.simulator.faults import expected_state
from snowsim.simulator.generator import build
from snowsim.simulator.scenario import Scenario, load_scenario

# One new entity yields ~2.3 events on average with the default lifecycle (orders get paid, shipped, ...).
EVENTS_PER_ENTITY = 2.3


def timed(label: str, count: int, fn: Callable[[], Any], repeat: int) -> Any:
    """Run fn `repeat` times and print the best time as events/s."""
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - started)
    print(f"{label:<42} {count:>9,} events  {best:7.2f} s  {count / best:>12,.0f} events/s")
    return result


def main() -> None:
    """Measure generation of about --events events, clean and with every fault of the chaos scenario."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    started = time.perf_counter()
    build_catalogue()
    print(f"catalogue (Faker, once per process)        {time.perf_counter() - started:.2f} s")

    rate = args.events / EVENTS_PER_ENTITY / 3600
    clean = Scenario(name="bench", duration="1h", seed=1, traffic={"rate": rate})
    chaos = load_scenario("chaos", traffic={"rate": rate}, name="bench_chaos")

    replay = build(clean)  # warm-up, and the size the timings refer to
    n = len(replay.events)
    timed("generate (no faults)", n, lambda: build(clean), args.repeat)
    chaos_replay = timed("generate (chaos: 8 faults)", len(build(chaos).events), lambda: build(chaos), args.repeat)
    timed("ground truth (expected state)", n, lambda: expected_state(replay.events), 1)
    timed("to_json (wire lines)", n, lambda: [e.line() for e in replay.events], 1)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "events.jsonl"
        timed("EventLog.write (ground-truth JSONL)", n, lambda: EventLog.write(path, replay.events), 1)
        size = path.stat().st_size
    print(f"event log size: {size / 1e6:.0f} MB ({size / n:.0f} bytes/event)")
    touched = {k: len(v) for k, v in chaos_replay.truth.touched.items()}
    print(f"chaos touched: {touched}")


if __name__ == "__main__":
    main()
