"""The virtual-clock scheduler: schedules, WHEN, graph order, failures, retries, auto-suspension, overlap, timeouts."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from snowflake.connector import errors as sf

from snowsim.emulator import Clock, NotSupportedError, connect


def minutes(start: datetime, *offsets: float) -> list[datetime]:
    return [start + timedelta(minutes=m) for m in offsets]


def test_interval_counts_from_the_resume_time(conn, sql, start):
    """docs: sql-reference/sql/alter-task - '10 MINUTES' resumed at 9:03 runs at 9:13, 9:23, ..."""
    sql("create task t warehouse = wh schedule = '10 minutes' as select 1")
    assert conn.advance(minutes=3) == []  # created suspended: nothing runs
    sql("alter task t resume")
    runs = conn.advance(minutes=25)
    assert [r.scheduled_time for r in runs] == minutes(start, 13, 23)
    assert all(r.state == "SUCCEEDED" and r.scheduled_from == "SCHEDULE" for r in runs)
    assert conn.clock.now() == start + timedelta(minutes=28)
    scheduled = sql.history("state, scheduled_time", "state = 'SCHEDULED'")
    assert [(s, t.replace(tzinfo=None) - t.utcoffset()) for s, t in scheduled] == [("SCHEDULED", minutes(start, 33)[0])]


def test_suspend_stops_future_runs(conn, sql):
    """docs: sql-reference/sql/alter-task - SUSPEND cancels the future scheduled runs."""
    sql("create task t schedule = '1 minute' as select 1", "alter task t resume")
    assert len(conn.advance(minutes=3)) == 3
    sql("alter task t suspend")
    assert conn.advance(minutes=10) == []
    sql("alter task t resume")
    assert len(conn.advance(minutes=2)) == 2


def _cron_runs(start: datetime, schedule: str, days: int) -> list[datetime]:
    conn = connect(database="DB", schema="S", clock=Clock(start=start))
    conn.cursor().execute(f"create task t schedule = '{schedule}' as select 1")
    conn.cursor().execute("alter task t resume")
    runs = [r.scheduled_time for r in conn.advance(days=days)]
    conn.close()
    return runs


def test_cron_fall_back_runs_the_repeated_hour_twice():
    """docs: sql-reference/sql/create-task (cron and daylight saving) - 1:30 AM LA runs twice on 2026-11-01."""
    runs = _cron_runs(datetime(2026, 10, 31, 0, 0), "USING CRON 30 1 * * * America/Los_Angeles", 3)
    assert runs == [
        datetime(2026, 10, 31, 8, 30),  # PDT (UTC-7)
        datetime(2026, 11, 1, 8, 30),  # 1:30 PDT
        datetime(2026, 11, 1, 9, 30),  # 1:30 PST, the repeated hour
        datetime(2026, 11, 2, 9, 30),  # PST (UTC-8)
    ]


def test_cron_spring_forward_skips_the_missing_hour():
    """docs: sql-reference/sql/create-task (cron and daylight saving) - 2:30 AM LA does not exist on 2026-03-08."""
    runs = _cron_runs(datetime(2026, 3, 7, 0, 0), "USING CRON 30 2 * * * America/Los_Angeles", 3)
    assert runs == [datetime(2026, 3, 7, 10, 30), datetime(2026, 3, 9, 9, 30)]


def test_when_false_skips_the_run_and_its_dependents(conn, sql):
    """docs: sql-reference/sql/create-task (WHEN), user-guide/tasks-graphs; 0040003 observed on real accounts."""
    sql("create table t (id int)", "create stream s on table t append_only = true",
        "create task root schedule = '1 minute' when system$stream_has_data('s') as select 1",
        "create task child after root as select 2",
        "alter task child resume", "alter task root resume")
    (run,) = conn.advance(minutes=1)
    assert run.state == "SKIPPED" and run.tasks == {"DB.S.ROOT": "SKIPPED"}
    assert sql.history("name, state, error_code, error_message, query_id", "state <> 'SCHEDULED'") == [
        ("ROOT", "SKIPPED", "0040003", "Conditional expression for task evaluated to false.", None)
    ]
    assert sql("select count(*) from table(information_schema.complete_task_graphs())") == [(0,)]
    sql("insert into t values (1)")
    (run,) = conn.advance(minutes=1)
    assert run.tasks == {"DB.S.ROOT": "SUCCEEDED", "DB.S.CHILD": "SUCCEEDED"}


def test_when_that_is_not_only_stream_checks_is_evaluated_in_sql(conn, sql):
    """docs: sql-reference/sql/create-task - WHEN supports comparisons and casts too."""
    sql("create table flag (v int)",
        "create task t schedule = '1 minute' when (select count(*) from flag) > 0 as select 1",
        "alter task t resume")
    assert [r.state for r in conn.advance(minutes=1)] == ["SKIPPED"]
    sql("insert into flag values (1)")
    assert [r.state for r in conn.advance(minutes=1)] == ["SUCCEEDED"]


def test_children_run_after_all_predecessors_in_name_order(conn, sql):
    """docs: user-guide/tasks-graphs - a child runs after ALL its predecessors succeed; siblings in a set order."""
    sql("create table log (name varchar)",
        "create task root as insert into log values ('root')",
        "create task b after root as insert into log values ('b')",
        "create task a after root as insert into log values ('a')",
        "create task joined after a, b as insert into log values ('joined')",
        "select system$task_dependents_enable('root')")
    sql("alter task root suspend", "execute task root")
    assert [name for name, _ in sql.history()] == ["ROOT", "A", "B", "JOINED"]
    assert sql("select name from log") == [("root",), ("a",), ("b",), ("joined",)]


def test_suspended_child_is_skipped_and_counts_as_succeeded(conn, sql):
    """docs: sql-reference/sql/execute-task - suspended children are skipped; their children still run."""
    sql("create task root as select 1", "create task mid after root as select 2",
        "create task leaf after mid as select 3", "alter task leaf resume")
    sql("execute task root")  # the root runs suspended, without being resumed
    assert sql("show tasks like 'ROOT'")[0][10] == "suspended"
    assert sql.history("name, state, scheduled_from") == [
        ("ROOT", "SUCCEEDED", "EXECUTE TASK"), ("LEAF", "SUCCEEDED", "EXECUTE TASK")
    ]


def test_execute_task_on_a_child_is_an_error(sql):
    """docs: sql-reference/sql/execute-task - a child task is a user error."""
    sql("create task root as select 1", "create task child after root as select 2")
    with pytest.raises(sf.ProgrammingError):
        sql("execute task child")


def test_execute_task_evaluates_when(sql):
    """Docs silent; observed on real accounts (non-doc): EXECUTE TASK does not bypass WHEN."""
    sql("create task t when 1 = 0 as select 1", "execute task t")
    assert sql.history("state, scheduled_from") == [("SKIPPED", "EXECUTE TASK")]


def test_failure_stops_descendants_but_not_other_branches(conn, sql):
    """docs: user-guide/tasks-graphs - a failed task fails the graph run; its dependents do not run."""
    sql("create task root as select 1",
        "create task bad after root as select * from missing_table",
        "create task after_bad after bad as select 2",
        "create task good after root as select 3",
        "select system$task_dependents_enable('root')", "alter task root suspend", "execute task root")
    assert sql.history("name, state, error_code") == [
        ("ROOT", "SUCCEEDED", None), ("BAD", "FAILED", "002003"), ("GOOD", "SUCCEEDED", None)
    ]
    graphs = sql("select state, first_error_task_name, first_error_code "
                 "from table(information_schema.complete_task_graphs())")
    assert graphs == [("FAILED", "BAD", "002003")]


def test_finalizer_runs_last_even_after_a_failure_but_not_when_root_skipped(conn, sql):
    """docs: user-guide/tasks-graphs (finalizer task) - runs after all other tasks; not when the root is skipped."""
    sql("create table flag (v int)",
        "create task root schedule = '1 minute' when (select count(*) from flag) > 0 as select 1",
        "create task child after root as select * from missing_table",
        "create task fin finalize = root as select 2",
        "alter task fin resume", "alter task child resume", "alter task root resume")
    assert [r.tasks for r in conn.advance(minutes=1)] == [{"DB.S.ROOT": "SKIPPED"}]
    sql("insert into flag values (1)")
    (run,) = conn.advance(minutes=1)
    assert list(run.tasks.items()) == [("DB.S.ROOT", "SUCCEEDED"), ("DB.S.CHILD", "FAILED"), ("DB.S.FIN", "SUCCEEDED")]
    assert run.state == "FAILED"


def test_auto_suspend_after_consecutive_failures(conn, sql):
    """docs: sql-reference/parameters SUSPEND_TASK_AFTER_NUM_FAILURES - root suspended, FAILED_AND_AUTO_SUSPENDED."""
    sql("create task t schedule = '1 minute' suspend_task_after_num_failures = 3 as select * from missing_table",
        "alter task t resume")
    runs = conn.advance(minutes=10)
    assert [r.tasks["DB.S.T"] for r in runs] == ["FAILED", "FAILED", "FAILED_AND_AUTO_SUSPENDED"]
    assert sql.history("state", "state <> 'SCHEDULED'") == [("FAILED",), ("FAILED",), ("FAILED_AND_AUTO_SUSPENDED",)]
    row = sql("show tasks")[0]
    assert (row[10], row[21]) == ("suspended", "SUSPENDED_DUE_TO_ERRORS")
    assert sql.history("state", "state = 'SCHEDULED'") == []


def test_skipped_runs_do_not_count_and_a_success_resets(conn, sql):
    """docs: sql-reference/parameters SUSPEND_TASK_AFTER_NUM_FAILURES - consecutive failures only; skips don't count."""
    sql("create table mode (v varchar)", "insert into mode values ('fail')",
        "create task t schedule = '1 minute' suspend_task_after_num_failures = 2 "
        "when (select max(v) from mode) <> 'skip' "
        "as select case when (select max(v) from mode) = 'fail' then 'x' else '1' end::int",
        "alter task t resume")
    assert [r.state for r in conn.advance(minutes=1)] == ["FAILED"]
    sql("update mode set v = 'skip'")
    assert [r.state for r in conn.advance(minutes=2)] == ["SKIPPED", "SKIPPED"]
    sql("update mode set v = 'ok'")
    assert [r.state for r in conn.advance(minutes=1)] == ["SUCCEEDED"]
    sql("update mode set v = 'fail'")
    assert [r.tasks["DB.S.T"] for r in conn.advance(minutes=3)] == ["FAILED", "FAILED_AND_AUTO_SUSPENDED"]


