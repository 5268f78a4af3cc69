"""Session state: ALTER SESSION SET/UNSET, session variables (SET/UNSET, $name), USE, current database/schema."""

import pytest
from snowflake.connector import errors as sf

from snowsim.emulator import connect


def test_set_and_read_variables(cur):
    """docs: sql-reference/session-variables - SET name = expr; $name in a query; names are case-insensitive."""
    cur.execute("set threshold = 10")
    assert cur.fetchall() == [("Statement executed successfully.",)]
    cur.execute("set (a, b) = (1 + 1, 'x')")
    cur.execute("select $threshold + 1, $A, $b")
    assert cur.fetchone() == (11, 2, "x")
    assert [d.name for d in cur.description] == ["$THRESHOLD + 1", "$A", "$B"]


def test_variables_in_dml_and_reset(cur):
    """docs: sql-reference/session-variables - a new value is seen by the next statement (no stale cached plan)."""
    cur.execute("create table t (id int)")
    cur.execute("insert into t values (1), (2), (3)")
    cur.execute("set lo = 1")
    cur.execute("select count(*) from t where id > $lo")
    assert cur.fetchone() == (2,)
    cur.execute("set lo = 2")
    cur.execute("select count(*) from t where id > $lo")
    assert cur.fetchone() == (1,)
    cur.execute("delete from t where id <= $lo")
    assert cur.fetchone() == (2,)


def test_unset_variable_then_reading_it_is_002211(cur):
    """docs: sql-reference/sql/unset - UNSET removes it; reading a missing variable is 002211 (02000)."""
    cur.execute("set x = 1")
    cur.execute("unset x")
    assert cur.fetchall() == [("Statement executed successfully.",)]
    with pytest.raises(sf.ProgrammingError) as info:
        cur.execute("select $x")
    assert (info.value.errno, info.value.sqlstate) == (2211, "02000")
    assert info.value.raw_msg == "SQL compilation error: error line 1 at position 7\nSession variable '$X' does not exist"


def test_unset_several_variables(cur):
    """docs: sql-reference/sql/unset - UNSET ( var [, ...] )."""
    cur.execute("set (a, b, c) = (1, 2, 3)")
    cur.execute("unset (a, b)")
    cur.execute("select $c")
    assert cur.fetchone() == (3,)
    with pytest.raises(sf.ProgrammingError):
        cur.execute("select $a")


def test_variables_belong_to_the_session(conn):
    """docs: sql-reference/session-variables - variables are per session (connection), shared by its cursors."""
    conn.cursor().execute("set v = 5")
    assert conn.cursor().execute("select $v").fetchone() == (5,)
    other = connect(database="DB", schema="S")
    with pytest.raises(sf.ProgrammingError):
        other.cursor().execute("select $v")
    other.close()


def test_alter_session_set_and_unset(conn, cur):
    """docs: sql-reference/sql/alter-session - SET k = v and UNSET k (back to the default)."""
    cur.execute("alter session set timezone = 'UTC', query_tag = 'conformance'")
    assert cur.fetchall() == [("Statement executed successfully.",)]
    assert conn.session.parameters["TIMEZONE"] == "UTC"
    assert conn.session.parameters["QUERY_TAG"] == "conformance"
    cur.execute("alter session unset timezone")
    assert conn.session.parameters["TIMEZONE"] == "America/Los_Angeles"


def test_use_database_and_schema(conn, cur):
    """docs: sql-reference/sql/use-database, use-schema - USE DATABASE selects its PUBLIC schema."""
    cur.execute("create database other")
    cur.execute("create schema other.x")
    cur.execute("use database db")
    assert (conn.session.database, conn.session.schema) == ("DB", "PUBLIC")
    cur.execute("use schema other.x")
    assert (conn.session.database, conn.session.schema) == ("OTHER", "X")
    cur.execute("create table in_x (a int)")  # unqualified names now resolve in OTHER.X
    cur.execute("use db.s")
    assert (conn.session.database, conn.session.schema) == ("DB", "S")
    cur.execute("select count(*) from other.x.in_x")
    assert cur.fetchone() == (0,)


def test_create_database_and_schema_become_current(conn, cur):
    """docs: sql-reference/sql/create-database, create-schema - the new one becomes the session's current one."""
    cur.execute("create database fresh")
    assert (conn.session.database, conn.session.schema) == ("FRESH", "PUBLIC")
    cur.execute("create schema raw")
    assert (conn.session.database, conn.session.schema) == ("FRESH", "RAW")
