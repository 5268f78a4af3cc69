"""One frame of the run screen: header, flow diagram, virtual clock, throughput, moments log, and the checks."""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console, ConsoleOptions, Group, RenderResult
from rich.panel import Panel
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from snowsim.simulator.durations import format_duration
from snowsim.tui import figures
from snowsim.tui.flow import FlowDiagram
from snowsim.tui.state import Snapshot
from snowsim.tui.summary import checks_table, verdict

MOMENT_STYLES = {
    "fault": ("⚡ fault", "yellow"),
    "task_failed": ("✗ task failed", "bold red"),
    "task_auto_suspended": ("⏸ suspended", "bold magenta"),
    "stream_stale": ("☠ stream stale", "bold red"),
    "ingestion_error": ("! ingestion", "red"),
    "info": ("· info", "dim"),
}
LIVE_MOMENTS = 8


class RunScreen:
    """Everything the live display shows for a snapshot; with a result it also shows the checks."""

    def __init__(self, snapshot: Snapshot, *, moments: int = LIVE_MOMENTS, show_checks: bool = True) -> None:
        self.snapshot = snapshot
        self.moments = moments
        self.show_checks = show_checks

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        snap = self.snapshot
        if snap.info is None:
            yield Text("starting…", style="dim")
            return
        parts: list[Any] = [header(snap), FlowDiagram(snap.info.pipeline, snap), clock_line(snap), stats_line(snap)]
        parts.append(moments_panel(snap, self.moments))
        if snap.result is not None and self.show_checks:
            parts += [checks_table(snap.result, brief=True), verdict(snap.result)]
        yield Group(*parts)


def save_svg(snapshot: Snapshot, path: str, *, width: int = 160) -> None:
    """The final screen as an SVG image (rich's export), e.g. for a README or a bug report."""
    console = Console(record=True, width=width, file=io.StringIO(), force_terminal=True, color_system="truecolor")
    console.print(RunScreen(snapshot))
    title = f"sim run scenario {_name(snapshot.info.scenario)}" if snapshot.info else "snowsim"
    console.save_svg(path, title=title)


def header(snap: Snapshot) -> Table:
    """Scenario, pipeline, target and seed on the left; wall time on the right."""
    info = snap.info
    grid = Table.grid(expand=True)
    grid.add_column()
    grid.add_column(justify="right")
    title = Text.assemble(
        ("snowsim ", "bold cyan"),
        (_name(info.scenario), "bold"),
        " on ",
        (_name(info.pipeline), "bold"),
        (f"  {info.target} · seed {info.seed}", "dim"),
    )
    grid.add_row(title, Text(f"wall {snap.wall_seconds:,.1f}s", style="dim"))
    return grid


def clock_line(snap: Snapshot) -> Table:
    """The virtual clock, a progress bar over the scenario's duration, and the speed."""
    info, sample = snap.info, snap.sample
    at = getattr(sample, "at", None) or info.start
    span = max((info.end - info.start).total_seconds(), 1e-9)
    done = min(max((at - info.start).total_seconds(), 0.0), span)
    grid = Table.grid(expand=True, padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(ratio=1)
    grid.add_column(no_wrap=True, justify="right")
    when = Text.assemble(("◷ ", "cyan"), (at.strftime("%Y-%m-%d %H:%M:%S"), "bold"))
    wall = getattr(sample, "wall_seconds", None) or snap.wall_seconds
    achieved = done / wall if wall > 0 and done else None
    speed = "max" if snap.speed is None else f"{snap.speed:g}x"
    # Past the scenario's end the runner drains: no new events, the tasks catch up with what was delivered.
    phase = f"drain +{format_duration(at - info.end)}" if at > info.end else f"{done / span:4.0%}"
    right = Text(f"{phase}  speed {speed}" + (f" (×{achieved:,.0f})" if achieved else ""))
    grid.add_row(when, ProgressBar(total=span, completed=done), right)
    return grid


def stats_line(snap: Snapshot) -> Text:
    """Event rates, end-to-end latency and task run counts."""
    sample, before = snap.sample, snap.previous
    delivered = getattr(sample, "events_delivered", None)
    rate = None
    if sample is not None and before is not None and sample.at > before.at:
        rate = (sample.events_delivered - before.events_delivered) / (sample.at - before.at).total_seconds()
    wall = getattr(sample, "wall_seconds", None) or snap.wall_seconds
    runs = figures.total(getattr(sample, "task_runs", None))
    failed = figures.total(getattr(sample, "failures", None))
    return Text.assemble(
        ("events/s ", "dim"),
        (f"{rate:,.1f}" if rate is not None else "-", "bold"),
        (" simulated · ", "dim"),
        (f"{delivered / wall:,.0f}" if delivered and wall else "-", "bold"),
        (" wall   latency p50 ", "dim"),
        (figures.seconds(getattr(sample, "latency_p50_s", None)), "bold"),
        (" p95 ", "dim"),
        (figures.seconds(getattr(sample, "latency_p95_s", None)), "bold"),
        ("   task runs ", "dim"),
        (f"{runs:,}", "bold"),
        (" failed ", "dim"),
        (f"{failed:,}", "bold red" if failed else "bold"),
    )


def moments_panel(snap: Snapshot, limit: int) -> Panel:
    """The latest notable moments, newest last, with how many of each kind so far."""
    # One Text, one moment per line cut at the panel's edge: cheap to draw, and a long error stays on its line.
    body = Text(no_wrap=True, overflow="ellipsis")
    info = snap.info
    shown = snap.moments[-limit:] if limit else []
    for i, moment in enumerate(shown):
        label, style = MOMENT_STYLES.get(moment.kind, (moment.kind, "white"))
        body.append(("\n" if i else "") + figures.clock(moment.at, info.start, info.end).ljust(5) + " ", style="dim")
        body.append(label.ljust(14) + " ", style=style)
        body.append(_first_line(moment.text))
    if not shown:
        body.append("nothing notable yet", style="dim")
    counts = " · ".join(f"{k.replace('_', ' ')} {n:,}" for k, n in sorted(snap.moment_counts.items()))
    return Panel(body, title="[b]moments[/b]", title_align="left", subtitle=counts or None, subtitle_align="right",
                 border_style="dim")


def _first_line(text: str) -> str:
    # Snowflake errors span lines ("SQL compilation error:\n..."): keep them on one row of the log.
    return " ".join(str(text).split())


def _name(value: Any) -> str:
    return str(getattr(value, "name", value))