def test_auto_retry_restarts_the_graph_from_the_failed_task(conn, sql):
    """docs: sql-reference/sql/create-task TASK_AUTO_RETRY_ATTEMPTS - the retry restarts from the failed task."""
    sql("create table tries (v int)",
        "create task root schedule = '1 minute' task_auto_retry_attempts = 2 as select 1",
        "create task flaky after root as begin insert into tries values (1); "
        "select case when (select count(*) from tries) = 1 then 'x' else '1' end::int; end",
        "alter task flaky resume", "alter task root resume")
    runs = conn.advance(minutes=1)
    assert [(r.attempt_number, r.state) for r in runs] == [(1, "FAILED"), (2, "SUCCEEDED")]
    assert runs[0].graph_run_group_id == runs[1].graph_run_group_id and runs[0].run_id == runs[1].run_id
    rows = sql.history("name, state, attempt_number, error_code", "state <> 'SCHEDULED'")
    assert rows == [("ROOT", "SUCCEEDED", 1, None), ("FLAKY", "FAILED", 1, "100038"), ("FLAKY", "SUCCEEDED", 2, None)]


def test_execute_task_retry_last(conn, sql):
    """docs: sql-reference/sql/execute-task RETRY LAST - failed tasks re-run, ATTEMPT_NUMBER + 1."""
    sql("create table src (v int)",
        "create task root as select 1", "create task child after root as insert into src select * from nope",
        "alter task child resume", "execute task root")
    with pytest.raises(sf.ProgrammingError):
        sql("execute task child retry last")
    sql("create table nope (v int)", "execute task root retry last")
    rows = sql.history("name, state, attempt_number")
    assert rows == [("ROOT", "SUCCEEDED", 1), ("CHILD", "FAILED", 1), ("CHILD", "SUCCEEDED", 2)]
    with pytest.raises(sf.ProgrammingError):  # the last graph run succeeded: nothing to retry
        sql("execute task root retry last")


