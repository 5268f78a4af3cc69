"""Casting VARIANT values (and text) with `::` / CAST: numbers, strings, booleans, dates and timestamps."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from tests.emulator.functions.conftest import failure, row, value

DOC = "select parse_json(%s) v"


def cast(cur, json_text: str, target: str):
    """VARIANT(json_text)::target."""
    return value(cur, f"select v::{target} from ({DOC})", (json_text,))


def test_string_number_is_parsed(cur):
    """docs: sql-reference/functions/to_decimal (VARIANT input) - a string inside the VARIANT is converted."""
    assert cast(cur, '"20275"', "number") == 20275
    assert cast(cur, '"12.5"', "number(10,2)") == Decimal("12.50")


def test_default_number_rounds_half_away_from_zero(cur):
    """docs: to_decimal example - TO_NUMBER('12.3456') is 12, TO_NUMBER('98.76546') is 99 (scale 0 rounds)."""
    assert cast(cur, '"12.3456"', "number") == 12
    assert cast(cur, '"98.76546"', "number") == 99
    assert cast(cur, "2.5", "number") == 3 and cast(cur, "-2.5", "number") == -3
    assert cast(cur, '"98.76546"', "number(10,1)") == Decimal("98.8")


def test_int_is_number_38_0(cur):
    """docs: sql-reference/data-types-numeric - INT and friends are NUMBER(38,0)."""
    cur.execute("select parse_json('7')::int, parse_json('7')::integer, parse_json('7')::bigint")
    assert cur.fetchone() == (7, 7, 7)
    assert [(d.type_code, d.precision, d.scale) for d in cur.description] == [(0, 38, 0)] * 3


def test_non_numeric_is_100038(cur):
    """docs: semantics §D (cast) - VARIANT '"aaa"'::NUMBER -> 100038 (22018) Numeric value 'aaa' is not recognized."""
    err = failure(cur, "select parse_json('\"aaa\"')::number")
    assert (err.errno, err.sqlstate, err.raw_msg) == (100038, "22018", "Numeric value 'aaa' is not recognized")


def test_too_many_digits_is_100039(cur):
    """docs: to_decimal - TO_NUMBER('12.3456', 10, 9) needs 11 digits: 100039 (22003) ... is out of range."""
    err = failure(cur, "select parse_json('\"12.3456\"')::number(10, 9)")
    assert (err.errno, err.sqlstate, err.raw_msg) == (100039, "22003", "Numeric value '12.3456' is out of range")


def test_float_to_narrow_number_fails(cur):
    """docs: data-type-conversion usage notes - 12.3::FLOAT::NUMBER(3,2) loses leading digits: an error."""
    err = failure(cur, "select 12.3::float::number(3,2)")
    assert (err.errno, err.sqlstate) == (100039, "22003")


def test_boolean_and_json_null_to_number(cur):
    """docs: to_decimal (VARIANT input) - a boolean is 0 or 1; a JSON null gives NULL."""
    assert cast(cur, "true", "number") == 1 and cast(cur, "false", "number") == 0
    assert cast(cur, "null", "number") is None


def test_object_to_number_fails(cur):
    """docs: data-type-conversion - a VARIANT's conversion depends on its value (message non-doc, 100071)."""
    err = failure(cur, "select parse_json('{\"a\": 1}')::number")
    assert err.errno == 100071 and err.raw_msg == 'Failed to cast variant value {"a":1} to FIXED'


def test_to_varchar(cur):
    """docs: querying-semistructured / semistructured-considerations - strings unquoted, JSON null -> SQL NULL."""
    assert cast(cur, '"x"', "string") == "x"
    assert cast(cur, '"x"', "varchar") == "x" and cast(cur, '"x"', "text") == "x"
    assert cast(cur, "null", "varchar") is None
    assert cast(cur, "12", "varchar") == "12" and cast(cur, "true", "varchar") == "true"
    assert cast(cur, '{"a": [1, 2]}', "varchar") == '{"a":[1,2]}'


def test_float_to_varchar_omits_trailing_zeros(cur):
    """docs: data-type-conversion usage notes - the convert_test_zeros example."""
    cur.execute("create or replace table convert_test_zeros (varchar1 varchar, float1 float, variant1 variant)")
    cur.execute("insert into convert_test_zeros select '5.000', 5.000, parse_json('{\"Loan Number\": 5.000}')")
    got = row(cur, "select varchar1, float1::varchar, variant1:\"Loan Number\"::varchar from convert_test_zeros")
    assert got == ("5.000", "5", "5")


