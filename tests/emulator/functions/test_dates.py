"""Date and time functions: DATEADD / TIMEADD / TIMESTAMPADD, DATEDIFF, DATE_TRUNC, CONVERT_TIMEZONE."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from tests.emulator.functions.conftest import failure, row, value


def test_dateadd_years(cur):
    """docs: sql-reference/functions/dateadd - add and subtract years from a date (the result is a DATE)."""
    assert row(cur, "select to_date('2022-05-08'), dateadd(year, 2, to_date('2022-05-08')), "
                    "dateadd(year, -2, to_date('2022-05-08'))") == (date(2022, 5, 8), date(2024, 5, 8), date(2020, 5, 8))
    assert [d.type_code for d in cur.description] == [3, 3, 3]  # DATE


def test_dateadd_hours_to_a_date_is_a_timestamp(cur):
    """docs: dateadd - the datetest example: DATEADD(hour, 2, d) is a TIMESTAMP."""
    cur.execute("create or replace table datetest (d date)")
    cur.execute("insert into datetest select '2022-04-05'::date")
    got = row(cur, "select d, dateadd(year, 2, d), to_timestamp(d), dateadd(hour, 2, d) from datetest")
    assert got == (date(2022, 4, 5), date(2024, 4, 5), datetime(2022, 4, 5), datetime(2022, 4, 5, 2, 0))


def test_dateadd_month_end(cur):
    """docs: dateadd - adding a month to January 31 gives February 28; to February 28, March 28."""
    assert row(cur, "select dateadd(month, 1, '2023-01-31'::date), dateadd(month, 1, '2023-02-28'::date)") == (
        date(2023, 2, 28), date(2023, 3, 28))


def test_dateadd_to_a_time(cur):
    """docs: dateadd - add hours to a TIME."""
    assert row(cur, "select to_time('05:00:00'), dateadd(hour, 3, to_time('05:00:00'))") == (time(5), time(8))


@pytest.mark.parametrize(("part", "expected"), [
    ("year", datetime(2025, 1, 5, 8)), ("yy", datetime(2025, 1, 5, 8)), ("quarter", datetime(2024, 4, 5, 8)),
    ("mons", datetime(2024, 2, 5, 8)), ("week", datetime(2024, 1, 12, 8)), ("dd", datetime(2024, 1, 6, 8)),
    ("hrs", datetime(2024, 1, 5, 9)), ("mi", datetime(2024, 1, 5, 8, 1)), ("s", datetime(2024, 1, 5, 8, 0, 1)),
    ("ms", datetime(2024, 1, 5, 8, 0, 0, 1000)), ("us", datetime(2024, 1, 5, 8, 0, 0, 1)),
])
def test_date_part_spellings(cur, part, expected):
    """docs: sql-reference/functions-date-time "Supported date and time parts" - abbreviations and plurals."""
    assert value(cur, f"select dateadd({part}, 1, '2024-01-05 08:00:00'::timestamp_ntz)") == expected


def test_timeadd_and_timestampadd_are_synonyms(cur):
    """docs: dateadd - TIMEADD and TIMESTAMPADD are aliases of DATEADD."""
    got = row(cur, "select timeadd(minute, 90, '2024-01-05 08:00:00'::timestamp), "
                   "timestampadd('day', -1, '2024-01-05 08:00:00'::timestamp)")
    assert got == (datetime(2024, 1, 5, 9, 30), datetime(2024, 1, 4, 8, 0))


def test_dateadd_of_a_string_is_a_timestamp(cur):
    """docs: data-type-conversion - a VARCHAR argument is converted (to TIMESTAMP_NTZ)."""
    assert value(cur, "select dateadd(day, 1, '2024-01-05')") == datetime(2024, 1, 6)


def test_unknown_date_part_is_named(cur):
    """docs: functions-date-time - only the listed date parts are valid."""
    err = failure(cur, "select dateadd(fortnight, 1, current_date)")
    assert err.sqlstate == "0A000" and "FORTNIGHT" in err.raw_msg.upper()


def test_datediff_counts_boundaries(cur):
    """docs: sql-reference/functions/datediff - the difference in the part's boundaries crossed."""
    assert value(cur, "select datediff(year, '2010-04-09 14:39:20'::timestamp, '2013-05-08 23:39:20'::timestamp)") == 3
    assert value(cur, "select datediff(hour, '2024-01-01 10:59'::timestamp, '2024-01-01 11:01'::timestamp)") == 1
    assert value(cur, "select datediff(day, '2024-01-01'::date, '2024-03-01'::date)") == 60
    assert value(cur, "select datediff(month, '2024-01-31'::date, '2024-02-01'::date)") == 1
    assert value(cur, "select datediff('minute', '2024-01-01 10:00'::timestamp, '2024-01-01 09:00'::timestamp)") == -60


def test_datediff_mixed_date_and_timestamp(cur):
    """docs: datediff - arguments may be DATE, TIME or TIMESTAMP."""
    assert value(cur, "select datediff(hour, '2024-01-01'::date, '2024-01-01 05:00'::timestamp)") == 5


def test_date_trunc(cur):
    """docs: sql-reference/functions/date_trunc - the result has the input's type."""
    got = row(cur, "select date_trunc('month', to_date('2024-05-09')), date_trunc('year', '2024-05-09 08:50:57.891'::timestamp), "
                   "date_trunc('hour', '2024-05-09 08:50:57.891'::timestamp), date_trunc('minute', "
                   "'2024-05-09 08:50:57.891'::timestamp), date_trunc(week, '2024-05-09'::date)")
    assert got == (date(2024, 5, 1), datetime(2024, 1, 1), datetime(2024, 5, 9, 8), datetime(2024, 5, 9, 8, 50),
                   date(2024, 5, 6))
    assert cur.description[0].type_code == 3  # DATE in, DATE out


def test_convert_timezone_three_arguments(cur):
    """docs: sql-reference/functions/convert_timezone - wall clock in the source zone to the target zone (NTZ)."""
    got = value(cur, "select convert_timezone('America/Los_Angeles', 'America/New_York', '2024-01-01 14:00:00'::timestamp_ntz)")
    assert got == datetime(2024, 1, 1, 17, 0)
    assert cur.description[0].type_code == 8  # TIMESTAMP_NTZ


def test_convert_timezone_two_arguments_keeps_the_instant(cur):
    """docs: convert_timezone - the 2-argument form converts an instant (snowsim shows it in the session zone)."""
    got = value(cur, "select convert_timezone('Europe/Paris', '2024-01-01 12:00:00 +00:00'::timestamp_tz)")
    assert got.isoformat() == "2024-01-01T04:00:00-08:00"


def test_variant_timestamp_in_date_functions(cur):
    """docs: data-type-conversion - a VARIANT is coercible to TIMESTAMP for date functions."""
    got = row(cur, "select dateadd(day, 1, v:t), datediff(hour, v:t, v:u), date_trunc('day', v:t) "
                   "from (select parse_json('{\"t\": \"2024-01-05 08:30:00\", \"u\": \"2024-01-05 10:00:00\"}') v)")
    assert got == (datetime(2024, 1, 6, 8, 30), 2, datetime(2024, 1, 5))
