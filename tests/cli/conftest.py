"""Shared helpers for the CLI and TUI tests: the real `sim` app through typer's runner, and real run records."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING

import pytest
from typer.testing import CliRunner, Result

from snowsim.cli import app
from snowsim.simulator.pipeline import load_pipeline
from snowsim.simulator.scenario import load_scenario

if TYPE_CHECKING:
    from snowsim.simulator.results import Moment, RunInfo, RunResult, TickSample

START = datetime(2026, 1, 5, 8, 0)
TASKS = [
    "RAW.TASK_RAW_TO_STG_ORDERS",
    "RAW.TASK_RAW_TO_STG_INVENTORY",
    "RAW.TASK_STG_TO_PROD_ORDERS",
    "RAW.TASK_STG_TO_PROD_INVENTORY_HISTORY",
    "RAW.TASK_STG_TO_PROD_INVENTORY_CURRENT",
]


@pytest.fixture
def sim(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[..., Result]:
    """Invoke `sim ARGS` in a folder (default: an empty temporary one, so no project is found)."""
    # Wide and colourless: assertions read the text a person would, without wrapping at rich's default 80 columns.
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("CI", raising=False)

    def invoke(*args: str, cwd: Path | None = None, input: str | None = None) -> Result:
        monkeypatch.chdir(cwd or tmp_path)
        return CliRunner().invoke(app, list(args), input=input)

    return invoke


# The record types are imported where used: they belong to the runner, which lands in parallel with this suite.


def info(minutes: int = 60) -> RunInfo:
    """A RunInfo for late_events on caves_albert."""
    from snowsim.simulator.results import RunInfo

    return RunInfo(load_scenario("late_events"), load_pipeline("caves_albert"), "emulator", START,
                   START + timedelta(minutes=minutes), 1001, 3604)


def sample(minute: int, *, failed_task: str | None = None, stale: str | None = None) -> TickSample:
    """A TickSample with figures that grow with the minute."""
    from snowsim.simulator.results import TickSample

    states = {t: "SUCCEEDED" for t in TASKS}
    if failed_task:
        states[failed_task] = "FAILED"
    backlog = {"RAW.STREAM_RAW_ORDERS": 3, "RAW.STREAM_RAW_INVENTORY": 0, "STAGING.STREAM_STG_ORDERS": 0,
               "STAGING.STREAM_STG_INVENTORY_HISTORY": 0, "STAGING.STREAM_STG_INVENTORY_CURRENT": 120}
    if stale:
        backlog[stale] = -1
    rows = {"RAW.RAW_EVENTS": 58 * minute, "STAGING.STG_ORDERS": 40 * minute, "STAGING.STG_INVENTORY_ADJ": 17 * minute,
            "PRODUCTION.ORDERS": 12 * minute, "PRODUCTION.INVENTORY_HISTORY": 17 * minute,
            "PRODUCTION.INVENTORY_CURRENT": 58}
    return TickSample(START + timedelta(minutes=minute), 60 * minute, 58 * minute, rows, backlog, states,
                      task_runs=5 * minute, failures=2 if failed_task else 0, latency_p50_s=61.0, latency_p95_s=118.0,
                      wall_seconds=0.2 * minute)


def moment(minute: int, kind: str, text: str) -> Moment:
    """A Moment at START + minute."""
    from snowsim.simulator.results import Moment

    return Moment(START + timedelta(minutes=minute), kind, text)


def result(*, passed: bool = True) -> RunResult:
    """A RunResult with two checks; the second fails unless passed."""
    from snowsim.simulator.results import CheckResult, RunResult

    checks = [
        CheckResult("unique PRODUCTION.ORDERS(ORDER_ID)", "unique", True, "0 duplicated keys"),
        CheckResult("reconcile PRODUCTION.ORDERS", "reconcile", passed,
                    "900 orders match" if passed else "17 orders with a wrong ORDER_STATUS (of 900)",
                    sample_rows=[] if passed else [{"ORDER_ID": "ORD-00000017", "EXPECTED": "SHIPPED",
                                                    "ACTUAL": "PAID"}]),
    ]
    return RunResult("late_events", "caves_albert", "emulator", 1001, START, START + timedelta(hours=1), 12.3, 3604,
                     3604, checks, [], [], {})


QUICK = """\
name: quick
description: ten minutes of clean traffic into the hardened pipeline
pipeline: caves_albert_hardened
duration: 10m
seed: 5
traffic: {rate: 1}
checks:
  - {type: row_count, table: RAW.RAW_EVENTS, min: 1}
  - {type: unique, table: PRODUCTION.ORDERS, columns: [ORDER_ID]}
  - {type: reconcile, table: PRODUCTION.ORDERS, key: ORDER_ID, status_column: ORDER_STATUS}
"""


@pytest.fixture
def scenarios(tmp_path: Path) -> SimpleNamespace:
    """Scenario files whose verdict depends on the CLI under test only: quick.yaml passes, failing.yaml fails."""
    quick = tmp_path / "quick.yaml"
    quick.write_text(QUICK)
    failing = tmp_path / "failing.yaml"
    failing.write_text(QUICK.replace("name: quick", "name: failing").replace("min: 1}", "min: 1000000000}"))
    return SimpleNamespace(quick=f"./{quick.name}", failing=f"./{failing.name}", text=QUICK)


@pytest.fixture
def records() -> SimpleNamespace:
    """The builders above, for test modules (importlib mode cannot import conftest)."""
    return SimpleNamespace(START=START, TASKS=TASKS, info=info, sample=sample, moment=moment, result=result)
