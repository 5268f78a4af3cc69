"""Task statements on the catalog: CREATE / ALTER / DROP / SHOW / DESCRIBE TASK and the task-graph rules."""

from __future__ import annotations

import json

import pytest
from snowflake.connector import errors as sf


def show(cur, like: str | None = None) -> dict[str, dict]:
    cur.execute("show tasks" + (f" like '{like}'" if like else ""))
    names = [d.name for d in cur.description]
    return {row[1]: dict(zip(names, row, strict=True)) for row in cur.fetchall()}


def run(cur, *statements: str) -> None:
    for statement in statements:
        cur.execute(statement)


def make_graph(cur) -> None:
    run(
        cur,
        "create task root warehouse = wh schedule = '5 minutes' as select 1",
        "create task child after root as select 2",
        "create task grandchild after child as select 3",
    )


def test_created_suspended_with_show_tasks_columns(cur):
    """docs: sql-reference/sql/create-task (created suspended), sql-reference/sql/show-tasks (columns)."""
    cur.execute("create task t1 warehouse = wh schedule = '10 minutes' comment = 'c' config = '{\"a\": 1}' "
                "when system$stream_has_data('s') as select 1")
    assert cur.fetchone() == ("Task T1 successfully created.",)
    cur.execute("show tasks")
    assert [d.name for d in cur.description] == [
        "created_on", "name", "id", "database_name", "schema_name", "owner", "comment", "warehouse", "schedule",
        "predecessors", "state", "definition", "condition", "allow_overlapping_execution", "error_integration",
        "last_committed_on", "last_suspended_on", "owner_role_type", "config", "budget", "task_relations",
        "last_suspended_reason",
    ]  # fmt: skip
    row = show(cur)["T1"]
    assert row["state"] == "suspended"
    assert (row["database_name"], row["schema_name"], row["warehouse"]) == ("DB", "S", "WH")
    assert row["schedule"] == "10 minutes" and row["comment"] == "c" and row["config"] == '{"a": 1}'
    assert row["predecessors"] == "[]" and row["definition"] == "select 1"
    assert row["condition"] == "system$stream_has_data('s')"
    assert row["allow_overlapping_execution"] == "false"
    assert row["created_on"].tzinfo is not None  # TIMESTAMP_LTZ


def test_child_predecessors_are_a_json_array_of_qualified_names(cur):
    """docs: sql-reference/sql/show-tasks - predecessors: JSON array of fully qualified names."""
    make_graph(cur)
    rows = show(cur)
    assert json.loads(rows["CHILD"]["predecessors"]) == ["DB.S.ROOT"]
    assert json.loads(rows["GRANDCHILD"]["task_relations"]) == {"Predecessors": ["DB.S.CHILD"]}
    cur.execute("show tasks root only")
    assert [r[1] for r in cur.fetchall()] == ["ROOT"]


def test_create_or_replace_gives_a_new_suspended_task(cur):
    """docs: sql-reference/sql/create-task - CREATE OR REPLACE creates a new task (new id), suspended."""
    run(cur, "create task t warehouse = wh schedule = '1 minute' as select 1", "alter task t resume")
    before = show(cur)["T"]
    assert before["state"] == "started"
    run(cur, "create or replace task t warehouse = wh schedule = '1 minute' as select 2")
    after = show(cur)["T"]
    assert after["state"] == "suspended" and after["id"] != before["id"] and after["definition"] == "select 2"


def test_create_existing_and_if_not_exists(cur):
    """docs: sql-reference/sql/create-task - IF NOT EXISTS; otherwise 002002 Object already exists."""
    run(cur, "create task t as select 1")
    with pytest.raises(sf.ProgrammingError) as info:
        cur.execute("create task t as select 2")
    assert info.value.errno == 2002
    cur.execute("create task if not exists t as select 2")
    assert cur.fetchone() == ("T already exists, statement succeeded.",)
    assert show(cur)["T"]["definition"] == "select 1"


def test_after_a_missing_task_is_an_error(cur):
    """docs: sql-reference/sql/create-task - AFTER names existing tasks."""
    with pytest.raises(sf.ProgrammingError) as info:
        cur.execute("create task c after nope as select 1")
    assert info.value.errno == 2003 and "NOPE" in info.value.msg


def test_child_cannot_have_a_schedule(cur):
    """docs: sql-reference/sql/create-task - only a root (or standalone) task has a SCHEDULE."""
    run(cur, "create task root schedule = '1 minute' as select 1")
    with pytest.raises(sf.ProgrammingError):
        cur.execute("create task c schedule = '1 minute' after root as select 1")


