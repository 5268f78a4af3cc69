"""Conversion functions: TRY_CAST, TO_NUMBER/TO_DECIMAL/TO_NUMERIC, TO_DOUBLE, TO_BOOLEAN, TO_DATE, TO_TIMESTAMP*,
TO_VARCHAR/TO_CHAR and their TRY_ variants (docs: sql-reference/functions-conversion)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
import snowflake.connector.errors as sf

from tests.emulator.functions.conftest import failure, row, rows, value


def test_try_cast_examples(cur):
    """docs: sql-reference/functions/try_cast - the page's examples."""
    assert value(cur, "select try_cast('05-Mar-2016' as timestamp)") == datetime(2016, 3, 5)
    assert value(cur, "select try_cast('05/16' as timestamp)") is None
    assert value(cur, "select try_cast('ABCD' as varchar(10))") == "ABCD"


@pytest.mark.xfail(strict=True, reason="snowsim does not check VARCHAR lengths (TRY_CAST('ABCD' AS CHAR(2)) is NULL)")
def test_try_cast_too_long_string(cur):
    """docs: try_cast - TRY_CAST('ABCD' AS CHAR(2)) is NULL."""
    assert value(cur, "select try_cast('ABCD' as char(2))") is None


@pytest.mark.parametrize(("sql", "types"), [
    ("select try_cast(parse_json('1') as int)", "VARIANT and NUMBER(38,0)"),
    ("select try_to_number(parse_json('{\"a\": 1}'):a)", "VARIANT and NUMBER(38,0)"),
    ("select try_to_date(parse_json('\"2024-01-01\"'))", "VARIANT and DATE"),
    ("select try_to_boolean(parse_json('true'))", "VARIANT and BOOLEAN"),
])
def test_try_functions_accept_only_strings(cur, sql, types):
    """docs: try_cast / try_to_decimal usage notes - input must be a string (message non-doc, seen live)."""
    err = failure(cur, sql)
    assert (err.errno, err.sqlstate) == (1065, "22023")
    assert err.raw_msg == f"SQL compilation error:\nFunction TRY_CAST cannot be used with arguments of types {types}"


def test_try_to_number_of_variant_via_string(cur):
    """docs: semantics §D - the documented workaround: TRY_TO_NUMBER(v:amount::STRING)."""
    got = row(cur, "select try_to_number(v:a::string), try_to_number(v:b::string) "
                   "from (select parse_json('{\"a\": \"12\", \"b\": \"x\"}') v)")
    assert got == (12, None)


def test_to_number_example(cur):
    """docs: sql-reference/functions/to_decimal - precision and scale arguments."""
    cur.execute("create or replace table number_conv (expr varchar)")
    cur.execute("insert into number_conv values ('12.3456'), ('98.76546')")
    got = rows(cur, "select expr, to_number(expr), to_number(expr, 10, 1), to_number(expr, 10, 8) "
                    "from number_conv order by expr")
    assert got == [("12.3456", 12, Decimal("12.3"), Decimal("12.34560000")),
                   ("98.76546", 99, Decimal("98.8"), Decimal("98.76546000"))]
    err = failure(cur, "select expr, to_number(expr, 10, 9) from number_conv")
    assert (err.errno, err.sqlstate, err.raw_msg) == (100039, "22003", "Numeric value '12.3456' is out of range")


def test_to_decimal_and_to_numeric_are_synonyms(cur):
    """docs: to_decimal - TO_DECIMAL, TO_NUMBER and TO_NUMERIC are synonymous."""
    assert row(cur, "select to_decimal('1.5', 5, 1), to_numeric('1.5', 5, 1), to_number('1.5', 5, 1)") == (
        Decimal("1.5"),) * 3


def test_to_number_with_format_is_named(cur):
    """docs: to_decimal format models - not emulated, refused by name."""
    err = failure(cur, "select to_decimal('1.0', '99.9')")
    assert err.sqlstate == "0A000" and "format model" in err.raw_msg


def test_try_to_decimal(cur):
    """docs: sql-reference/functions/try_to_decimal - NULL where TO_DECIMAL would fail."""
    assert row(cur, "select try_to_decimal('345.123', 10, 2), try_to_decimal('345.123', 4, 2), "
                    "try_to_decimal('abc')") == (Decimal("345.12"), None, None)


def test_to_double_and_try(cur):
    """docs: to_double / try_to_double."""
    assert row(cur, "select to_double('1.5'), try_to_double('x'), to_double(3)") == (1.5, None, 3.0)
    err = failure(cur, "select to_double('x')")
    assert (err.errno, err.raw_msg) == (100038, "Numeric value 'x' is not recognized")


