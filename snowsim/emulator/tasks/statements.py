"""Task statements against the catalog: CREATE / ALTER / DROP / EXECUTE TASK, SHOW TASKS, DESCRIBE TASK.

docs: sql-reference/sql/create-task, alter-task, drop-task, execute-task, show-tasks, desc-task;
user-guide/tasks-graphs; functions/system_task_dependents_enable.
Graph rule: any change to a task of a graph needs its root suspended, else
`091421 (22000): Unable to update graph with root task <name> since that root task is not suspended.` (the text is
non-doc, seen in public code run against real accounts; it is also what RESUME / SUSPEND of a child gives then).
"""

from __future__ import annotations

import dataclasses
import fnmatch
import json
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from snowsim.emulator import errors
from snowsim.emulator.catalog import CatalogObject
from snowsim.emulator.identifiers import ObjectName, split_name
from snowsim.emulator.results import Result
from snowsim.emulator.tasks import ddl
from snowsim.emulator.tasks.ddl import (
    AlterAction,
    AlterTask,
    CreateTask,
    DescribeTask,
    DropTask,
    ExecuteTask,
    ShowTasks,
)
from snowsim.emulator.tasks.model import OverlapPolicy, TaskDefinition, TaskName, apply_set, apply_unset
from snowsim.emulator.tasks.model import apply_unset_tags as _unset_tags
from snowsim.emulator.tasks.registry import SUSPENDED, Task, definition_to_json, object_name, task_name
from snowsim.emulator.tasks.scheduler import Scheduler, resume_state

if TYPE_CHECKING:
    from snowsim.emulator.connection import Connection

OWNER = "ACCOUNTADMIN"  # snowsim has no roles: every object is owned by one role
MAX_PREDECESSORS = 100  # docs: tasks-graphs, a task can have at most 100 predecessors
OK = "Statement executed successfully."
# Errno/sqlstate and texts marked "NOT verified" below are snowsim's: the docs give the rule, not the error.
UNVERIFIED_ERRNO, UNVERIFIED_SQLSTATE = 91000, "22000"


def attach(conn: Connection) -> Scheduler:
    """The connection's scheduler, created on first use (connect() stays cheap)."""
    if conn.scheduler is None:
        conn.scheduler = Scheduler(conn)
    return conn.scheduler


def _unverified(text: str) -> errors.ProgrammingError:
    return errors.ProgrammingError(msg=text, errno=UNVERIFIED_ERRNO, sqlstate=UNVERIFIED_SQLSTATE)


def graph_not_suspended(root: ObjectName) -> errors.ProgrammingError:
    """091421: the graph's root must be suspended first."""
    return errors.ProgrammingError(
        msg=f"Unable to update graph with root task {root} since that root task is not suspended.",
        errno=91421,
        sqlstate="22000",
    )


def _qualify(conn: Connection, name: TaskName) -> ObjectName:
    return conn.translator().qualify_name(list(name.parts))


def _missing(name: ObjectName) -> errors.ProgrammingError:
    return errors.object_does_not_exist(str(name), "Task")


def _require(conn: Connection, name: TaskName) -> Task:
    sched = attach(conn)
    qualified = _qualify(conn, name)
    task = sched.registry.get(qualified)
    if task is None:
        raise _missing(qualified)
    return task


def _check_suspended_root(sched: Scheduler, task: Task) -> Task:
    root = sched.registry.root_of(task)
    if root.started:
        raise graph_not_suspended(root.name)
    return root


def _mark_graph_changed(sched: Scheduler, task: Task) -> None:
    root = sched.registry.root_of(task)
    root.info["graph_dirty"] = True
    sched.registry.touch(root)


def _now(conn: Connection) -> datetime:
    return conn.clock.now()


