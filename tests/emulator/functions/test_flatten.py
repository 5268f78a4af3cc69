"""FLATTEN as TABLE(FLATTEN(...)) and LATERAL FLATTEN: the documentation's examples, OUTER, PATH, RECURSIVE, MODE."""

from __future__ import annotations

import pytest

from tests.emulator.functions.conftest import failure, rows, value, variant

COLUMNS = ["SEQ", "KEY", "PATH", "INDEX", "VALUE", "THIS"]
NESTED = '{"a":1, "b":[77,88], "c": {"d":"X"}}'


def flat(cur, sql: str) -> list[tuple]:
    """Rows of a FLATTEN query with VALUE/THIS turned back into Python, ordered by PATH."""
    got = [(s, k, p, i, variant(v), variant(t)) for s, k, p, i, v, t in rows(cur, sql)]
    return sorted(got, key=lambda r: r[2])


def test_output_columns(cur):
    """docs: sql-reference/functions/flatten "Output" - SEQ, KEY, PATH, INDEX, VALUE, THIS."""
    cur.execute("select * from table(flatten(input => parse_json('[1]'))) f")
    assert [d.name for d in cur.description] == COLUMNS


def test_simple_array(cur):
    """docs: flatten - the simple example, on a strict JSON array (snowsim does not read '[1, ,77]')."""
    got = flat(cur, "select * from table(flatten(input => parse_json('[1, 77]'))) f")
    assert got == [(1, None, "[0]", 0, 1, [1, 77]), (1, None, "[1]", 1, 77, [1, 77])]


def test_object_with_outer(cur):
    """docs: flatten - an object flattens to one row per key; KEY and PATH are the key, INDEX is NULL."""
    got = flat(cur, "select * from table(flatten(input => parse_json('{\"a\":1, \"b\":[77,88]}'), outer => true)) f")
    this = {"a": 1, "b": [77, 88]}
    assert got == [(1, "a", "a", None, 1, this), (1, "b", "b", None, [77, 88], this)]


def test_path_argument(cur):
    """docs: flatten - PATH => 'b' flattens the element at that path; PATH shows b[0], b[1]."""
    got = flat(cur, "select * from table(flatten(input => parse_json('{\"a\":1, \"b\":[77,88]}'), path => 'b')) f")
    assert got == [(1, None, "b[0]", 0, 77, [77, 88]), (1, None, "b[1]", 1, 88, [77, 88])]


def test_outer_on_empty_array(cur):
    """docs: flatten - '[]' gives no row, and with OUTER => TRUE one row of NULLs with THIS = []."""
    assert rows(cur, "select * from table(flatten(input => parse_json('[]'))) f") == []
    got = flat(cur, "select * from table(flatten(input => parse_json('[]'), outer => true)) f")
    assert got == [(1, None, "", None, None, [])]


def test_not_recursive(cur):
    """docs: flatten - without RECURSIVE only the top level is expanded."""
    got = flat(cur, f"select * from table(flatten(input => parse_json('{NESTED}'))) f")
    assert [(r[1], r[2], r[4]) for r in got] == [("a", "a", 1), ("b", "b", [77, 88]), ("c", "c", {"d": "X"})]


def test_recursive(cur):
    """docs: flatten - RECURSIVE => TRUE expands every sub-element; THIS is the element's container."""
    got = flat(cur, f"select * from table(flatten(input => parse_json('{NESTED}'), recursive => true)) f")
    whole = {"a": 1, "b": [77, 88], "c": {"d": "X"}}
    assert got == [
        (1, "a", "a", None, 1, whole),
        (1, "b", "b", None, [77, 88], whole),
        (1, None, "b[0]", 0, 77, [77, 88]),
        (1, None, "b[1]", 1, 88, [77, 88]),
        (1, "c", "c", None, {"d": "X"}, whole),
        (1, "d", "c.d", None, "X", {"d": "X"}),
    ]


def test_recursive_object_mode(cur):
    """docs: flatten - MODE => 'OBJECT' with RECURSIVE does not expand arrays."""
    got = flat(cur, f"select * from table(flatten(input => parse_json('{NESTED}'), recursive => true, "
                    "mode => 'OBJECT')) f")
    assert [r[2] for r in got] == ["a", "b", "c", "c.d"]


def test_mode_array_on_object_gives_nothing(cur):
    """docs: flatten - MODE => 'ARRAY' only flattens arrays."""
    assert rows(cur, f"select * from table(flatten(input => parse_json('{NESTED}'), mode => 'array')) f") == []


PERSONS = [  # as on the page: unquoted keys
    (12712555, """{ name:  { first: "John", last: "Smith"},
         contact: [
         { business:[
           { type: "phone", content:"555-1234" },
           { type: "email", content:"j.smith@example.com" } ] } ] }"""),
    (98127771, """{ name:  { first: "Jane", last: "Doe"},
         contact: [
         { business:[
           { type: "phone", content:"555-1236" },
           { type: "email", content:"j.doe@example.com" } ] } ] }"""),
]


