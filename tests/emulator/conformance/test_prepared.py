"""Hot texts run as EXECUTE of DuckDB prepared statements (prepared.py), with the results of the literal text."""

from datetime import date, datetime

import pytest

from snowsim.emulator import Clock, connect
from snowsim.emulator.prepared import prepared_form, variable_kinds
from tests.emulator.conftest import DuckRecorder


def _form(template, values=(), params=()):
    return prepared_form(template, variable_kinds(dict(values)), len(params))


def test_values_and_parameters_become_typed_placeholders():
    text, order = _form(
        "SELECT ? FROM t WHERE v > getvariable('lo') AND v <= getvariable('hi') AND at < getvariable('__now') "
        "AND v <> getvariable('lo') AND f = getvariable('init')",
        {"lo": "402", "hi": "5000000000", "__now": "TIMESTAMPTZ '2026-01-05 10:01:00+00'", "init": "TRUE"}, [406])
    # parameters keep their numbers (typed by their context, as the client prepares them); values follow in order of
    # first use, each as the type its literal has
    assert text == ("SELECT $1 FROM t WHERE v > CAST($2 AS INTEGER) AND v <= CAST($3 AS BIGINT) "
                    "AND at < CAST($4 AS TIMESTAMPTZ) AND v <> CAST($2 AS INTEGER) AND f = CAST($5 AS BOOLEAN)")
    assert order == ("lo", "hi", "__now", "init")


def test_placeholders_in_literals_and_names_are_text():
    text, _ = _form("""SELECT '?', "a?$1", x$1, $1 FROM t WHERE s = 'it''s ?'""", params=[None])
    assert text == """SELECT '?', "a?$1", x$1, $1 FROM t WHERE s = 'it''s ?'"""


def test_a_value_of_another_form_is_written_in():
    text, order = _form("SELECT getvariable('m')['a'] FROM t", {"m": "MAP {'a': 1}"})
    assert (text, order) == ("SELECT (MAP {'a': 1})['a'] FROM t", ())


@pytest.mark.parametrize("template, params", [
    ("SELECT ? , ?", [1]),  # more placeholders than parameters
    ("SELECT $2", [1]),
    ("SELECT ?, $1", [1, 2]),  # DuckDB takes one style only
])
def test_placeholders_that_do_not_match_the_parameters_are_not_prepared(template, params):
    assert _form(template, params=params) is None


def _hot(conn):
    conn.hot_after = 0  # every plan hot from its first run


def _executes(recorder) -> list[str]:
    """The statements sent as EXECUTE of a prepared statement."""
    return [s for s in recorder.sent if s.startswith("EXECUTE ")]


def test_a_repeated_stream_insert_runs_as_execute_with_the_results_of_the_text(conn, cur, recorder):
    _hot(conn)
    cur.execute("create table raw (id int, v variant)")
    cur.execute("create table out (id int, name string, n number(10, 2))")
    cur.execute("create stream s on table raw append_only = true")
    for i in range(4):
        cur.execute(f"insert into raw select {i}, parse_json('{{\"name\": \"n{i}\", \"n\": {i}.5}}')")
        cur.execute("insert into out select id, v:name::string, v:n::number(10, 2) from s")
        assert cur.rowcount == 1
    cur.execute("select id, name, n from out order by id")
    assert [(i, n, float(x)) for i, n, x in cur.fetchall()] == [(i, f"n{i}", i + 0.5) for i in range(4)]
    assert _executes(recorder), "the third and later runs go through the prepared statement"


def test_a_value_only_the_full_macros_decide_still_takes_them(conn, cur):
    """A float's text (3.0 -> '3') is the full macro's: the prepared stand-in raises SLOW_PATH as the text would."""
    _hot(conn)
    cur.execute("create table raw (v variant)")
    cur.execute("create table out (t string)")
    cur.execute("create stream s on table raw append_only = true")
    for value in ["'a'", "'b'", "'c'", "3.0"]:
        cur.execute(f"insert into raw select to_variant({value})")
        cur.execute("insert into out select v::string from s")
    cur.execute("select t from out order by t")
    assert [r[0] for r in cur.fetchall()] == ["3", "a", "b", "c"]


