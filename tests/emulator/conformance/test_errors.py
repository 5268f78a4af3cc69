"""Errors come back as the connector's own classes with Snowflake's errno, SQLSTATE and text (no raw DuckDB text)."""

import pytest
from snowflake.connector import errors as sf


def _raises(cur, sql: str, cls: type = sf.ProgrammingError) -> sf.Error:
    with pytest.raises(cls) as info:
        cur.execute(sql)
    return info.value


def test_missing_table_is_002003_with_qualified_name(cur):
    """docs: sql-reference/sql/select (object resolution) - Object 'DB.S.X' does not exist or not authorized."""
    err = _raises(cur, "select * from nope")
    assert (err.errno, err.sqlstate) == (2003, "42S02")
    assert err.msg == "002003 (42S02): SQL compilation error:\nObject 'DB.S.NOPE' does not exist or not authorized."
    assert err.raw_msg == "SQL compilation error:\nObject 'DB.S.NOPE' does not exist or not authorized."


def test_missing_database_and_schema_use_sqlstate_02000(cur):
    """docs: sql-reference/sql/use-database, use-schema - a missing container is reported by kind, SQLSTATE 02000."""
    err = _raises(cur, "use database nope")
    assert (err.errno, err.sqlstate) == (2003, "02000")
    assert err.raw_msg == "SQL compilation error:\nDatabase 'NOPE' does not exist or not authorized."
    err = _raises(cur, "use schema nope")
    assert (err.errno, err.sqlstate) == (2003, "02000")
    assert err.raw_msg == "SQL compilation error:\nSchema 'DB.NOPE' does not exist or not authorized."


def test_invalid_identifier_is_000904_with_position(cur):
    """docs: sql-reference/identifiers-syntax - an unknown column is 000904 invalid identifier 'X'."""
    cur.execute("create table t (id int)")
    err = _raises(cur, "select nope from t")
    assert (err.errno, err.sqlstate) == (904, "42000")
    # the REST API answers "SQL compilation error: error line 1 at position 7\ninvalid identifier 'X'"
    assert err.raw_msg.startswith("SQL compilation error: error line 1 at position ")
    assert err.raw_msg.endswith("\ninvalid identifier 'NOPE'")


def test_invalid_quoted_identifier_is_shown_with_its_quotes(cur):
    """docs: sql-reference/identifiers-syntax - quoted identifiers are case-sensitive; the error shows the quotes."""
    cur.execute('create table t ("Mixed" int, plain int)')
    cur.execute('select "Mixed", PLAIN, "PLAIN" from t')
    err = _raises(cur, 'select "mixed" from t')
    assert err.raw_msg.endswith("""invalid identifier '"mixed"'""")


def test_not_null_violation_is_integrity_error_100072(cur):
    """docs: sql-reference/constraints-overview - NOT NULL is always enforced (connector maps 100072 to IntegrityError)."""
    cur.execute("create table t (id int, name string not null)")
    err = _raises(cur, "insert into t (id) values (1)", sf.IntegrityError)
    assert (err.errno, err.sqlstate) == (100072, "22000")
    assert err.raw_msg == "NULL result in a non-nullable column"
    err = _raises(cur, "insert into t (id, name) select 2, null", sf.IntegrityError)
    assert err.raw_msg == "DML operation to table T failed on column NAME with error: NULL result in a non-nullable column"
    cur.execute("select count(*) from t")
    assert cur.fetchone() == (0,)


def test_bad_numeric_text_is_100038_programming_error(cur):
    """docs: sql-reference/functions/to_decimal - a non-numeric string is 100038 (22018) Numeric value 'x' is not recognized."""
    cur.execute("create table t (id int)")
    err = _raises(cur, "insert into t values ('x')")
    assert type(err) is sf.ProgrammingError  # the connector raises ProgrammingError whatever the SQLSTATE class
    assert (err.errno, err.sqlstate, err.raw_msg) == (100038, "22018", "Numeric value 'x' is not recognized")


def test_number_too_wide_for_column_is_100039(cur):
    """docs: sql-reference/data-types-numeric - a value over the column's precision is out of range (100039)."""
    cur.execute("create table t (n number(3,2))")
    err = _raises(cur, "insert into t values ('12.5')")
    assert (err.errno, err.sqlstate, err.raw_msg) == (100039, "22003", "Numeric value '12.5' is out of range")


def test_bad_date_text_is_100040(cur):
    """docs: sql-reference/functions/to_date - Date 'x' is not recognized (100040, 22007)."""
    cur.execute("create table t (d date)")
    err = _raises(cur, "insert into t values ('not a date')")
    assert (err.errno, err.sqlstate, err.raw_msg) == (100040, "22007", "Date 'not a date' is not recognized")


def test_error_carries_query_id_and_text(cur):
    """docs: developer-guide/python-connector/python-connector-api (Error.sfqid, Error.query)."""
    with pytest.raises(sf.ProgrammingError) as info:
        cur.execute("select * from nope")
    assert info.value.sfqid == cur.sfqid and info.value.sfqid
    assert info.value.query == "select * from nope"


def test_two_statements_in_one_execute_is_000008(cur):
    """docs: developer-guide/python-connector/python-connector-example (multi-statement needs MULTI_STATEMENT_COUNT)."""
    err = _raises(cur, "select 1; select 2")
    assert (err.errno, err.sqlstate) == (8, "0A000")
    assert err.raw_msg == "Actual statement count 2 did not match the desired statement count 1."


def test_insert_width_mismatch_is_002020(cur):
    """docs: sql-reference/sql/insert - the value list must match the column list (002020, 21S01)."""
    cur.execute("create table t (x int, s string, d date)")
    for sql, expecting, got in [("insert into t values (1, 2)", 3, 2), ("insert into t (x) values (1, 2)", 1, 2),
                                ("insert into t (x) values (1), (2, 3)", 1, 2), ("insert into t (x, s) select 1", 2, 1)]:
        err = _raises(cur, sql)
        assert (err.errno, err.sqlstate) == (2020, "21S01")
        assert err.raw_msg == (f"SQL compilation error:\nInsert value list does not match column list expecting "
                               f"{expecting} but got {got}")
    cur.execute("select count(*) from t")
    assert cur.fetchone() == (0,)


def test_ungrouped_column_is_001104(cur):
    """docs: sql-reference/constructs/group-by - a selected column neither aggregated nor grouped is 001104."""
    cur.execute("create table t (x int, s string)")
    err = _raises(cur, "select x, s from t group by x")
    assert (err.errno, err.sqlstate) == (1104, "42601")
    assert err.raw_msg == ("SQL compilation error: error line 1 at position 10\n"
                           "'T.S' in select clause is neither an aggregate nor in the group by clause.")


def test_no_raw_duckdb_text_in_common_errors(cur):
    """docs: (snowsim) errors read as Snowflake's; DuckDB's wording never reaches the caller for these cases."""
    cur.execute("create table t (x int, d date)")
    for sql in ["insert into t values (1)", "select x, d from t group by x", "insert into t (d) values ('13/45/2026')",
                "insert into t (x) values (null), ('y')"]:
        with pytest.raises(sf.ProgrammingError) as info:
            cur.execute(sql)
        text = info.value.raw_msg
        assert "Error:" not in text and "DuckDB" not in text and "Binder" not in text, (sql, text)
