"""The flow diagram: events -> each layer of the pipeline manifest, with live figures on every node."""

from __future__ import annotations

from typing import Any

from rich.console import Console, ConsoleOptions, Group, RenderResult
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from snowsim.tui import figures
from snowsim.tui.state import Snapshot

# Glyphs tell the object kinds apart at a glance; every terminal font of the last decade has them.
ICONS = {"table": "▤", "view": "◇", "stream": "≋", "task": "⚙", "stage": "▢"}
TASK_STYLES = {
    "SUCCEEDED": ("✓", "green"),
    "FAILED": ("✗", "bold red"),
    "FAILED_AND_AUTO_SUSPENDED": ("✗", "bold red"),
    "SUSPENDED": ("⏸", "magenta"),
    "SKIPPED": ("·", "dim"),
    "EXECUTING": ("▶", "yellow"),
    "RUNNING": ("▶", "yellow"),
    "SCHEDULED": ("◷", "cyan"),
    "STARTED": ("◷", "cyan"),
    "CANCELLED": ("✗", "red"),
}
ARROW = "─▶"


class FlowDiagram:
    """Source and layers side by side (or stacked on narrow terminals), each node with its latest figures."""

    def __init__(self, pipeline: Any, snapshot: Snapshot | None = None) -> None:
        self.pipeline = pipeline
        self.snapshot = snapshot
        names = [n for layer in pipeline.layers for kind in ("tasks", "tables", "streams", "views")
                 for n in getattr(layer, kind)]
        self.labels = figures.short_names(names)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        wide = [self.source_panel(), *(self.layer_panel(layer) for layer in self.pipeline.layers)]
        needed = sum(console.measure(p, options=options).maximum for p in wide) + len(ARROW) * (len(wide) - 1)
        if needed <= options.max_width:
            # Side by side, each panel as wide as its longest name, like the flow reads: left to right.
            grid = Table.grid(expand=False)
            cells: list[Any] = []
            for i, panel in enumerate(wide):
                if i:
                    grid.add_column(width=len(ARROW))
                    # On the first content line: "│ ▤ RAW_EVENTS │─▶│ ⚙ TASK_..." reads as one flow.
                    cells.append(Text("\n" + ARROW, style="bold blue"))
                grid.add_column()
                cells.append(panel)
            grid.add_row(*cells)
            yield grid
            return
        # Too narrow: stack the layers, one object per line with its figure on the right.
        parts: list[Any] = []
        for i, panel in enumerate([self.source_panel(compact=True),
                                   *(self.layer_panel(layer, compact=True) for layer in self.pipeline.layers)]):
            if i:
                parts.append(Text("▼", style="bold blue", justify="center"))
            parts.append(panel)
        yield Group(*parts)

    # -------------------------------------------------------------------------------------------- nodes

    def source_panel(self, compact: bool = False) -> Panel:
        """The simulator's side: events generated and delivered, ingestion errors."""
        snap, grid = self.snapshot, _node_grid(compact)
        sample = snap.sample if snap else None
        info = snap.info if snap else None
        generated = getattr(sample, "events_generated_so_far", None)
        delivered = getattr(sample, "events_delivered", None)
        planned = getattr(info, "total_events", None)
        _add(grid, compact, "⇉", "generated",
             _figure(figures.count(generated) + (f" / {figures.count(planned)}" if planned else "")))
        _add(grid, compact, "⇉", "delivered", _figure(figures.count(delivered)))
        errors = snap.moment_counts.get("ingestion_error", 0) if snap else 0
        if errors:
            _add(grid, compact, "!", "ingestion errors", Text(f"{errors:,}", style="bold red"))
        return Panel(grid, title="[b]events[/b]", border_style="blue", padding=(0, 1))

    def layer_panel(self, layer: Any, compact: bool = False) -> Panel:
        """One manifest layer: the tasks that feed it, its tables, its outgoing streams, its views."""
        grid = _node_grid(compact)
        for task in layer.tasks:
            _add(grid, compact, ICONS["task"], self.labels[task], self._task_figure(task))
        for table in layer.tables:
            _add(grid, compact, ICONS["table"], self.labels[table], self._table_figure(table))
        for stream in layer.streams:
            _add(grid, compact, ICONS["stream"], self.labels[stream], self._stream_figure(stream))
        for view in layer.views:
            grid.add_row(Text(ICONS["view"], style="dim"), Text(self.labels[view], style="dim"),
                         *([Text("view", style="dim")] if compact else []))
        failing = any(self._task_state(t) in ("FAILED", "FAILED_AND_AUTO_SUSPENDED", "SUSPENDED") for t in layer.tasks)
        return Panel(grid, title=f"[b]{layer.name}[/b]", border_style="red" if failing else "cyan", padding=(0, 1))

    def _table_figure(self, table: str) -> Text:
        rows = figures.of(getattr(self._sample, "rows", None), table)
        before = figures.of(getattr(self._previous, "rows", None), table)
        text = _figure(f"{figures.count(rows)} rows")
        if rows is not None and before is not None and rows != before:
            grew = rows > before
            text.append(f"  {'+' if grew else ''}{rows - before:,}", style="green" if grew else "yellow")
        return text

    def _stream_figure(self, stream: str) -> Text:
        backlog = figures.of(getattr(self._sample, "backlog", None), stream)
        # The runner reports -1 for a stream it cannot read any more; a stream_stale moment says the same.
        if (backlog is not None and backlog < 0) or self._stale(stream):
            return Text(" STALE ", style="bold white on red")
        if backlog is None:
            return Text("backlog -", style="dim")
        return Text(f"backlog {backlog:,}", style="yellow" if backlog else "dim")

    def _task_figure(self, task: str) -> Text:
        state = self._task_state(task)
        if state is None:
            return Text("waiting", style="dim")
        icon, style = TASK_STYLES.get(state, ("?", "white"))
        text = Text(f"{icon} {state}", style=style)
        runs = figures.of(getattr(self._sample, "task_runs", None), task)
        failed = figures.of(getattr(self._sample, "failures", None), task)
        if runs is not None:
            text.append(f" · {runs:,} runs", style="default")
        if failed:
            text.append(f" · {failed:,} failed", style="bold red")
        return text

    def _task_state(self, task: str) -> str | None:
        state = figures.of(getattr(self._sample, "task_states", None), task)
        return str(state).upper() if state is not None else None

    def _stale(self, stream: str) -> bool:
        moments = self.snapshot.moments if self.snapshot else []
        return any(m.kind == "stream_stale" and stream in m.text for m in moments)

    @property
    def _sample(self) -> Any:
        return self.snapshot.sample if self.snapshot else None

    @property
    def _previous(self) -> Any:
        return self.snapshot.previous if self.snapshot else None


def _node_grid(compact: bool) -> Table:
    grid = Table.grid(expand=True, padding=(0, 1, 0, 0))
    grid.add_column(width=1, no_wrap=True)
    grid.add_column(overflow="fold", ratio=1 if compact else None)
    if compact:
        grid.add_column(justify="right", no_wrap=True)
    return grid


def _add(grid: Table, compact: bool, icon: str, label: str, figure: Text) -> None:
    """A node: icon and name, then its figure on the same line (compact) or indented below it."""
    if compact:
        grid.add_row(Text(icon, style="bold"), Text(label, style="bold"), figure)
    else:
        grid.add_row(Text(icon, style="bold"), Text(label, style="bold"))
        grid.add_row(Text(""), figure)


def _figure(text: str) -> Text:
    return Text(text, style="bold")