def _resolve_links(conn: Connection, name: ObjectName, definition: TaskDefinition) -> TaskDefinition:
    """Qualify AFTER and FINALIZE names and check the graph rules (docs: create-task, tasks-graphs)."""
    sched = attach(conn)
    after: list[TaskName] = []
    for pred in definition.after:
        qualified = _qualify(conn, pred)
        found = sched.registry.get(qualified)
        if found is None:
            raise _missing(qualified)
        if (qualified.database, qualified.schema) != (name.database, name.schema):
            # docs (tasks-graphs): all tasks of a graph are in one schema; message NOT verified
            raise _unverified(f"Task {name} and its predecessor {qualified} must be in the same schema.")
        if found.finalizes is not None:  # message NOT verified
            raise _unverified(f"A finalizer task ({qualified}) cannot be a predecessor.")
        if qualified == name or qualified in sched.registry.descendants(name):  # message NOT verified
            raise _unverified(f"Adding predecessor {qualified} to task {name} would create a cycle.")
        if qualified not in [object_name(t) for t in after]:
            after.append(task_name(qualified))
    if len(after) > MAX_PREDECESSORS:  # message NOT verified
        raise _unverified(f"Task {name} cannot have more than {MAX_PREDECESSORS} predecessors.")
    finalize = None
    if definition.finalize is not None:
        root_name = _qualify(conn, definition.finalize)
        root = sched.registry.get(root_name)
        if root is None:
            raise _missing(root_name)
        if not root.is_root:  # message NOT verified
            raise _unverified(f"Task {root_name} is not a root task and cannot have a finalizer.")
        other = sched.registry.finalizer(root_name)
        if other is not None and other != name:  # message NOT verified
            raise _unverified(f"Root task {root_name} already has a finalizer task {other}.")
        finalize = task_name(root_name)
    return dataclasses.replace(
        definition, name=name.name, schema=name.schema, database=name.database, after=tuple(after), finalize=finalize
    )


def _linked_roots(sched: Scheduler, definition: TaskDefinition) -> list[Task]:
    """The roots of the graphs a definition joins through AFTER / FINALIZE."""
    roots = []
    for linked in [*definition.after, *([definition.finalize] if definition.finalize else [])]:
        found = sched.registry.get(object_name(linked))
        if found is not None:
            roots.append(sched.registry.root_of(found))
    return roots


def _task_id(name: ObjectName, now: datetime, salt: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"snowsim-task:{name}:{now.isoformat()}:{salt}"))


# ---- CREATE ----------------------------------------------------------------------------------------------------


def create(conn: Connection, statement: CreateTask) -> Result:
    """CREATE [OR REPLACE] TASK [IF NOT EXISTS]: the task is created suspended (docs: create-task)."""
    sched = attach(conn)
    name = _qualify(conn, statement.definition.task_name)
    if conn.catalog.schema(name.database, name.schema) is None:
        raise errors.object_does_not_exist(f"{name.database}.{name.schema}", "Schema")
    existing = sched.registry.get(name)
    if existing is not None:
        if statement.if_not_exists:
            return Result.message("status", f"{name.name} already exists, statement succeeded.")
        if not statement.or_replace:
            raise errors.already_exists("Object", name.name)
        if not existing.is_root:
            _check_suspended_root(sched, existing)
    definition = _resolve_links(conn, name, statement.definition)
    for root in _linked_roots(sched, definition):
        if root.started and root.name != name:
            raise graph_not_suspended(root.name)
    conn.txns.commit()  # DDL commits an open transaction (docs: sql-reference/transactions)
    now = _now(conn)
    if existing is not None:
        _drop(sched, existing)  # docs: CREATE OR REPLACE makes a new task (new id, suspended)
    info = {
        "id": _task_id(name, now, len(conn.catalog.all("TASK")) + conn.catalog.version),
        "definition": definition_to_json(definition),
        "state": SUSPENDED,
        "owner": OWNER,
        "graph_version": 0,
        "graph_dirty": True,
        "generation": 0,
        "failures": 0,
        "last_committed_on": None,
        "last_suspended_on": None,
        "last_suspended_reason": None,
    }
    sched.registry.put(CatalogObject("TASK", name, now, info))
    task = sched.registry.get(name)
    _mark_graph_changed(sched, task)
    sched.flush()
    return Result.message("status", f"Task {name.name} successfully created.")


