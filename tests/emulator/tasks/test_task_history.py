"""TASK_HISTORY, COMPLETE_TASK_GRAPHS and CURRENT_TASK_GRAPHS table functions."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from snowflake.connector import errors as sf

COLUMNS = [
    "QUERY_ID", "NAME", "DATABASE_NAME", "SCHEMA_NAME", "QUERY_TEXT", "CONDITION_TEXT", "STATE", "ERROR_CODE",
    "ERROR_MESSAGE", "SCHEDULED_TIME", "QUERY_START_TIME", "NEXT_SCHEDULED_TIME", "COMPLETED_TIME", "ROOT_TASK_ID",
    "GRAPH_VERSION", "RUN_ID", "RETURN_VALUE", "SCHEDULED_FROM", "ATTEMPT_NUMBER", "CONFIG", "QUERY_HASH",
    "QUERY_HASH_VERSION", "QUERY_PARAMETERIZED_HASH", "QUERY_PARAMETERIZED_HASH_VERSION", "GRAPH_RUN_GROUP_ID",
    "BACKFILL_INFO",
]  # fmt: skip


def utc(value):
    return value.astimezone(UTC).replace(tzinfo=None)


@pytest.fixture
def graph(conn, sql):
    sql("create task root warehouse = wh schedule = '1 minute' config = '{\"env\": \"test\"}' as select 1",
        "create task child after root when 1 = 1 as select 2",
        "alter task child resume", "alter task root resume")
    return sql("show tasks like 'ROOT'")[0][2]  # the root's id


def test_columns_and_values_of_a_run(conn, cur, graph, start):
    """docs: sql-reference/functions/task_history - every documented column."""
    conn.advance(minutes=1)
    cur.execute("select * from table(information_schema.task_history()) where state = 'SUCCEEDED' order by name")
    assert [d.name for d in cur.description] == COLUMNS
    child, root = (dict(zip(COLUMNS, row, strict=True)) for row in cur.fetchall())
    at = start + timedelta(minutes=1)
    assert (root["NAME"], root["DATABASE_NAME"], root["SCHEMA_NAME"]) == ("ROOT", "DB", "S")
    assert root["QUERY_TEXT"] == "select 1" and child["CONDITION_TEXT"] == "1 = 1"
    assert utc(root["SCHEDULED_TIME"]) == at and utc(root["QUERY_START_TIME"]) == at
    assert utc(root["COMPLETED_TIME"]) == at and utc(root["NEXT_SCHEDULED_TIME"]) == at + timedelta(minutes=1)
    assert root["ROOT_TASK_ID"] == child["ROOT_TASK_ID"] == graph
    assert root["RUN_ID"] == child["RUN_ID"] == int(at.replace(tzinfo=UTC).timestamp() * 1000)
    assert root["GRAPH_RUN_GROUP_ID"] == child["GRAPH_RUN_GROUP_ID"]
    assert (root["GRAPH_VERSION"], root["ATTEMPT_NUMBER"], root["SCHEDULED_FROM"]) == (1, 1, "SCHEDULE")
    assert root["CONFIG"] == '{"env": "test"}'
    assert root["QUERY_ID"] and root["QUERY_HASH"] and root["ERROR_CODE"] is None
    assert root["SCHEDULED_TIME"].tzinfo is not None  # TIMESTAMP_LTZ


def test_newest_first_with_the_next_scheduled_run(conn, sql, graph, start):
    """docs: functions/task_history - ordered by SCHEDULED_TIME descending; includes the next SCHEDULED run."""
    conn.advance(minutes=2)
    rows = sql("select name, state, scheduled_time from table(information_schema.task_history())")
    assert [(n, s, utc(t)) for n, s, t in rows] == [
        ("ROOT", "SCHEDULED", start + timedelta(minutes=3)),
        ("CHILD", "SUCCEEDED", start + timedelta(minutes=2)),
        ("ROOT", "SUCCEEDED", start + timedelta(minutes=2)),
        ("CHILD", "SUCCEEDED", start + timedelta(minutes=1)),
        ("ROOT", "SUCCEEDED", start + timedelta(minutes=1)),
    ]


def test_arguments(conn, sql, graph, start):
    """docs: functions/task_history - RESULT_LIMIT, TASK_NAME, ERROR_ONLY, ROOT_TASK_ID, SCHEDULED_TIME_RANGE_*."""
    sql("create task lone as select * from missing_table", "execute task lone")
    conn.advance(minutes=5)
    count = "select count(*) from table(information_schema.task_history({}))"
    assert sql(count.format("")) == [(12,)]
    assert sql(count.format("result_limit => 3")) == [(3,)]
    assert sql(count.format("task_name => 'child'")) == [(5,)]
    assert sql(count.format("error_only => true")) == [(1,)]
    assert sql(count.format(f"root_task_id => '{graph}'")) == [(11,)]
    assert sql(count.format(
        "scheduled_time_range_start => dateadd(minute, 3, to_timestamp_ltz('2026-01-05 08:00:00Z')), "
        "scheduled_time_range_end => to_timestamp_ltz('2026-01-05 08:04:00Z')"
    )) == [(4,)]
    with pytest.raises(sf.ProgrammingError):
        sql(count.format("result_limit => 0"))
    with pytest.raises(sf.ProgrammingError):
        sql(count.format("no_such_argument => 1"))


def test_complete_and_current_task_graphs(conn, sql, graph, start):
    """docs: functions/complete_task_graphs (past 60 minutes), functions/current_task_graphs (next / executing)."""
    conn.advance(minutes=2)
    rows = sql("select root_task_name, state, scheduled_from, completed_time, root_task_id, attempt_number "
               "from table(information_schema.complete_task_graphs())")
    assert [(n, s, f, utc(t), i, a) for n, s, f, t, i, a in rows] == [
        ("ROOT", "SUCCEEDED", "SCHEDULE", start + timedelta(minutes=2), graph, 1),
        ("ROOT", "SUCCEEDED", "SCHEDULE", start + timedelta(minutes=1), graph, 1),
    ]
    current = sql("select root_task_name, state, scheduled_time from table(information_schema.current_task_graphs())")
    assert [(n, s, utc(t)) for n, s, t in current] == [("ROOT", "SCHEDULED", start + timedelta(minutes=3))]
    conn.advance(minutes=70)
    assert sql("select count(*) from table(information_schema.complete_task_graphs(result_limit => 100))") == [(60,)]


def test_return_value_column(conn, sql):
    """docs: functions/task_history RETURN_VALUE - set by SYSTEM$SET_RETURN_VALUE."""
    sql("create task t as call system$set_return_value('done')", "execute task t")
    assert sql.history("return_value") == [("done",)]


def test_history_survives_reopening_the_file(tmp_path, start):
    """docs (snowsim): path= keeps task state and history in one DuckDB file."""
    from snowsim.emulator import Clock, connect

    path = str(tmp_path / "sim.duckdb")
    conn = connect(database="DB", schema="S", clock=Clock(start=start), path=path)
    conn.cursor().execute("create task t schedule = '1 minute' as select 1")
    conn.cursor().execute("alter task t resume")
    conn.advance(minutes=3)
    conn.close()
    again = connect(database="DB", schema="S", clock=Clock(start=start + timedelta(minutes=3)), path=path)
    assert len(again.advance(minutes=2)) == 2  # the schedule goes on
    cur = again.cursor()
    cur.execute("select count(*) from table(information_schema.task_history()) where state = 'SUCCEEDED'")
    assert cur.fetchone() == (5,)
    cur.execute("show tasks")
    assert cur.fetchone()[10] == "started"
    again.close()


def test_executing_runs_with_a_duration_model(conn, sql, start):
    """docs: functions/current_task_graphs (executing runs), functions/task_history (EXECUTING, no COMPLETED_TIME)."""
    sql("create task r schedule = '5 minutes' as select 1", "create task ch after r as select 2",
        "alter task ch resume", "alter task r resume")
    conn.scheduler.durations = {"R": timedelta(minutes=2)}
    (run,) = conn.advance(minutes=6)
    assert run.state == "EXECUTING"
    current = sql("select root_task_name, state from table(information_schema.current_task_graphs()) "
                  "order by scheduled_time")
    assert current == [("R", "EXECUTING"), ("R", "SCHEDULED")]
    assert sql.history("name, state, completed_time", "state <> 'SCHEDULED'") == [("R", "EXECUTING", None)]
    conn.advance(minutes=2)
    assert run.state == "SUCCEEDED" and run.completed_time == start + timedelta(minutes=7)
    assert sql("select root_task_name, state from table(information_schema.complete_task_graphs())") == [
        ("R", "SUCCEEDED")
    ]
    assert [n for n, _ in sql.history("name, state", "state = 'SUCCEEDED'")] == ["R", "CH"]


def test_a_repeated_query_follows_the_session(start):
    """docs: functions/task_history - needs a current database (or a qualified INFORMATION_SCHEMA); the same text
    read again gives the same error, then the history once a database is in use."""
    from snowsim.emulator import Clock, connect

    conn = connect(clock=Clock(start=start))
    cur = conn.cursor()
    query = "select name, state from table(information_schema.task_history())"
    for _ in range(2):
        with pytest.raises(sf.ProgrammingError) as raised:
            cur.execute(query)
        assert raised.value.errno == 90105
    cur.execute("create database d2")  # and uses it
    cur.execute("create task t as select 1")
    cur.execute("execute task t")
    cur.execute(query)
    assert cur.fetchall() == [("T", "SUCCEEDED")]
    cur.execute("execute task t")
    cur.execute(query)
    assert cur.fetchall() == [("T", "SUCCEEDED"), ("T", "SUCCEEDED")]
    conn.close()
