"""Context functions on the connection's virtual clock: CURRENT_TIMESTAMP, SYSDATE, CURRENT_DATE, GETDATE,
LOCALTIMESTAMP, CURRENT_TIME (docs: sql-reference/functions-context, current_timestamp, sysdate)."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from snowsim.emulator import Clock, connect
from tests.emulator.functions.conftest import row, rows, value


@pytest.fixture
def clocked():
    """A connection whose virtual clock starts at 2026-01-05 08:00 UTC (00:00 in Los Angeles)."""
    conn = connect(database="DB", schema="S", clock=Clock(start=datetime(2026, 1, 5, 8, 0)))
    yield conn
    conn.close()


def test_current_timestamp_is_ltz_in_the_session_zone(clocked):
    """docs: sql-reference/functions/current_timestamp - TIMESTAMP_LTZ, in the TIMEZONE parameter's zone."""
    cur = clocked.cursor()
    got = value(cur, "select current_timestamp()")
    assert got.isoformat() == "2026-01-05T00:00:00-08:00"
    assert cur.description[0].type_code == 6  # TIMESTAMP_LTZ


def test_sysdate_is_utc_ntz(clocked):
    """docs: sql-reference/functions/sysdate - the current UTC time as TIMESTAMP_NTZ."""
    cur = clocked.cursor()
    assert value(cur, "select sysdate()") == datetime(2026, 1, 5, 8, 0)
    assert cur.description[0].type_code == 8  # TIMESTAMP_NTZ


def test_current_date_in_the_session_zone(clocked):
    """docs: sql-reference/functions/current_date - the date in the session time zone."""
    cur = clocked.cursor()
    assert value(cur, "select current_date()") == date(2026, 1, 5)
    cur.execute("alter session set timezone = 'Asia/Tokyo'")
    assert value(cur, "select current_date") == date(2026, 1, 5)
    clocked.advance(hours=15)  # 23:00 UTC = 08:00 next day in Tokyo
    assert value(cur, "select current_date") == date(2026, 1, 6)


def test_synonyms(clocked):
    """docs: getdate, localtimestamp - synonyms of CURRENT_TIMESTAMP; CURRENT_TIME the time of day."""
    cur = clocked.cursor()
    got = row(cur, "select getdate(), localtimestamp(), current_timestamp, current_time()")
    assert got[0] == got[1] == got[2] and got[3] == time(0, 0)


def test_once_per_statement(clocked):
    """docs: sql-reference/functions-context - evaluated once per statement: every row gets the same value."""
    cur = clocked.cursor()
    assert value(cur, "select count(distinct current_timestamp()) from table(generator(rowcount => 1000))") == 1


def test_cached_statement_reads_the_clock_again(clocked):
    """The same statement text run after the clock moved sees the new time (translations are cached)."""
    cur = clocked.cursor()
    first = value(cur, "select sysdate()")
    clocked.advance(minutes=5)
    assert value(cur, "select sysdate()") == datetime(2026, 1, 5, 8, 5) != first


def test_default_current_timestamp_on_insert(clocked):
    """docs: sql-reference/sql/create-table DEFAULT - CURRENT_TIMESTAMP() into a TIMESTAMP_NTZ column."""
    cur = clocked.cursor()
    cur.execute("create table raw (id int, ingested timestamp_ntz default current_timestamp())")
    cur.execute("insert into raw (id) values (1)")
    clocked.advance(minutes=1)
    cur.execute("insert into raw (id) values (2)")
    assert rows(cur, "select id, ingested from raw order by id") == [
        (1, datetime(2026, 1, 5, 0, 0)), (2, datetime(2026, 1, 5, 0, 1))]  # wall clock in Los Angeles


def test_clock_in_dml_expressions(clocked):
    """docs: current_timestamp - usable in UPDATE and MERGE values (the seed pipeline's UPDATED_AT)."""
    cur = clocked.cursor()
    cur.execute("create table tgt (id int, updated_at timestamp_ntz)")
    cur.execute("insert into tgt values (1, null)")
    clocked.advance(hours=1)
    cur.execute("merge into tgt using (select 1 id) s on tgt.id = s.id "
                "when matched then update set updated_at = current_timestamp()")
    assert value(cur, "select updated_at from tgt") == datetime(2026, 1, 5, 1, 0)


def test_dateadd_relative_to_current_date(clocked):
    """docs: dateadd - the seed pipeline's DATEADD('day', -30, CURRENT_DATE()) is a DATE."""
    cur = clocked.cursor()
    assert value(cur, "select dateadd('day', -30, current_date())") == date(2025, 12, 6)


def test_session_variable_compared_with_variant(clocked):
    """docs: sql-reference/session-variables - $name is a literal; a VARIANT compares with its value."""
    cur = clocked.cursor()
    cur.execute("set evt = 'ORDER_CREATED'")
    got = value(cur, "select count(*) from (select parse_json('{\"event_type\": \"ORDER_CREATED\"}') v) "
                     "where v:event_type = $evt")
    assert got == 1
