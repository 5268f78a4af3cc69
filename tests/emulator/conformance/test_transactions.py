"""Transactions: BEGIN/COMMIT/ROLLBACK, a failed statement rolls back alone, DDL commits, AUTOCOMMIT off."""

import pytest
from snowflake.connector import errors as sf

from snowsim.emulator import connect


@pytest.fixture
def t(cur):
    cur.execute("create table t (id int)")
    return cur


def _ids(cur):
    return [r[0] for r in cur.execute("select id from t order by id").fetchall()]


@pytest.mark.parametrize("begin", ["begin", "begin transaction", "begin work", "start transaction"])
def test_begin_rollback(t, begin):
    """docs: sql-reference/sql/begin - BEGIN [WORK|TRANSACTION], START TRANSACTION; ROLLBACK undoes."""
    t.execute(begin)
    assert t.fetchall() == [("Statement executed successfully.",)]
    t.execute("insert into t values (1)")
    assert _ids(t) == [1]  # the transaction sees its own writes
    t.execute("rollback")
    assert _ids(t) == []


def test_commit(t):
    """docs: sql-reference/sql/commit."""
    t.execute("begin")
    t.execute("insert into t values (1)")
    t.execute("commit work")
    t.execute("rollback")
    assert _ids(t) == [1]


def test_failed_statement_rolls_back_only_itself(t):
    """docs: sql-reference/transactions (failed statements) - earlier statements of the transaction stay."""
    t.execute("begin")
    t.execute("insert into t values (1)")
    with pytest.raises(sf.ProgrammingError):
        t.execute("insert into t values ('not a number')")
    t.execute("insert into t values (2)")
    t.execute("commit")
    assert _ids(t) == [1, 2]


def test_ddl_commits_the_open_transaction(t):
    """docs: sql-reference/transactions (DDL) - a DDL statement commits the transaction before it runs."""
    t.execute("begin")
    t.execute("insert into t values (1)")
    t.execute("create table other (x int)")
    t.execute("rollback")
    assert _ids(t) == [1]


def test_autocommit_off_needs_commit():
    """docs: sql-reference/parameters (AUTOCOMMIT) - with it off, DML opens a transaction that COMMIT ends."""
    c = connect(database="DB", schema="S", autocommit=False)
    cur = c.cursor()
    cur.execute("create table t (id int)")
    cur.execute("insert into t values (1)")
    c.rollback()
    assert cur.execute("select count(*) from t").fetchone() == (0,)
    cur.execute("insert into t values (2)")
    c.commit()
    c.rollback()
    assert cur.execute("select id from t").fetchall() == [(2,)]
    c.close()


def test_alter_session_autocommit(conn, t):
    """docs: sql-reference/parameters (AUTOCOMMIT) - ALTER SESSION SET AUTOCOMMIT = FALSE."""
    t.execute("alter session set autocommit = false")
    t.execute("insert into t values (1)")
    conn.rollback()
    assert _ids(t) == []


def test_connection_methods_commit_and_rollback(conn, t):
    """docs: python-connector-api (commit, rollback)."""
    t.execute("begin")
    t.execute("insert into t values (1)")
    conn.commit()
    t.execute("begin")
    t.execute("insert into t values (2)")
    conn.rollback()
    assert _ids(t) == [1]


def test_close_rolls_back_an_open_transaction(tmp_path):
    """docs: sql-reference/transactions - a transaction still open when the session ends is rolled back."""
    path = str(tmp_path / "close.duckdb")
    c = connect(database="DB", schema="S", path=path)
    c.cursor().execute("create table t (id int)")
    c.cursor().execute("begin")
    c.cursor().execute("insert into t values (1)")
    c.close()
    c = connect(database="DB", schema="S", path=path)
    assert c.cursor().execute("select count(*) from t").fetchone() == (0,)
    c.close()
