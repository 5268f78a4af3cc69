"""DML results as Snowflake returns them: one row of counts with Snowflake's column names; rowcount is their sum."""

import pytest
from snowflake.connector import errors as sf


@pytest.fixture
def t(cur):
    cur.execute("create table t (id int, name string, amt number(10,2) default 7.5, at timestamp_ltz "
                "default current_timestamp())")
    return cur


def _result(cur):
    return [d.name for d in cur.description], cur.fetchall(), cur.rowcount


def test_insert_values_and_select(t):
    """docs: sql-reference/sql/insert - result column 'number of rows inserted'."""
    t.execute("insert into t (id, name) values (1, 'a'), (2, 'b')")
    assert _result(t) == (["number of rows inserted"], [(2,)], 2)
    t.execute("insert into t (id, name) select id + 10, name from t")
    assert _result(t) == (["number of rows inserted"], [(2,)], 2)


def test_insert_column_list_applies_defaults(t):
    """docs: sql-reference/sql/insert - columns left out of the list get their DEFAULT (including CURRENT_TIMESTAMP())."""
    t.execute("insert into t (id) values (1)")
    t.execute("select id, name, amt, at is not null from t")
    row = t.fetchone()
    assert (row[0], row[1], float(row[2]), row[3]) == (1, None, 7.5, True)


def test_insert_overwrite_replaces_the_rows(t):
    """docs: sql-reference/sql/insert (OVERWRITE) - the table is truncated first; the count is the new rows."""
    t.execute("insert into t (id) values (1), (2), (3)")
    t.execute("insert overwrite into t (id, name) values (9, 'z')")
    assert _result(t) == (["number of rows inserted"], [(1,)], 1)
    t.execute("select id, name from t")
    assert t.fetchall() == [(9, "z")]


def test_update_and_update_from(t):
    """docs: sql-reference/sql/update - both count columns, also for a plain UPDATE (as the docs' examples print)."""
    t.execute("insert into t (id, name) values (1, 'a'), (2, 'b'), (3, 'c')")
    t.execute("update t set name = upper(name) where id < 3")
    assert _result(t) == (["number of rows updated", "number of multi-joined rows updated"], [(2, 0)], 2)
    t.execute("create table src (id int, name string)")
    t.execute("insert into src values (1, 'x'), (1, 'y'), (3, 'z')")
    t.execute("update t set name = src.name from src where t.id = src.id")
    names, rows, _ = _result(t)
    assert names == ["number of rows updated", "number of multi-joined rows updated"]
    assert rows == [(2, 1)]  # row 1 joined twice (no error: ERROR_ON_NONDETERMINISTIC_UPDATE defaults to FALSE)
    t.execute("select id, name from t where id in (2, 3) order by id")
    assert t.fetchall() == [(2, "B"), (3, "z")]


def test_delete_and_delete_using(t):
    """docs: sql-reference/sql/delete - 'number of rows deleted', also with USING."""
    t.execute("insert into t (id) values (1), (2), (3), (4)")
    t.execute("delete from t where id = 4")
    assert _result(t) == (["number of rows deleted"], [(1,)], 1)
    t.execute("create table gone (id int)")
    t.execute("insert into gone values (1), (1), (3)")
    t.execute("delete from t using gone where t.id = gone.id")
    assert _result(t)[1] == [(2,)]
    t.execute("select id from t")
    assert t.fetchall() == [(2,)]


def test_truncate(t):
    """docs: sql-reference/sql/truncate-table - removes every row; TRUNCATE TABLE IF EXISTS on a missing one is fine."""
    t.execute("insert into t (id) values (1), (2)")
    t.execute("truncate table t")
    assert _result(t) == (["status"], [("Statement executed successfully.",)], 1)
    t.execute("select count(*) from t")
    assert t.fetchone() == (0,)
    t.execute("truncate t")
    t.execute("truncate table if exists nope")
    assert t.fetchall() == [("Statement executed successfully.",)]
    with pytest.raises(sf.ProgrammingError) as info:
        t.execute("truncate table nope")
    assert info.value.errno == 2003


def test_ctas(cur):
    """docs: sql-reference/sql/create-table (CREATE TABLE ... AS SELECT) - columns and rows from the query."""
    cur.execute("create table base (id int, name varchar(10))")
    cur.execute("insert into base values (1, 'a'), (2, 'b')")
    cur.execute("create table copied as select id, name, id * 2 as twice from base where id > 1")
    assert cur.fetchall() == [("Table COPIED successfully created.",)]
    cur.execute("select * from copied")
    assert cur.fetchall() == [(2, "b", 4)]
    cur.execute("describe table copied")
    assert [r[0] for r in cur.fetchall()] == ["ID", "NAME", "TWICE"]


def test_primary_key_and_unique_are_not_enforced(cur):
    """docs: sql-reference/constraints-overview - PRIMARY KEY / UNIQUE are accepted but not enforced."""
    cur.execute("create table k (id int primary key, code string unique)")
    cur.execute("insert into k values (1, 'a'), (1, 'a')")
    cur.execute("select count(*) from k")
    assert cur.fetchone() == (2,)
