"""SHOW DATABASES / SCHEMAS / TABLES / VIEWS / OBJECTS / COLUMNS: Snowflake's lowercase columns, order and filters."""

import json
from datetime import datetime

import pytest
from snowflake.connector import errors as sf

TABLE_COLUMNS = ["created_on", "name", "database_name", "schema_name", "kind", "comment", "cluster_by", "rows", "bytes",
                 "owner", "retention_time", "automatic_clustering", "change_tracking", "search_optimization",
                 "search_optimization_progress", "search_optimization_bytes", "is_external", "enable_schema_evolution",
                 "owner_role_type", "is_event", "budget", "is_hybrid", "is_iceberg", "is_dynamic", "is_immutable"]


@pytest.fixture
def objects(cur):
    """DB.S: tables T1 (2 rows), TR (transient), view V1; DB.S2: T1 and T2; DB2.PUBLIC: X; current schema DB.S."""
    cur.execute("create table t1 (id int, name string) comment = 'first'")
    cur.execute("insert into t1 values (1, 'a'), (2, 'b')")
    cur.execute("create transient table tr (x int)")
    cur.execute("create view v1 as select id from t1")
    cur.execute("create schema db.s2")
    cur.execute("create table db.s2.t1 (y int)")
    cur.execute("create table db.s2.t2 (z int)")
    cur.execute("create database db2")
    cur.execute("create table db2.public.x (a int)")
    cur.execute("use schema db.s")
    return cur


def _names(cur):
    return [(r[cur_col(cur, "database_name")], r[cur_col(cur, "schema_name")], r[1]) for r in cur.fetchall()]


def cur_col(cur, name: str) -> int:
    return [d.name for d in cur.description].index(name)


def test_show_tables_columns_in_documented_order(objects):
    """docs: sql-reference/sql/show-tables - output columns (lowercase), as the connector returns them."""
    objects.execute("show tables in schema db.s")
    assert [d.name for d in objects.description] == TABLE_COLUMNS
    rows = {r[1]: dict(zip(TABLE_COLUMNS, r, strict=True)) for r in objects.fetchall()}
    t1 = rows["T1"]
    assert (t1["database_name"], t1["schema_name"], t1["kind"], t1["comment"], t1["rows"]) == ("DB", "S", "TABLE", "first", 2)
    assert isinstance(t1["created_on"], datetime) and t1["created_on"].tzinfo is not None  # TIMESTAMP_LTZ
    assert (t1["retention_time"], t1["automatic_clustering"], t1["change_tracking"]) == ("1", "OFF", "OFF")
    assert rows["TR"]["kind"] == "TRANSIENT"
    assert "V1" not in rows


def test_show_tables_ordered_by_database_schema_name(objects):
    """docs: sql-reference/sql/show-tables - output ordered lexicographically by database, schema and table name."""
    objects.execute("show terse tables in account")
    assert _names(objects) == [("DB", "S", "T1"), ("DB", "S", "TR"), ("DB", "S2", "T1"), ("DB", "S2", "T2"),
                               ("DB2", "PUBLIC", "X")]


def test_show_tables_scopes(objects):
    """docs: sql-reference/sql/show-tables - IN ACCOUNT | DATABASE [db] | [SCHEMA] [db.]schema."""
    objects.execute("show terse tables in database db2")
    assert _names(objects) == [("DB2", "PUBLIC", "X")]
    objects.execute("show terse tables in database")
    assert len(_names(objects)) == 4
    objects.execute("show terse tables in schema s2")
    assert _names(objects) == [("DB", "S2", "T1"), ("DB", "S2", "T2")]
    objects.execute("show terse tables in db.s2")
    assert _names(objects) == [("DB", "S2", "T1"), ("DB", "S2", "T2")]
    objects.execute("show terse tables in schema")
    assert _names(objects) == [("DB", "S", "T1"), ("DB", "S", "TR")]


