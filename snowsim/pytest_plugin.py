"""pytest plugin: fixtures for testing Snowflake pipelines offline with snowsim.

Registered as the `snowsim` pytest11 entry point, so installing snowsim is enough:

    def test_my_pipeline_survives_late_events(run_scenario):
        result = run_scenario("late_events", pipeline="path/to/my_pipeline", duration="30m")
        result.assert_passed()

    def test_merge_is_idempotent(snowflake_conn):
        snowflake_conn.cursor().execute("CREATE DATABASE D")   # a snowflake.connector-like connection
        snowflake_conn.advance(minutes=1)                         # virtual time: due tasks run

Fixtures: snowsim_clock (the virtual clock), snowsim_conn / snowflake_conn (an emulator connection on that clock),
snowsim_deploy (deploy a pipeline folder into snowsim_conn), run_scenario (replay a scenario, returns a RunResult).
Options: --snowsim-target (default emulator), --snowsim-report-dir (write each run's JSON and JUnit reports there).
Everything heavy is imported inside the fixtures: this module is loaded by every pytest run in the environment.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

DEFAULT_START = datetime(2026, 1, 5, 8, 0, 0)


def pytest_addoption(parser: pytest.Parser) -> None:
    """--snowsim-target and --snowsim-report-dir (also as ini options snowsim_target, snowsim_report_dir)."""
    group = parser.getgroup("snowsim", "snowsim: offline Snowflake pipeline tests")
    group.addoption("--snowsim-target", default=None, help="target of the run_scenario fixture (default: emulator)")
    group.addoption("--snowsim-report-dir", default=None, help="write each scenario run's JSON and JUnit report here")
    parser.addini("snowsim_target", "target of the run_scenario fixture", default="emulator")
    parser.addini("snowsim_report_dir", "folder for scenario run reports (JSON and JUnit)", default="")


def _option(config: pytest.Config, name: str) -> str:
    value = config.getoption(f"--snowsim-{name.replace('_', '-')}")
    return value if value not in (None, "") else config.getini(f"snowsim_{name}")


@pytest.fixture
def snowsim_clock() -> Any:
    """A virtual clock at 2026-01-05 08:00 UTC; only moves when a test (or the connection's advance) moves it."""
    from snowsim.emulator import Clock

    return Clock(DEFAULT_START)


@pytest.fixture
def snowsim_conn(snowsim_clock: Any) -> Iterator[Any]:
    """An in-memory emulator connection on snowsim_clock; conn.advance(minutes=1) runs the tasks that fall due."""
    from snowsim.emulator import connect

    conn = connect(clock=snowsim_clock)
    try:
        yield conn
    finally:
        conn.close()


@pytest.fixture
def snowflake_conn(snowsim_conn: Any) -> Any:
    """snowsim_conn under the name code written against snowflake.connector expects."""
    return snowsim_conn


@pytest.fixture
def snowsim_deploy(snowsim_conn: Any) -> Callable[..., Any]:
    """deploy(name_or_folder) runs a pipeline's SQL files on snowsim_conn and returns its loaded manifest."""
    from snowsim.simulator.pipeline import load_pipeline

    def deploy(pipeline: str | Path) -> Any:
        loaded = load_pipeline(pipeline)
        cur = snowsim_conn.cursor()
        for stmt in loaded.statements():
            cur.execute(stmt.sql)
        return loaded

    return deploy


@pytest.fixture
def run_scenario(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[..., Any]:
    """run(scenario, pipeline=None, seed=None, **overrides) -> RunResult, each run in its own db under tmp_path.

    The emulator file stays in tmp_path for inspection with any DuckDB client; with --snowsim-report-dir the run's
    JSON and JUnit reports are written there too.
    """
    from snowsim.simulator.runner import run_scenario as run

    target = _option(request.config, "target")
    report_dir = _option(request.config, "report_dir")
    counter = itertools.count(1)

    def runner(scenario: Any, pipeline: Any = None, seed: int | None = None, **overrides: Any) -> Any:
        n = next(counter)
        result = run(scenario, target=target, pipeline=pipeline, seed=seed, db_path=tmp_path / f"snowsim-{n}.duckdb",
                     **overrides)
        if report_dir:
            stem = re.sub(r"[^\w.-]+", "_", f"{request.node.name}-{n}-{result.scenario}-{result.pipeline}")
            folder = Path(report_dir)
            result.write_json(folder / f"{stem}.json")
            result.write_junit(folder / f"{stem}.xml")
        return result

    return runner