def test_chained_lateral_flatten(cur):
    """docs: flatten - the persons example: LATERAL FLATTEN over the output of a previous FLATTEN."""
    cur.execute("create or replace table persons (id number, c variant)")
    for pid, doc in PERSONS:
        cur.execute("insert into persons select %s, parse_json(%s)", (pid, doc))
    got = rows(cur, """
        select id as "ID", f1.value:type as "Type", f1.value:content as "Details"
          from persons p,
            lateral flatten(input => p.c, path => 'contact') f,
            lateral flatten(input => f.value:business) f1
         order by 1, 2 desc""")
    assert got == [
        (12712555, '"phone"', '"555-1234"'), (12712555, '"email"', '"j.smith@example.com"'),
        (98127771, '"phone"', '"555-1236"'), (98127771, '"email"', '"j.doe@example.com"'),
    ]
    assert [d.name for d in cur.description] == ["ID", "Type", "Details"]


def test_filter_flattened_values_in_where(cur):
    """docs: user-guide/querying-semistructured "Using FLATTEN to filter the results in a WHERE clause"."""
    cur.execute("create or replace table pets (v variant)")
    for doc in ('{"species":"dog", "name":"Fido", "is_dog":"true"} ', '{"species":"cat", "name":"Bubby", "is_dog":"false"}',
                '{"species":"cat", "name":"dog terror", "is_dog":"false"}'):
        cur.execute("insert into pets select parse_json(%s)", (doc,))
    got = rows(cur, "select b.key, b.value from pets a, lateral flatten(input => a.v) b "
                    "where b.value like '%dog%' order by 1")
    assert got == [("name", '"dog terror"'), ("species", '"dog"')]


def test_lateral_keeps_outer_rows_only_with_outer(cur):
    """docs: flatten OUTER - rows whose input cannot be expanded are dropped unless OUTER => TRUE."""
    cur.execute("create or replace table orders_raw (id number, v variant)")
    cur.execute("insert into orders_raw select 1, parse_json('{\"items\": [\"a\", \"b\"]}')")
    cur.execute("insert into orders_raw select 2, parse_json('{\"items\": []}')")
    cur.execute("insert into orders_raw select 3, parse_json('{}')")
    inner = rows(cur, "select id, f.value::string from orders_raw o, lateral flatten(input => o.v:items) f order by 1, 2")
    assert inner == [(1, "a"), (1, "b")]
    outer = rows(cur, "select id, f.value::string, f.index from orders_raw o, "
                      "lateral flatten(input => o.v:items, outer => true) f order by 1, 2")
    assert outer == [(1, "a", 0), (1, "b", 1), (2, None, None), (3, None, None)]


def test_seq_groups_rows_of_one_input(cur):
    """docs: flatten SEQ - a sequence number per input record (snowsim derives it from the input value)."""
    cur.execute("create or replace table seqs (id number, v variant)")
    cur.execute("insert into seqs select 1, parse_json('[1, 2]')")
    cur.execute("insert into seqs select 2, parse_json('[3, 4, 5]')")
    got = rows(cur, "select id, count(distinct f.seq), count(*) from seqs s, lateral flatten(s.v) f group by id order by id")
    assert got == [(1, 1, 2), (2, 1, 3)]
    assert value(cur, "select count(distinct f.seq) from seqs s, lateral flatten(s.v) f") == 2


def test_table_flatten_in_a_join_is_correlated(cur):
    """docs: flatten usage notes - for single-level arrays TABLE(FLATTEN(...)) and LATERAL FLATTEN agree."""
    cur.execute("create or replace table arrs (id number, v variant)")
    cur.execute("insert into arrs select 1, parse_json('[10, 20]')")
    got = rows(cur, "select a.id, f.value::number from arrs a, table(flatten(input => a.v)) f order by 2")
    assert got == [(1, 10), (1, 20)]


def test_flatten_needs_input(cur):
    """docs: flatten syntax - INPUT is required."""
    err = failure(cur, "select * from table(flatten(path => 'a')) f")
    assert err.errno in (1002, 1003)


@pytest.mark.parametrize("arg", ["outer => x.flag", "path => x.p"])
def test_non_constant_arguments_are_refused_by_name(cur, arg):
    """docs: flatten syntax - PATH is a constant_expr; OUTER/RECURSIVE are TRUE | FALSE."""
    err = failure(cur, f"select * from (select parse_json('[1]') v, true flag, 'a' p) x, lateral flatten(input => x.v, {arg}) f")
    assert err.sqlstate == "0A000" and "FLATTEN" in err.raw_msg


def test_list_distinct_key_names_example(cur):
    """docs: user-guide/querying-semistructured "Using FLATTEN to list distinct key names"."""
    cur.execute("create or replace table keyed (v variant)")
    cur.execute("insert into keyed select parse_json('{\"a\": 1, \"b\": 2, \"special\" : \"data\"}')")
    cur.execute("insert into keyed select parse_json('{\"c\": 3, \"d\": 4, \"normal\" : \"data\"}')")
    got = rows(cur, """select regexp_replace(f.path, '\\\\[[0-9]+\\\\]', '[]') as "Path", typeof(f.value) as "Type",
                              count(*) as "Count"
                         from keyed, lateral flatten(v, recursive => true) f
                        group by 1, 2 order by 1, 2""")
    assert got == [("a", "INTEGER", 1), ("b", "INTEGER", 1), ("c", "INTEGER", 1), ("d", "INTEGER", 1),
                   ("normal", "VARCHAR", 1), ("special", "VARCHAR", 1)]
