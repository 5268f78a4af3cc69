"""The connection and cursor surface of snowflake.connector: cursors, DictCursor, fetch*, description, close, with."""

import os

import pytest
from snowflake.connector import DictCursor
from snowflake.connector import errors as sf
from snowflake.connector.cursor import ResultMetadata

from snowsim.emulator import connect


@pytest.fixture
def rows(cur):
    cur.execute("create table t (id int, name varchar(10), amt number(10,2), ok boolean, at timestamp_ntz)")
    cur.execute("insert into t values (1, 'a', 1.5, true, '2026-01-05 08:00:00'), (2, 'b', null, false, null), "
                "(3, 'c', 3, null, null)")
    return cur


def test_execute_returns_the_cursor_and_sets_query_id(rows):
    """docs: developer-guide/python-connector/python-connector-api (Cursor.execute, sfqid, query)."""
    assert rows.execute("select id from t order by id") is rows
    assert rows.query == "select id from t order by id"
    first = rows.sfqid
    rows.execute("select 1")
    assert rows.sfqid and rows.sfqid != first


def test_fetchone_fetchmany_fetchall_and_iteration(rows):
    """docs: python-connector-api (fetchone, fetchmany, fetchall; a cursor is iterable)."""
    rows.execute("select id from t order by id")
    assert rows.fetchone() == (1,)
    assert rows.fetchmany(5) == [(2,), (3,)]
    assert rows.fetchone() is None
    assert rows.fetchall() == []
    assert [r for r in rows.execute("select id from t order by id")] == [(1,), (2,), (3,)]
    rows.execute("select id from t order by id")
    rows.arraysize = 2
    assert rows.fetchmany() == [(1,), (2,)]


def test_rowcount(rows):
    """docs: python-connector-api (rowcount) - rows of a query; rows affected by DML."""
    rows.execute("select * from t")
    assert rows.rowcount == 3
    rows.execute("update t set name = 'z' where id > 1")
    assert rows.rowcount == 2


def test_description_uses_snowflake_names_and_types(rows):
    """docs: python-connector-api (description, ResultMetadata) - unquoted names UPPERCASE, quoted kept; type codes."""
    rows.execute('select id, name, amt, ok, at, id as "lower" from t')
    d = rows.description
    assert [c.name for c in d] == ["ID", "NAME", "AMT", "OK", "AT", "lower"]
    assert all(isinstance(c, ResultMetadata) for c in d)
    # type codes: 0 FIXED, 2 TEXT, 13 BOOLEAN, 8 TIMESTAMP_NTZ (snowflake.connector.constants)
    assert [c.type_code for c in d] == [0, 2, 0, 13, 8, 0]
    assert (d[2].precision, d[2].scale) == (10, 2)


def test_dict_cursor(conn, rows):
    """docs: python-connector-api (DictCursor) - rows as dicts keyed by column name."""
    dc = conn.cursor(DictCursor)
    dc.execute('select id, name as "n" from t where id = 1')
    assert dc.fetchone() == {"ID": 1, "n": "a"}
    dc.execute("select id from t order by id")
    assert dc.fetchall() == [{"ID": 1}, {"ID": 2}, {"ID": 3}]


def test_execute_string_runs_each_statement(conn):
    """docs: python-connector-api (execute_string) - one cursor per statement; comments do not make statements."""
    cursors = conn.execute_string(
        "-- a leading comment\n"
        "create table s (x int); /* block; comment */ insert into s values (1), (2);\n"
        "select 'a;b' as v; -- trailing; comment\n"
        "select count(*) from s\n"
    )
    assert len(cursors) == 4
    assert cursors[2].fetchall() == [("a;b",)]
    assert cursors[3].fetchall() == [(2,)]


def test_execute_string_stops_at_the_first_error(conn):
    """docs: python-connector-api (execute_string) - statements before the failing one have run."""
    with pytest.raises(sf.ProgrammingError):
        conn.execute_string("create table e (x int); insert into e values ('oops'); insert into e values (1)")
    assert conn.cursor().execute("select count(*) from e").fetchone() == (0,)


def test_closed_cursor_and_connection(conn):
    """docs: python-connector-api (close, is_closed) - using a closed connection raises."""
    cur = conn.cursor()
    assert cur.close() is True
    assert conn.is_closed() is False
    conn.close()
    assert conn.is_closed() is True
    conn.close()  # closing twice is harmless
    with pytest.raises(sf.InterfaceError):
        conn.cursor()


def test_context_managers():
    """docs: python-connector-api (connection and cursor as context managers)."""
    with connect(database="DB", schema="S") as c, c.cursor() as cur:
        assert cur.execute("select 1").fetchone() == (1,)
    assert c.is_closed()


def test_context_manager_with_autocommit_off_commits_or_rolls_back(tmp_path):
    """docs: python-connector-api (__exit__) - with autocommit off, commit on success and roll back on an error."""
    path = str(tmp_path / "ctx.duckdb")
    with connect(database="DB", schema="S", path=path) as c:
        c.cursor().execute("create table t (x int)")
    with connect(database="DB", schema="S", path=path, autocommit=False) as c:
        c.cursor().execute("insert into t values (1)")
    with pytest.raises(RuntimeError), connect(database="DB", schema="S", path=path, autocommit=False) as c:
        c.cursor().execute("insert into t values (2)")
        raise RuntimeError("boom")
    with connect(database="DB", schema="S", path=path) as c:
        assert c.cursor().execute("select x from t").fetchall() == [(1,)]


def test_path_persists_across_connections(tmp_path):
    """docs: (snowsim) connect(path=...) keeps every object in one DuckDB file, like an account that outlives sessions."""
    path = os.path.join(tmp_path, "acct.duckdb")
    c = connect(database="DB", schema="S", path=path)
    c.cursor().execute("create table kept (x int, s string)")
    c.cursor().execute("insert into kept values (1, 'one')")
    c.cursor().execute("create view kv as select s from kept")
    c.close()
    c = connect(path=path)
    cur = c.cursor()
    cur.execute("use schema db.s")
    assert cur.execute("select * from kept").fetchall() == [(1, "one")]
    assert cur.execute("select * from kv").fetchall() == [("one",)]
    assert [r[1] for r in cur.execute("show terse tables").fetchall()] == ["KEPT"]
    c.close()


def test_connect_creates_missing_database_and_schema():
    """docs: (snowsim) an empty emulator account: connect(database=, schema=) creates them, then USEs them."""
    c = connect(database="fresh", schema="raw")
    assert (c.session.database, c.session.schema) == ("FRESH", "RAW")
    c.close()


def test_autocommit_method(conn):
    """docs: python-connector-api (autocommit, get_autocommit)."""
    assert conn.get_autocommit() is True
    conn.autocommit(False)
    assert conn.get_autocommit() is False


def test_describe_gives_metadata_without_rows(rows):
    """docs: python-connector-api (Cursor.describe) - result metadata without rows; None without a result set."""
    meta = rows.describe("select id, name from t where id > %s", (1,))
    assert [m.name for m in meta] == ["ID", "NAME"]
    assert rows.description == meta
    assert rows.fetchall() == []
    assert rows.describe("insert into t (id) values (9)") is None
    assert rows.execute("select count(*) from t").fetchone() == (3,)  # describe did not run the insert
