"""What a run produces: the records the runner hands to observers (RunInfo, TickSample, Moment) and the RunResult."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from snowsim.simulator.pipeline import Pipeline
    from snowsim.simulator.scenario import Scenario

EXIT_OK = 0  # every check passed
EXIT_FAILED = 1  # at least one check failed
EXIT_CONFIG = 2  # bad input or configuration (ScenarioError, PipelineError, RunConfigError)

# Moment kinds, for observers that colour them.
FAULT = "fault"
TASK_FAILED = "task_failed"
TASK_AUTO_SUSPENDED = "task_auto_suspended"
STREAM_STALE = "stream_stale"
INGESTION_ERROR = "ingestion_error"
INFO = "info"


class RunConfigError(ValueError):
    """A run cannot start: unknown target, bad runner option (exit code 2, like ScenarioError and PipelineError)."""


@dataclass(frozen=True)
class RunInfo:
    """Handed to on_start: what is about to run."""

    scenario: Scenario
    pipeline: Pipeline
    target: str
    start: datetime
    end: datetime  # the end of traffic (scenario end); the run drains a little past it
    seed: int
    total_events: int


@dataclass(frozen=True)
class TickSample:
    """A snapshot of the pipeline at a virtual instant (taken every sample_every, and at the end)."""

    at: datetime
    events_generated_so_far: int  # events whose event time is <= at (copies and broken lines included)
    events_delivered: int  # events handed to the landing table so far (a failed batch counts: it was sent)
    rows: dict[str, int]  # table -> row count
    backlog: dict[str, int]  # stream -> pending rows; -1 when the stream cannot be read (stale)
    task_states: dict[str, str]  # task -> state of its last finished run (SUCCEEDED, FAILED, SKIPPED ...)
    task_runs: int  # finished task runs so far (skipped ones excluded)
    failures: int  # failed task runs so far
    latency_p50_s: float | None  # event time -> final layer, over events delivered in the last sample window
    latency_p95_s: float | None
    wall_seconds: float


@dataclass(frozen=True)
class Moment:
    """Something worth showing on a timeline: a fault, a failed task run, a stale stream, a lost batch."""

    at: datetime
    kind: str  # fault | task_failed | task_auto_suspended | stream_stale | ingestion_error | info
    text: str


@dataclass
class CheckResult:
    """The outcome of one check; a failed one explains itself with the ground truth and sample rows."""

    name: str
    type: str
    passed: bool
    message: str
    details: dict[str, Any] = field(default_factory=dict)
    sample_rows: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class RunResult:
    """Everything a run established: checks, samples, moments, task summary, and the exit code."""

    scenario: str
    pipeline: str
    target: str
    seed: int
    started_at: datetime  # virtual start
    ended_at: datetime  # virtual end (after the drain)
    wall_seconds: float
    events_generated: int
    events_delivered: int
    checks: list[CheckResult]
    samples: list[TickSample]
    moments: list[Moment]
    task_summary: dict[str, dict[str, Any]]
    ingestion: dict[str, Any] = field(default_factory=dict)
    latency: dict[str, Any] = field(default_factory=dict)  # final table -> p50/p95/max seconds, reached/pending
    timings: dict[str, float] = field(default_factory=dict)  # wall seconds per phase (deploy, ingest, tasks ...)
    truth: dict[str, Any] = field(default_factory=dict)  # what the faults did (GroundTruth.details)

    @property
    def passed(self) -> bool:
        """True when every check passed."""
        return all(c.passed for c in self.checks)

    @property
    def failed_checks(self) -> list[CheckResult]:
        """The checks that failed, in order."""
        return [c for c in self.checks if not c.passed]

    @property
    def exit_code(self) -> int:
        """0 when every check passed, 1 otherwise (2 is for runs that could not start: see runner.exit_code)."""
        return EXIT_OK if self.passed else EXIT_FAILED

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict of the whole result."""
        from snowsim.simulator import reports

        return reports.to_json(self)

    def write_json(self, path: str | Path) -> Path:
        """Write to_json() to path (UTF-8, indented) and return the path."""
        from snowsim.simulator import reports

        return reports.write_json(self, path)

    def write_junit(self, path: str | Path) -> Path:
        """Write a JUnit XML report (one testcase per check) and return the path."""
        from snowsim.simulator import reports

        return reports.write_junit(self, path)

    def summary_text(self) -> str:
        """A plain-text summary: verdict, checks with their explanations, task failures and moments."""
        from snowsim.simulator import reports

        return reports.summary_text(self)

    def assert_passed(self) -> None:
        """Raise AssertionError with the summary when a check failed (for pytest)."""
        if not self.passed:
            raise AssertionError(self.summary_text())
