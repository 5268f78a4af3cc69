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
