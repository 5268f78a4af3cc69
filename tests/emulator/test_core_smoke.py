"""Smoke tests of the emulator core: DDL, DML, MERGE, streams through one connection."""

import pytest
from snowflake.connector import errors as sf

from snowsim.emulator import connect


@pytest.fixture
def cur():
    conn = connect(database="DB", schema="S")
    yield conn.cursor()
    conn.close()


def test_insert_select_round_trip_with_snowflake_column_names(cur):
    """docs: sql-reference/identifiers-syntax - unquoted identifiers come back upper-case."""
    cur.execute("create table t (id int, name string)")
    cur.execute("insert into t (id, name) values (1, 'a'), (2, 'b')")
    assert cur.fetchall() == [(2,)]
    assert [d.name for d in cur.description] == ["number of rows inserted"]
    cur.execute("select id, name, id + 1 from t order by id")
    assert [d.name for d in cur.description] == ["ID", "NAME", "ID + 1"]
    assert cur.fetchall() == [(1, "a", 2), (2, "b", 3)]


def test_merge_duplicate_source_rows_raise_100090(cur):
    """docs: sql-reference/sql/merge - nondeterministic update of one target row -> error by default."""
    cur.execute("create table t (id int, name string)")
    cur.execute("insert into t values (1, 'a')")
    with pytest.raises(sf.ProgrammingError) as info:
        cur.execute(
            "merge into t using (select 1 id, 'm' name union all select 1, 'n') s on t.id = s.id "
            "when matched then update set t.name = s.name"
        )
    assert info.value.errno == 100090
    assert info.value.sqlstate == "42P18"
    cur.execute("select name from t")
    assert cur.fetchall() == [("a",)]


def test_stream_consumed_only_on_commit(cur):
    """docs: user-guide/streams-intro - offsets advance when the consuming transaction commits."""
    cur.execute("create table t (id int)")
    cur.execute("create table tgt (id int)")
    cur.execute("create stream s on table t append_only = true")
    cur.execute("insert into t values (1)")
    cur.execute("begin")
    cur.execute("insert into tgt select id from s")
    cur.execute("select id from s")
    assert cur.fetchall() == [(1,)]  # repeatable read inside the transaction
    cur.execute("rollback")
    cur.execute("select id from s")
    assert cur.fetchall() == [(1,)]
    cur.execute("insert into tgt select id from s")
    cur.execute("select count(*) from s")
    assert cur.fetchone() == (0,)


def test_duckdb_runs_one_thread_without_window_self_join_unless_told(monkeypatch):
    """The emulator's DuckDB settings (connection.duck_config; README "Performance"): SNOWSIM_THREADS overrides."""
    setting = "select current_setting('threads'), current_setting('disabled_optimizers')"
    with connect() as conn:
        assert conn.duck.execute(setting).fetchone() == (1, "window_self_join")
    monkeypatch.setenv("SNOWSIM_THREADS", "2")
    with connect() as conn:
        assert conn.duck.execute(setting).fetchone()[0] == 2
    monkeypatch.setenv("SNOWSIM_THREADS", "many")
    with pytest.raises(sf.ProgrammingError, match="SNOWSIM_THREADS must be a whole number"):
        connect()
