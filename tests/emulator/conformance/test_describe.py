"""DESCRIBE | DESC TABLE and DESCRIBE VIEW: one row per column with Snowflake's twelve columns."""

import pytest
from snowflake.connector import errors as sf

DESCRIBE_COLUMNS = ["name", "type", "kind", "null?", "default", "primary key", "unique key", "check", "expression",
                    "comment", "policy name", "privacy domain"]


@pytest.fixture
def table(cur):
    cur.execute(
        "create table t (id int primary key, code string unique, amount number(10,2) not null default 0, "
        "note varchar(40) comment 'free text', at timestamp_ntz default current_timestamp(), doc variant, "
        "tags array, attrs object, ok boolean, day date, f float, ltz timestamp_ltz, tz timestamp_tz)"
    )
    return cur


def test_describe_table_columns_and_types(table):
    """docs: sql-reference/sql/desc-table - output columns, canonical types, Y/N flags and NULL for absent values."""
    table.execute("describe table t")
    assert [d.name for d in table.description] == DESCRIBE_COLUMNS
    rows = table.fetchall()
    assert [(r[0], r[1]) for r in rows] == [
        ("ID", "NUMBER(38,0)"), ("CODE", "VARCHAR(16777216)"), ("AMOUNT", "NUMBER(10,2)"), ("NOTE", "VARCHAR(40)"),
        ("AT", "TIMESTAMP_NTZ(9)"), ("DOC", "VARIANT"), ("TAGS", "ARRAY"), ("ATTRS", "OBJECT"), ("OK", "BOOLEAN"),
        ("DAY", "DATE"), ("F", "FLOAT"), ("LTZ", "TIMESTAMP_LTZ(9)"), ("TZ", "TIMESTAMP_TZ(9)"),
    ]  # fmt: skip
    by_name = {r[0]: dict(zip(DESCRIBE_COLUMNS, r, strict=True)) for r in rows}
    assert by_name["NOTE"] == {"name": "NOTE", "type": "VARCHAR(40)", "kind": "COLUMN", "null?": "Y", "default": None,
                               "primary key": "N", "unique key": "N", "check": None, "expression": None,
                               "comment": "free text", "policy name": None, "privacy domain": None}
    assert (by_name["AMOUNT"]["null?"], by_name["AMOUNT"]["default"]) == ("N", "0")
    assert by_name["AT"]["default"] == "CURRENT_TIMESTAMP()"


def test_describe_marks_keys_and_primary_key_is_not_null(table):
    """docs: sql-reference/constraints-overview - PRIMARY KEY implies NOT NULL; keys are recorded, not enforced."""
    table.execute("desc table t")
    by_name = {r[0]: r for r in table.fetchall()}
    assert by_name["ID"][3:7] == ("N", None, "Y", "N")
    assert by_name["CODE"][3:7] == ("Y", None, "N", "Y")


def test_out_of_line_constraints_are_recorded(cur):
    """docs: sql-reference/sql/create-table-constraint - out-of-line PRIMARY KEY / UNIQUE (named or not)."""
    cur.execute("create table k (a int, b int, c int, constraint pk primary key (a, b), unique (c))")
    cur.execute("describe table k")
    assert [(r[0], r[3], r[5], r[6]) for r in cur.fetchall()] == [("A", "N", "Y", "N"), ("B", "N", "Y", "N"),
                                                                   ("C", "Y", "N", "Y")]


def test_desc_without_kind_and_qualified_names(table):
    """docs: sql-reference/sql/desc-table - DESC abbreviates DESCRIBE; the name may be qualified."""
    table.execute("desc t")
    first = table.fetchall()
    table.execute('describe table db.s."T"')
    assert table.fetchall() == first
    assert len(first) == 13


def test_describe_view(cur):
    """docs: sql-reference/sql/desc-view - same columns as DESCRIBE TABLE; the two are interchangeable."""
    cur.execute("create table t (id int, name string)")
    cur.execute("create view v as select id, upper(name) as big from t")
    cur.execute("describe view v")
    assert [d.name for d in cur.description] == DESCRIBE_COLUMNS
    assert [(r[0], r[1], r[2]) for r in cur.fetchall()] == [("ID", "NUMBER(38,0)", "COLUMN"),
                                                             ("BIG", "VARCHAR(16777216)", "COLUMN")]
    cur.execute("describe table v")
    assert [r[0] for r in cur.fetchall()] == ["ID", "BIG"]


def test_describe_missing_object_names_the_kind_described(cur):
    """docs: sql-reference/sql/desc-table - an unknown name is 002003, echoed as written."""
    with pytest.raises(sf.ProgrammingError) as info:
        cur.execute("describe table nope")
    assert (info.value.errno, info.value.sqlstate) == (2003, "42S02")
    assert info.value.raw_msg == "SQL compilation error:\nTable 'NOPE' does not exist or not authorized."
    with pytest.raises(sf.ProgrammingError) as info:
        cur.execute("describe view s.nope")
    assert info.value.raw_msg == "SQL compilation error:\nView 'S.NOPE' does not exist or not authorized."


def test_describe_follows_alter_table(cur):
    """docs: sql-reference/sql/alter-table - ADD / RENAME / DROP COLUMN show up in DESCRIBE."""
    cur.execute("create table t (a int, b string)")
    cur.execute("alter table t add column c varchar(10)")
    cur.execute("alter table t rename column a to a2")
    cur.execute("alter table t drop column b")
    cur.execute("describe table t")
    assert [(r[0], r[1]) for r in cur.fetchall()] == [("A2", "NUMBER(38,0)"), ("C", "VARCHAR(10)")]