@pytest.mark.parametrize(("text", "expected"), [
    ("true", True), ("false", False), ('"true"', True), ('"no"', False), ('"Y"', True), ("0", False), ("2", True),
    ("null", None),
])
def test_to_boolean(cur, text, expected):
    """docs: sql-reference/functions/to_boolean - strings true/t/yes/y/on/1 and false/f/no/n/off/0; numbers."""
    assert cast(cur, text, "boolean") is expected


def test_to_boolean_not_recognized(cur):
    """docs: to_boolean - other strings are an error (errno non-doc: 100037)."""
    err = failure(cur, "select parse_json('\"maybe\"')::boolean")
    assert (err.errno, err.sqlstate, err.raw_msg) == (100037, "22018", "Boolean value 'maybe' is not recognized")


def test_to_double(cur):
    """docs: sql-reference/functions/to_double - numbers and numeric strings."""
    assert cast(cur, '"1.5"', "double") == 1.5 and cast(cur, "2", "float") == 2.0


def test_to_date_and_timestamps(cur):
    """docs: data-types-datetime / to_date / to_timestamp - ISO strings inside a VARIANT."""
    assert cast(cur, '"2024-01-05"', "date") == date(2024, 1, 5)
    assert cast(cur, '"2024-01-05 10:11:12.345"', "timestamp_ntz") == datetime(2024, 1, 5, 10, 11, 12, 345000)
    assert cast(cur, '"2024-01-05T10:11:12Z"', "timestamp") == datetime(2024, 1, 5, 10, 11, 12)
    assert cast(cur, '"2024-01-05 10:00:00"', "date") == date(2024, 1, 5)


def test_ntz_ignores_an_offset(cur):
    """docs: data-types-datetime (TIMESTAMP_NTZ) - a time zone in the input is ignored, the wall clock is kept."""
    assert cast(cur, '"2024-01-05 10:00:00 +02:00"', "timestamp_ntz") == datetime(2024, 1, 5, 10, 0)


def test_ltz_keeps_the_instant(cur):
    """docs: data-types-datetime (TIMESTAMP_LTZ) - an offset fixes the instant, shown in the session zone."""
    got = cast(cur, '"2024-01-05T10:00:00+00:00"', "timestamp_ltz")
    assert got.isoformat() == "2024-01-05T02:00:00-08:00"  # America/Los_Angeles, the default TIMEZONE


def test_epoch_numbers(cur):
    """docs: to_timestamp - integers are seconds (or ms/us/ns by magnitude) since the epoch."""
    assert cast(cur, "1700000000", "timestamp_ntz") == datetime(2023, 11, 14, 22, 13, 20)
    assert cast(cur, '"1700000000000"', "timestamp_ntz") == datetime(2023, 11, 14, 22, 13, 20)


def test_bad_date_and_timestamp(cur):
    """docs: to_date / to_timestamp - unrecognised input is an error (errnos non-doc: 100040, 100035)."""
    err = failure(cur, "select parse_json('\"soon\"')::date")
    assert (err.errno, err.sqlstate, err.raw_msg) == (100040, "22007", "Date 'soon' is not recognized")
    err = failure(cur, "select parse_json('\"soon\"')::timestamp")
    assert (err.errno, err.sqlstate, err.raw_msg) == (100035, "22007", "Timestamp 'soon' is not recognized")


def test_text_casts_use_the_same_rules(cur):
    """docs: data-type-conversion - VARCHAR to NUMBER/BOOLEAN/DATE follow the TO_* functions."""
    assert row(cur, "select '12.5'::number, 'yes'::boolean, '2024-02-29'::date") == (13, True, date(2024, 2, 29))
    err = failure(cur, "select 'abc'::number")
    assert (err.errno, err.raw_msg) == (100038, "Numeric value 'abc' is not recognized")


def test_variant_to_variant_object_array(cur):
    """docs: data-type-conversion - VARIANT casts to OBJECT/ARRAY/VARIANT keep the value."""
    got = row(cur, "select v::variant, v:a::array, v::object from (select parse_json('{\"a\": [1]}') v)")
    assert got == ('{\n  "a": [\n    1\n  ]\n}', "[\n  1\n]", '{\n  "a": [\n    1\n  ]\n}')