def _drop(sched: Scheduler, task: Task) -> None:
    _mark_graph_changed(sched, task)
    orphans = sched.registry.children(task.name)
    sched.forget(task)
    sched.registry.drop(task)
    for child_name in orphans:
        child = sched.registry.get(child_name)
        if child is not None and child.is_root and child.started:
            # docs (show-tasks last_suspended_reason CHILD_BECAME_ROOT): a child without predecessors is a root now
            _suspend(sched, child, "CHILD_BECAME_ROOT")


# ---- ALTER -----------------------------------------------------------------------------------------------------


def _suspend(sched: Scheduler, task: Task, reason: str) -> None:
    task.info["state"] = SUSPENDED
    task.info["last_suspended_reason"] = reason
    task.set_time("last_suspended_on", sched.conn.clock.now())
    sched.reschedule(task)
    sched.registry.touch(task)


def _resume(sched: Scheduler, task: Task) -> None:
    if task.started:
        return
    resume_state(task, sched.conn.clock.now())
    task.set_time("last_committed_on", sched.conn.clock.now())
    sched.reschedule(task)
    sched.registry.touch(task)


def alter(conn: Connection, statement: AlterTask) -> Result:
    """ALTER TASK [IF EXISTS] ... (docs: alter-task)."""
    sched = attach(conn)
    qualified = _qualify(conn, statement.name)
    task = sched.registry.get(qualified)
    if task is None:
        if statement.if_exists:
            return Result.message("status", OK)
        raise _missing(qualified)
    action = statement.action
    if action == AlterAction.RESUME:
        if not task.is_root:
            _check_suspended_root(sched, task)  # docs (alter-task): resume children before the root
        _resume(sched, task)
    elif action == AlterAction.SUSPEND:
        if not task.is_root:
            _check_suspended_root(sched, task)  # non-doc, observed: suspending a child of a started root fails
        if task.started:
            _suspend(sched, task, "USER_SUSPENDED")  # docs: a running run finishes; future runs are cancelled
    elif action in (AlterAction.SET_TAG, AlterAction.UNSET_TAG):
        definition = (
            apply_set(task.definition, statement.properties)
            if action == AlterAction.SET_TAG
            else _unset_tags(task.definition, statement.names)
        )
        sched.registry.update_definition(task, definition)
    else:
        _check_suspended_root(sched, task)
        _alter_definition(conn, sched, task, statement)
    sched.flush()
    return Result.message("status", OK)


def _alter_definition(conn: Connection, sched: Scheduler, task: Task, statement: AlterTask) -> None:
    old = task.definition
    action = statement.action
    if action == AlterAction.SET:
        definition = apply_set(old, statement.properties)
    elif action == AlterAction.UNSET:
        definition = apply_unset(old, statement.names)
    elif action == AlterAction.ADD_AFTER:
        definition = dataclasses.replace(old, after=(*old.after, *statement.after))
    elif action == AlterAction.REMOVE_AFTER:
        removed = {_qualify(conn, n) for n in statement.after}
        definition = dataclasses.replace(old, after=tuple(t for t in old.after if object_name(t) not in removed))
    elif action == AlterAction.MODIFY_AS:
        definition = dataclasses.replace(old, body=statement.body)
    elif action == AlterAction.MODIFY_WHEN:
        definition = dataclasses.replace(old, when=statement.when)
    else:  # REMOVE_WHEN
        definition = dataclasses.replace(old, when=None)
    ddl.validate_definition(definition)
    definition = _resolve_links(conn, task.name, definition)
    for root in _linked_roots(sched, definition):
        if root.started:
            raise graph_not_suspended(root.name)
    _mark_graph_changed(sched, task)
    sched.registry.update_definition(task, definition)
    task = sched.registry.get(task.name)
    if definition.schedule != old.schedule:
        task.set_time("base_time", None)  # docs (alter-task): SET SCHEDULE restarts the interval's base time
    if old.after and not definition.after and task.started:
        _suspend(sched, task, "CHILD_BECAME_ROOT")
    _mark_graph_changed(sched, task)
    sched.reschedule(task)


