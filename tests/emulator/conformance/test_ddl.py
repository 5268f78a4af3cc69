"""Databases, schemas, tables and views: CREATE / DROP / ALTER, identifier rules, status messages and errors."""

import pytest
from snowflake.connector import errors as sf

from snowsim.emulator import connect


def _status(cur, sql: str) -> str:
    cur.execute(sql)
    assert [d.name for d in cur.description] == ["status"]
    return cur.fetchone()[0]


def _err(cur, sql: str) -> sf.Error:
    with pytest.raises(sf.ProgrammingError) as info:
        cur.execute(sql)
    return info.value


def test_database_lifecycle(cur):
    """docs: sql-reference/sql/create-database, drop-database - status texts, IF [NOT] EXISTS, OR REPLACE."""
    assert _status(cur, "create database d1") == "Database D1 successfully created."
    assert _status(cur, "create database if not exists d1") == "D1 already exists, statement succeeded."
    err = _err(cur, "create database d1")
    assert (err.errno, err.sqlstate, err.raw_msg) == (2002, "42710", "SQL compilation error:\nObject 'D1' already exists.")
    cur.execute("create table d1.public.t (x int)")
    assert _status(cur, "create or replace database d1") == "Database D1 successfully created."
    assert _err(cur, "select * from d1.public.t").errno == 2003  # replaced: its tables are gone
    assert _status(cur, "drop database d1") == "D1 successfully dropped."
    assert _status(cur, "drop database if exists d1") == "Drop statement executed successfully (D1 already dropped)."
    err = _err(cur, "drop database d1")
    assert (err.errno, err.sqlstate) == (2003, "02000")
    assert err.raw_msg == "SQL compilation error:\nDatabase 'D1' does not exist or not authorized."


def test_schema_lifecycle(cur):
    """docs: sql-reference/sql/create-schema, drop-schema - qualified names, IF [NOT] EXISTS, OR REPLACE."""
    assert _status(cur, "create schema db.s2") == "Schema S2 successfully created."
    assert _status(cur, "create schema if not exists s2") == "S2 already exists, statement succeeded."
    cur.execute("create table db.s2.t (x int)")
    assert _status(cur, "create or replace schema db.s2") == "Schema S2 successfully created."
    assert _err(cur, "select * from db.s2.t").errno == 2003
    assert _status(cur, "drop schema db.s2") == "S2 successfully dropped."
    assert _status(cur, "drop schema if exists db.s2") == "Drop statement executed successfully (S2 already dropped)."
    err = _err(cur, "drop schema db.s2")
    assert err.raw_msg == "SQL compilation error:\nSchema 'DB.S2' does not exist or not authorized."
    err = _err(cur, "create schema nodb.x")
    assert err.raw_msg == "SQL compilation error:\nDatabase 'NODB' does not exist or not authorized."


def test_table_lifecycle(cur):
    """docs: sql-reference/sql/create-table, drop-table - status texts and the 'already exists' rules."""
    assert _status(cur, "create table t (x int)") == "Table T successfully created."
    assert _status(cur, "create table if not exists t (y int)") == "T already exists, statement succeeded."
    assert _err(cur, "create table t (x int)").raw_msg == "SQL compilation error:\nObject 'T' already exists."
    assert _status(cur, "create or replace table t (x int, y string)") == "Table T successfully created."
    assert _status(cur, "drop table t") == "T successfully dropped."
    assert _status(cur, "drop table if exists t") == "Drop statement executed successfully (T already dropped)."
    err = _err(cur, "drop table t")
    assert (err.errno, err.sqlstate) == (2003, "42S02")
    assert err.raw_msg == "SQL compilation error:\nTable 'DB.S.T' does not exist or not authorized."


def test_tables_and_views_share_a_namespace(cur):
    """docs: sql-reference/sql/create-view - a view cannot take a table's name; DROP VIEW does not drop a table."""
    cur.execute("create table t (x int)")
    assert _err(cur, "create view t as select 1 as a").errno == 2002
    assert _status(cur, "create view v as select x from t") == "View V successfully created."
    assert _status(cur, "create or replace view v as select x + 1 as y from t") == "View V successfully created."
    assert _err(cur, "create table v (a int)").errno == 2002
    assert _err(cur, "drop view t").raw_msg == "SQL compilation error:\nView 'DB.S.T' does not exist or not authorized."
    assert _status(cur, "drop view v") == "V successfully dropped."


def test_table_in_missing_schema(cur):
    """docs: sql-reference/sql/create-table - a missing schema is named in the error."""
    err = _err(cur, "create table nope.t (x int)")
    assert (err.errno, err.sqlstate) == (2003, "02000")
    assert err.raw_msg == "SQL compilation error:\nSchema 'DB.NOPE' does not exist or not authorized."


def test_fully_qualified_names_from_any_context(cur):
    """docs: sql-reference/name-resolution - db.schema.object works whatever the current schema."""
    cur.execute("create database other")
    cur.execute("create table other.public.t (x int)")
    cur.execute("use schema db.s")
    cur.execute("insert into other.public.t values (1)")
    cur.execute("select x from other.public.t")
    assert cur.fetchall() == [(1,)]
    cur.execute("select a.x from other.public.t as a join other.public.t b on a.x = b.x")
    assert cur.fetchall() == [(1,)]


