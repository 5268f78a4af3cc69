"""INFORMATION_SCHEMA.TABLES.LAST_ALTERED / LAST_DDL move with DML and DDL, in memory and in a file (path=).

docs: sql-reference/info-schema/tables - LAST_ALTERED: "Date and time the object was last altered by a DML, DDL, or
background metadata operation"; LAST_DDL: "Timestamp of the last DDL operation performed on the table or view".
snowsim writes a table's last commit time to its catalog row lazily (Catalog.defer); these tests read it through SQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from snowflake.connector import errors as sf

from snowsim.emulator import connect
from snowsim.emulator.clock import Clock
from snowsim.emulator.connection import Connection

START = datetime(2026, 1, 1, 8, 0)  # naive UTC, as the virtual clock keeps it
HOUR = timedelta(hours=1)


@pytest.fixture(params=["memory", "file"])
def conn(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Connection]:
    path = str(tmp_path / "db.duckdb") if request.param == "file" else None
    c = connect(database="DB", schema="S", clock=Clock(START), path=path)
    yield c
    c.close()


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def _times(cur, table: str = "T") -> tuple[datetime, datetime, datetime]:
    """(CREATED, LAST_ALTERED, LAST_DDL) of a table, in naive UTC."""
    cur.execute("select created, last_altered, last_ddl from information_schema.tables where table_name = %s", [table])
    (row,) = cur.fetchall()
    return tuple(_utc(v) for v in row)


@pytest.fixture
def table(conn: Connection, cur, tmp_path: Path):
    """T (a, b) with one row, created at START; a stage holding one CSV file for COPY."""
    cur.execute("create table t (a int, b varchar)")
    cur.execute("insert into t values (1, 'a')")
    csv = tmp_path / "rows.csv"
    csv.write_text("3,c\n", encoding="utf-8")
    cur.execute("create stage st")
    cur.execute(f"put file://{csv} @st")
    return cur


@pytest.mark.parametrize(
    "dml",
    [
        "insert into t values (2, 'b')",
        "update t set b = 'z' where a = 1",
        "delete from t where a = 1",
        "merge into t using (select 1 as a, 'm' as b) s on t.a = s.a when matched then update set b = s.b",
        "merge into t using (select 5 as a, 'n' as b) s on t.a = s.a when not matched then insert values (s.a, s.b)",
        "copy into t from @st",
    ],
)
def test_dml_moves_last_altered_to_the_commit_time(conn, table, dml):
    """A committed DML sets LAST_ALTERED to the (virtual) time it committed; CREATED and LAST_DDL stay."""
    assert _times(table) == (START, START, START)
    conn.advance(hours=1)
    table.execute(dml)
    assert _times(table) == (START, START + HOUR, START)


def test_reads_and_failed_or_rolled_back_writes_leave_it(conn, table):
    """SELECT, a statement that fails, and a rolled-back transaction do not alter the table; a COMMIT does."""
    conn.advance(hours=1)
    table.execute("select * from t")
    with pytest.raises(sf.ProgrammingError):
        table.execute("insert into t select 1 / (a - a), 'x' from t")
    table.execute("begin")
    table.execute("insert into t values (7, 'r')")
    table.execute("rollback")
    assert _times(table) == (START, START, START)
    table.execute("begin")
    table.execute("insert into t values (8, 'c')")
    table.execute("commit")
    assert _times(table) == (START, START + HOUR, START)


def test_alter_table_moves_last_ddl_and_last_altered(conn, table):
    """ALTER TABLE is a DDL: both move; a later DML moves LAST_ALTERED only."""
    conn.advance(hours=1)
    table.execute("alter table t add column c int")
    assert _times(table) == (START, START + HOUR, START + HOUR)
    conn.advance(hours=1)
    table.execute("alter table t set data_retention_time_in_days = 2")
    assert _times(table) == (START, START + 2 * HOUR, START + 2 * HOUR)
    conn.advance(hours=1)
    table.execute("insert into t (a) values (9)")
    assert _times(table) == (START, START + 3 * HOUR, START + 2 * HOUR)


def test_only_the_written_table_moves(conn, table):
    """INSERT INTO x SELECT FROM t alters x, not t."""
    table.execute("create table x (a int)")
    conn.advance(hours=1)
    table.execute("insert into x select a from t")
    assert _times(table, "X")[1] == START + HOUR
    assert _times(table, "T")[1] == START


def test_a_write_reading_the_view_sees_the_last_commit(conn, table):
    """INSERT ... SELECT FROM INFORMATION_SCHEMA.TABLES reads the LAST_ALTERED of the commits before it."""
    table.execute("create table log (n varchar, at timestamp_ltz)")
    conn.advance(hours=1)
    table.execute("insert into t values (2, 'b')")
    table.execute("begin")  # inside an explicit transaction: the statement runs in its own DuckDB transaction
    table.execute("insert into log select table_name, last_altered from information_schema.tables where table_name = 'T'")
    table.execute("commit")
    table.execute("select n, at from log")
    assert [(n, _utc(at)) for n, at in table.fetchall()] == [("T", START + HOUR)]


@pytest.mark.parametrize(
    "failing",
    [
        "insert into t select 1 / (row_count - row_count), table_name from information_schema.tables",
        "insert into t select 1 / (a - a), b from t at(offset => -60)",
    ],
)
def test_commit_times_survive_a_failed_statement_that_flushed_them(conn, table, failing):
    """A statement that wrote the buffered commit times and catalog state (reading INFORMATION_SCHEMA or time
    travel does) and then failed inside an explicit transaction loses neither: AT(TIMESTAMP => ...) still works."""
    for i in range(3):
        conn.advance(hours=1)
        table.execute("insert into t values (%s, 'h')", [10 + i])
    table.execute("begin")
    with pytest.raises(sf.ProgrammingError, match="Division by zero"):
        table.execute(failing)
    table.execute("rollback")
    table.execute("select count(*) from t at(timestamp => '2026-01-01 10:30:00 +00:00'::timestamp_tz)")
    assert table.fetchall() == [(3,)]
    assert _times(table) == (START, START + 3 * HOUR, START)


def test_stream_consumption_shows_in_show_streams(conn, table):
    """SHOW STREAMS' stale_after counts from the last consumption (docs: show-streams, streams-intro)."""
    table.execute("create table tgt (a int)")
    table.execute("create stream s on table t")
    conn.advance(hours=1)
    table.execute("insert into t values (2, 'b')")
    conn.advance(hours=1)
    table.execute("insert into tgt select a from s")
    table.execute("show streams like 'S'")
    names = [d.name for d in table.description]
    (row,) = table.fetchall()
    assert _utc(row[names.index("stale_after")]) == START + 2 * HOUR + timedelta(days=14)
    assert row[names.index("stale")] == "false"
    assert _times(table, "TGT")[1] == START + 2 * HOUR


def test_file_reopens_with_the_last_altered_and_offsets(tmp_path):
    """With path=, a reopened file shows the LAST_ALTERED and the stream offsets of the commits before close."""
    path = str(tmp_path / "f.duckdb")
    conn = connect(database="DB", schema="S", clock=Clock(START), path=path)
    cur = conn.cursor()
    cur.execute("create table t (a int)")
    cur.execute("create table tgt (a int)")
    cur.execute("create stream s on table t")
    conn.advance(hours=1)
    cur.execute("insert into t values (1)")
    cur.execute("insert into tgt select a from s")
    conn.close()
    again = connect(database="DB", schema="S", clock=Clock(START + 2 * HOUR), path=path)
    try:
        cur = again.cursor()
        assert _times(cur)[1] == START + HOUR
        assert _times(cur, "TGT")[1] == START + HOUR
        cur.execute("select a from s")
        assert cur.fetchall() == []
    finally:
        again.close()
