"""Control faults as SQL on the target: make a task fail, recover it, suspend and resume tasks.

Snowflake requires the root of a graph to be suspended while any task of the graph changes (ALTER TASK ... MODIFY AS
fails with 091421 otherwise), so fail_task and recover_task wrap the change in SUSPEND/RESUME of the root, and resume
it only if it was started: a root the scheduler auto-suspended after SUSPEND_TASK_AFTER_NUM_FAILURES, or one a
pause_tasks fault suspended, stays suspended. Everything here is plain Snowflake SQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from snowsim.simulator.faults import ControlAction
from snowsim.simulator.pipeline import Pipeline
from snowsim.simulator.targets import DBError, Target, error_text

_CREATE_TASK = re.compile(
    r"^CREATE\s+(?:OR\s+REPLACE\s+)?TASK\s+(?:IF\s+NOT\s+EXISTS\s+)?(?P<name>[A-Za-z_][\w$]*(?:\.[A-Za-z_][\w$]*)*)",
    re.IGNORECASE,
)
_AS = re.compile(r"\sAS\s", re.IGNORECASE)
_AFTER = re.compile(r"\bAFTER\s+(?P<names>[\w$.]+(?:\s*,\s*[\w$.]+)*)", re.IGNORECASE)


_WRITES = re.compile(
    r"\b(?:INSERT\s+(?:OVERWRITE\s+)?INTO|MERGE\s+INTO|UPDATE(?!\s+SET\b)|DELETE\s+FROM|COPY\s+INTO|TRUNCATE\s+(?:TABLE\s+)?"
    r"(?:IF\s+EXISTS\s+)?|CREATE\s+(?:OR\s+REPLACE\s+)?(?:TRANSIENT\s+|TEMPORARY\s+)?TABLE)\s+"
    r"(?P<name>[A-Za-z_][\w$]*(?:\.[A-Za-z_][\w$]*)*)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class TaskDef:
    """A task as the pipeline's SQL creates it: its predecessors and its body (the statement after AS)."""

    name: str
    after: tuple[str, ...]
    body: str

    @property
    def writes(self) -> frozenset[str] | None:
        """Tables the body writes (schema-qualified as written), None when it cannot tell (CALL, scripting)."""
        if re.match(r"\s*(CALL|EXECUTE|BEGIN|DECLARE)\b", self.body, re.IGNORECASE):
            return None
        names = {m["name"].upper() for m in _WRITES.finditer(self.body)}
        return frozenset(".".join(n.split(".")[-2:]) for n in names) or None


def task_definitions(pipeline: Pipeline) -> dict[str, TaskDef]:
    """Schema-qualified task name -> definition, read from the pipeline's CREATE TASK statements."""
    tasks: dict[str, TaskDef] = {}
    for stmt in pipeline.statements():
        match = _CREATE_TASK.match(stmt.sql)
        if not match:
            continue
        parts = _AS.split(stmt.sql, maxsplit=1)
        header, body = (parts[0], parts[1].strip()) if len(parts) == 2 else (stmt.sql, "")
        after = _AFTER.search(header)
        names = tuple(n.strip().upper() for n in after["names"].split(",")) if after else ()
        name = match["name"].upper()
        schema = name.rsplit(".", 1)[0] if "." in name else ""
        # An unqualified predecessor lives in the task's own schema (all tasks of a graph share one).
        names = tuple(n if "." in n or not schema else f"{schema}.{n}" for n in names)
        tasks[name] = TaskDef(name, names, body)
    return tasks


def failing_body(message: str) -> str:
    """A statement that fails on Snowflake and on the emulator with a real error that carries `message`."""
    # TO_NUMBER of text raises 100038 "Numeric value '<message>' is not recognized": the fault's own words end up
    # in TASK_HISTORY.ERROR_MESSAGE, where a human looking at the run will find them.
    return "SELECT TO_NUMBER('{}')".format(message.replace("\\", "\\\\").replace("'", "''"))


class Controller:
    """Executes ControlActions on a target; each returns the text of the moment to record."""

    def __init__(self, target: Target, pipeline: Pipeline) -> None:
        self.target = target
        self.tasks = task_definitions(pipeline)

    def root_of(self, task: str) -> str:
        """The root of the graph a task belongs to (itself for a standalone or root task)."""
        seen = set()
        while self.tasks.get(task) and self.tasks[task].after and task not in seen:
            seen.add(task)
            task = self.tasks[task].after[0]
        return task

    def state(self, task: str) -> str | None:
        """'started' or 'suspended' from SHOW TASKS, None when the task does not exist."""
        schema, _, name = task.rpartition(".")
        scope = f" IN SCHEMA {schema}" if schema else ""
        rows = self.target.query_dicts(f"SHOW TASKS LIKE '{name}'{scope}")
        for row in rows:
            row = {k.lower(): v for k, v in row.items()}
            if str(row.get("name", "")).upper() == name:
                return str(row.get("state", "")).lower()
        return None

    def apply(self, action: ControlAction) -> str:
        """Run one control action; returns a one-line description (errors included, never raised)."""
        task = action.target.upper()
        try:
            if action.kind == "fail_task":
                error = str(action.params.get("error", "Simulated task failure"))
                self._modify(task, failing_body(error))
                minutes = float(action.params.get("duration_seconds", 0)) / 60
                return f"{task} made to fail for {minutes:g} min ({error})"
            if action.kind == "recover_task":
                definition = self.tasks.get(task)
                if definition is None:
                    return f"cannot recover {task}: the pipeline's SQL does not create it"
                self._modify(task, definition.body)
                return f"{task} restored to its original body"
            if action.kind == "suspend_task":
                self.target.execute(f"ALTER TASK {task} SUSPEND")
                hours = float(action.params.get("duration_seconds", 0)) / 3600
                return f"{task} suspended" + (f" for {hours:g} h" if hours else "")
            if action.kind == "resume_task":
                self.target.execute(f"ALTER TASK {task} RESUME")
                return f"{task} resumed"
        except DBError as exc:
            return f"{action.kind} {task} failed on the target: {error_text(exc)}"
        return f"unknown control action {action.kind!r} for {task} ignored"

    def _modify(self, task: str, body: str) -> None:
        root = self.root_of(task)
        started = self.state(root) == "started"
        if started:
            self.target.execute(f"ALTER TASK {root} SUSPEND")
        try:
            self.target.execute(f"ALTER TASK {task} MODIFY AS {body}")
        finally:
            if started:
                self.target.execute(f"ALTER TASK {root} RESUME")
