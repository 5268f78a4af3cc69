"""Tasks in the catalog: definitions stored as JSON next to their runtime state, and the task-graph structure.

A task is a CatalogObject of kind TASK whose `info` holds the TaskDefinition (as JSON, names fully qualified) plus
state: started/suspended, id, the base time of an interval schedule, consecutive failures, graph version, ... .
Runtime state changes mutate `info` in place (the catalog's in-memory mirror) and are persisted in batches by
`Registry.flush()`, so a scheduled run does not rewrite the catalog row (docs for the rules: user-guide/tasks-graphs).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from snowsim.emulator.catalog import CatalogObject
from snowsim.emulator.identifiers import ObjectName
from snowsim.emulator.tasks.model import OverlapPolicy, TaskDefinition, TaskName
from snowsim.emulator.tasks.schedule import parse_schedule

if TYPE_CHECKING:
    from snowsim.emulator.connection import Connection

KIND = "TASK"
STARTED, SUSPENDED = "started", "suspended"


def object_name(name: TaskName) -> ObjectName:
    """A fully qualified TaskName as an ObjectName."""
    return ObjectName(name.database, name.schema, name.name)


def task_name(name: ObjectName) -> TaskName:
    """An ObjectName as a fully qualified TaskName."""
    return TaskName(name.name, name.schema, name.database)


def dotted(name: ObjectName) -> str:
    """DB.SCHEMA.NAME as Snowflake shows task names in SHOW TASKS predecessors (quoted only where needed)."""
    return str(name)


def definition_to_json(definition: TaskDefinition) -> dict[str, Any]:
    """The definition as JSON-serialisable data (schedules by text, names by parts)."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(definition):
        value = getattr(definition, f.name)
        if f.name == "schedule":
            value = value.text if value is not None else None
        elif f.name == "finalize":
            value = list(value.parts) if value is not None else None
        elif f.name == "after":
            value = [list(t.parts) for t in value]
        elif f.name == "overlap_policy":
            value = str(value)
        out[f.name] = value
    return out


def _name_from_parts(parts: list[str]) -> TaskName:
    return TaskName(*reversed(parts))


def definition_from_json(data: dict[str, Any]) -> TaskDefinition:
    """The inverse of definition_to_json."""
    values = dict(data)
    values["schedule"] = parse_schedule(data["schedule"]) if data.get("schedule") else None
    values["finalize"] = _name_from_parts(data["finalize"]) if data.get("finalize") else None
    values["after"] = tuple(_name_from_parts(p) for p in data.get("after") or ())
    values["overlap_policy"] = OverlapPolicy(data.get("overlap_policy") or OverlapPolicy.NO_OVERLAP)
    return TaskDefinition(**values)


@dataclass
class Task:
    """A task object with its decoded definition (cached per revision)."""

    obj: CatalogObject
    definition: TaskDefinition

    @property
    def name(self) -> ObjectName:
        """The fully qualified name."""
        return self.obj.name

    @property
    def info(self) -> dict[str, Any]:
        """The catalog info (mutated in place for runtime state)."""
        return self.obj.info

    @property
    def id(self) -> str:
        """The task id (new on CREATE OR REPLACE)."""
        return self.obj.info["id"]

    @property
    def started(self) -> bool:
        """Whether the task is resumed."""
        return self.obj.info["state"] == STARTED

    @property
    def predecessors(self) -> list[ObjectName]:
        """Fully qualified AFTER names."""
        return [object_name(t) for t in self.definition.after]

    @property
    def finalizes(self) -> ObjectName | None:
        """The root this task finalizes, if it is a finalizer."""
        return object_name(self.definition.finalize) if self.definition.finalize is not None else None

    @property
    def is_root(self) -> bool:
        """A standalone or root task: no predecessors and not a finalizer."""
        return not self.definition.after and self.definition.finalize is None

    def time(self, key: str) -> datetime | None:
        """A datetime stored in info under `key`."""
        value = self.obj.info.get(key)
        return datetime.fromisoformat(value) if value else None

    def set_time(self, key: str, value: datetime | None) -> None:
        """Store a datetime in info under `key`."""
        self.obj.info[key] = value.isoformat() if value is not None else None


