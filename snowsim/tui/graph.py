"""A pipeline's flow graph read from its SQL: tables, views, streams, tasks, and what each one reads and writes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from snowsim.simulator.pipeline import Pipeline, Statement

Kind = Literal["table", "view", "stream", "task", "stage"]

_IDENT = r"[A-Za-z_][A-Za-z0-9_$]*"
_NAME = rf"{_IDENT}(?:\.{_IDENT}){{0,2}}"
_CREATE = re.compile(
    r"^CREATE\s+(?:OR\s+REPLACE\s+)?(?:(?:SECURE|TRANSIENT|TEMPORARY|TEMP|DYNAMIC)\s+)*"
    rf"(?P<kind>TABLE|VIEW|STREAM|TASK|STAGE)\s+(?:IF\s+NOT\s+EXISTS\s+)?(?P<name>{_NAME})",
    re.IGNORECASE,
)
_USE_SCHEMA = re.compile(rf"^USE\s+SCHEMA\s+(?P<name>{_NAME})\s*$", re.IGNORECASE)
_ON_TABLE = re.compile(rf"\bON\s+(?:TABLE|VIEW)\s+(?P<name>{_NAME})", re.IGNORECASE)
_APPEND_ONLY = re.compile(r"\bAPPEND_ONLY\s*=\s*TRUE\b", re.IGNORECASE)
# A task's header ends at the first AS that stands alone; everything after it is the body Snowflake runs.
_TASK_AS = re.compile(r"\sAS\s", re.IGNORECASE)
_SCHEDULE = re.compile(r"\bSCHEDULE\s*=\s*'(?P<value>[^']*)'", re.IGNORECASE)
_AFTER = re.compile(rf"\bAFTER\s+(?P<names>{_NAME}(?:\s*,\s*{_NAME})*)", re.IGNORECASE)
_HAS_DATA = re.compile(r"SYSTEM\$STREAM_HAS_DATA\(\s*'(?P<name>[^']+)'\s*\)", re.IGNORECASE)
_VIEW_AS = re.compile(r"\sAS\s+(?=\(?\s*(?:SELECT|WITH)\b)", re.IGNORECASE)
_COPY_FROM = re.compile(rf"^COPY\s+INTO\s+(?P<table>{_NAME}).*?\bFROM\s+@(?P<stage>{_NAME})", re.IGNORECASE | re.DOTALL)


@dataclass
class Node:
    """One object of the pipeline and its data dependencies (schema-qualified, upper-case names)."""

    name: str
    kind: Kind
    path: Path | None = None
    line: int = 0
    reads: list[str] = field(default_factory=list)  # objects whose rows flow into this one
    writes: list[str] = field(default_factory=list)  # tasks only: the tables their body changes
    schedule: str | None = None  # root tasks
    after: list[str] = field(default_factory=list)  # child tasks: their predecessors
    when_streams: list[str] = field(default_factory=list)  # WHEN SYSTEM$STREAM_HAS_DATA('...')
    statement: str | None = None  # tasks: MERGE, INSERT, ...
    append_only: bool = False  # streams
    external: list[str] = field(default_factory=list)  # names read that the pipeline does not create

    @property
    def trigger(self) -> str:
        """How a task starts, in words: its schedule or its predecessors."""
        if self.schedule:
            return f"every {self.schedule.lower()}" if "CRON" not in self.schedule.upper() else self.schedule
        return "after " + ", ".join(self.after) if self.after else ""


@dataclass
class FlowGraph:
    """The objects of a pipeline keyed by name, with the landing table the simulator feeds."""

    pipeline: str
    landing: str
    nodes: dict[str, Node]

    def downstream(self, name: str) -> list[str]:
        """Objects that consume `name` directly (streams on a table, tasks reading it, views over it, writes)."""
        node = self.nodes.get(name)
        out = list(node.writes) if node is not None else []
        out += [other.name for other in self.nodes.values() if name in other.reads]
        return [n for n in dict.fromkeys(out) if n != name]

    def tasks(self) -> list[Node]:
        """Every task, in creation order."""
        return [n for n in self.nodes.values() if n.kind == "task"]

    def consumers(self, stream: str) -> list[str]:
        """Tasks whose body reads the stream (and so consume it)."""
        return [t.name for t in self.tasks() if stream in t.reads]


def build_graph(pipeline: Pipeline) -> FlowGraph:
    """Read every CREATE of the pipeline's SQL into a FlowGraph (the last CREATE of a name wins, as on redeploy)."""
    nodes: dict[str, Node] = {}
    schema = "PUBLIC"
    for stmt in pipeline.statements():
        use = _USE_SCHEMA.match(stmt.sql)
        if use:
            schema = use["name"].split(".")[-1].upper()
            continue
        match = _CREATE.match(stmt.sql)
        if match:
            node = _node(match["kind"].lower(), _qualify(match["name"], schema), stmt, schema)
            nodes[node.name] = node
    landing = pipeline.landing
    if landing.stage and landing.copy_statement:
        copy = _COPY_FROM.match(" ".join(landing.copy_statement.split()))
        if copy and landing.table in nodes:
            nodes[landing.table].reads.append(_qualify(copy["stage"], schema))
    known = set(nodes)
    for node in nodes.values():
        node.external = [n for n in node.reads if n not in known]
        node.reads = [n for n in node.reads if n in known]
        node.writes = [n for n in node.writes if n in known]
    return FlowGraph(pipeline.name, pipeline.landing.table, nodes)


