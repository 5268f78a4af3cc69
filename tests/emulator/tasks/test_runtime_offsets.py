"""Stream offsets moved by task runs: kept in memory on an in-memory database, written in each commit to a file.

docs: user-guide/streams-intro (the offset advances when the consuming transaction commits), user-guide/tasks-intro.
"""

from __future__ import annotations

import shutil
from datetime import timedelta

from snowsim.emulator import Clock, connect

SETUP = (
    "create table src (id int)",
    "create table tgt (id int)",
    "create stream s on table src",
    "create task t schedule = '1 minute' when system$stream_has_data('s') as insert into tgt select id from s",
    "alter task t resume",
)


def _feed(conn, first: int, minutes: int) -> None:
    cur = conn.cursor()
    for i in range(first, first + minutes):
        cur.execute("insert into src values (%s)", [i])
        conn.advance(minutes=1)


def test_task_runs_consume_each_row_once_in_memory(start):
    conn = connect(database="DB", schema="S", clock=Clock(start=start))
    cur = conn.cursor()
    for statement in SETUP:
        cur.execute(statement)
    _feed(conn, 0, 5)
    assert cur.execute("select id from tgt order by id").fetchall() == [(i,) for i in range(5)]
    assert cur.execute("select count(*) from s").fetchone() == (0,)
    conn.close()


def test_file_left_by_a_crash_holds_the_offsets_of_committed_task_runs(tmp_path, start):
    """A copy of the file taken between runs (what a killed process leaves) reopens with no change pending twice."""
    path = tmp_path / "live.duckdb"
    conn = connect(database="DB", schema="S", clock=Clock(start=start), path=str(path))
    cur = conn.cursor()
    for statement in SETUP:
        cur.execute(statement)
    _feed(conn, 0, 3)
    crashed = tmp_path / "crashed.duckdb"
    for suffix in ("", ".wal"):  # the live connection stays open: nothing is flushed by close()
        source = path.with_name(path.name + suffix)
        if source.exists():
            shutil.copy(source, crashed.with_name(crashed.name + suffix))
    conn.close()
    again = connect(database="DB", schema="S", clock=Clock(start=start + timedelta(minutes=3)), path=str(crashed))
    cur = again.cursor()
    assert cur.execute("select id from tgt order by id").fetchall() == [(0,), (1,), (2,)]
    assert cur.execute("select count(*) from s").fetchone() == (0,)
    _feed(again, 3, 2)  # the task goes on from the stored offset
    assert cur.execute("select id from tgt order by id").fetchall() == [(i,) for i in range(5)]
    again.close()
