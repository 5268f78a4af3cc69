"""A standard stream over an insert-only interval is read through its cheaper text (the rows born after the offset),
and gives what the general net delta gives; any row version ended after the offset brings the general text back.

docs: user-guide/streams-intro ('Types of streams', METADATA$ISUPDATE, 'Offset storage'). The general shape is read
through t CHANGES(INFORMATION => DEFAULT) AT(STREAM => 's'), which computes the net delta from the stream's offset
to now with the general text in every interval.
"""

from __future__ import annotations

import pytest

from snowsim.emulator import connect
from tests.emulator.conftest import DuckRecorder
from tests.emulator.streams.conftest import rows

META = "id, v, metadata$action, metadata$isupdate, metadata$row_id"
STREAM = f"select {META} from s order by id, metadata$action"
GENERAL = f"select {META} from t changes(information => default) at(stream => 's') order by id, metadata$action"
WINDOW = "OVER (PARTITION BY __rid)"  # what only the general text runs (METADATA$ISUPDATE of update pairs)


def _general(sent: list[str]) -> bool:
    # a DML plan's first run also DESCRIBEs its source for the written types (the general text: the same types)
    return any(WINDOW in s for s in sent if not s.startswith("DESCRIBE"))


@pytest.fixture
def t(cur):
    """Table T(id, v) with a standard stream S and a sink."""
    cur.execute("create table t (id int, v string)")
    cur.execute("create stream s on table t")
    cur.execute("create table sink (id int, v string, action string, isupdate boolean)")
    return cur


def _read(cur, recorder: DuckRecorder, sql: str = STREAM) -> tuple[list[tuple], bool]:
    """A stream read's rows and whether it ran the general text."""
    recorder.sent.clear()
    got = rows(cur, sql)
    return got, _general(recorder.sent)


def test_insert_only_interval_reads_the_cheap_text_with_the_general_rows(t, recorder):
    """Inserts in several transactions (one explicit) after the offset: INSERT rows, METADATA$ISUPDATE FALSE, the row
    ids the general shape gives."""
    t.execute("insert into t values (1, 'a'), (2, 'b')")
    t.execute("begin")
    t.execute("insert into t values (3, 'c')")
    t.execute("insert into t select id + 10, v from t")
    t.execute("commit")
    got, general = _read(t, recorder)
    assert not general
    assert [r[:4] for r in got] == [(1, "a", "INSERT", False), (2, "b", "INSERT", False), (3, "c", "INSERT", False),
                                    (11, "a", "INSERT", False), (12, "b", "INSERT", False),
                                    (13, "c", "INSERT", False)]
    assert got == rows(t, GENERAL)
    # a consuming DML reads it the same way
    recorder.sent.clear()
    t.execute("insert into sink select id, v, metadata$action, metadata$isupdate from s")
    assert not _general(recorder.sent)
    assert rows(t, "select * from sink order by id") == [r[:4] for r in got]
    assert rows(t, STREAM) == []


def test_update_in_the_interval_reads_the_general_text(t, recorder):
    """An UPDATE after the offset: a DELETE + INSERT pair with METADATA$ISUPDATE TRUE and one row id, next to the new
    inserts (docs: streams-intro, METADATA$ISUPDATE)."""
    t.execute("insert into t values (1, 'a'), (2, 'b')")
    t.execute("insert into sink select id, v, metadata$action, metadata$isupdate from s")
    t.execute("insert into t values (3, 'c')")
    t.execute("update t set v = 'z' where id = 1")
    got, general = _read(t, recorder)
    assert general
    assert [r[:4] for r in got] == [(1, "a", "DELETE", True), (1, "z", "INSERT", True), (3, "c", "INSERT", False)]
    assert got[0][4] == got[1][4]
    assert got == rows(t, GENERAL)
    # once consumed, the next interval is insert-only again
    t.execute("insert into sink select id, v, metadata$action, metadata$isupdate from s")
    t.execute("insert into t values (4, 'd')")
    got, general = _read(t, recorder)
    assert not general
    assert [r[:4] for r in got] == [(4, "d", "INSERT", False)]


def test_delete_in_the_interval_reads_the_general_text(t, recorder):
    t.execute("insert into t values (1, 'a'), (2, 'b')")
    t.execute("insert into sink select id, v, metadata$action, metadata$isupdate from s")
    t.execute("delete from t where id = 2")
    t.execute("insert into t values (3, 'c')")
    got, general = _read(t, recorder)
    assert general
    assert [r[:4] for r in got] == [(2, "b", "DELETE", False), (3, "c", "INSERT", False)]
    assert got == rows(t, GENERAL)


@pytest.mark.parametrize("ending", [
    "merge into t using (select 1 as id) m on t.id = m.id when matched then update set v = 'm'",
    "merge into t using (select 1 as id) m on t.id = m.id when matched then delete",
    "truncate table t",
    "insert overwrite into t values (5, 'e')",
])
def test_every_statement_ending_rows_brings_the_general_text_back(t, recorder, ending):
    t.execute("insert into t values (1, 'a'), (2, 'b')")
    t.execute("insert into sink select id, v, metadata$action, metadata$isupdate from s")
    t.execute(ending)
    got, general = _read(t, recorder)
    assert general
    assert got == rows(t, GENERAL)
    assert any(r[2] == "DELETE" for r in got)


