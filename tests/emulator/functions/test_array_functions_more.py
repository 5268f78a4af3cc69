"""ARRAY / OBJECT functions on VARIANT arrays: ARRAYS_ZIP, ARRAY_POSITION, ARRAY_DISTINCT, ARRAY_COMPACT, ARRAYS_OVERLAP,
ARRAY_INTERSECTION, ARRAY_EXCEPT, ARRAY_REMOVE, ARRAY_PREPEND, BOOLXOR, OBJECT constants, SPLIT / ARRAY_UNIQUE_AGG as
JSON text; ARRAY_FLATTEN, OBJECT_INSERT and MAP_CAT refused by name.

An ARRAY reaches the client as JSON text (what the Snowflake connector returns for ARRAY/OBJECT/VARIANT columns).
"""

from __future__ import annotations

import pytest
from snowflake.connector import errors as sf

from tests.emulator.functions.conftest import row, value, variant


def test_arrays_zip_docs_example(cur):
    """docs: sql-reference/functions/arrays_zip - "The key ($1, $2, and so on) represents the position of the input
    array": ARRAYS_ZIP([1, 2, 3], ['first', 'second', 'third'], ['i', 'ii', 'iii'])."""
    got = value(cur, "SELECT ARRAYS_ZIP([1, 2, 3], ['first', 'second', 'third'], ['i', 'ii', 'iii'])")
    assert variant(got) == [{"$1": 1, "$2": "first", "$3": "i"}, {"$1": 2, "$2": "second", "$3": "ii"},
                            {"$1": 3, "$2": "third", "$3": "iii"}]


def test_arrays_zip_pads_shorter_arrays_with_null(cur):
    """docs (snowpark arrays_zip example): arrays of 3, 2 and 1 elements give 3 objects, missing values JSON null."""
    got = value(cur, "SELECT ARRAYS_ZIP(ARRAY_CONSTRUCT('10', '20', '30'), ARRAY_CONSTRUCT(1, 2), ARRAY_CONSTRUCT(1.1))")
    assert variant(got) == [{"$1": "10", "$2": 1, "$3": 1.1}, {"$1": "20", "$2": 2, "$3": None},
                            {"$1": "30", "$2": None, "$3": None}]


def test_arrays_zip_null_input_and_single_array(cur):
    """docs: arrays_zip - "If any of the input arrays is NULL, the function returns NULL"."""
    assert row(cur, "SELECT ARRAYS_ZIP([1], NULL), ARRAYS_ZIP(NULL, [1])") == (None, None)
    assert variant(value(cur, "SELECT ARRAYS_ZIP(['a', NULL])")) == [{"$1": "a"}, {"$1": None}]
    assert variant(value(cur, "SELECT ARRAYS_ZIP([], [])")) == []


def test_array_position(cur):
    """docs (snowpark array_position example): the 0-based index of the first occurrence - 1 in [2, 1] is 1, in
    [1, 3] is 0. docs: release-notes bcr-882 - ARRAY_POSITION(NULL, [10, NULL, 30]) is 1 (the first NULL)."""
    got = row(cur, "SELECT ARRAY_POSITION(1::VARIANT, [2, 1]), ARRAY_POSITION(1::VARIANT, [1, 3]), "
                   "ARRAY_POSITION(NULL, [10, NULL, 30]), ARRAY_POSITION('hello'::VARIANT, ARRAY_CONSTRUCT('hola', 'hello'))")
    assert got == (1, 0, 1, 1)


def test_array_position_absent_or_null_array(cur):
    """Not found: NULL (Snowflake's array_position page says so, but it is not in snowsim's docs index, so this was not
    re-checked). A NULL array gives NULL. Numbers compare by value."""
    got = row(cur, "SELECT ARRAY_POSITION(7::VARIANT, [1, 2]), ARRAY_POSITION(1::VARIANT, NULL), "
                   "ARRAY_POSITION(5::VARIANT, [1, 5.00])")
    assert got == (None, None, 1)


def test_array_distinct(cur):
    """docs (snowpark array_distinct example): [1, 1, 1, 2, 3, 2, 2] gives [1, 2, 3]; "NULL safe, ... treats NULLs as
    known values when identifying duplicate elements". The order is not guaranteed by the docs: first occurrences."""
    assert variant(value(cur, "SELECT ARRAY_DISTINCT(ARRAY_CONSTRUCT(1, 1, 1, 2, 3, 2, 2))")) == [1, 2, 3]
    assert variant(value(cur, "SELECT ARRAY_DISTINCT(['A', 'A', 'B', NULL, NULL])")) == ["A", "B", None]
    assert value(cur, "SELECT ARRAY_DISTINCT(NULL)") is None


def test_array_compact(cur):
    """docs (snowpark array_compact example): [1, null, 3] gives [1, 3] ("missing and null values removed")."""
    assert variant(value(cur, "SELECT ARRAY_COMPACT([1, NULL, 3])")) == [1, 3]
    assert variant(value(cur, "SELECT ARRAY_COMPACT(PARSE_JSON('[null, \"a\", null]'))")) == ["a"]
    assert value(cur, "SELECT ARRAY_COMPACT(NULL)") is None


