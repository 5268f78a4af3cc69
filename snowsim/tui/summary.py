"""The end of a run: the checks table, failing rows, a one-line verdict, and the table of `sim run all`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Console, ConsoleOptions, Group, RenderResult
from rich.table import Table
from rich.text import Text

from snowsim.simulator.durations import format_duration
from snowsim.tui import figures

SAMPLE_ROWS_SHOWN = 5
BRIEF = 160  # characters of a check's message on the run screen
WIDE = 120  # from this many columns the checks table also shows each check's type


class ChecksTable:
    """One row per check: PASS/FAIL, its name, its type (on wide consoles) and what it found.

    brief: each message cut to its first sentences (the run screen); the full explanation is in the plain summary
    and the JSON."""

    def __init__(self, result: Any, brief: bool = False) -> None:
        self.result = result
        self.brief = brief

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        wide = options.max_width >= WIDE
        table = Table(title="checks", title_justify="left", title_style="bold", expand=True, show_edge=False)
        table.add_column("", width=6, no_wrap=True)
        # Names and messages share the width (2:3) and wrap: CI logs are 80 columns and messages are sentences.
        table.add_column("check", overflow="fold", ratio=2)
        if wide:
            table.add_column("type", style="dim", no_wrap=True)
        table.add_column("result", overflow="fold", ratio=3)
        for check in self.result.checks:
            status = Text("✓ PASS", style="bold green") if check.passed else Text("✗ FAIL", style="bold red")
            message = brief_message(check.message) if self.brief else check.message
            table.add_row(status, check.name, *([check.type] if wide else []), message)
        if not self.result.checks:
            table.add_row("", Text("no checks", style="dim"), *([""] if wide else []), "")
        yield table


def checks_table(result: Any, brief: bool = False) -> ChecksTable:
    """The checks of a result as a table that fits the console."""
    return ChecksTable(result, brief)


def brief_message(message: str, limit: int = BRIEF) -> str:
    """The first sentences of a message, up to about `limit` characters, with … when something was left out."""
    text = " ".join(str(message).split())
    if len(text) <= limit:
        return text
    cut = text.rfind(". ", 0, limit)
    return (text[: cut + 1] if cut > 0 else text[:limit].rstrip()) + " …"


def failing_rows(result: Any, limit: int = SAMPLE_ROWS_SHOWN) -> Group | None:
    """For each failed check with sample rows, a small table of the first few (what a person looks at first)."""
    parts = []
    for check in result.checks:
        rows = list(getattr(check, "sample_rows", None) or [])
        if check.passed or not rows:
            continue
        table = Table(title=f"{check.name}: {len(rows):,} sample rows", title_justify="left", title_style="red",
                      show_edge=False)
        columns = list(rows[0]) if isinstance(rows[0], dict) else [f"col{i + 1}" for i in range(len(rows[0]))]
        for column in columns:
            table.add_column(str(column), overflow="fold")
        for row in rows[:limit]:
            values = row.values() if isinstance(row, dict) else row
            table.add_row(*(_cell(v) for v in values))
        parts.append(table)
    return Group(*parts) if parts else None


def verdict(result: Any) -> Text:
    """'PASSED all 6 checks · 3,604 events delivered · 1h simulated in 12.3s', or 'FAILED 5 of 6 checks · ...'."""
    failed = sum(1 for c in result.checks if not c.passed)
    total = len(result.checks)
    ok = result.exit_code == 0
    simulated = format_duration(result.ended_at - result.started_at)
    checks = "check" if total == 1 else "checks"
    word, count = ("PASSED", f"all {total} {checks}") if ok else ("FAILED", f"{failed} of {total} {checks}")
    return Text.assemble(
        (word, "bold green" if ok else "bold red"),
        f" {count} · {figures.count(result.events_delivered)} events delivered · {simulated} simulated in "
        f"{result.wall_seconds:,.1f}s",
    )


def all_table(results: Sequence[Any]) -> Table:
    """`sim run all`: one row per scenario, and a total."""
    table = Table(title="scenarios", title_justify="left", title_style="bold", show_edge=False)
    for name, justify in (("", "left"), ("scenario", "left"), ("pipeline", "left"), ("checks passed", "right"),
                          ("events", "right"), ("wall", "right"), ("failed checks", "left")):
        table.add_column(name, justify=justify, no_wrap=name != "failed checks")  # type: ignore[arg-type]
    for result in results:
        passed = sum(1 for c in result.checks if c.passed)
        status = Text("✓ PASS", style="bold green") if result.exit_code == 0 else Text("✗ FAIL", style="bold red")
        failed = ", ".join(c.name for c in result.checks if not c.passed)
        table.add_row(status, _name(result.scenario), _name(result.pipeline), f"{passed}/{len(result.checks)}",
                      figures.count(result.events_delivered), f"{result.wall_seconds:,.1f}s", failed)
    return table


def _cell(value: Any) -> Text:
    return Text("NULL", style="dim") if value is None else Text(str(value))


def _name(value: Any) -> str:
    return str(getattr(value, "name", value))