def test_no_overlap_skips_a_scheduled_run_while_the_previous_one_runs(conn, sql, start):
    """docs: user-guide/tasks-intro, create-task OVERLAP_POLICY (default NO_OVERLAP) - needs a duration model."""
    sql("create task t schedule = '1 minute' as select 1", "alter task t resume")
    conn.scheduler.durations = {"DB.S.T": timedelta(seconds=90)}
    runs = conn.advance(minutes=1, seconds=30)
    assert [r.state for r in runs] == ["EXECUTING"]
    assert sql.history("state", "state <> 'SCHEDULED'") == [("EXECUTING",)]
    runs += conn.advance(minutes=3)
    assert [(r.scheduled_time, r.state) for r in runs] == [
        (start + timedelta(minutes=1), "SUCCEEDED"), (start + timedelta(minutes=2), "SKIPPED"),
        (start + timedelta(minutes=3), "SUCCEEDED"), (start + timedelta(minutes=4), "SKIPPED"),
    ]


def test_allow_all_overlap_runs_concurrently(conn, sql):
    """docs: sql-reference/sql/create-task OVERLAP_POLICY = ALLOW_ALL_OVERLAP (release notes 2026-03-13)."""
    sql("create task t schedule = '1 minute' overlap_policy = allow_all_overlap as select 1", "alter task t resume")
    conn.scheduler.durations = timedelta(seconds=150)
    assert [r.state for r in conn.advance(minutes=5, seconds=30)] == ["SUCCEEDED"] * 3 + ["EXECUTING"] * 2


