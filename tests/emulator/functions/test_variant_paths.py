"""Traversing VARIANT values: `:` paths, dot and bracket notation, GET / GET_PATH, JSON null versus SQL NULL."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.emulator.functions.conftest import row, rows, value, variant

CAR_SALES = [
    '{"date": "2017-04-28", "dealership": "Valley View Auto Sales", "salesperson": {"id": "55", "name": "Frank Beasley"},'
    ' "customer": [{"name": "Joyce Ridgely", "phone": "16504378889", "address": "San Francisco, CA"}],'
    ' "vehicle": [{"make": "Honda", "model": "Civic", "year": "2017", "price": "20275",'
    ' "extras": ["ext warranty", "paint protection"]}]}',
    '{"date": "2017-04-28", "dealership": "Tindel Toyota", "salesperson": {"id": "274", "name": "Greg Northrup"},'
    ' "customer": [{"name": "Bradley Greenbloom", "phone": "12127593751", "address": "New York, NY"}],'
    ' "vehicle": [{"make": "Toyota", "model": "Camry", "year": "2017", "price": "23500",'
    ' "extras": ["ext warranty", "rust proofing", "fabric protection"]}]}',
]


@pytest.fixture(scope="module")
def car_sales(conn):
    """docs: user-guide/querying-semistructured - the car_sales sample table."""
    cur = conn.cursor()
    cur.execute("create or replace table car_sales (src variant)")
    for doc in CAR_SALES:
        cur.execute("insert into car_sales select parse_json(%s)", (doc,))
    return "car_sales"


def test_first_level_element(cur, car_sales):
    """docs: user-guide/querying-semistructured - src:dealership is a VARIANT string, shown with quotes."""
    got = rows(cur, "select src:dealership from car_sales order by 1")
    assert got == [('"Tindel Toyota"',), ('"Valley View Auto Sales"',)]


def test_dot_and_bracket_notation(cur, car_sales):
    """docs: querying-semistructured - src:salesperson.name equals src['salesperson']['name']."""
    dots = rows(cur, "select src:salesperson.name from car_sales order by 1")
    brackets = rows(cur, "select src['salesperson']['name'] from car_sales order by 1")
    assert dots == brackets == [('"Frank Beasley"',), ('"Greg Northrup"',)]


def test_column_name_case_insensitive_element_names_case_sensitive(cur, car_sales):
    """docs: querying-semistructured - SRC:salesperson.name works, SRC:Salesperson.Name finds nothing."""
    assert rows(cur, "select SRC:salesperson.name from car_sales order by 1")[0] == ('"Frank Beasley"',)
    assert rows(cur, "select SRC:Salesperson.Name from car_sales") == [(None,), (None,)]


def test_array_element_by_index(cur, car_sales):
    """docs: querying-semistructured "Retrieving a single instance of a repeating element"."""
    got = rows(cur, "select src:customer[0].name, src:vehicle[0].price from car_sales order by 1")
    assert got == [('"Bradley Greenbloom"', '"23500"'), ('"Joyce Ridgely"', '"20275"')]
    obj = variant(rows(cur, "select src:vehicle[0] from car_sales order by src:customer[0].name::string")[0][0])
    assert obj == {"extras": ["ext warranty", "rust proofing", "fabric protection"], "make": "Toyota",
                   "model": "Camry", "price": "23500", "year": "2017"}


def test_explicit_cast_for_calculation(cur, car_sales):
    """docs: querying-semistructured "Explicitly casting values" - price::NUMBER * 0.10."""
    got = rows(cur, "select src:vehicle[0].price::number * 0.10 as tax from car_sales order by tax")
    assert got == [(Decimal("2027.5"),), (Decimal("2350.0"),)]


def test_cast_removes_quotes(cur, car_sales):
    """docs: querying-semistructured - src:dealership::VARCHAR has no double quotes."""
    got = rows(cur, "select src:dealership, src:dealership::varchar from car_sales order by 2")
    assert got == [('"Tindel Toyota"', "Tindel Toyota"), ('"Valley View Auto Sales"', "Valley View Auto Sales")]


def test_comparison_with_string_uses_the_value(cur, car_sales):
    """docs: querying-semistructured / data-type-conversion - a VARIANT string compares equal to the VARCHAR."""
    assert rows(cur, "select src:dealership::string from car_sales where src:salesperson.name = 'Frank Beasley'") == [
        ("Valley View Auto Sales",)]
    assert value(cur, "select count(*) from car_sales where src:vehicle[0].make in ('Honda', 'Toyota')") == 2


def test_quoted_keys(cur):
    """docs: querying-semistructured "Dot notation" - element names that are not identifiers are double-quoted."""
    got = cur.execute("select v:\"company name\", v:\"94987\", v:\"#sPerSquareInch\" from (select parse_json("
                      "'{\"company name\": \"Acme\", \"94987\": \"zip\", \"#sPerSquareInch\": 12}') v)").fetchone()
    assert got == ('"Acme"', '"zip"', "12")


def test_missing_key_is_sql_null_json_null_is_variant_null(cur):
    """docs: user-guide/semistructured-considerations "NULL values" - missing is SQL NULL, null is a VARIANT null."""
    got = cur.execute("select v:missing, v:present, v:present is null, v:missing is null, v:present::string "
                      "from (select parse_json('{\"present\": null}') v)").fetchone()
    assert got == (None, "null", False, True, None)


def test_get_and_get_path(cur):
    """docs: sql-reference/functions/get, get_path - GET(v, key | index) and GET_PATH(v, 'a.b[0]')."""
    got = cur.execute("select get(v, 'a'), get(v:arr, 1), get_path(v, 'b.c[0]'), get(v, 'nope') "
                      "from (select parse_json('{\"a\": 1, \"arr\": [10, 20], \"b\": {\"c\": [\"x\"]}}') v)").fetchone()
    assert got == ("1", "20", '"x"', None)


def test_computed_key_and_index(cur):
    """docs: data-types-semistructured "Accessing elements" - the index or key can be an expression."""
    got = cur.execute("select v[k], v:arr[i] from (select parse_json('{\"a b\": 1, \"arr\": [5, 6]}') v, "
                      "'a b' k, 1 i)").fetchone()
    assert got == ("1", "6")


def test_path_into_non_object_is_null(cur):
    """docs: querying-semistructured - a path that does not exist gives NULL (no error)."""
    assert cur.execute("select v:a.b, v:a[0] from (select parse_json('{\"a\": 5}') v)").fetchone() == (None, None)


def test_variant_in_arithmetic_and_numeric_comparison(cur):
    """docs: data-type-conversion - VARIANT is coercible to numbers (derived: read as FLOAT by snowsim)."""
    got = cur.execute("select v:n + 1, v:s * 2, v:n > 2, v:s = 3 from (select parse_json('{\"n\": 2.5, \"s\": \"3\"}') v)"
                      ).fetchone()
    assert got == (3.5, 6.0, True, True)


def test_variant_in_string_functions_and_like(cur):
    """docs: querying-semistructured "Using FLATTEN to filter" - b.value LIKE '%dog%' reads the string value."""
    got = cur.execute("select v:s like 'do%', upper(v:s), v:s || '!', length(v:s) "
                      "from (select parse_json('{\"s\": \"dog\"}') v)").fetchone()
    assert got == (True, "DOG", "dog!", 3)


def test_coalesce_of_variant_and_string_is_variant(cur):
    """docs: data-type-conversion - COALESCE converts its arguments to a common type (VARIANT here)."""
    got = cur.execute("select coalesce(v:missing, 'dflt'), coalesce(v:s, 'dflt')::string "
                      "from (select parse_json('{\"s\": \"x\"}') v)").fetchone()
    assert got == ('"dflt"', "x")


def test_variants_order_by_value(cur):
    """docs: data-types-semistructured - VARIANT numbers compare by value (10 > 9), not by JSON text."""
    sql = ("select v:n as n from (select parse_json('{\"n\": 9}') v union all select parse_json('{\"n\": 10}') "
           "union all select parse_json('{\"n\": 1.5}'))")
    assert rows(cur, sql + " order by n") == [("1.5",), ("9",), ("10",)]
    assert rows(cur, sql + " order by 1 desc") == [("10",), ("9",), ("1.5",)]
    assert row(cur, f"select max(n), min(n) from ({sql})") == ("10", "1.5")
    assert row(cur, "select parse_json('10') > parse_json('9')") == (True,)


def test_as_and_is_type_functions(cur):
    """docs: sql-reference/functions/as, is_<object_type> - the value when the VARIANT holds that type, else NULL."""
    got = row(cur, "select as_varchar(v:s), as_varchar(v:n), as_integer(v:n), as_double(v:f), as_boolean(v:b), "
                   "as_object(v:o)::string, as_array(v:o), is_varchar(v:s), is_integer(v:f), is_object(v:o), "
                   "is_array(v:a), is_boolean(v:b) "
                   "from (select parse_json('{\"s\": \"x\", \"n\": 7, \"f\": 1.5, \"b\": true, \"o\": {\"k\": 1}, "
                   "\"a\": []}') v)")
    assert got == ("x", None, 7, 1.5, True, '{"k":1}', None, True, False, True, True, True)


def test_to_variant(cur):
    """docs: sql-reference/functions/to_variant - any value becomes a VARIANT of its type."""
    got = row(cur, "select typeof(to_variant(1)), typeof(to_variant('a')), typeof(to_variant(1.5)), "
                   "to_variant('2024-01-02'::date)::string")
    assert got == ("INTEGER", "VARCHAR", "DECIMAL", "2024-01-02")


def test_simple_case_on_a_variant(cur):
    """docs: sql-reference/functions/case - CASE v:type WHEN 'A' compares the VARIANT's value."""
    got = rows(cur, "select case v:t when 'A' then 'first' when 'B' then 'second' else 'other' end "
                    "from (select parse_json('{\"t\": \"A\"}') v union all select parse_json('{\"t\": \"C\"}')) order by 1")
    assert got == [("first",), ("other",)]


def test_variant_as_a_condition(cur):
    """docs: data-type-conversion - a VARIANT is coercible to BOOLEAN (to_boolean rules) in WHERE, IFF, NOT."""
    sql = "from (select parse_json('{\"f\": \"yes\"}') v union all select parse_json('{\"f\": false}'))"
    assert rows(cur, f"select count(*) {sql} where v:f") == [(1,)]
    assert rows(cur, f"select count(*) {sql} where not v:f") == [(1,)]
    assert rows(cur, f"select iff(v:f, 'y', 'n') {sql} order by 1") == [("n",), ("y",)]
