"""The flow diagram: events -> each layer of the pipeline manifest, with live figures on every node."""

from __future__ import annotations

from typing import Any, NamedTuple

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
FAILING = ("FAILED", "FAILED_AND_AUTO_SUSPENDED", "SUSPENDED")
ARROW = "─▶"
# A figure is at most this wide ("✗ FAILED_AND_AUTO_SUSPENDED" is the longest): panels size for it up front.
FIGURE_WIDTH = 28
PANEL_CHROME = 4  # border and padding, left and right


class Node(NamedTuple):
    """One line of a panel: a glyph, a name, and the figure shown next to (or under) it."""

    icon: str
    label: str
    figure: Text
    style: str = "bold"


class FlowDiagram:
    """Source and layers side by side (or stacked on narrow terminals), each node with its latest figures.

    Panels are plain Text inside a Panel, sized from their names: a frame is built in a few milliseconds, so the
    refresh thread takes little from the run it shows.
    """

    def __init__(self, pipeline: Any, snapshot: Snapshot | None = None) -> None:
        self.pipeline = pipeline
        self.snapshot = snapshot
        names = [n for layer in pipeline.layers for kind in ("tasks", "tables", "streams", "views")
                 for n in getattr(layer, kind)]
        self.labels = figures.short_names(names)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        columns = [("events", self.source_nodes(), "blue"),
                   *((layer.name, self.layer_nodes(layer), self._border(layer)) for layer in self.pipeline.layers)]
        widths = [_width(title, nodes) for title, nodes, _ in columns]
        if sum(widths) + len(ARROW) * (len(columns) - 1) <= options.max_width:
            # Side by side, each panel as wide as its longest name, like the flow reads: left to right.
            grid = Table.grid()
            cells: list[Any] = []
            for i, ((title, nodes, border), width) in enumerate(zip(columns, widths, strict=True)):
                if i:
                    grid.add_column(width=len(ARROW))
                    # On the first content line: "│ ▤ RAW_EVENTS │─▶│ ⚙ TASK_..." reads as one flow.
                    cells.append(Text("\n" + ARROW, style="bold blue"))
                grid.add_column(width=width)
                cells.append(_panel(title, _stacked(nodes), border, width))
            grid.add_row(*cells)
            yield grid
            return
        # Too narrow: stack the layers, one object per line with its figure on the right.
        inner = options.max_width - PANEL_CHROME
        parts: list[Any] = []
        for i, (title, nodes, border) in enumerate(columns):
            if i:
                parts.append(Text("▼", style="bold blue", justify="center"))
            parts.append(_panel(title, _aligned(nodes, inner), border, options.max_width))
        yield Group(*parts)

    # -------------------------------------------------------------------------------------------- nodes

    def source_nodes(self) -> list[Node]:
        """The simulator's side: events generated and delivered, ingestion errors."""
        snap = self.snapshot
        sample = snap.sample if snap else None
        planned = getattr(snap.info, "total_events", None) if snap else None
        generated = figures.count(getattr(sample, "events_generated_so_far", None))
        nodes = [
            Node("⇉", "generated", _bold(generated + (f" / {figures.count(planned)}" if planned else ""))),
            Node("⇉", "delivered", _bold(figures.count(getattr(sample, "events_delivered", None)))),
        ]
        errors = snap.moment_counts.get("ingestion_error", 0) if snap else 0
        if errors:
            nodes.append(Node("!", "ingestion errors", Text(f"{errors:,}", style="bold red")))
        return nodes

    def layer_nodes(self, layer: Any) -> list[Node]:
        """One manifest layer: the tasks that feed it, its tables, its outgoing streams, its views."""
        return [
            *(Node(ICONS["task"], self.labels[t], self._task_figure(t)) for t in layer.tasks),
            *(Node(ICONS["table"], self.labels[t], self._table_figure(t)) for t in layer.tables),
            *(Node(ICONS["stream"], self.labels[s], self._stream_figure(s)) for s in layer.streams),
            *(Node(ICONS["view"], self.labels[v], Text("view", style="dim"), "dim") for v in layer.views),
        ]

    def _border(self, layer: Any) -> str:
        return "red" if any(self._task_state(t) in FAILING for t in layer.tasks) else "cyan"

    def _table_figure(self, table: str) -> Text:
        rows = figures.of(getattr(self._sample, "rows", None), table)
        before = figures.of(getattr(self._previous, "rows", None), table)
        text = _bold(f"{figures.count(rows)} rows")
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


def _width(title: str, nodes: list[Node]) -> int:
    """A panel's width: its longest name or figure (figures may grow: reserve room), or its title."""
    longest = max([len(n.label) + 2 for n in nodes] + [min(max(len(n.figure), 12), FIGURE_WIDTH) + 2 for n in nodes]
                  + [len(title) + 4], default=12)
    return longest + PANEL_CHROME


def _stacked(nodes: list[Node]) -> Text:
    """Each node on two lines: `⚙ NAME`, then its figure indented under the name."""
    text = Text()
    for i, node in enumerate(nodes):
        if i:
            text.append("\n")
        text.append(f"{node.icon} ", style="bold")
        text.append(node.label, style=node.style)
        if node.style != "dim":  # views carry no figure worth a line
            text.append("\n  ")
            text.append_text(node.figure)
    return text


def _aligned(nodes: list[Node], width: int) -> Text:
    """Each node on one line, its figure pushed to the right edge."""
    text = Text()
    for i, node in enumerate(nodes):
        if i:
            text.append("\n")
        gap = width - 2 - len(node.label) - len(node.figure)
        text.append(f"{node.icon} ", style="bold")
        text.append(node.label, style=node.style)
        text.append(" " * max(gap, 1))
        text.append_text(node.figure)
    return text


def _panel(title: str, body: Text, border: str, width: int) -> Panel:
    body.no_wrap, body.overflow = False, "fold"
    return Panel(body, title=f"[b]{title}[/b]", border_style=border, padding=(0, 1), width=width)


def _bold(text: str) -> Text:
    return Text(text, style="bold")