def test_user_task_timeout_fails_the_run(conn, sql, start):
    """docs: sql-reference/parameters USER_TASK_TIMEOUT_MS - a run past the timeout FAILS (timed out = FAILED)."""
    sql("create table out (v int)",
        "create task t schedule = '1 minute' user_task_timeout_ms = 30000 as insert into out values (1)",
        "alter task t resume")
    conn.scheduler.durations = lambda name, at: timedelta(minutes=2)
    (run,) = conn.advance(minutes=1, seconds=45)
    assert run.state == "FAILED" and run.completed_time == start + timedelta(minutes=1, seconds=30)
    ((code, message),) = sql.history("error_code, error_message", "state = 'FAILED'")
    assert code == "000630" and "timeout of 30 second(s)" in message
    assert sql("select count(*) from out") == [(0,)]  # cancelled: the body's work does not commit


def test_triggered_task_runs_when_its_stream_has_data(conn, sql, start):
    """docs: user-guide/tasks-triggered - WHEN and no SCHEDULE; at most every 30 s; SCHEDULED_FROM = TRIGGER."""
    sql("create table t (id int)", "create table out (id int)", "create stream s on table t append_only = true",
        "create task trig when system$stream_has_data('s') as insert into out select id from s",
        "alter task trig resume")
    assert conn.advance(minutes=5) == []
    sql("insert into t values (1)")
    (run,) = conn.advance(seconds=10)
    assert (run.scheduled_time, run.scheduled_from, run.state) == (start + timedelta(minutes=5), "TRIGGER", "SUCCEEDED")
    sql("insert into t values (2)")
    (run,) = conn.advance(minutes=1)
    assert run.scheduled_time == start + timedelta(minutes=5, seconds=30)  # the minimum trigger interval
    assert sql("select id from out order by id") == [(1,), (2,)]


def test_scripting_block_transactions_and_partial_failure(conn, sql):
    """docs: sql-reference/transactions, snowflake-scripting/blocks - a block is no transaction; statements commit."""
    sql("create table a (v int)", "create table b (v int)",
        "create task t as begin insert into a values (1); begin transaction; insert into b values (1); rollback; "
        "insert into b values (2); select * from missing_table; insert into a values (3); end",
        "execute task t")
    assert sql("select v from a") == [(1,)] and sql("select v from b") == [(2,)]
    assert sql.history("state, error_code") == [("FAILED", "002003")]