def test_value_cast_into_a_table_column(cur):
    """docs: semantics §D - the seed pipeline's shape: VARIANT fields cast on INSERT ... SELECT."""
    cur.execute("create or replace table stg (qty number, price number(10,2), status varchar, ts timestamp_ntz)")
    cur.execute("insert into stg select v:q::number, v:p::number(10,2), v:s::varchar, v:t::timestamp_ntz from "
                "(select parse_json('{\"q\": \"2\", \"p\": 12.345, \"s\": \"PAID\", \"t\": \"2026-01-05T08:00:00Z\"}') v)")
    assert row(cur, "select * from stg") == (2, Decimal("12.35"), "PAID", datetime(2026, 1, 5, 8, 0))


def test_implicit_conversion_on_write(cur):
    """docs: data-type-conversion (VARIANT is coercible) - VARIANT fields written to typed columns without a cast."""
    cur.execute("create or replace table stg2 (qty number, price number(10,2), status varchar, ok boolean, d date)")
    cur.execute("insert into stg2 select v:q, v:p, v:s, v:ok, v:d from (select parse_json("
                "'{\"q\": \"2\", \"p\": 12.345, \"s\": \"PAID\", \"ok\": \"yes\", \"d\": \"2026-01-05\"}') v)")
    assert row(cur, "select * from stg2") == (2, Decimal("12.35"), "PAID", True, date(2026, 1, 5))


def test_implicit_conversion_error_names_table_and_column(cur):
    """docs: sql-reference/sql/insert - 100038 (22018): DML operation to table T failed on column C with error: ..."""
    cur.execute("create or replace table demo_insert_type_mismatch (n number)")
    err = failure(cur, "insert into demo_insert_type_mismatch (n) select parse_json('\"d\"')")
    assert (err.errno, err.sqlstate) == (100038, "22018")
    assert err.raw_msg == ("DML operation to table DEMO_INSERT_TYPE_MISMATCH failed on column N with error: "
                           "Numeric value 'd' is not recognized")
    err = failure(cur, "insert into demo_insert_type_mismatch (n) select 'd'")
    assert err.errno == 100038 and err.raw_msg.endswith("Numeric value 'd' is not recognized")


def test_update_and_merge_convert_on_write(cur):
    """docs: sql-reference/sql/update, merge - assigned VARIANT values are converted to the column's type."""
    cur.execute("create or replace table upd (id number, status varchar, qty number)")
    cur.execute("insert into upd values (1, 'NEW', 0)")
    cur.execute("update upd set status = v:s, qty = v:q from (select parse_json('{\"s\": \"PAID\", \"q\": \"3\"}') v)")
    assert row(cur, "select status, qty from upd") == ("PAID", 3)
    cur.execute("merge into upd using (select parse_json('{\"s\": \"SHIPPED\"}') v) src on upd.id = 1 "
                "when matched then update set status = src.v:s")
    assert row(cur, "select status from upd") == ("SHIPPED",)


def test_scalar_subquery_inside_a_conversion(cur):
    """docs: data-type-conversion - any expression can be cast, including a scalar subquery."""
    assert value(cur, "select (select '12')::number + 1") == 13
    assert value(cur, "select case when (select 'x') = 'x' then '1' else '2' end::int") == 1


def test_nested_conversions_stay_fast(cur):
    """PARSE_JSON -> path -> TIMESTAMP nests several conversion macros; each argument is evaluated once."""
    got = value(cur, "select count(parse_json('{\"t\": \"2024-01-0' || (seq4() % 9 + 1) || ' 10:00:00\"}'):t::timestamp) "
                     "from table(generator(rowcount => 2000))")
    assert got == 2000


def test_json_number_too_wide_is_100039_with_its_text(cur):
    """docs: to_decimal - a VARIANT number that does not fit the target is 100039 with the number as written."""
    err = failure(cur, "select parse_json('1e5')::number(3, 1)")
    assert (err.errno, err.sqlstate, err.raw_msg) == (100039, "22003", "Numeric value '1e5' is out of range")
    err = failure(cur, "select parse_json('{\"a\": [1, 2]}'):a::number")
    assert (err.errno, err.sqlstate, err.raw_msg) == (100071, "22000", "Failed to cast variant value [1,2] to FIXED")
