"""`sim pipelines show`: the flow graph read from the SQL, as a tree from the events to the last view."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from snowsim.tui.flow import ICONS
from snowsim.tui.graph import FlowGraph, Node

KIND_STYLES = {"table": "bold", "view": "dim", "stream": "cyan", "task": "yellow", "stage": "blue"}


def pipeline_view(pipeline: Any, graph: FlowGraph) -> Group:
    """Header, the flow tree, the task graph table, and the manifest's layers."""
    head = Text.assemble((pipeline.name, "bold cyan"), f"  database {pipeline.database}\n", (pipeline.description, ""))
    return Group(head, Text(), flow_tree(pipeline, graph), Text(), tasks_table(graph), Text(), layers_table(pipeline))


def flow_tree(pipeline: Any, graph: FlowGraph) -> Tree:
    """Events -> landing -> streams -> tasks -> tables -> ... following reads and writes; repeats are marked."""
    landing = pipeline.landing
    how = "staged files + COPY INTO" if landing.mode == "copy" else f"INSERT batches ({landing.parse} JSON)"
    tree = Tree(Text.assemble(("⇉ events", "bold blue"), (f"  {how}", "dim")), guide_style="blue")
    entry = landing.stage if landing.stage and landing.stage in graph.nodes else landing.table
    seen: set[str] = set()
    _grow(tree, graph, entry, seen)
    # Objects no path from the landing reaches (a view over nothing, a second landing) still deserve a line.
    rest = [n for n in graph.nodes.values() if n.name not in seen and n.kind != "stage"]
    for node in rest:
        if node.name not in seen and not any(r in graph.nodes for r in node.reads):
            _grow(tree, graph, node.name, seen)
    return tree


def _grow(parent: Tree, graph: FlowGraph, name: str, seen: set[str]) -> None:
    node = graph.nodes[name]
    if name in seen:
        parent.add(Text.assemble(_label(node), ("  ↑ shown above", "dim italic")))
        return
    seen.add(name)
    branch = parent.add(Text.assemble(_label(node), _detail(node, graph)))
    for child in graph.downstream(name):
        _grow(branch, graph, child, seen)


def _label(node: Node) -> Text:
    return Text.assemble((f"{ICONS[node.kind]} ", "bold"), (node.name, KIND_STYLES[node.kind]),
                         (f" {node.kind}", "dim"))


def _detail(node: Node, graph: FlowGraph) -> Text:
    if node.kind == "stream":
        consumers = graph.consumers(node.name)
        mode = "append-only" if node.append_only else "standard (CDC)"
        note = f"  {mode}" + ("" if consumers else ", no consumer")
        return Text(note, style="dim" if len(consumers) <= 1 else "bold red")
    if node.kind == "task":
        return Text(f"  {node.statement or '?'} · {node.trigger}", style="dim")
    return Text("")


def tasks_table(graph: FlowGraph) -> Table:
    """One row per task: how it starts, what it reads and what it writes, and where it is defined."""
    table = Table(title="tasks", title_justify="left", title_style="bold", show_edge=False, expand=True)
    table.add_column("task", style="yellow", no_wrap=True)
    table.add_column("trigger", overflow="fold")
    table.add_column("reads", overflow="fold")
    table.add_column("writes", overflow="fold")
    table.add_column("defined in", style="dim", no_wrap=True)
    for task in graph.tasks():
        where = f"{task.path.name}:{task.line}" if task.path else ""
        writes = "\n".join(task.writes) or Text("nothing found", style="red")
        trigger = task.trigger.replace("after ", "after\n", 1).replace(", ", "\n")
        table.add_row(task.name, trigger, "\n".join(task.reads), writes, where)
    return table


def layers_table(pipeline: Any) -> Table:
    """The manifest's layers (what the run screen draws, left to right)."""
    table = Table(title="layers (run screen)", title_justify="left", title_style="bold", show_edge=False)
    table.add_column("layer", style="bold")
    table.add_column("objects", overflow="fold")
    for layer in pipeline.layers:
        names = [*layer.tasks, *layer.tables, *layer.streams, *layer.views]
        table.add_row(layer.name, ", ".join(names))
    return table