def test_show_tables_without_in_uses_current_database_and_shows_a_name_once(objects):
    """docs: sql-reference/sql/show-tables - no IN: the current database; objects with the same name shown once."""
    objects.execute("show terse tables")
    names = _names(objects)
    assert [n for _, _, n in names] == ["T1", "TR", "T2"]  # T1 of S (the current schema) stands for both
    assert ("DB", "S", "T1") in names


def test_show_like_is_case_insensitive_and_starts_with_is_not(objects):
    """docs: sql-reference/sql/show-tables - LIKE ignores case (% and _); STARTS WITH is case-sensitive."""
    objects.execute("show terse tables like 't_' in account")
    assert [n for *_, n in _names(objects)] == ["T1", "TR", "T1", "T2"]
    objects.execute("show terse tables like '%2' in account")
    assert [n for *_, n in _names(objects)] == ["T2"]
    objects.execute("show terse tables in account starts with 't'")
    assert objects.fetchall() == []
    objects.execute("show terse tables in account starts with 'T' limit 2")
    assert [n for *_, n in _names(objects)] == ["T1", "TR"]


def test_show_limit_from(objects):
    """docs: sql-reference/sql/show-tables - LIMIT rows FROM 'name' starts at the first name >= 'name'."""
    objects.execute("show terse tables in schema db.s2 limit 5 from 'T2'")
    assert [n for *_, n in _names(objects)] == ["T2"]


def test_show_terse_tables_columns(objects):
    """docs: sql-reference/sql/show-tables - TERSE: created_on, name, kind (always TABLE), database_name, schema_name."""
    objects.execute("show terse tables like 'TR'")
    assert [d.name for d in objects.description] == ["created_on", "name", "kind", "database_name", "schema_name"]
    assert objects.fetchone()[1:] == ("TR", "TABLE", "DB", "S")


def test_show_tables_in_missing_schema_or_database(objects):
    """docs: sql-reference/sql/show-tables - a missing scope is 002003 with the container's kind."""
    with pytest.raises(sf.ProgrammingError) as info:
        objects.execute("show tables in schema nope")
    assert (info.value.errno, info.value.sqlstate) == (2003, "02000")
    assert info.value.raw_msg == "SQL compilation error:\nSchema 'DB.NOPE' does not exist or not authorized."
    with pytest.raises(sf.ProgrammingError) as info:
        objects.execute("show tables in database nope")
    assert info.value.raw_msg == "SQL compilation error:\nDatabase 'NOPE' does not exist or not authorized."


def test_show_tables_change_tracking_follows_streams(cur):
    """docs: sql-reference/sql/show-tables (change_tracking) and user-guide/streams-intro - a stream turns it on."""
    cur.execute("create table t (x int)")
    cur.execute("show tables like 'T'")
    assert cur.fetchone()[TABLE_COLUMNS.index("change_tracking")] == "OFF"
    cur.execute("create stream st on table t")
    cur.execute("show tables like 'T'")
    assert cur.fetchone()[TABLE_COLUMNS.index("change_tracking")] == "ON"


def test_show_views(objects):
    """docs: sql-reference/sql/show-views - columns, and text is the statement that created the view."""
    objects.execute("show views")
    assert [d.name for d in objects.description] == [
        "created_on", "name", "reserved", "database_name", "schema_name", "owner", "comment", "text", "is_secure",
        "is_materialized", "owner_role_type", "change_tracking"]  # fmt: skip
    rows = objects.fetchall()
    assert len(rows) == 1
    assert rows[0][1:5] == ("V1", "", "DB", "S")
    assert rows[0][7] == "create view v1 as select id from t1"
    assert rows[0][8:10] == ("false", "false")
    objects.execute("show terse views in account")
    assert [r[1:] for r in objects.fetchall()] == [("V1", "VIEW", "DB", "S")]