def test_arrays_overlap(cur):
    """docs: arrays_overlap - TRUE when the arrays have an element in common (NULL-safe), NULL for a NULL array."""
    got = row(cur, "SELECT ARRAYS_OVERLAP(['hello', 'aloha'], ['hello', 'hi']), ARRAYS_OVERLAP([1, 2], [3]), "
                   "ARRAYS_OVERLAP([1, NULL], [NULL]), ARRAYS_OVERLAP([1], NULL), ARRAYS_OVERLAP([1], [1.0])")
    assert got == (True, False, True, None, True)


def test_array_intersection(cur):
    """docs: array_intersection - ['A', 'B'] and ['B', 'C'] give ['B']; multiset semantics ("If N is 4 and M is 2,
    then the returned value contains 2 copies"); NULL-safe; "If one or both arguments are NULL, the function returns
    NULL"; no overlap gives []."""
    assert variant(value(cur, "SELECT ARRAY_INTERSECTION(['A', 'B'], ['B', 'C'])")) == ["B"]
    assert variant(value(cur, "SELECT ARRAY_INTERSECTION(['A', 'A', 'A', 'A'], ['A', 'A', 'B'])")) == ["A", "A"]
    assert variant(value(cur, "SELECT ARRAY_INTERSECTION([1, NULL, 2], [NULL, 3])")) == [None]
    assert variant(value(cur, "SELECT ARRAY_INTERSECTION([1], [2])")) == []
    assert row(cur, "SELECT ARRAY_INTERSECTION([1], NULL), ARRAY_INTERSECTION(NULL, [1])") == (None, None)


def test_array_except(cur):
    """docs: array_except - ARRAY_EXCEPT(['A', 'B'], ['B', 'C']) is ['A'], with 'C' added to the source still ['A'];
    5 copies of 'A' less 2 leave 3; NULL-safe; NULL argument gives NULL; nothing left gives []."""
    assert variant(value(cur, "SELECT ARRAY_EXCEPT(['A', 'B'], ['B', 'C'])")) == ["A"]
    assert variant(value(cur, "SELECT ARRAY_EXCEPT(['A', 'B', 'C'], ['B', 'C'])")) == ["A"]
    assert variant(value(cur, "SELECT ARRAY_EXCEPT(['A', 'A', 'A', 'A', 'A'], ['A', 'A'])")) == ["A", "A", "A"]
    assert variant(value(cur, "SELECT ARRAY_EXCEPT(['A', NULL], [NULL])")) == ["A"]
    assert variant(value(cur, "SELECT ARRAY_EXCEPT(['B'], ['B', 'C'])")) == []
    assert row(cur, "SELECT ARRAY_EXCEPT(['A'], NULL), ARRAY_EXCEPT(NULL, ['A'])") == (None, None)


def test_array_remove(cur):
    """docs: array_remove - every element equal to the value goes, 5, 5.00 and 5.0 alike. The docs pages at hand do
    not say what a NULL value does: NULL here, as a NULL argument gives NULL in ARRAY_EXCEPT."""
    assert variant(value(cur, "SELECT ARRAY_REMOVE([1, 5, 5.00, 5.0, 1], 5)")) == [1, 1]
    assert variant(value(cur, "SELECT ARRAY_REMOVE(['a', 'b', 'a'], 'a')")) == ["b"]
    assert row(cur, "SELECT ARRAY_REMOVE([1, 2], NULL), ARRAY_REMOVE(NULL, 1)") == (None, None)


def test_array_prepend(cur):
    """docs: array_prepend - the element first, then the array's."""
    assert variant(value(cur, "SELECT ARRAY_PREPEND([1, 2], 0)")) == [0, 1, 2]
    assert variant(value(cur, "SELECT ARRAY_PREPEND(['b'], 'a')")) == ["a", "b"]
    assert value(cur, "SELECT ARRAY_PREPEND(NULL, 1)") is None


def test_boolxor_docs_example(cur):
    """docs: boolxor - BOOLXOR(2, 0), (1, -1), (0, 0), (NULL, 3), (NULL, 0), (NULL, NULL) are True, False, False,
    NULL, NULL, NULL; "This function rounds floating-point numbers" (0.3 is 0)."""
    got = row(cur, "SELECT BOOLXOR(2, 0), BOOLXOR(1, -1), BOOLXOR(0, 0), BOOLXOR(NULL, 3), BOOLXOR(NULL, 0), "
                   "BOOLXOR(NULL, NULL)")
    assert got == (True, False, False, None, None, None)
    assert row(cur, "SELECT BOOLXOR(0.3::FLOAT, 0), BOOLXOR(0.7::FLOAT, 0), BOOLXOR(TRUE, FALSE)") == (False, True, True)