def test_root_must_be_suspended_before_its_graph_changes(cur):
    """docs: sql-reference/sql/alter-task - suspend the root first; 091421 (non-doc text, observed)."""
    make_graph(cur)
    run(cur, "alter task grandchild resume", "alter task child resume", "alter task root resume")
    for statement in (
        "alter task child set comment = 'x'",
        "alter task grandchild modify as select 4",
        "alter task child suspend",
        "alter task root set schedule = '1 minute'",
        "create task other after child as select 5",
    ):
        with pytest.raises(sf.ProgrammingError) as info:
            cur.execute(statement)
        assert (info.value.errno, info.value.sqlstate) == (91421, "22000")
        assert info.value.raw_msg == (
            "Unable to update graph with root task DB.S.ROOT since that root task is not suspended."
        )
    run(cur, "alter task root suspend", "alter task child set comment = 'x'", "alter task grandchild modify as select 4")
    rows = show(cur)
    assert rows["CHILD"]["comment"] == "x" and rows["GRANDCHILD"]["definition"] == "select 4"


def test_resume_children_before_the_root(cur):
    """docs: sql-reference/sql/alter-task - resuming a child while its root is started fails (091421)."""
    make_graph(cur)
    run(cur, "alter task root resume")
    with pytest.raises(sf.ProgrammingError) as info:
        cur.execute("alter task child resume")
    assert info.value.errno == 91421


def test_task_dependents_enable_resumes_the_whole_graph(cur):
    """docs: sql-reference/functions/system_task_dependents_enable."""
    make_graph(cur)
    cur.execute("select system$task_dependents_enable('db.s.root')")
    assert {name: row["state"] for name, row in show(cur).items()} == {
        "ROOT": "started", "CHILD": "started", "GRANDCHILD": "started"
    }


def test_alter_set_unset_modify_when(cur):
    """docs: sql-reference/sql/alter-task - SET / UNSET / MODIFY AS / MODIFY WHEN / REMOVE WHEN."""
    run(cur, "create task t warehouse = wh as select 1")
    run(cur, "alter task t set schedule = '2 minutes', comment = 'hello'", "alter task t modify when 1 = 1")
    row = show(cur)["T"]
    assert (row["schedule"], row["comment"], row["condition"]) == ("2 minutes", "hello", "1 = 1")
    run(cur, "alter task t unset comment", "alter task t remove when", "alter task t modify as select 9")
    row = show(cur)["T"]
    assert (row["comment"], row["condition"], row["definition"]) == (None, None, "select 9")


def test_add_and_remove_after(cur):
    """docs: sql-reference/sql/alter-task - ADD AFTER / REMOVE AFTER; a cycle is refused."""
    run(cur, "create task a as select 1", "create task b as select 2", "alter task b add after a")
    assert json.loads(show(cur)["B"]["predecessors"]) == ["DB.S.A"]
    with pytest.raises(sf.ProgrammingError):
        cur.execute("alter task a add after b")
    run(cur, "alter task b remove after a")
    assert show(cur)["B"]["predecessors"] == "[]"


def test_drop_task_and_children_become_roots(cur):
    """docs: sql-reference/sql/drop-task - a dropped predecessor's children become standalone/root tasks."""
    make_graph(cur)
    cur.execute("drop task child")
    assert cur.fetchone() == ("CHILD successfully dropped.",)
    rows = show(cur)
    assert "CHILD" not in rows and rows["GRANDCHILD"]["predecessors"] == "[]"
    with pytest.raises(sf.ProgrammingError) as info:
        cur.execute("drop task child")
    assert info.value.errno == 2003
    cur.execute("drop task if exists child")


def test_describe_task(cur):
    """docs: sql-reference/sql/desc-task - the SHOW TASKS columns of one task."""
    run(cur, "create task t warehouse = wh schedule = 'USING CRON 0 9 * * * UTC' as select 1")
    cur.execute("describe task t")
    rows = cur.fetchall()
    assert len(rows) == 1 and rows[0][1] == "T" and rows[0][8] == "USING CRON 0 9 * * * UTC"
    with pytest.raises(sf.ProgrammingError):
        cur.execute("desc task nope")


def test_show_tasks_filters(cur):
    """docs: sql-reference/sql/show-tasks - LIKE (case-insensitive), STARTS WITH, IN, LIMIT, TERSE."""
    run(cur, "create task load_a as select 1", "create task load_b as select 1", "create task other as select 1",
        "create schema s2", "create task load_c as select 1", "use schema s")
    assert sorted(show(cur, "load%")) == ["LOAD_A", "LOAD_B"]
    cur.execute("show tasks in database db starts with 'LOAD' limit 2")
    assert [r[1] for r in cur.fetchall()] == ["LOAD_A", "LOAD_B"]
    cur.execute("show tasks in schema db.s2")
    assert [r[1] for r in cur.fetchall()] == ["LOAD_C"]
    cur.execute("show terse tasks like 'other'")
    assert [d.name for d in cur.description] == ["created_on", "name", "kind", "database_name", "schema_name",
                                                 "schedule"]


def test_parser_errors_surface_as_connector_errors(cur):
    """docs: sql-reference/sql/create-task - a malformed statement is 001003; unsupported forms are named."""
    with pytest.raises(sf.ProgrammingError) as info:
        cur.execute("create task t schedule = '5 apples' as select 1")
    assert "Invalid schedule" in info.value.msg
    with pytest.raises(sf.NotSupportedError):
        cur.execute("create or alter task t as select 1")