def test_to_boolean_and_try(cur):
    """docs: to_boolean / try_to_boolean - the accepted strings, numbers, errors."""
    assert row(cur, "select to_boolean('on'), to_boolean('F'), to_boolean(0), to_boolean(1.5), try_to_boolean('x')") == (
        True, False, False, True, None)


def test_to_date_and_try(cur):
    """docs: to_date - AUTO format, explicit format, TRY_ variant."""
    assert row(cur, "select to_date('2024-01-02'), to_date('02/01/2024', 'DD/MM/YYYY'), try_to_date('nope'), "
                    "to_date('2024-01-02 10:00:00'::timestamp)") == (date(2024, 1, 2), date(2024, 1, 2), None,
                                                                     date(2024, 1, 2))


def test_to_date_with_format_mismatch(cur):
    """docs: to_date - input that does not match the format is an error (errno non-doc: 100096)."""
    err = failure(cur, "select to_date('2024-13-45', 'YYYY-MM-DD')")
    assert err.errno == 100096 and err.raw_msg == "Can't parse '2024-13-45' as date with format 'YYYY-MM-DD'"


def test_formatted_conversions_of_bound_parameters(cur):
    """docs: to_date, to_timestamp - a bound value with a format (it is read twice by the check; bound once)."""
    assert cur.execute("select to_date(%s, 'DD/MM/YYYY'), to_timestamp_ntz(%s, 'YYYY-MM-DD HH24:MI:SS'), %s",
                       ["02/01/2024", "2024-01-02 10:11:12", 7]).fetchone() == (
        date(2024, 1, 2), datetime(2024, 1, 2, 10, 11, 12), 7)
    with pytest.raises(sf.ProgrammingError) as info:
        cur.execute("select to_date(%s, 'YYYY-MM-DD')", ["2024-13-45"])
    err = info.value
    assert err.errno == 100096 and err.raw_msg == "Can't parse '2024-13-45' as date with format 'YYYY-MM-DD'"
    assert cur.execute("select try_to_date(%s, 'YYYY-MM-DD')", ["nope"]).fetchone() == (None,)


def test_to_timestamp_variants(cur):
    """docs: to_timestamp - NTZ, LTZ (session zone), numbers as epoch seconds, scale argument, format."""
    got = row(cur, "select to_timestamp('2024-01-02 03:04:05'), to_timestamp_ntz('2024-01-02 03:04:05'), "
                   "to_timestamp(1700000000), to_timestamp(1700000000123, 3), "
                   "to_timestamp('02.01.2024 03:04', 'DD.MM.YYYY HH24:MI'), try_to_timestamp('later')")
    assert got == (datetime(2024, 1, 2, 3, 4, 5), datetime(2024, 1, 2, 3, 4, 5), datetime(2023, 11, 14, 22, 13, 20),
                   datetime(2023, 11, 14, 22, 13, 20, 123000), datetime(2024, 1, 2, 3, 4), None)
    ltz = value(cur, "select to_timestamp_ltz('2024-01-02 03:04:05')")
    assert ltz.isoformat() == "2024-01-02T03:04:05-08:00"


def test_to_varchar(cur):
    """docs: to_char - default output formats and date/time format models."""
    got = row(cur, "select to_varchar('2024-01-02 03:04:05'::timestamp_ntz), to_char('2024-01-02'::date, 'DD/MM/YYYY'), "
                   "to_varchar(1.5::float), to_varchar(12), to_varchar(true), "
                   "to_char('2024-01-02 03:04:05'::timestamp_ntz, 'YYYY-MM-DD HH24:MI')")
    assert got == ("2024-01-02 03:04:05.000", "02/01/2024", "1.5", "12", "true", "2024-01-02 03:04")


def test_to_varchar_of_number_with_format_is_named(cur):
    """docs: to_char numeric format models - not emulated, refused by name."""
    err = failure(cur, "select to_char(12.5, '99.9')")
    assert err.sqlstate == "0A000" and "TO_CHAR" in err.raw_msg


def test_cast_of_number_keeps_precision_rules(cur):
    """docs: data-type-conversion - fixed-point to fixed-point conversion rounds when the scale decreases."""
    assert row(cur, "select 2.45::number(10,1), (-2.45)::number(10,1), 12.5::int") == (
        Decimal("2.5"), Decimal("-2.5"), 13)