def test_a_table_replaced_by_ddl_is_read_anew(conn, cur):
    _hot(conn)
    cur.execute("create table t (a int)")
    cur.execute("insert into t values (1)")
    for _ in range(3):
        cur.execute("select * from t")
        assert cur.fetchall() == [(1,)]
    cur.execute("create or replace table t (a string, b int)")
    cur.execute("insert into t values ('x', 2)")
    cur.execute("select * from t")
    assert cur.fetchall() == [("x", 2)]


def test_a_rolled_back_transaction_keeps_prepared_runs_right(conn, cur, recorder):
    _hot(conn)
    cur.execute("create table t (a int)")
    for i in range(3):
        cur.execute("insert into t values (%s)", (i,))
    cur.execute("begin")
    cur.execute("insert into t values (%s)", (9,))
    cur.execute("rollback")
    cur.execute("insert into t values (%s)", (3,))
    cur.execute("select a from t order by a")
    assert [r[0] for r in cur.fetchall()] == [0, 1, 2, 3]
    assert len(_executes(recorder)) >= 2


def test_errors_read_as_from_the_text(conn, cur, recorder):
    """A data error raised while the statement runs prepared has the text's code and message."""
    _hot(conn)
    cur.execute("create table t (s string)")
    cur.execute("create table n (x number)")
    cur.execute("insert into t values ('1')")
    for _ in range(3):
        cur.execute("insert into n select s::number from t")
    cur.execute("insert into t values ('x')")
    recorder.sent.clear()
    with pytest.raises(Exception) as prepared_error:
        cur.execute("insert into n select s::number from t")
    assert _executes(recorder)
    conn.prepared.call = lambda *a: None  # the literal text from now on
    with pytest.raises(Exception) as text_error:
        cur.execute("insert into n select s::number from t")
    assert (prepared_error.value.errno, prepared_error.value.msg) == (text_error.value.errno, text_error.value.msg)
    cur.execute("select count(*) from n")
    assert cur.fetchone() == (3,)


def test_text_parameters_keep_the_plain_path(conn, cur, recorder):
    _hot(conn)
    cur.execute("create table t (s string)")
    for s in ["a", "b", "c", "d"]:
        cur.execute("insert into t values (%s)", (s,))
    assert not _executes(recorder)
    cur.execute("select count(*) from t")
    assert cur.fetchone() == (4,)


def test_a_statement_reading_no_table_follows_the_session_time_zone():
    """DuckDB keeps such a prepared statement bound as prepared, time zone included: a new zone drops it."""
    conn = connect(database="DB", schema="S", clock=Clock(start=datetime(2026, 1, 5, 23, 0)))  # 08:00 next day in Tokyo
    conn.hot_after = 0
    conn.duck = DuckRecorder(conn.duck)
    cur = conn.cursor()
    cur.execute("alter session set timezone = 'UTC'")
    for _ in range(3):
        assert cur.execute("select current_date").fetchone() == (date(2026, 1, 5),)
    assert _executes(conn.duck)
    cur.execute("alter session set timezone = 'Asia/Tokyo'")
    for _ in range(3):
        assert cur.execute("select current_date").fetchone() == (date(2026, 1, 6),)
    conn.close()


def test_a_text_duckdb_will_not_prepare_keeps_the_plain_path():
    """A failed PREPARE (at the start of a statement, outside any transaction) only marks the text: nothing is retried."""
    import duckdb

    from snowsim.emulator.prepared import Prepared

    duck = duckdb.connect()
    prepared = Prepared(duck)
    for _ in range(2):  # seen, then wanted
        assert prepared.call("SELECT x FROM missing", {}, [], 0) is None
    assert prepared.due(0)
    prepared.start(0)
    assert prepared.call("SELECT x FROM missing", {}, [], 0) is None
    assert not prepared.due(0)  # refused: not asked for again
    duck.execute("SELECT 1")  # the connection was left usable
    for _ in range(2):
        prepared.call("SELECT 41 + getvariable('n')", {"n": "1"}, [], 0)
    prepared.start(0)
    call = prepared.call("SELECT 41 + getvariable('n')", {"n": "1"}, [], 0)
    assert call is not None and duck.execute(call).fetchone() == (42,)
    duck.close()
