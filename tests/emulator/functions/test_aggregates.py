"""Aggregates and constructors: LISTAGG, ARRAY_AGG, OBJECT_CONSTRUCT[_KEEP_NULL], ARRAY_CONSTRUCT, ARRAY_SIZE."""

from __future__ import annotations

import pytest

from tests.emulator.functions.conftest import failure, row, rows, value, variant


@pytest.fixture(scope="module")
def orders(conn):
    """A small table of orders: status, clerk, price (some NULLs)."""
    cur = conn.cursor()
    cur.execute("create or replace table orders (status varchar, clerk varchar, price number(10,2))")
    cur.execute("insert into orders values ('O', 'c3', 10), ('O', 'c1', 30), ('F', 'c2', 20), ('F', null, 5), "
                "('P', null, 1)")
    return "orders"


def test_listagg_within_group(cur, orders):
    """docs: sql-reference/functions/listagg - values in WITHIN GROUP order, separated by the delimiter."""
    got = rows(cur, "select status, listagg(clerk, ', ') within group (order by price desc) from orders "
                    "group by status order by status")
    assert got == [("F", "c2"), ("O", "c1, c3"), ("P", "")]


def test_listagg_distinct_and_default_delimiter(cur, orders):
    """docs: listagg - DISTINCT removes duplicates; no delimiter means ''."""
    assert value(cur, "select listagg(distinct status, '|') within group (order by status) from orders") == "F|O|P"
    assert value(cur, "select listagg(status) within group (order by status) from orders where status = 'O'") == "OO"


def test_listagg_empty_input_is_empty_string(cur, orders):
    """docs: listagg usage notes - empty input or only NULLs give an empty string."""
    assert value(cur, "select listagg(clerk, ',') from orders where 1 = 0") == ""
    assert value(cur, "select listagg(clerk, ',') from orders where clerk is null") == ""


def test_listagg_of_numbers(cur, orders):
    """docs: listagg - the expression must be a string or castable to one."""
    assert value(cur, "select listagg(price, ';') within group (order by price) from orders where status = 'O'") == (
        "10.00;30.00")


def test_listagg_as_window_function(cur, orders):
    """docs: listagg window syntax - LISTAGG(...) OVER (PARTITION BY ...)."""
    got = rows(cur, "select distinct status, listagg(clerk, ',') within group (order by clerk) over (partition by status) "
                    "from orders order by status")
    assert got == [("F", "c2"), ("O", "c1,c3"), ("P", "")]


def test_array_agg(cur, orders):
    """docs: sql-reference/functions/array_agg - NULLs dropped, WITHIN GROUP order, [] for no rows."""
    got = rows(cur, "select status, array_agg(clerk) within group (order by clerk) from orders group by status "
                    "order by status")
    assert [(s, variant(a)) for s, a in got] == [("F", ["c2"]), ("O", ["c1", "c3"]), ("P", [])]
    assert variant(value(cur, "select array_agg(clerk) from orders where 1 = 0")) == []
    assert variant(value(cur, "select array_agg(distinct status) within group (order by status) from orders")) == [
        "F", "O", "P"]


def test_array_agg_of_variants(cur):
    """docs: array_agg - VARIANT values are kept as they are."""
    got = value(cur, "select array_agg(v) from (select parse_json('{\"a\": 1}') v union all select parse_json('2'))")
    assert sorted(variant(got), key=str) == [2, {"a": 1}]


def test_object_construct_simple(cur):
    """docs: sql-reference/functions/object_construct - a SQL NULL value drops its pair."""
    assert variant(value(cur, "select object_construct('a', 1, 'b', 'BBBB', 'c', null)")) == {"a": 1, "b": "BBBB"}


def test_object_construct_sql_null_and_json_null(cur):
    """docs: object_construct - PARSE_JSON('NULL') is kept as null, SQL NULL dropped, 'null' a string."""
    got = value(cur, "select object_construct('Key_One', parse_json('NULL'), 'Key_Two', null, 'Key_Three', 'null') as obj")
    assert got == '{\n  "Key_One": null,\n  "Key_Three": "null"\n}'


def test_object_construct_star(cur):
    """docs: object_construct - OBJECT_CONSTRUCT(*) uses the column names as keys."""
    cur.execute("create or replace table demo_table_1 (province varchar, created_date date)")
    cur.execute("insert into demo_table_1 (province, created_date) values ('Manitoba', '2024-01-18'::date), "
                "('Alberta', '2024-01-19'::date)")
    got = rows(cur, "select object_construct(*) as oc from demo_table_1 order by oc['PROVINCE']")
    assert [variant(r[0]) for r in got] == [{"CREATED_DATE": "2024-01-19", "PROVINCE": "Alberta"},
                                            {"CREATED_DATE": "2024-01-18", "PROVINCE": "Manitoba"}]