def test_failing_merge_leaves_its_stream_for_the_next_run(conn, sql):
    """docs: user-guide/streams-intro - a failed DML does not advance the stream; the next run sees the rows."""
    sql("create table src (id int, v varchar)", "create table tgt (id int, v varchar)",
        "insert into tgt values (1, 'old')", "create stream s on table src append_only = true",
        "create task t schedule = '1 minute' when system$stream_has_data('s') as "
        "merge into tgt using s on tgt.id = s.id when matched then update set v = s.v "
        "when not matched then insert (id, v) values (s.id, s.v)",
        "alter task t resume", "insert into src values (1, 'a'), (1, 'b')")
    runs = conn.advance(minutes=2)
    assert [r.tasks["DB.S.T"] for r in runs] == ["FAILED", "FAILED"]
    assert sql.history("error_code", "state = 'FAILED'") == [("100090",), ("100090",)]
    assert sql("select count(*) from s") == [(2,)]


def test_unsupported_scripting_is_named_and_raised(conn, sql):
    """docs: developer-guide/snowflake-scripting - constructs snowsim does not emulate raise NotSupportedError."""
    sql("create task t schedule = '1 minute' as declare x int; begin select 1; end", "alter task t resume")
    with pytest.raises(NotSupportedError, match="DECLARE"):
        conn.advance(minutes=1)
    assert sql.history("state", "state = 'FAILED'") == [("FAILED",)]


def test_graph_version_increments_when_the_graph_changes(conn, sql):
    """docs: functions/task_history GRAPH_VERSION - a change to a task of the graph gives the next run a new version."""
    sql("create task t as select 1", "execute task t", "execute task t",
        "alter task t modify as select 2", "execute task t")
    assert [v for (v,) in sql.history("graph_version")] == [1, 1, 2]


def test_system_clock_runs_only_execute_task():
    """docs-silent choice: without a virtual clock nothing runs by itself; EXECUTE TASK runs at once."""
    conn = connect(database="DB", schema="S")
    cur = conn.cursor()
    cur.execute("create table out (v int)")
    cur.execute("create task t schedule = '1 minute' as insert into out values (1)")
    cur.execute("alter task t resume")
    cur.execute("execute task t")
    cur.execute("select count(*) from out")
    assert cur.fetchone() == (1,)
    conn.close()


def test_current_timestamp_in_a_body_is_the_run_start(conn, sql, start):
    """docs: functions/current_timestamp, user-guide/tasks-intro - a body runs at its (virtual) start time."""
    sql("create table at (ts timestamp_ntz)",
        "create task root schedule = '5 minutes' as insert into at select sysdate()",
        "create task child after root as insert into at select sysdate()",
        "alter task child resume", "alter task root resume")
    conn.scheduler.durations = {"ROOT": timedelta(seconds=40)}
    conn.advance(minutes=6)
    assert sql("select ts from at order by ts") == [(start + timedelta(minutes=5),),
                                                    (start + timedelta(minutes=5, seconds=40),)]


def test_session_parameters_apply_while_the_body_runs(conn, sql):
    """docs: sql-reference/sql/create-task (session parameters) - set for the task's session only."""
    sql("create table src (id int, v varchar)", "insert into src values (1, 'a'), (1, 'b')",
        "create table tgt (id int, v varchar)", "insert into tgt values (1, 'x')",
        "create table shown (v varchar)",
        "create task t timezone = 'UTC' error_on_nondeterministic_merge = false as begin "
        "insert into shown select current_timestamp()::varchar; "
        "merge into tgt using src on tgt.id = src.id when matched then update set v = src.v; end",
        "execute task t")
    assert sql.history("state") == [("SUCCEEDED",)]  # the duplicate-row MERGE is allowed in the task's session
    (shown,) = sql("select v from shown")[0]
    assert shown.endswith("+0000")
    (mine,) = sql("select current_timestamp()::varchar")[0]
    assert mine.endswith("-0800")  # the caller's session keeps America/Los_Angeles
