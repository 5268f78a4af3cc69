"""Constructs snowsim does not emulate raise NotSupportedError naming the construct and the statement."""

import pytest
from snowflake.connector import errors as sf


@pytest.mark.parametrize(
    ("sql", "construct"),
    [
        ("create sequence seq1", "CREATE SEQUENCE"),
        ("create or replace procedure p() returns int language sql as 'select 1'", "CREATE PROCEDURE"),
        ("create function f(x int) returns int as 'x + 1'", "CREATE FUNCTION"),
        ("create table t2 clone t", "CREATE TABLE ... CLONE"),
        ("create table t3 like t", "CREATE TABLE ... LIKE"),
        ("create materialized view mv as select * from t", "CREATE MATERIALIZED VIEW"),
        ("create external table e (x int) location = @s", "CREATE EXTERNAL TABLE"),
        ("create table ai (id int autoincrement, x int)", "AUTOINCREMENT / IDENTITY columns"),
        ("undrop table t", "UNDROP"),
        ("alter table t swap with t", "ALTER TABLE action SWAP WITH"),
        ("show tables history", "SHOW ... HISTORY"),
        ("describe table t type = stage", "DESCRIBE TABLE ... TYPE = STAGE"),
    ],
)
def test_not_supported_names_the_construct(cur, sql, construct):
    """docs: (snowsim) a construct outside the emulation is refused by name, never answered differently."""
    cur.execute("create table t (x int)")
    with pytest.raises(sf.NotSupportedError) as info:
        cur.execute(sql)
    err = info.value
    assert err.sqlstate == "0A000"
    assert f"snowsim does not support {construct}" in err.raw_msg
    assert " ".join(sql.split()) in err.raw_msg  # the statement is quoted
    assert "DuckDB" not in err.raw_msg and "Error:" not in err.raw_msg


def test_not_supported_is_not_a_programming_error(cur):
    """docs: python-connector-api (exceptions) - NotSupportedError is a DatabaseError, separate from ProgrammingError."""
    with pytest.raises(sf.NotSupportedError) as info:
        cur.execute("create sequence s1")
    assert not isinstance(info.value, sf.ProgrammingError)
    assert isinstance(info.value, sf.DatabaseError)
