"""Context functions read the session (docs: sql-reference/functions-context)."""

from snowsim.emulator import connect


def test_current_database_and_schema_follow_use():
    """docs: sql-reference/functions/current_database, current_schema - the session's current objects."""
    conn = connect(database="SALES", schema="RAW", warehouse="etl_wh")
    cur = conn.cursor()
    assert cur.execute("select current_database(), current_schema(), current_warehouse()").fetchone() == (
        "SALES", "RAW", "ETL_WH")
    cur.execute("create schema staging")
    cur.execute("use schema sales.staging")
    assert cur.execute("select current_schema()").fetchone() == ("STAGING",)


def test_file_backed_connection_reports_the_snowflake_database(tmp_path):
    """docs: functions/current_database - not the name of the DuckDB file behind the emulator."""
    conn = connect(database="SALES", schema="PUBLIC", path=tmp_path / "run.duckdb")
    assert conn.cursor().execute("select current_database()").fetchone() == ("SALES",)


def test_division_by_zero_is_an_error():
    """docs: sql-reference/operators-arithmetic - dividing by zero raises 100051, NULL still propagates."""
    import pytest
    from snowflake.connector import errors as sf

    cur = connect(database="DB", schema="S").cursor()
    cur.execute("create table t (a int, b int)")
    cur.execute("insert into t values (4, 2), (1, 0)")
    assert cur.execute("select a / b from t where b <> 0").fetchall() == [(2,)]
    with pytest.raises(sf.ProgrammingError) as info:
        cur.execute("select a / b from t")
    assert (info.value.errno, info.value.sqlstate) == (100051, "22012")
    assert cur.execute("select null / 0").fetchone() == (None,)
