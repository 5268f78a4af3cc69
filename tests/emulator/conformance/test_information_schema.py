"""INFORMATION_SCHEMA.TABLES / COLUMNS / SCHEMATA / VIEWS / DATABASES with Snowflake's column names."""

import pytest

TABLES_COLUMNS = [
    "TABLE_CATALOG", "TABLE_SCHEMA", "TABLE_NAME", "TABLE_OWNER", "TABLE_TYPE", "IS_TRANSIENT", "CLUSTERING_KEY",
    "ROW_COUNT", "BYTES", "RETENTION_TIME", "SELF_REFERENCING_COLUMN_NAME", "REFERENCE_GENERATION",
    "USER_DEFINED_TYPE_CATALOG", "USER_DEFINED_TYPE_SCHEMA", "USER_DEFINED_TYPE_NAME", "IS_INSERTABLE_INTO", "IS_TYPED",
    "COMMIT_ACTION", "CREATED", "LAST_ALTERED", "LAST_DDL", "LAST_DDL_BY", "AUTO_CLUSTERING_ON", "COMMENT",
    "IS_TEMPORARY", "IS_ICEBERG", "IS_DYNAMIC", "IS_IMMUTABLE", "IS_HYBRID",
]  # fmt: skip


@pytest.fixture
def objects(cur):
    cur.execute("create table t (id int not null, name varchar(30) default 'n' comment 'who', amt number(12,3))")
    cur.execute("insert into t (id, amt) values (1, 1.5), (2, 2.5), (3, null)")
    cur.execute("create transient table tr (x float)")
    cur.execute("create view v comment = 'the view' as select id from t")
    cur.execute("create schema db.other")
    cur.execute("create table db.other.o (y int)")
    cur.execute("create database db2")
    cur.execute("create table db2.public.elsewhere (z int)")
    cur.execute("use schema db.s")
    return cur


def test_tables_view_columns_and_rows(objects):
    """docs: sql-reference/info-schema/tables - columns; TABLE_TYPE, IS_TRANSIENT, ROW_COUNT; only this database."""
    objects.execute("select * from information_schema.tables order by table_schema, table_name")
    assert [d.name for d in objects.description] == TABLES_COLUMNS
    rows = [dict(zip(TABLES_COLUMNS, r, strict=True)) for r in objects.fetchall()]
    assert [(r["TABLE_SCHEMA"], r["TABLE_NAME"]) for r in rows] == [("OTHER", "O"), ("S", "T"), ("S", "TR"), ("S", "V")]
    t, tr, v = rows[1], rows[2], rows[3]
    assert (t["TABLE_CATALOG"], t["TABLE_TYPE"], t["IS_TRANSIENT"], t["ROW_COUNT"], t["RETENTION_TIME"]) == (
        "DB", "BASE TABLE", "NO", 3, 1)
    assert tr["IS_TRANSIENT"] == "YES"
    assert (v["TABLE_TYPE"], v["ROW_COUNT"], v["COMMENT"]) == ("VIEW", None, "the view")
    assert t["CREATED"].tzinfo is not None


def test_tables_view_is_live(objects):
    """docs: sql-reference/info-schema/tables - ROW_COUNT reflects DML done after an earlier query of the view."""
    sql = "select row_count from information_schema.tables where table_name = 'T'"
    objects.execute(sql)
    assert objects.fetchone() == (3,)
    objects.execute("delete from t where id = 1")
    objects.execute(sql)
    assert objects.fetchone() == (2,)


def test_qualified_information_schema_reads_that_database(objects):
    """docs: sql-reference/info-schema - each database has its own INFORMATION_SCHEMA (DB2.INFORMATION_SCHEMA.X)."""
    objects.execute("select table_schema, table_name from db2.information_schema.tables")
    assert objects.fetchall() == [("PUBLIC", "ELSEWHERE")]


def test_columns_view(objects):
    """docs: sql-reference/info-schema/columns - DATA_TYPE (TEXT, NUMBER), lengths, precision, nullability, default."""
    objects.execute(
        "select column_name, ordinal_position, is_nullable, data_type, character_maximum_length, "
        "character_octet_length, numeric_precision, numeric_precision_radix, numeric_scale, column_default, comment "
        "from information_schema.columns where table_schema = 'S' and table_name = 'T' order by ordinal_position"
    )
    assert objects.fetchall() == [
        ("ID", 1, "NO", "NUMBER", None, None, 38, 10, 0, None, None),
        ("NAME", 2, "YES", "TEXT", 30, 120, None, None, None, "'n'", "who"),
        ("AMT", 3, "YES", "NUMBER", None, None, 12, 10, 3, None, None),
    ]
    objects.execute("select table_name, column_name from information_schema.columns where table_name = 'V'")
    assert objects.fetchall() == [("V", "ID")]


def test_columns_view_has_documented_column_list(cur):
    """docs: sql-reference/info-schema/columns - the documented columns, in order."""
    cur.execute("select * from information_schema.columns limit 0")
    names = [d.name for d in cur.description]
    assert names[:8] == ["TABLE_CATALOG", "TABLE_SCHEMA", "TABLE_NAME", "COLUMN_NAME", "ORDINAL_POSITION",
                         "COLUMN_DEFAULT", "IS_NULLABLE", "DATA_TYPE"]
    assert names[-2:] == ["SCHEMA_EVOLUTION_RECORD", "COMMENT"]
    assert "IS_IDENTITY" in names and "NUMERIC_SCALE" in names


def test_schemata_view(objects):
    """docs: sql-reference/info-schema/schemata - a row per schema, INFORMATION_SCHEMA itself included."""
    objects.execute("select catalog_name, schema_name, schema_owner is null, comment from information_schema.schemata "
                    "order by schema_name")
    assert objects.fetchall() == [
        ("DB", "INFORMATION_SCHEMA", True, "Views describing the contents of schemas in this database"),
        ("DB", "OTHER", False, None), ("DB", "PUBLIC", False, None), ("DB", "S", False, None),
    ]


def test_views_view(objects):
    """docs: sql-reference/info-schema/views - VIEW_DEFINITION is the CREATE VIEW statement; IS_SECURE."""
    objects.execute("select table_name, view_definition, is_secure, comment from information_schema.views")
    assert objects.fetchall() == [("V", "create view v comment = 'the view' as select id from t", "NO", "the view")]


def test_databases_view(objects):
    """docs: sql-reference/info-schema/databases - every database of the account."""
    objects.execute("select database_name, type from information_schema.databases order by 1")
    assert objects.fetchall() == [("DB", "STANDARD"), ("DB2", "STANDARD")]


def test_information_schema_filters_and_joins_like_a_table(objects):
    """docs: sql-reference/info-schema - the views are queried with ordinary SQL."""
    objects.execute(
        "select t.table_name, count(c.column_name) from information_schema.tables t "
        "join information_schema.columns c on c.table_schema = t.table_schema and c.table_name = t.table_name "
        "where t.table_schema = 'S' and t.table_type = 'BASE TABLE' group by 1 order by 1"
    )
    assert objects.fetchall() == [("T", 3), ("TR", 1)]
