"""Entry points the CLI calls for --target snowflake: run_live() runs a scenario on a live account, plan_live() lists
what such a run would send without contacting the account."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from snowsim.simulator.live.config import ConnectionSettings, LiveConfigError, resolve_settings
from snowsim.simulator.live.driver import PollPolicy
from snowsim.simulator.live.recorder import WRITES, Sent
from snowsim.simulator.live.target import SnowflakeTarget
from snowsim.simulator.results import RunResult

PLAN_RUN_ID = "PLAN"


@dataclass
class LiveRun:
    """A finished live run: the RunResult (same as an emulator run's) plus what it cost on the account."""

    result: RunResult
    usage: dict[str, Any]
    entries: list[Sent] = field(default_factory=list)  # every statement sent or withheld, in order

    def summary_text(self) -> str:
        """The run's summary followed by the account usage."""
        return self.result.summary_text() + "\n\n" + usage_text(self.usage)


def usage_text(usage: dict[str, Any]) -> str:
    """The usage block of a live run, plain text."""
    c = usage["statements"]
    return "\n".join([
        f"snowflake account: {usage['account']}",
        f"warehouse {usage['warehouse']}, database {usage['database']} ({usage['database_outcome']})",
        f"statements sent: {c['total']:,} = {c['deploy']:,} deploy + {c['load']:,} load + {c['execute_task']:,} "
        f"EXECUTE TASK + {c['poll']:,} TASK_HISTORY polls + {c['read']:,} other reads + {c['teardown']:,} teardown",
        f"graph runs: {usage['graph_runs']:,} {usage['graph_run_states']}; task queries ran "
        f"{usage['task_query_seconds']:.1f} s; run wall time {usage['wall_seconds']:.1f} s",
    ])


def run_live(
    scenario: Any,
    *,
    pipeline: Any = None,
    seed: int | None = None,
    connection_name: str | None = None,
    warehouse: str | None = None,
    database: str | None = None,
    allow_existing: bool = False,
    keep: bool = False,
    settings: ConnectionSettings | None = None,
    connect: Callable[..., Any] | None = None,
    poll: PollPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    echo: Callable[[str], None] | None = None,
    observer: Any = None,
    **overrides: Any,
) -> LiveRun:
    """Run a scenario on a live account (connect defaults to snowflake.connector.connect); raises like run_scenario."""
    from snowsim.simulator.runner import run_scenario  # noqa: PLC0415 - the runner imports this package's users

    settings = settings or resolve_settings(connection_name, warehouse=warehouse)
    target = SnowflakeTarget(settings, connect=connect, warehouse=warehouse, database=database,
                             allow_existing=allow_existing, keep=keep, poll=poll, sleep=sleep, clock=clock,
                             echo=echo)
    result = run_scenario(scenario, target=target, pipeline=pipeline, seed=seed, observer=observer, **overrides)
    return LiveRun(result, target.usage(), list(target.recorder.entries))


@dataclass
class LivePlan:
    """Every statement a live run would send, in order, with the ones it deliberately withholds."""

    scenario: str
    pipeline: str
    database: str
    warehouse: str
    entries: list[Sent] = field(default_factory=list)

    @property
    def statements(self) -> list[Sent]:
        """What would be sent."""
        return [e for e in self.entries if e.kind != "withheld"]

    def writes(self) -> list[Sent]:
        """The statements that change the account (deploy, loads, EXECUTE TASK, teardown)."""
        return [e for e in self.entries if e.kind in WRITES]

    def counts(self) -> dict[str, int]:
        """Statements by kind."""
        out: dict[str, int] = {}
        for entry in self.statements:
            out[entry.kind] = out.get(entry.kind, 0) + 1
        return dict(sorted(out.items()))

    def text(self, writes_only: bool = False) -> str:
        """The plan as printed by --plan: a header, then one line per statement (virtual time, SQL)."""
        shown = [e for e in self.entries if e.kind in WRITES or e.kind == "withheld"] if writes_only else self.entries
        head = [
            f"-- plan: scenario {self.scenario} on pipeline {self.pipeline}, database {self.database}, "
            f"warehouse {self.warehouse}",
            "-- nothing was sent to Snowflake: this is the live code path run against the local emulator.",
            "-- Writes (deploy, loads, EXECUTE TASK, teardown) are exactly what a live run sends; reads (TASK_HISTORY",
            "-- polls, samples, checks) depend on what the account answers: a live run polls more while tasks run.",
            f"-- statements by kind: {self.counts()}",
        ]
        return "\n".join(head + [e.line() for e in shown]) + "\n"


def plan_live(
    scenario: Any,
    *,
    pipeline: Any = None,
    seed: int | None = None,
    connection_name: str | None = None,
    warehouse: str | None = None,
    database: str | None = None,
    run_id: str | None = None,
    settings: ConnectionSettings | None = None,
    **overrides: Any,
) -> LivePlan:
    """The statements a live run would send, computed on the local emulator: the account is never contacted."""
    from snowsim.emulator import connect as local  # noqa: PLC0415
    from snowsim.simulator.runner import run_scenario  # noqa: PLC0415

    if settings is None:
        try:
            settings = resolve_settings(connection_name, warehouse=warehouse)
        except LiveConfigError:
            if not warehouse:
                raise
            settings = ConnectionSettings("no Snowflake configuration", {}, {"warehouse": warehouse})
    wh = warehouse or settings.warehouse
    if not wh:
        raise LiveConfigError("the plan needs a warehouse name: give --warehouse (without connecting, snowsim cannot "
                              "ask Snowflake for your default one)")
    # Nothing secret goes to the local emulator: only the non-secret description is kept.
    offline = ConnectionSettings(f"{settings.source}, not contacted", {}, {**settings.described, "warehouse": wh})
    lines: list[str] = []
    target = SnowflakeTarget(offline, connect=local, warehouse=wh, database=database, run_id=run_id or PLAN_RUN_ID,
                             poll=PollPolicy(first=0.0, timeout=60.0), sleep=lambda _s: None, echo=lines.append)
    result = run_scenario(scenario, target=target, pipeline=pipeline, seed=seed, **overrides)
    usage = target.usage()
    return LivePlan(result.scenario, result.pipeline, usage["database"], wh, list(target.recorder.entries))


def write_plan(plan: LivePlan, path: str | Path, writes_only: bool = False) -> Path:
    """Write plan.text() to a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(plan.text(writes_only), encoding="utf-8")
    return path