def dependents_enable(conn: Connection, name_text: str) -> None:
    """SYSTEM$TASK_DEPENDENTS_ENABLE: resume a task and all its dependents, dependents first (docs)."""
    sched = attach(conn)
    name = conn.translator().qualify_name(split_name(name_text))
    task = sched.registry.get(name)
    if task is None:
        raise _missing(name)
    root = sched.registry.root_of(task)
    reached = [task.name, *sorted(sched.registry.descendants(task.name), key=str)]
    final = sched.registry.finalizer(root.name)
    if final is not None and task.name == root.name:
        reached.append(final)
    for member in reversed(reached):  # children before the root, so the root starts last
        found = sched.registry.get(member)
        if found is not None:
            _resume(sched, found)
    sched.flush()


# ---- DROP / EXECUTE ------------------------------------------------------------------------------------------


def drop(conn: Connection, statement: DropTask) -> Result:
    """DROP TASK [IF EXISTS] (docs: drop-task: a dropped predecessor's children become roots)."""
    sched = attach(conn)
    qualified = _qualify(conn, statement.name)
    task = sched.registry.get(qualified)
    if task is None:
        if statement.if_exists:
            return Result.message("status", f"Drop statement executed successfully ({qualified.name} already dropped).")
        raise _missing(qualified)
    conn.txns.commit()
    _drop(sched, task)
    sched.flush()
    return Result.message("status", f"{qualified.name} successfully dropped.")


def execute(conn: Connection, statement: ExecuteTask) -> Result:
    """EXECUTE TASK: one run of a standalone or root task now, even when suspended (docs: execute-task).

    Observed on real accounts (non-doc): EXECUTE TASK does not bypass WHEN; a false condition gives a SKIPPED run.
    """
    sched = attach(conn)
    task = _require(conn, statement.name)
    if not task.is_root:
        # docs: executing a child task is a user error; the message is NOT verified
        raise _unverified(f"Cannot execute task {task.name}: EXECUTE TASK can only run a standalone task or the "
                          "root task of a task graph.")
    if statement.retry_last:
        sched.retry(task)
    elif statement.retry_graph_run_group is not None:
        sched.retry(task, statement.retry_graph_run_group)
    else:
        sched.execute(task, statement.config)
    return Result.message("status", OK)


# ---- SHOW / DESCRIBE -------------------------------------------------------------------------------------------

SHOW_COLUMNS = [
    "created_on", "name", "id", "database_name", "schema_name", "owner", "comment", "warehouse", "schedule",
    "predecessors", "state", "definition", "condition", "allow_overlapping_execution", "error_integration",
    "last_committed_on", "last_suspended_on", "owner_role_type", "config", "budget", "task_relations",
    "last_suspended_reason",
]  # fmt: skip
TERSE_COLUMNS = ["created_on", "name", "kind", "database_name", "schema_name", "schedule"]