def test_rolled_back_update_leaves_an_insert_only_delta(t, recorder):
    """The rolled-back UPDATE leaves no change; the read shows the inserts only, whichever text it runs."""
    t.execute("insert into t values (1, 'a')")
    t.execute("insert into sink select id, v, metadata$action, metadata$isupdate from s")
    t.execute("begin")
    t.execute("update t set v = 'z'")
    got, _ = _read(t, recorder)  # inside the transaction: the stream reads the transaction's start
    assert got == []
    t.execute("rollback")
    t.execute("insert into t values (2, 'b')")
    got, _ = _read(t, recorder)
    assert [r[:4] for r in got] == [(2, "b", "INSERT", False)]
    assert got == rows(t, GENERAL)


def test_update_inside_the_reading_transaction_is_not_shown(t, recorder):
    """A stream read inside a transaction sees its start; the transaction's own UPDATE is after that."""
    t.execute("insert into t values (1, 'a')")
    t.execute("begin")
    t.execute("update t set v = 'z'")
    t.execute("insert into sink select id, v, metadata$action, metadata$isupdate from s")
    t.execute("commit")
    assert rows(t, "select * from sink") == [(1, "a", "INSERT", False)]
    got, _ = _read(t, recorder)
    assert [r[:4] for r in got] == [(1, "a", "DELETE", True), (1, "z", "INSERT", True)]
    assert got == rows(t, GENERAL)


def test_delete_before_the_offset_keeps_the_cheap_text(t, recorder):
    """Rows ended at or before the offset are outside the interval: the read after them is insert-only."""
    t.execute("insert into t values (1, 'a'), (2, 'b')")
    t.execute("delete from t where id = 1")
    t.execute("update t set v = 'y' where id = 2")
    t.execute("insert into sink select id, v, metadata$action, metadata$isupdate from s")
    t.execute("insert into t values (3, 'c')")
    got, general = _read(t, recorder)
    assert not general
    assert [r[:4] for r in got] == [(3, "c", "INSERT", False)]
    assert got == rows(t, GENERAL)


def test_one_statement_reading_two_streams_runs_the_general_text_for_both(t, recorder):
    """The choice is per statement: one stream whose interval has an UPDATE keeps both on the general text."""
    t.execute("create table u (id int, v string)")
    t.execute("create stream su on table u")
    t.execute("insert into u values (1, 'a')")
    t.execute("insert into sink select id, v, metadata$action, metadata$isupdate from su")
    t.execute("update u set v = 'z'")
    t.execute("insert into t values (7, 'g')")
    both = (f"select {META}, 's' as src from s union all select {META}, 'su' from su "
            "order by src, id, metadata$action")
    got, general = _read(t, recorder, both)
    assert general
    assert [r[:4] for r in got] == [(7, "g", "INSERT", False), (1, "a", "DELETE", True), (1, "z", "INSERT", True)]


def test_stream_with_initial_rows_reads_the_cheap_text_after_its_first_consumption(t, recorder):
    """docs: create-stream, SHOW_INITIAL_ROWS: first the rows alive at creation, then the changes."""
    t.execute("insert into t values (1, 'a')")
    t.execute("create stream si on table t show_initial_rows = true")
    t.execute("insert into t values (2, 'b')")
    initial = f"select {META} from si order by id, metadata$action"
    got, _ = _read(t, recorder, initial)
    assert [r[:4] for r in got] == [(1, "a", "INSERT", False)]
    t.execute("insert into sink select id, v, metadata$action, metadata$isupdate from si")
    got, general = _read(t, recorder, initial)
    assert not general
    assert [r[:4] for r in got] == [(2, "b", "INSERT", False)]
    t.execute("update t set v = 'z' where id = 2")
    got, general = _read(t, recorder, initial)
    assert general
    assert [r[:4] for r in got] == [(2, "z", "INSERT", False)]  # inserted and updated after the offset: one insert


def test_reopened_database_knows_rows_ended_before_it_was_opened(tmp_path):
    """docs: streams-intro, 'Offset storage': a stream's unconsumed UPDATE survives reopening (path=), and its pair
    still shows although this connection never ran the UPDATE."""
    path = str(tmp_path / "db.duckdb")
    with connect(database="DB", schema="S", path=path) as first:
        cur = first.cursor()
        cur.execute("create table t (id int, v string)")
        cur.execute("create stream s on table t")
        cur.execute("insert into t values (1, 'a'), (2, 'b')")
        cur.execute("create table sink (id int, v string, action string, isupdate boolean)")
        cur.execute("insert into sink select id, v, metadata$action, metadata$isupdate from s")
        cur.execute("update t set v = 'z' where id = 1")
        cur.execute("insert into t values (3, 'c')")
    with connect(database="DB", schema="S", path=path) as second:
        cur = second.cursor()
        got = rows(cur, STREAM)
        assert [r[:4] for r in got] == [(1, "a", "DELETE", True), (1, "z", "INSERT", True),
                                        (3, "c", "INSERT", False)]
        assert got == rows(cur, GENERAL)
        cur.execute("insert into sink select id, v, metadata$action, metadata$isupdate from s")
        cur.execute("insert into t values (4, 'd')")
        second.duck = recorder = DuckRecorder(second.duck)
        got, general = _read(cur, recorder)
        assert not general
        assert [r[:4] for r in got] == [(4, "d", "INSERT", False)]
