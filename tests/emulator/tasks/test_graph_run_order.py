"""Order of COMPLETE_TASK_GRAPHS, CURRENT_TASK_GRAPHS and TASK_HISTORY rows, ties included.

docs: functions/complete_task_graphs (descending COMPLETED_TIME), functions/current_task_graphs (descending
SCHEDULED_TIME), functions/task_history (descending SCHEDULED_TIME). The docs do not say how rows with equal times
are ordered: snowsim shows the most recently created first (runs in reverse creation order, a root's next SCHEDULED
run before the runs, the root created last first), the same on every run and with any SNOWSIM_THREADS.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from snowsim.emulator import Clock, connect

COMPLETE = "select root_task_name, state, completed_time from table(information_schema.complete_task_graphs({}))"
CURRENT = "select root_task_name, state, scheduled_time from table(information_schema.current_task_graphs({}))"
HISTORY = "select name, state, scheduled_time from table(information_schema.task_history({}))"
# Three roots on one schedule, created A, B, C: each minute their runs start together; A's and B's graph runs end
# together 30 seconds later (their children run 30 s), C's at once.
THREE_ROOTS = [
    "create task a schedule = '1 minute' as select 1", "create task b schedule = '1 minute' as select 1",
    "create task c schedule = '1 minute' as select 1", "create task ach after a as select 2",
    "create task bch after b as select 2", "alter task ach resume", "alter task bch resume",
    "alter task a resume", "alter task b resume", "alter task c resume",
]  # fmt: skip


def _start(sql, conn) -> None:
    sql(*THREE_ROOTS)
    conn.scheduler.durations = {"ACH": timedelta(seconds=30), "BCH": timedelta(seconds=30)}


def _at(start: datetime, minutes: int, seconds: int = 0) -> datetime:
    return start + timedelta(minutes=minutes, seconds=seconds)


def _utc(rows: list) -> list:
    return [(n, s, t.astimezone(UTC).replace(tzinfo=None)) for n, s, t in rows]


def test_equal_times_show_the_most_recently_created_first(conn, sql, start):
    """Equal COMPLETED_TIMEs / SCHEDULED_TIMEs: docs silent; snowsim: last created first."""
    _start(sql, conn)
    conn.advance(minutes=1, seconds=10)  # 08:01:10: C's run is complete, A's and B's execute until 08:01:30
    assert _utc(sql(CURRENT.format(""))) == [
        ("C", "SCHEDULED", _at(start, 2)), ("B", "SCHEDULED", _at(start, 2)), ("A", "SCHEDULED", _at(start, 2)),
        ("B", "EXECUTING", _at(start, 1)), ("A", "EXECUTING", _at(start, 1)),
    ]
    conn.advance(minutes=1)  # 08:02:10: the 08:02 runs execute in turn
    assert _utc(sql(COMPLETE.format(""))) == [
        ("C", "SUCCEEDED", _at(start, 2)),
        ("B", "SUCCEEDED", _at(start, 1, 30)), ("A", "SUCCEEDED", _at(start, 1, 30)),
        ("C", "SUCCEEDED", _at(start, 1)),
    ]
    # 08:02: the roots ran A, B, C, each graph run's child right after its root
    assert _utc(sql(HISTORY.format("result_limit => 5"))) == [
        ("C", "SCHEDULED", _at(start, 3)), ("B", "SCHEDULED", _at(start, 3)), ("A", "SCHEDULED", _at(start, 3)),
        ("C", "SUCCEEDED", _at(start, 2)), ("BCH", "EXECUTING", _at(start, 2)),
    ]



def _polls(start: datetime) -> list[tuple[list, list]]:
    """Each function's rows without and with RESULT_LIMIT => 2, read every 40 s for 8 minutes."""
    conn = connect(database="DB", schema="S", clock=Clock(start=start))
    cur = conn.cursor()
    try:
        for statement in THREE_ROOTS:
            cur.execute(statement)
        conn.scheduler.durations = {"ACH": timedelta(seconds=30), "BCH": timedelta(seconds=30)}
        seen = []
        for _ in range(12):
            conn.advance(seconds=40)
            for query in (COMPLETE, CURRENT, HISTORY):
                seen.append(tuple(cur.execute(query.format(limit)).fetchall() for limit in ("", "result_limit => 2")))
        return seen
    finally:
        conn.close()


def test_the_order_of_equal_times_does_not_depend_on_threads_or_the_run(start, monkeypatch):
    """The same runs read the same way with SNOWSIM_THREADS=1 and 2 and on every repetition (the connection reads
    SNOWSIM_THREADS when it is created), ties included, and RESULT_LIMIT keeps the first rows of that order."""
    results = []
    for threads in ("1", "2", "1", "2"):
        monkeypatch.setenv("SNOWSIM_THREADS", threads)
        results.append(_polls(start))
    assert all(r == results[0] for r in results[1:])
    assert all(limited == rows[:2] for rows, limited in results[0])
    # the limit cut inside a group of equal times in some reads (it decided which of them were returned)
    assert any(len(rows) > 2 and rows[1][2] == rows[2][2] for rows, _ in results[0])