def test_object_construct_star_over_values(cur):
    """docs: object_construct - without attribute names Snowflake uses COLUMN1, COLUMN2, ..."""
    got = rows(cur, "select object_construct(*) from values (1, 'x'), (2, 'y') order by 1")
    assert [variant(r[0]) for r in got] == [{"COLUMN1": 1, "COLUMN2": "x"}, {"COLUMN1": 2, "COLUMN2": "y"}]


def test_object_construct_star_with_exclude_is_named(cur):
    """docs: object_construct - (* EXCLUDE col) is not emulated."""
    cur.execute("create or replace table demo_table_2 (a int, b int)")
    err = failure(cur, "select object_construct(* exclude a) from demo_table_2")
    assert err.sqlstate == "0A000"


def test_object_construct_nested_and_expressions(cur):
    """docs: object_construct "Construct nested OBJECT values"."""
    got = value(cur, "select object_construct('outer_key1', object_construct('inner_key1A', 'example1', 'inner_key1B', "
                     "'example2'), 'outer_key2', object_construct('inner_key2', 5), 'n', 1 + 1)")
    assert variant(got) == {"n": 2, "outer_key1": {"inner_key1A": "example1", "inner_key1B": "example2"},
                            "outer_key2": {"inner_key2": 5}}


def test_object_construct_keep_null(cur):
    """docs: sql-reference/functions/object_construct_keep_null - a SQL NULL value becomes a JSON null."""
    assert value(cur, "select object_construct_keep_null('a', 1, 'b', null)") == '{\n  "a": 1,\n  "b": null\n}'


def test_object_construct_timestamps_as_text(cur):
    """docs: object_construct - values of any type; dates and timestamps become strings."""
    got = variant(value(cur, "select object_construct('d', '2024-01-18'::date, 't', '2024-01-18 10:00:00'::timestamp_ntz)"))
    assert got == {"d": "2024-01-18", "t": "2024-01-18 10:00:00.000"}


def test_array_construct_and_size(cur):
    """docs: sql-reference/functions/array_construct, array_size."""
    got = row(cur, "select array_construct(1, 'two', parse_json('{\"x\": 1}')), array_size(array_construct(1, 2, 3)), "
                   "array_size(array_construct()), array_size(parse_json('{}')), array_size(null)")
    assert variant(got[0]) == [1, "two", {"x": 1}] and got[1:] == (3, 0, None, None)


def test_array_element_access(cur):
    """docs: data-types-semistructured "Accessing elements of an array by index" - indexes start at 0."""
    assert row(cur, "select array_construct(10, 20, 30)[1], array_construct(10, 20, 30)[5]") == ("20", None)


def test_typed_sum_of_variant(cur):
    """docs: data-type-conversion - a VARIANT is coercible to a number in SUM (read as FLOAT by snowsim)."""
    assert value(cur, "select sum(v:n) from (select parse_json('{\"n\": 1.5}') v union all "
                      "select parse_json('{\"n\": \"2\"}'))") == 3.5


def test_array_contains(cur):
    """docs: sql-reference/functions/array_contains - ARRAY_CONTAINS(variant_value, array)."""
    got = row(cur, "select array_contains('hello'::variant, array_construct('hola', 'bonjour')), "
                   "array_contains('hello'::variant, array_construct('hola', 'hello')), "
                   "array_contains(2::variant, array_construct(1, 2)), array_contains(null, array_construct(1))")
    assert got == (False, True, True, None)


def test_array_to_string(cur):
    """docs: sql-reference/functions/array_to_string - elements as text; a null element is an empty string."""
    assert value(cur, "select array_to_string(array_construct('a', 1, null, true), ', ')") == "a, 1, , true"


def test_array_append_and_cat(cur):
    """docs: sql-reference/functions/array_append, array_cat."""
    got = row(cur, "select array_append(array_construct(1, 2), 'x'), array_cat(array_construct(1), array_construct(2, 3))")
    assert [variant(v) for v in got] == [[1, 2, "x"], [1, 2, 3]]


def test_qualify_keeps_the_latest_row_per_key(cur):
    """docs: sql-reference/constructs/qualify - QUALIFY ROW_NUMBER() dedup, the pipelines' idiom."""
    cur.execute("create or replace table events (id varchar, ts number, v variant)")
    cur.execute("insert into events select 'a', 1, parse_json('{\"s\": \"NEW\"}') union all "
                "select 'a', 2, parse_json('{\"s\": \"PAID\"}') union all select 'b', 1, parse_json('{\"s\": \"NEW\"}')")
    got = rows(cur, "select id, v:s::string from events "
                    "qualify row_number() over (partition by id order by ts desc) = 1 order by id")
    assert got == [("a", "PAID"), ("b", "NEW")]