def _ltz(conn: Connection, moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    zone = ZoneInfo(str(conn.session.parameters.get("TIMEZONE", "America/Los_Angeles")))
    return moment.replace(tzinfo=UTC).astimezone(zone)


def _row(conn: Connection, sched: Scheduler, task: Task) -> tuple:
    d = task.definition
    predecessors = [str(p) for p in task.predecessors]
    relations: dict[str, object] = {"Predecessors": predecessors}
    final = sched.registry.finalizer(task.name) if task.is_root else None
    if final is not None:
        relations["FinalizerTask"] = str(final)
    if task.finalizes is not None:
        relations["FinalizedRootTask"] = str(task.finalizes)
    return (
        _ltz(conn, task.obj.created_on),
        task.name.name,
        task.id,
        task.name.database,
        task.name.schema,
        task.info.get("owner", OWNER),
        d.comment,
        d.warehouse,
        d.schedule.text if d.schedule is not None else None,
        json.dumps(predecessors, indent=2),  # docs: a JSON array of fully qualified names
        task.info["state"],
        d.body,
        d.when,
        "false" if d.overlap_policy == OverlapPolicy.NO_OVERLAP else "true",
        d.error_integration,
        _ltz(conn, task.time("last_committed_on")),
        _ltz(conn, task.time("last_suspended_on")),
        "ROLE",
        d.config,
        None,
        json.dumps(relations, separators=(",", ":")),
        task.info.get("last_suspended_reason"),
    )


def _in_scope(conn: Connection, statement: ShowTasks, name: ObjectName) -> bool:
    scope, parts = statement.scope, statement.scope_name
    session = conn.session
    if scope == "ACCOUNT":
        return True
    if scope == "DATABASE":
        return name.database == (parts[0] if parts else session.database)
    if scope == "SCHEMA" or (scope is None and session.schema is not None):
        if len(parts) == 2:
            return (name.database, name.schema) == parts
        schema = parts[0] if parts else session.schema
        return (name.database, name.schema) == (session.database, schema)
    return session.database is None or name.database == session.database


def _like(pattern: str, value: str) -> bool:
    translated = pattern.replace("[", "[[]").replace("*", "[*]").replace("?", "[?]").replace("%", "*").replace("_", "?")
    return fnmatch.fnmatchcase(value.upper(), translated.upper())


def show(conn: Connection, statement: ShowTasks) -> Result:
    """SHOW [TERSE] TASKS ... ordered by database, schema and name (docs: show-tasks)."""
    sched = attach(conn)
    tasks = [t for t in sched.registry.all() if _in_scope(conn, statement, t.name)]
    if statement.like is not None:
        tasks = [t for t in tasks if _like(statement.like, t.name.name)]
    if statement.starts_with is not None:
        tasks = [t for t in tasks if t.name.name.startswith(statement.starts_with)]
    if statement.root_only:
        tasks = [t for t in tasks if t.is_root]
    tasks.sort(key=lambda t: (t.name.database, t.name.schema, t.name.name))
    if statement.limit_from is not None:
        tasks = [t for t in tasks if t.name.name >= statement.limit_from]
    if statement.limit is not None:
        tasks = tasks[: statement.limit]
    if statement.terse:
        rows = [
            (_ltz(conn, t.obj.created_on), t.name.name, None, t.name.database, t.name.schema,
             t.definition.schedule.text if t.definition.schedule else None)
            for t in tasks
        ]
        return Result.table(TERSE_COLUMNS, rows)
    return Result.table(SHOW_COLUMNS, [_row(conn, sched, t) for t in tasks])


def describe(conn: Connection, statement: DescribeTask) -> Result:
    """DESCRIBE TASK: the SHOW TASKS row of one task (docs: desc-task)."""
    sched = attach(conn)
    task = _require(conn, statement.name)
    return Result.table(SHOW_COLUMNS, [_row(conn, sched, task)])


def handle(conn: Connection, sql: str) -> Result:
    """Parse and run one task statement."""
    statement = ddl.parse_task_statement(sql)
    if isinstance(statement, CreateTask):
        return create(conn, statement)
    if isinstance(statement, AlterTask):
        return alter(conn, statement)
    if isinstance(statement, DropTask):
        return drop(conn, statement)
    if isinstance(statement, ExecuteTask):
        return execute(conn, statement)
    if isinstance(statement, ShowTasks):
        return show(conn, statement)
    return describe(conn, statement)

