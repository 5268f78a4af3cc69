"""What `sim run` does around the runner: validate its options, resolve its inputs, pick the display, run."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console

from snowsim.project import Project, UnknownName
from snowsim.simulator.durations import parse_duration
from snowsim.simulator.pipeline import PipelineError
from snowsim.simulator.results import RunConfigError
from snowsim.simulator.runner import TargetError, run_scenario
from snowsim.simulator.scenario import ScenarioError
from snowsim.tui.live import LiveDisplay
from snowsim.tui.observers import Fanout
from snowsim.tui.pace import Pacer, parse_speed
from snowsim.tui.plain import PlainProgress
from snowsim.tui.state import RunState

TARGETS = ("emulator", "snowflake")
KEPT_RUNS = Path(".snowsim") / "runs"
# The live screen wants a sample per simulated minute at least; the runner's default may be coarser.
SAMPLE_EVERY = timedelta(minutes=1)


# What a run can raise for bad input (exit 2, one line): names, files, options, SQL a target rejects at deploy or
# cannot run (the runner's TargetError, a RuntimeError; see snowsim.simulator.runner.exit_code).
BAD_INPUT: tuple[type[Exception], ...] = (ScenarioError, PipelineError, RunConfigError, UnknownName, TargetError)


@dataclass(frozen=True)
class LiveOptions:
    """How to reach a Snowflake account (--target snowflake); see docs/live.md."""

    connection: str | None = None
    warehouse: str | None = None
    database: str | None = None
    allow_existing: bool = False
    keep: bool = False  # keep the scratch database instead of dropping it

    def given(self) -> list[str]:
        """The options set, as their flags (to refuse them on the emulator)."""
        flags = {"--connection": self.connection, "--warehouse": self.warehouse, "--database": self.database,
                 "--allow-existing": self.allow_existing}
        return [flag for flag, value in flags.items() if value]


@dataclass(frozen=True)
class RunOptions:
    """The validated options every run of one command shares."""

    target: str
    seed: int | None
    duration: timedelta | None
    speed: float | None  # None: flat out
    live: LiveOptions = LiveOptions()

    @classmethod
    def parse(cls, *, target: str, seed: int | None, duration: str | None, speed: str,
              live: LiveOptions | None = None) -> RunOptions:
        """Validate the raw option values; ValueError carries the one line to show."""
        target = target.strip().lower()
        if target not in TARGETS:
            raise ValueError(f"unknown target {target!r} (use emulator or snowflake)")
        live = live or LiveOptions()
        if target != "snowflake" and live.given():
            raise ValueError(f"{', '.join(live.given())} only apply to --target snowflake")
        delta = None
        if duration is not None:
            delta = parse_duration(duration)
            if delta <= timedelta(0):
                raise ValueError(f"invalid duration {duration!r}: must be greater than 0")
        return cls(target, seed, delta, parse_speed(speed), live)

    def overrides(self) -> dict[str, Any]:
        """Scenario fields the options replace."""
        return {"duration": self.duration} if self.duration is not None else {}


def resolve(project: Project, scenario_ref: str, pipeline_ref: str | None, options: RunOptions) -> tuple[Any, Any]:
    """The validated scenario (with overrides) and pipeline (the option's, else the scenario's own)."""
    scenario = project.load_scenario(scenario_ref, **options.overrides())
    return scenario, project.load_pipeline(pipeline_ref or scenario.pipeline)


def kept_db_path(scenario: str, now: datetime, root: Path | None = None) -> Path:
    """Where --keep puts the emulator file: .snowsim/runs/<scenario>-<timestamp>.duckdb."""
    folder = (root or Path.cwd()) / KEPT_RUNS
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{scenario}-{now:%Y%m%d-%H%M%S}.duckdb"


@dataclass
class Outcome:
    """A finished run: its RunResult, and for a live run what it cost on the account."""

    result: Any
    usage: str | None = None


def run_one(scenario: Any, pipeline: Any, options: RunOptions, *, db_path: Path | None, console: Console,
            live: bool, transient: bool = False, state: RunState | None = None) -> Outcome:
    """Run one scenario with the live screen (or plain progress lines) and the pacer.

    `state`, if given, ends up holding the final screen's content (for --svg)."""
    state = state or RunState(options.speed)
    display: Any = (LiveDisplay(console, state=state, transient=transient, show_checks=not transient)
                    if live else PlainProgress(console))
    pacer = Pacer(options.speed) if options.speed else None
    # The display first, so a paced run shows each sample while it sleeps; the state directly when no live screen.
    observer = Fanout(display, None if live else state, pacer)
    with display if isinstance(display, LiveDisplay) else contextlib.nullcontext():
        if options.target == "snowflake":
            return _run_live(scenario, pipeline, options, observer, console)
        result = run_scenario(scenario, target=options.target, pipeline=pipeline, seed=options.seed,
                              db_path=str(db_path) if db_path else None, observer=observer, sample_every=SAMPLE_EVERY)
        return Outcome(result)


def _run_live(scenario: Any, pipeline: Any, options: RunOptions, observer: Any, console: Console) -> Outcome:
    from snowsim.simulator.live.run import run_live, usage_text  # noqa: PLC0415 - only live runs need it

    live = options.live
    # The target's own lines (which account, which scratch database, the DROP to run if teardown fails).
    echo = lambda line: console.print(line, style="dim", highlight=False, markup=False, soft_wrap=True)  # noqa: E731
    run = run_live(scenario, pipeline=pipeline, seed=options.seed, connection_name=live.connection,
                   warehouse=live.warehouse, database=live.database, allow_existing=live.allow_existing,
                   keep=live.keep, echo=echo, observer=observer, sample_every=SAMPLE_EVERY)
    return Outcome(run.result, usage_text(run.usage))


def parity(scenario: Any, pipeline: Any, options: RunOptions, ignore_columns: list[str]) -> Any:
    """`sim parity`: the scenario on the emulator and on the account, same seed; the ParityReport."""
    from snowsim.simulator.live.parity import run_parity  # noqa: PLC0415
    from snowsim.simulator.live.target import SnowflakeTarget  # noqa: PLC0415

    live = options.live

    def right(snap: Any) -> Any:
        return SnowflakeTarget(connection_name=live.connection, warehouse=live.warehouse, before_teardown=snap)

    return run_parity(scenario, pipeline=pipeline, seed=options.seed, right=right, ignore_columns=ignore_columns)


def plan(scenario: Any, pipeline: Any, options: RunOptions) -> str:
    """--plan: every statement a live run would send, computed on the local emulator (nothing is contacted)."""
    from snowsim.simulator.live.run import plan_live  # noqa: PLC0415

    live = options.live
    return plan_live(scenario, pipeline=pipeline, seed=options.seed, connection_name=live.connection,
                     warehouse=live.warehouse, database=live.database).text()


def _name(value: Any) -> str:
    return str(getattr(value, "name", value))
