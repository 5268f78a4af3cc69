"""Smoke tests of the emulator core: DDL, DML, MERGE, streams through one connection."""

import json

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


def _stream_rows_match(conn) -> None:
    """Every stream's _snowsim.objects row holds its in-memory info (what a reopen loads; offsets included).

    Tables are left out: their last_version / last_change live in memory and are recomputed on reopen.
    """
    rows = conn.duck.execute("SELECT name, info FROM _snowsim.objects WHERE kind = 'STREAM'").fetchall()
    stored = {name: json.loads(info) for name, info in rows}
    live = {o.name.name: json.loads(json.dumps(o.info, default=str)) for o in conn.catalog.all("STREAM")}
    assert stored == live


def _consume_alter_replace_drop(cur, check) -> None:
    cur.execute("create table t (id int)")
    cur.execute("create table tgt (id int)")
    for stream in ("s", "gone", "renewed"):
        cur.execute(f"create stream {stream} on table t")
    for i in range(3):
        cur.execute("insert into t values (%s)", [i])
        for stream in ("s", "gone", "renewed"):
            cur.execute(f"insert into tgt select id from {stream}")  # moves the offset: a non-structural save
            check()
    cur.execute("alter stream s set comment = 'c'")
    cur.execute("create or replace stream renewed on table t")  # replaced after saves: the new row must win
    cur.execute("drop stream gone")  # dropped after saves: no row comes back
    cur.execute("insert into t values (9)")
    cur.execute("insert into tgt select id from s")
    check()


def test_in_memory_catalog_writes_offsets_at_flush(cur):
    """Stream offsets reach the in-memory DuckDB in batches (Catalog.flush); after one, every row is current."""
    conn = cur.connection
    assert not conn.catalog.durable
    _consume_alter_replace_drop(cur, lambda: None)
    conn.txns.flush()
    _stream_rows_match(conn)
    cur.execute("select id from s")
    assert cur.fetchall() == []
    cur.execute("select id from renewed")
    assert cur.fetchall() == [(9,)]


def test_file_catalog_writes_offsets_in_each_commit(tmp_path):
    """With path=, every commit that moves an offset writes it (a crash loses nothing; see streams/test_crash.py)."""
    path = str(tmp_path / "x.duckdb")
    conn = connect(database="DB", schema="S", path=path)
    assert conn.catalog.durable
    cur = conn.cursor()
    _consume_alter_replace_drop(cur, lambda: _stream_rows_match(conn))
    conn.close()
    conn = connect(database="DB", schema="S", path=path)
    cur = conn.cursor()
    cur.execute("select id from s")
    assert cur.fetchall() == []
    cur.execute("select id from renewed")
    assert cur.fetchall() == [(9,)]
    conn.close()
