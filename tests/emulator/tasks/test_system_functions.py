"""Task system functions inside (and outside) task runs."""

from __future__ import annotations

import pytest
from snowflake.connector import errors as sf


def test_runtime_info_inside_a_task(conn, sql, start):
    """docs: sql-reference/functions/system_task_runtime_info."""
    sql("create table info (k varchar, v varchar)",
        "create task root schedule = '1 minute' as insert into info select 'root', "
        "system$task_runtime_info('CURRENT_ROOT_TASK_NAME')",
        "create task child after root as insert into info "
        "select 'task', system$task_runtime_info('CURRENT_TASK_NAME') union all "
        "select 'original', system$task_runtime_info('CURRENT_TASK_GRAPH_ORIGINAL_SCHEDULED_TIMESTAMP') union all "
        "select 'group', system$task_runtime_info('CURRENT_TASK_GRAPH_RUN_GROUP_ID') union all "
        "select 'uuid', system$task_runtime_info('CURRENT_ROOT_TASK_UUID') union all "
        "select 'user', system$current_user_task_name()",
        "alter task child resume", "alter task root resume")
    (run,) = conn.advance(minutes=1)
    values = dict(sql("select k, v from info"))
    assert values["root"] == "ROOT" and values["task"] == "CHILD" and values["user"] == "CHILD"
    assert values["original"] == "2026-01-05 08:01:00.000+00:00"
    assert values["group"] == run.graph_run_group_id
    assert values["uuid"] == sql("show tasks like 'ROOT'")[0][2]


def test_runtime_info_outside_a_task_fails(sql):
    """docs: sql-reference/functions/system_task_runtime_info - fails when called outside a task run."""
    with pytest.raises(sf.ProgrammingError, match="within a task run"):
        sql("select system$task_runtime_info('CURRENT_TASK_NAME')")
    with pytest.raises(sf.ProgrammingError):
        sql("call system$set_return_value('x')")
    assert sql("select system$current_user_task_name()") == [(None,)]


def test_return_values_flow_to_successors_and_their_when(conn, sql):
    """docs: functions/system_set_return_value, system_get_predecessor_return_value (WHEN may use it)."""
    sql("create table got (v varchar)",
        "create task root as select system$set_return_value('go')",
        "create task yes after root when system$get_predecessor_return_value('ROOT') = 'go' "
        "as insert into got select system$get_predecessor_return_value()",
        "create task no after root when system$get_predecessor_return_value('db.s.root') = 'stop' "
        "as insert into got values ('wrong')",
        "alter task yes resume", "alter task no resume", "execute task root")
    assert sql("select v from got") == [("go",)]
    assert sql.history("name, state, return_value") == [
        ("ROOT", "SUCCEEDED", "go"), ("NO", "SKIPPED", None), ("YES", "SUCCEEDED", None)
    ]


def test_graph_config_and_execute_using_config(conn, sql):
    """docs: functions/system_get_task_graph_config, sql/execute-task USING CONFIG (overrides the root's CONFIG)."""
    sql("create table seen (v varchar)",
        "create task root config = '{\"env\": \"prod\", \"n\": {\"k\": 1}}' as insert into seen "
        "select system$get_task_graph_config('env') union all select system$get_task_graph_config('n.k')",
        "execute task root")
    assert sorted(sql("select v from seen")) == [("1",), ("prod",)]
    sql("truncate table seen", "execute task root using config = '{\"env\": \"dev\"}'")
    assert sql("select v from seen where v is not null") == [("dev",)]
    assert [c for (c,) in sql.history("config")] == ['{"env": "prod", "n": {"k": 1}}', '{"env": "dev"}']