class Registry:
    """The tasks of one connection's catalog: lookup with decoded definitions, graph structure, batched saves."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._decoded: dict[str, tuple[int, TaskDefinition]] = {}  # task id -> (revision, definition)
        self._index_version = -1
        self._children: dict[ObjectName, list[ObjectName]] = {}
        self._finalizer: dict[ObjectName, ObjectName] = {}
        self._dirty: set[ObjectName] = set()

    # ---- lookup ------------------------------------------------------------------------------------------
    def get(self, name: ObjectName) -> Task | None:
        """The task with that name, or None."""
        obj = self.conn.catalog.get(KIND, name)
        return self.wrap(obj) if obj is not None else None

    def wrap(self, obj: CatalogObject) -> Task:
        """A Task for a catalog object, decoding its definition only when it changed."""
        revision = obj.info.get("revision", 0)
        cached = self._decoded.get(obj.info["id"])
        if cached is None or cached[0] != revision:
            cached = (revision, definition_from_json(obj.info["definition"]))
            self._decoded[obj.info["id"]] = cached
        return Task(obj, cached[1])

    def all(self) -> list[Task]:
        """Every task, in creation order."""
        return [self.wrap(o) for o in self.conn.catalog.all(KIND)]

    # ---- writes ------------------------------------------------------------------------------------------
    def put(self, obj: CatalogObject) -> None:
        """Create or replace a task object (a structural catalog change)."""
        obj.info["revision"] = obj.info.get("revision", 0) + 1
        self.conn.catalog.put(obj)
        self._dirty.discard(obj.name)

    def update_definition(self, task: Task, definition: TaskDefinition) -> None:
        """Store a changed definition (ALTER TASK)."""
        task.info["definition"] = definition_to_json(definition)
        self.put(task.obj)

    def save(self, task: Task) -> None:
        """Persist a structural state change now (RESUME / SUSPEND: the schedule changes)."""
        self.put(task.obj)

    def touch(self, task: Task) -> None:
        """Mark runtime state (failures, next run, ...) for the next flush; no catalog version bump."""
        self._dirty.add(task.name)

    def flush(self) -> None:
        """Write runtime state changed since the last flush (non-structural: cached plans stay valid)."""
        for name in sorted(self._dirty, key=str):
            obj = self.conn.catalog.get(KIND, name)
            if obj is not None:
                self.conn.catalog.save(obj, structural=False)
        self._dirty.clear()

    def drop(self, task: Task) -> None:
        """Forget a task; its children lose it as a predecessor (docs: drop-task usage notes)."""
        self.conn.catalog.drop(KIND, task.name)
        self._dirty.discard(task.name)
        for other in self.all():
            if task.name in other.predecessors:
                after = tuple(t for t in other.definition.after if object_name(t) != task.name)
                self.update_definition(other, dataclasses.replace(other.definition, after=after))
            if other.finalizes == task.name:
                self.update_definition(other, dataclasses.replace(other.definition, finalize=None))

    # ---- graph structure ---------------------------------------------------------------------------------
    def _index(self) -> None:
        version = self.conn.catalog.version
        if version == self._index_version:
            return
        children: dict[ObjectName, list[ObjectName]] = {}
        finalizer: dict[ObjectName, ObjectName] = {}
        for task in self.all():
            for pred in task.predecessors:
                children.setdefault(pred, []).append(task.name)
            if task.finalizes is not None:
                finalizer[task.finalizes] = task.name
        for names in children.values():
            names.sort(key=lambda n: n.name)  # siblings run in name order: deterministic
        self._children, self._finalizer, self._index_version = children, finalizer, version

    def children(self, name: ObjectName) -> list[ObjectName]:
        """The tasks whose AFTER names this task, by name."""
        self._index()
        return list(self._children.get(name, ()))

    def finalizer(self, root: ObjectName) -> ObjectName | None:
        """The finalizer task of a root, if any."""
        self._index()
        return self._finalizer.get(root)

    def root_of(self, task: Task) -> Task:
        """The root of the graph a task belongs to (itself for a standalone or root task)."""
        seen: set[ObjectName] = set()
        current = task
        while not current.is_root and current.name not in seen:
            seen.add(current.name)
            parent = current.finalizes or current.predecessors[0]
            found = self.get(parent)
            if found is None:
                break
            current = found
        return current

    def members(self, root: ObjectName) -> list[ObjectName]:
        """The root, every task reachable through AFTER edges, then the finalizer (docs: tasks-graphs)."""
        order: list[ObjectName] = [root]
        seen = {root}
        i = 0
        while i < len(order):
            for child in self.children(order[i]):
                if child not in seen:
                    seen.add(child)
                    order.append(child)
            i += 1
        final = self.finalizer(root)
        if final is not None and final not in seen:
            order.append(final)
        return order

    def descendants(self, name: ObjectName) -> set[ObjectName]:
        """Every task reachable from `name` through AFTER edges (not the finalizer)."""
        found: set[ObjectName] = set()
        stack = [name]
        while stack:
            for child in self.children(stack.pop()):
                if child not in found:
                    found.add(child)
                    stack.append(child)
        return found
