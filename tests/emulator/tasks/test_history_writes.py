"""How buffered task history reaches TASK_HISTORY: rows changed after a read, and the next SCHEDULED runs."""

from __future__ import annotations

import threading
from datetime import UTC, timedelta


def utc(value):
    return value.astimezone(UTC).replace(tzinfo=None)


def test_a_run_changed_after_it_was_read_shows_once_with_its_final_state(conn, sql):
    """docs: parameters SUSPEND_TASK_AFTER_NUM_FAILURES - the failed run becomes FAILED_AND_AUTO_SUSPENDED when the
    graph run ends, after TASK_HISTORY already showed it as FAILED."""
    sql("create task r schedule = '1 minute' suspend_task_after_num_failures = 1 as select 1",
        "create task bad after r as select * from nope", "create task slow after r as select 2",
        "alter task bad resume", "alter task slow resume", "alter task r resume")
    conn.scheduler.durations = {"SLOW": timedelta(minutes=3)}
    conn.advance(minutes=1, seconds=30)
    assert sql.history("name, state", "state <> 'SCHEDULED'") == [
        ("R", "SUCCEEDED"), ("BAD", "FAILED"), ("SLOW", "EXECUTING"),
    ]
    conn.advance(minutes=3)  # SLOW ends: the graph run fails and the root is suspended
    assert sql.history("name, state, attempt_number", "name <> 'R'") == [
        ("BAD", "FAILED_AND_AUTO_SUSPENDED", 1), ("SLOW", "SUCCEEDED", 1),
    ]
    assert sql("select root_task_name, state from table(information_schema.complete_task_graphs())") == [
        ("R", "FAILED")
    ]


def test_the_next_scheduled_run_follows_reads_suspend_and_resume(conn, sql, start):
    """docs: functions/task_history - the next SCHEDULED run of a started root; none while it is suspended."""
    sql("create task r schedule = '2 minutes' as select 1", "alter task r resume")
    conn.advance(minutes=1)
    scheduled = "select name, scheduled_time from table(information_schema.task_history()) where state = 'SCHEDULED'"
    first = sql(scheduled)
    assert [(n, utc(t)) for n, t in first] == [("R", start + timedelta(minutes=2))]
    assert sql(scheduled) == first  # read again without a tick
    sql("alter task r suspend")
    assert sql(scheduled) == []
    assert sql(scheduled) == []
    sql("alter task r resume")  # docs (alter-task): the interval restarts at RESUME (08:01)
    conn.advance(minutes=2)
    assert [(n, utc(t)) for n, t in sql(scheduled)] == [("R", start + timedelta(minutes=5))]
    assert [s for (s,) in sql.history("state")] == ["SUCCEEDED", "SCHEDULED"]


def test_a_graph_run_read_while_executing_shows_once_when_complete(conn, sql, start):
    """docs: functions/current_task_graphs (executing runs), functions/complete_task_graphs - a graph run read while
    it executes, and again in between, is one completed run afterwards (its stored row is rewritten, not added)."""
    sql("create task r schedule = '1 minute' as select 1", "create task slow after r as select 2",
        "alter task slow resume", "alter task r resume")
    conn.scheduler.durations = {"SLOW": timedelta(seconds=30)}
    current = "select root_task_name, state from table(information_schema.current_task_graphs())"
    complete = "select root_task_name, state, completed_time from table(information_schema.complete_task_graphs())"
    conn.advance(minutes=1, seconds=10)
    assert sql(current) == [("R", "SCHEDULED"), ("R", "EXECUTING")]
    assert sql(current) == [("R", "SCHEDULED"), ("R", "EXECUTING")]  # read again without a tick
    assert sql(complete) == []
    conn.advance(seconds=30)
    assert sql(current) == [("R", "SCHEDULED")]
    ended = start + timedelta(minutes=1, seconds=30)
    assert [(n, s, utc(t)) for n, s, t in sql(complete)] == [("R", "SUCCEEDED", ended)]
    conn.advance(minutes=1)
    assert [s for _, s, _ in sql(complete)] == ["SUCCEEDED", "SUCCEEDED"]


def test_a_file_whose_history_tables_have_a_primary_key_still_rewrites_rows(tmp_path, start):
    """Files written before the history tables lost their PRIMARY KEY (history.create_tables) keep it: a changed run is
    deleted and appended again in one transaction, which the key allows."""
    import duckdb

    from snowsim.emulator import Clock, connect
    from snowsim.emulator.tasks.history import GRAPH_COLUMNS, GRAPHS_TABLE, HISTORY_COLUMNS, HISTORY_TABLE

    from .conftest import Sql

    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as old:
        old.execute("CREATE SCHEMA _snowsim")
        for table, columns in ((HISTORY_TABLE, HISTORY_COLUMNS), (GRAPHS_TABLE, GRAPH_COLUMNS)):
            old.execute(f"CREATE TABLE {table} ({', '.join(n + ' ' + t for n, t in columns)}, PRIMARY KEY (row_id))")
    conn = connect(database="DB", schema="S", clock=Clock(start=start), path=str(path))
    try:
        sql = Sql(conn.cursor())
        sql("create database if not exists DB", "use database DB", "create schema if not exists S", "use schema S",
            "create task r schedule = '1 minute' suspend_task_after_num_failures = 1 as select 1",
            "create task bad after r as select * from nope", "create task slow after r as select 2",
            "alter task bad resume", "alter task slow resume", "alter task r resume")
        conn.scheduler.durations = {"SLOW": timedelta(minutes=3)}
        conn.advance(minutes=1, seconds=30)
        assert ("BAD", "FAILED") in sql.history("name, state")
        conn.advance(minutes=3)
        assert sql.history("name, state", "name = 'BAD'") == [("BAD", "FAILED_AND_AUTO_SUSPENDED")]
        assert conn.duck.execute("SELECT count(*) FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY' "
                                 "AND table_name = 'task_history'").fetchone() == (1,)
    finally:
        conn.close()


def test_a_background_read_of_task_history_sees_the_runs_finished_when_it_started(conn, sql, cur):
    """execute_async(): the buffered runs are written out before the query starts (background.py); runs after it
    do not show in its result, and the synchronous read that follows sees them all."""
    sql("create task r schedule = '1 minute' as select 1", "alter task r resume")
    conn.advance(minutes=2)
    query = "select name, state from table(information_schema.task_history()) where state = 'SUCCEEDED'"
    conn.cursor().execute_async("select 1")  # starts the background worker
    gate = threading.Event()
    conn.async_queries._background._worker.submit(gate.wait)  # hold it while more runs finish
    sfqid = cur.execute_async(query)["queryId"]
    conn.advance(minutes=3)
    gate.set()
    cur.get_results_from_sfqid(sfqid)
    assert cur.fetchall() == [("R", "SUCCEEDED")] * 2
    assert len(sql(query)) == 5
