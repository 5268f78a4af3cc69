"""Conditional expression functions: IFF, NVL, NVL2, ZEROIFNULL, NULLIFZERO, COALESCE, DECODE, IFNULL, EQUAL_NULL."""

from __future__ import annotations

from tests.emulator.functions.conftest import row, rows


def test_iff(cur):
    """docs: sql-reference/functions/iff - IFF(cond, expr1, expr2); a NULL condition takes expr2."""
    assert row(cur, "select iff(true, 'true', 'false'), iff(false, 'true', 'false'), iff(null, 'true', 'false')") == (
        "true", "false", "false")


def test_nvl_and_ifnull(cur):
    """docs: sql-reference/functions/nvl, ifnull - the second argument when the first is NULL."""
    assert row(cur, "select nvl(null, 3), nvl(1, 3), ifnull(null, 'x')") == (3, 1, "x")


def test_nvl2(cur):
    """docs: sql-reference/functions/nvl2 - expr2 when expr1 is not NULL, else expr3."""
    got = rows(cur, "select a, nvl2(a, 'not null', 'null') from (select 1 a union all select null) order by a nulls last")
    assert got == [(1, "not null"), (None, "null")]


def test_zeroifnull_and_nullifzero(cur):
    """docs: sql-reference/functions/zeroifnull, nullifzero."""
    assert row(cur, "select zeroifnull(null), zeroifnull(5), nullifzero(0), nullifzero(5)") == (0, 5, None, 5)


def test_coalesce(cur):
    """docs: sql-reference/functions/coalesce - the first non-NULL argument."""
    assert row(cur, "select coalesce(null, null, 3, 4), coalesce(null, 'b')") == (3, "b")


def test_decode_example(cur):
    """docs: sql-reference/functions/decode - the page's example, including NULL matching NULL."""
    cur.execute("create or replace table d (column1 integer)")
    cur.execute("insert into d (column1) values (1), (2), (null), (4)")
    got = rows(cur, "select column1, decode(column1, 1, 'one', 2, 'two', null, '-NULL-', 'other') as decode_result "
                    "from d order by column1 nulls last")
    assert got == [(1, "one"), (2, "two"), (4, "other"), (None, "-NULL-")]


def test_decode_without_default_is_null(cur):
    """docs: decode - with no default and no match, the result is NULL."""
    assert row(cur, "select decode(3, 1, 'one', 2, 'two')") == (None,)


def test_decode_column_search_values_match_null(cur):
    """docs: decode usage notes - a NULL expression matches a NULL search value, also from a column."""
    assert row(cur, "select decode(a, b, 'match', 'no') from (select null a, null b)") == ("match",)


def test_equal_null(cur):
    """docs: sql-reference/functions/equal_null - NULL-safe equality."""
    assert row(cur, "select equal_null(null, null), equal_null(1, null), equal_null(1, 1)") == (True, False, True)


def test_iff_with_variant_branch(cur):
    """docs: data-type-conversion - mixing a VARIANT and a VARCHAR branch gives a VARIANT."""
    got = row(cur, "select iff(v:a is null, 'none', v:a), iff(v:b is null, 'none', v:b) "
                   "from (select parse_json('{\"a\": 1}') v)")
    assert got == ("1", '"none"')


def test_decode_on_a_variant(cur):
    """docs: decode - the search values compare with the VARIANT's value."""
    assert row(cur, "select decode(v:t, 'A', 1, 'B', 2, 0) from (select parse_json('{\"t\": \"B\"}') v)") == (2,)