def test_show_objects_lists_tables_and_views(objects):
    """docs: sql-reference/sql/show-objects - tables and views together, with kind."""
    objects.execute("show objects in schema db.s")
    cols = [d.name for d in objects.description]
    assert cols[:5] == ["created_on", "name", "database_name", "schema_name", "kind"]
    assert [(r[1], r[4]) for r in objects.fetchall()] == [("T1", "TABLE"), ("TR", "TRANSIENT"), ("V1", "VIEW")]


def test_show_schemas(objects):
    """docs: sql-reference/sql/show-schemas - columns, INFORMATION_SCHEMA included, is_current for the session's."""
    objects.execute("show schemas")
    assert [d.name for d in objects.description] == [
        "created_on", "name", "is_default", "is_current", "database_name", "owner", "comment", "options",
        "retention_time", "owner_role_type", "object_visibility"]  # fmt: skip
    rows = {r[1]: r for r in objects.fetchall()}
    assert sorted(rows) == ["INFORMATION_SCHEMA", "PUBLIC", "S", "S2"]
    assert rows["S"][3] == "Y" and rows["S2"][3] == "N"
    assert rows["INFORMATION_SCHEMA"][6] == "Views describing the contents of schemas in this database"
    objects.execute("show terse schemas in database db2")
    assert [(r[1], r[2], r[3], r[4]) for r in objects.fetchall()] == [
        ("INFORMATION_SCHEMA", None, "DB2", None), ("PUBLIC", None, "DB2", None)]  # kind, schema_name are NULL
    objects.execute("show schemas like 's%' in account")
    assert [(r[4], r[1]) for r in objects.fetchall()] == [("DB", "S"), ("DB", "S2")]


def test_show_databases(objects):
    """docs: sql-reference/sql/show-databases - columns, ordered by name, is_current for the session's database."""
    objects.execute("show databases")
    cols = [d.name for d in objects.description]
    assert cols[:10] == ["created_on", "name", "is_default", "is_current", "origin", "owner", "comment", "options",
                         "retention_time", "kind"]
    rows = objects.fetchall()
    assert [(r[1], r[3], r[9]) for r in rows] == [("DB", "Y", "STANDARD"), ("DB2", "N", "STANDARD")]
    objects.execute("show terse databases like 'db2'")
    assert [r[1:] for r in objects.fetchall()] == [("DB2", None, None, None)]


def test_show_columns(objects):
    """docs: sql-reference/sql/show-columns - one row per column; data_type is JSON; null? is 'true'/'false'."""
    objects.execute("create table c (n number(10,2) not null, s varchar(20) default 'x' comment 'str', v variant)")
    objects.execute("show columns in table c")
    assert [d.name for d in objects.description] == [
        "table_name", "schema_name", "column_name", "data_type", "null?", "default", "kind", "expression", "comment",
        "database_name", "autoincrement", "schema_evolution_record"]  # fmt: skip
    rows = objects.fetchall()
    assert [r[2] for r in rows] == ["N", "S", "V"]
    assert json.loads(rows[0][3]) == {"type": "FIXED", "precision": 10, "scale": 2, "nullable": False}
    assert json.loads(rows[1][3]) == {"type": "TEXT", "length": 20, "byteLength": 80, "nullable": True, "fixed": False}
    assert json.loads(rows[2][3]) == {"type": "VARIANT", "nullable": True}
    assert [r[4] for r in rows] == ["false", "true", "true"]
    assert rows[1][5] == "'x'" and rows[1][8] == "str" and rows[0][6] == "COLUMN"
    objects.execute("show columns like 'y%' in schema db.s2")
    assert [(r[0], r[2]) for r in objects.fetchall()] == [("T1", "Y")]


def test_show_columns_of_missing_table(cur):
    """docs: sql-reference/sql/show-columns - an unknown table is 002003."""
    with pytest.raises(sf.ProgrammingError) as info:
        cur.execute("show columns in table nope")
    assert info.value.errno == 2003
    assert info.value.raw_msg == "SQL compilation error:\nTable 'NOPE' does not exist or not authorized."
