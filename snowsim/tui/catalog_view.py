"""`sim scenarios list|show` and `sim pipelines list`: what a project can run, at a glance."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from rich.console import Console, ConsoleOptions, Group, RenderResult
from rich.table import Table
from rich.text import Text

from snowsim.simulator.durations import format_duration

ORIGIN_STYLES = {"project": "bold green", "shipped": "dim"}
WIDE = 120  # columns from which the lists also show descriptions


class _Responsive:
    """A table that drops its free-text columns on narrow consoles (CI logs default to 80 columns)."""

    def __init__(self, build: Callable[[bool], Table]) -> None:
        self.build = build

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.build(options.max_width >= WIDE)


def scenarios_table(entries: Sequence[Any], load: Callable[[Any], Any]) -> _Responsive:
    """One row per scenario; a file that does not validate shows its first problem instead of failing the list."""
    loaded = [(entry, _try(load, entry)) for entry in entries]

    def build(wide: bool) -> Table:
        table = Table(show_edge=False, header_style="bold cyan", expand=wide)
        for column in ("scenario", "from", "pipeline", "duration", "checks", "faults", *(["description"] * wide)):
            # Names never wrap; the free text columns share what width is left.
            flexible = {"faults": 1, "description": 2}.get(column)
            table.add_column(column, no_wrap=flexible is None, ratio=flexible)
        for entry, scenario in loaded:
            origin = Text(entry.origin, style=ORIGIN_STYLES[entry.origin])
            if isinstance(scenario, Exception):
                table.add_row(entry.name, origin, "", "", "", _invalid(scenario), *([""] * wide))
                continue
            faults = ", ".join(dict.fromkeys(f.type for f in scenario.faults)) or Text("none", style="dim")
            table.add_row(entry.name, origin, scenario.pipeline, format_duration(scenario.duration),
                          str(len(scenario.checks)), faults, *([scenario.description] * wide))
        return table

    return _Responsive(build)


def scenario_view(scenario: Any, path: Any) -> Group:
    """A scenario's settings, faults and checks."""
    head = Table.grid(padding=(0, 2))
    head.add_column(style="dim")
    head.add_column()
    traffic = scenario.traffic
    mix = ", ".join(f"{k} {v:g}" for k, v in traffic.mix.items())
    for label, value in (
        ("file", str(path)),
        ("pipeline", scenario.pipeline),
        ("window", f"{scenario.start:%Y-%m-%d %H:%M} + {format_duration(scenario.duration)} (tick "
                   f"{format_duration(scenario.tick)})"),
        ("seed", str(scenario.seed)),
        ("traffic", f"{traffic.rate:g} new entities/s, {traffic.curve} curve, mix {mix}"),
        ("ingestion", f"{scenario.ingestion.mode}, up to {scenario.ingestion.max_events} events or "
                      f"{format_duration(scenario.ingestion.max_wait)} per delivery"),
    ):
        head.add_row(label, value)
    faults = Table(title="faults", title_justify="left", title_style="bold", show_edge=False)
    faults.add_column("type", style="yellow", no_wrap=True)
    faults.add_column("settings", overflow="fold")
    for fault in scenario.faults:
        faults.add_row(fault.type, _settings(fault, skip="type"))
    if not scenario.faults:
        faults.add_row(Text("none", style="dim"), "")
    checks = Table(title="checks", title_justify="left", title_style="bold", show_edge=False)
    checks.add_column("type", style="cyan", no_wrap=True)
    checks.add_column("settings", overflow="fold")
    for check in scenario.checks:
        checks.add_row(check.type, _settings(check, skip="type"))
    if not scenario.checks:
        checks.add_row(Text("none", style="dim"), "")
    title = Text.assemble((scenario.name, "bold cyan"), "  ", scenario.description)
    return Group(title, Text(), head, Text(), faults, Text(), checks)


def pipelines_table(entries: Sequence[Any], load: Callable[[Any], Any]) -> _Responsive:
    """One row per pipeline: where it comes from, its layers and task count, and its description."""
    loaded = [(entry, _try(load, entry)) for entry in entries]

    def build(wide: bool) -> Table:
        table = Table(show_edge=False, header_style="bold cyan", expand=wide)
        for column in ("pipeline", "from", "tasks", "layers", *(["landing", "description"] * wide)):
            flexible = {"layers": 1, "description": 2}.get(column)
            table.add_column(column, no_wrap=flexible is None, ratio=flexible)
        for entry, pipeline in loaded:
            origin = Text(entry.origin, style=ORIGIN_STYLES[entry.origin])
            if isinstance(pipeline, Exception):
                table.add_row(entry.name, origin, "", _invalid(pipeline), *([""] * 2 * wide))
                continue
            layers = " → ".join(layer.name for layer in pipeline.layers)
            tasks = sum(len(layer.tasks) for layer in pipeline.layers)
            extra = [f"{pipeline.landing.table} ({pipeline.landing.mode})", _first_sentence(pipeline.description)]
            table.add_row(entry.name, origin, str(tasks), layers, *(extra * wide))
        return table

    return _Responsive(build)


def _try(load: Callable[[Any], Any], entry: Any) -> Any:
    try:
        return load(entry)
    except ValueError as exc:  # ScenarioError / PipelineError: show it in the list, do not fail the whole list
        return exc


def _invalid(exc: Exception) -> Text:
    return Text(f"invalid: {str(exc).splitlines()[0]}", style="red")


def _settings(model: Any, skip: str) -> str:
    data = model.model_dump(mode="json", exclude_none=True, exclude_defaults=False)
    data.pop(skip, None)
    return "  ".join(f"{k}={_value(v)}" for k, v in data.items())


def _value(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_value(v)}" for k, v in value.items()) + "}"
    return str(value)


def _first_sentence(text: str) -> str:
    head = text.split(": ", 1)[0] if len(text) > 100 else text
    return head if len(head) <= 100 else head[:99] + "…"