def _node(kind: str, name: str, stmt: Statement, schema: str) -> Node:
    node = Node(name=name, kind=kind, path=stmt.path, line=stmt.line)  # type: ignore[arg-type]
    if kind == "stream":
        on = _ON_TABLE.search(stmt.sql)
        node.reads = [_qualify(on["name"], schema)] if on else []
        node.append_only = bool(_APPEND_ONLY.search(stmt.sql))
    elif kind == "task":
        parts = _TASK_AS.split(stmt.sql, maxsplit=1)
        header, body = parts[0], parts[1] if len(parts) > 1 else ""
        schedule = _SCHEDULE.search(header)
        node.schedule = schedule["value"] if schedule else None
        after = _AFTER.search(header)
        node.after = [_qualify(n, schema) for n in re.split(r"\s*,\s*", after["names"])] if after else []
        node.when_streams = [_qualify(m["name"], schema) for m in _HAS_DATA.finditer(header)]
        node.statement, node.writes, node.reads = _body_flow(body, schema)
    elif kind in ("view", "table"):
        split = _VIEW_AS.split(stmt.sql, maxsplit=1)
        if len(split) > 1:
            node.reads = _body_flow(split[1], schema)[2]
    return node


def _body_flow(sql: str, schema: str) -> tuple[str | None, list[str], list[str]]:
    """The statement keyword, the tables it writes, and the objects it reads, found by sqlglot."""
    try:
        tree = sqlglot.parse_one(sql, read="snowflake")
    except SqlglotError:
        return None, [], []
    ctes = {cte.alias_or_name.upper() for cte in tree.find_all(exp.CTE)}
    target = tree.this if isinstance(tree, exp.Insert | exp.Merge | exp.Update | exp.Delete) else None
    if isinstance(target, exp.Schema):  # INSERT INTO t (col, ...) wraps the table in a Schema
        target = target.this
    writes = [_table_name(target, schema)] if isinstance(target, exp.Table) else []
    reads: list[str] = []
    for table in tree.find_all(exp.Table):
        if table is target or not table.name or (not table.db and table.name.upper() in ctes):
            continue
        reads.append(_table_name(table, schema))
    keyword = tree.key.upper() if not isinstance(tree, exp.Command) else str(tree.this).upper()
    return keyword, writes, list(dict.fromkeys(n for n in reads if n not in writes))


def _table_name(table: exp.Table, schema: str) -> str:
    return f"{(table.db or schema).upper()}.{table.name.upper()}"


def _qualify(name: str, schema: str) -> str:
    parts = name.upper().split(".")
    return ".".join(parts[-2:]) if len(parts) > 1 else f"{schema.upper()}.{parts[0]}"