def test_identifier_rules(cur):
    """docs: sql-reference/identifiers-syntax - unquoted fold to UPPERCASE; quoted are exact and case-sensitive."""
    cur.execute('create table "My Table" ("col A" int, plain int)')
    cur.execute('insert into "My Table" values (1, 2)')
    cur.execute('select "col A", PLAIN, "PLAIN", plain from "My Table"')
    assert cur.fetchall() == [(1, 2, 2, 2)]
    assert [d.name for d in cur.description] == ["col A", "PLAIN", "PLAIN", "PLAIN"]
    err = _err(cur, 'select * from "my table"')
    assert err.raw_msg == "SQL compilation error:\nObject 'DB.S.\"my table\"' does not exist or not authorized."
    cur.execute("create table lower_case (x int)")
    cur.execute('select * from "LOWER_CASE"')  # the stored name is upper-case
    assert _err(cur, 'select * from "lower_case"').errno == 2003


def test_no_current_database_is_90105():
    """docs: sql-reference/sql/use-database - without a current database an unqualified name cannot be resolved."""
    c = connect()
    cur = c.cursor()
    for sql, verb in [("create table t (x int)", "CREATE"), ("select * from t", "SELECT"),
                      ("create schema s", "CREATE SCHEMA")]:
        with pytest.raises(sf.ProgrammingError) as info:
            cur.execute(sql)
        assert (info.value.errno, info.value.sqlstate) == (90105, "22000")
        assert info.value.raw_msg == (f"Cannot perform {verb}. This session does not have a current database. "
                                      "Call 'USE DATABASE', or use a qualified name.")
    cur.execute("create database d")  # fully qualified or database-level statements still work
    cur.execute("create table d.public.t (x int)")
    c.close()


def test_table_types_and_properties(cur):
    """docs: sql-reference/sql/create-table - TRANSIENT / TEMPORARY, COMMENT, DATA_RETENTION_TIME_IN_DAYS, CLUSTER BY."""
    cur.execute("create transient table tr (x int) comment = 'kept short'")
    cur.execute("create temporary table tmp (x int)")
    cur.execute("create table props (x int) data_retention_time_in_days = 3 change_tracking = true cluster by (x)")
    cur.execute("show tables")
    rows = {r[1]: r for r in cur.fetchall()}
    assert (rows["TR"][4], rows["TR"][5]) == ("TRANSIENT", "kept short")
    assert rows["TMP"][4] == "TEMPORARY"
    assert (rows["PROPS"][10], rows["PROPS"][12]) == ("3", "ON")


def test_snowflake_types(cur):
    """docs: sql-reference/intro-summary-data-types - type names and their canonical DESCRIBE spelling."""
    cur.execute("create table ty (a number(10,2), b decimal, c int, d string, e text, f varchar(5), g float, "
                "h double, i boolean, j date, k timestamp_ntz, l timestamp_ltz, m timestamp_tz, n variant, o object, "
                "p array, q time, r binary)")
    cur.execute("describe table ty")
    assert [r[1] for r in cur.fetchall()] == [
        "NUMBER(10,2)", "NUMBER(38,0)", "NUMBER(38,0)", "VARCHAR(16777216)", "VARCHAR(16777216)", "VARCHAR(5)",
        "FLOAT", "FLOAT", "BOOLEAN", "DATE", "TIMESTAMP_NTZ(9)", "TIMESTAMP_LTZ(9)", "TIMESTAMP_TZ(9)", "VARIANT",
        "OBJECT", "ARRAY", "TIME(9)", "BINARY(8388608)"]  # fmt: skip


def test_unsupported_type_and_precision(cur):
    """docs: sql-reference/data-types-numeric - precision is at most 38."""
    err = _err(cur, "create table bad (x number(39,0))")
    assert (err.errno, err.raw_msg) == (2040, "SQL compilation error:\nUnsupported data type 'NUMBER(39,0)'.")


def test_alter_table_set_comment(cur):
    """docs: sql-reference/sql/alter-table - SET COMMENT = '...' (sqlglot parses it to its own property node)."""
    cur.execute("create table t (a int)")
    assert _status(cur, "alter table t set comment = 'raw events'") == "Statement executed successfully."
    assert cur.execute("select comment from information_schema.tables where table_name = 'T'").fetchall() == [
        ("raw events",)]
    cur.execute("alter table t set data_retention_time_in_days = 3, comment = 'two'")
    assert cur.execute("select comment, retention_time from information_schema.tables where table_name = 'T'"
                       ).fetchall() == [("two", 3)]


def test_alter_table(cur):
    """docs: sql-reference/sql/alter-table - ADD / RENAME / DROP COLUMN, RENAME TO keep the data."""
    cur.execute("create table t (a int, b string)")
    cur.execute("insert into t values (1, 'x')")
    assert _status(cur, "alter table t add column c number(5,1) default 2.5") == "Statement executed successfully."
    cur.execute("insert into t (a, b) values (2, 'y')")
    cur.execute("alter table t rename column b to b2")
    cur.execute("alter table t drop column a")
    cur.execute("alter table t rename to t_new")
    cur.execute("select b2, c from t_new order by b2")
    assert [(b, None if c is None else float(c)) for b, c in cur.fetchall()] == [("x", None), ("y", 2.5)]
    assert _err(cur, "select * from t").errno == 2003
    err = _err(cur, "alter table t_new drop column nope")
    assert err.errno == 904 and err.raw_msg.endswith("invalid identifier 'NOPE'")
    err = _err(cur, "alter table nope add column z int")
    assert err.raw_msg == "SQL compilation error:\nTable 'DB.S.NOPE' does not exist or not authorized."