def test_object_constant_keeps_key_case(cur):
    """docs: data-types-semistructured (OBJECT constants) - {'key': value}; keys are case-sensitive, as written."""
    got = value(cur, "SELECT {'aB': 1, 'c': {'D': 'x'}, 'x y': [1]}")
    assert variant(got) == {"aB": 1, "c": {"D": "x"}, "x y": [1]}
    assert variant(value(cur, "SELECT {'a': 1}:a")) == 1


def test_object_constant_keys_differing_in_case_are_refused(cur):
    # the case of a key is recovered from the statement's text; two spellings of one key cannot be told apart
    with pytest.raises(sf.NotSupportedError, match="differ only in case"):
        cur.execute("SELECT {'a': 1, 'A': 2}")


def test_split_and_array_unique_agg_return_json_text(cur):
    """An ARRAY column reaches the connector as JSON text, like ARRAY_CONSTRUCT's (SPLIT and ARRAY_UNIQUE_AGG were
    Python lists). docs: array_unique_agg - NULLs are left out."""
    got = value(cur, "SELECT SPLIT('a,b', ',')")
    assert isinstance(got, str) and variant(got) == ["a", "b"]
    assert value(cur, "SELECT SPLIT(NULL, ',')") is None
    got = value(cur, "SELECT ARRAY_UNIQUE_AGG(x) FROM (VALUES (1), (2), (1), (NULL)) t(x)")
    assert isinstance(got, str) and sorted(variant(got)) == [1, 2]
    assert variant(value(cur, "SELECT ARRAY_UNIQUE_AGG(x) FROM (VALUES (1)) t(x) WHERE x > 1")) == []
    got = value(cur, "SELECT ARRAY_UNIQUE_AGG(x) OVER () FROM (VALUES (1), (2), (1)) t(x)")
    assert isinstance(got, str) and sorted(variant(got)) == [1, 2]
    assert value(cur, "SELECT ARRAY_CONTAINS('b'::VARIANT, SPLIT('a,b', ','))") is True
    assert value(cur, "SELECT ARRAY_SIZE(SPLIT('a,b,c', ','))") == 3


@pytest.mark.parametrize(("sql", "name"), [
    ("SELECT ARRAY_FLATTEN([[1, 2], [3]])", "ARRAY_FLATTEN"),
    ("SELECT OBJECT_INSERT({'a': 1}, 'b', 2)", "OBJECT_INSERT"),
    ("SELECT MAP_CAT({'a': 1}::MAP(VARCHAR, NUMBER), {'b': 2}::MAP(VARCHAR, NUMBER))", "MAP_CAT"),
])
def test_unsupported_functions_are_refused_by_name(cur, sql, name):
    with pytest.raises(sf.NotSupportedError, match=f"the function {name}"):
        cur.execute(sql)


@pytest.mark.parametrize(("sql", "params"), [
    ("SELECT ARRAYS_ZIP(ARRAY_CONSTRUCT(%s, 2), [3])", [1]),
    ("SELECT ARRAY_POSITION(%s::VARIANT, [1, 2])", [2]),
    ("SELECT ARRAY_DISTINCT(ARRAY_CONSTRUCT(%s, 'a'))", ["a"]),
    ("SELECT ARRAY_COMPACT(ARRAY_CONSTRUCT(%s, NULL))", [1]),
    ("SELECT ARRAYS_OVERLAP(ARRAY_CONSTRUCT(%s), [1])", [1]),
    ("SELECT ARRAY_INTERSECTION(ARRAY_CONSTRUCT(%s, 2), [2])", [2]),
    ("SELECT ARRAY_EXCEPT(ARRAY_CONSTRUCT(%s, 2), [2])", [2]),
    ("SELECT ARRAY_REMOVE([1, 2], %s)", [2]),
    ("SELECT ARRAY_PREPEND([1, 2], %s)", [0]),
    ("SELECT BOOLXOR(%s, 0)", [2]),
    ("SELECT SPLIT(%s, ',')", ["a,b"]),
])
def test_a_bound_value_gives_the_constants_result(cur, sql, params):
    """Each translation above with a bound value instead of the constant (pyformat)."""
    constant = sql.replace("%s", repr(params[0]))
    assert cur.execute(sql, params).fetchall() == cur.execute(constant).fetchall()



def test_array_contains_null_and_json_null(cur):
    """docs: functions/array_contains (Returns) - a JSON null value finds a JSON null element (TRUE) or not (FALSE); a
    SQL NULL value gives NULL when the array holds no SQL NULL (undefined) element. snowsim stores an undefined element
    as JSON null, so ARRAY_CONTAINS(NULL, ARRAY_CONSTRUCT(1, NULL)) is NULL here, TRUE in Snowflake (README)."""
    assert value(cur, "SELECT ARRAY_CONTAINS(PARSE_JSON('null'), PARSE_JSON('[10, null, 30]'))") is True
    assert value(cur, "SELECT ARRAY_CONTAINS(PARSE_JSON('null'), ARRAY_CONSTRUCT(10, 30))") is False
    assert value(cur, "SELECT ARRAY_CONTAINS(NULL, PARSE_JSON('[10, 30]'))") is None
    assert value(cur, "SELECT ARRAY_CONTAINS(10::VARIANT, NULL)") is None
