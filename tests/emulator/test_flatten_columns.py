"""FLATTEN's output columns (SEQ, KEY, PATH, INDEX, VALUE, THIS) unqualified and through subqueries; comparing
VALUE (a VARIANT) with a VARCHAR.

docs: sql-reference/functions/flatten ("Output": the columns; an unqualified column resolves to the function when
nothing else has that name), sql-reference/data-type-conversion (a VARIANT compared with a VARCHAR compares its value,
so `'a' = f.value` holds for the element "a").
"""

from __future__ import annotations

import pytest

from snowsim.emulator import connect

SPLIT = "TABLE(FLATTEN(INPUT => SPLIT('a,b', ',')))"


@pytest.fixture(scope="module")
def conn():
    """One connection for the module; its tests create no objects."""
    connection = connect(database="DB", schema="S")
    yield connection
    connection.close()


@pytest.fixture
def cur(conn):
    return conn.cursor()


def test_unqualified_value_when_flatten_is_the_only_source(cur):
    cur.execute(f"SELECT VALUE FROM {SPLIT} ORDER BY VALUE::STRING")
    assert [d.name for d in cur.description] == ["VALUE"]
    assert cur.fetchall() == [('"a"',), ('"b"',)]


def test_every_output_column_resolves_unqualified(cur):
    cur.execute(f"SELECT SEQ, KEY, PATH, INDEX, VALUE, THIS FROM {SPLIT} ORDER BY INDEX")
    assert [d.name for d in cur.description] == ["SEQ", "KEY", "PATH", "INDEX", "VALUE", "THIS"]
    this = '[\n  "a",\n  "b"\n]'
    assert cur.fetchall() == [(1, None, "[0]", 0, '"a"', this), (1, None, "[1]", 1, '"b"', this)]


def test_star_over_unaliased_table_flatten_names_the_columns(cur):
    cur.execute(f"SELECT * FROM {SPLIT}")
    assert [d.name for d in cur.description] == ["SEQ", "KEY", "PATH", "INDEX", "VALUE", "THIS"]
    assert len(cur.fetchall()) == 2


def test_unqualified_value_next_to_a_table_without_that_column(conn, cur):
    cur.execute("CREATE OR REPLACE TABLE fc_src (id INT, s VARCHAR)")
    cur.execute("INSERT INTO fc_src VALUES (1, 'x,y'), (2, 'z')")
    cur.execute("SELECT id, VALUE::STRING AS v FROM fc_src, TABLE(FLATTEN(INPUT => SPLIT(fc_src.s, ','))) "
                "ORDER BY id, v")
    assert cur.fetchall() == [(1, "x"), (1, "y"), (2, "z")]
    cur.execute("DROP TABLE fc_src")


def test_unqualified_value_inside_an_in_subquery(cur):
    """Case from the issue: the subquery's only source is the FLATTEN (failed with 'missing source schemas')."""
    cur.execute(f"SELECT 1 WHERE 'a' IN (SELECT VALUE::STRING FROM {SPLIT})")
    assert cur.fetchall() == [(1,)]


def test_renamed_columns_follow_the_alias_list(cur):
    """`AS f(a, ...)` renames the columns by position, like any table alias with a column list."""
    cur.execute("SELECT f.i, f.v FROM TABLE(FLATTEN(INPUT => SPLIT('a,b', ','))) f(s, k, p, i, v, t) ORDER BY f.i")
    assert [d.name for d in cur.description] == ["I", "V"]
    assert cur.fetchall() == [(0, '"a"'), (1, '"b"')]


@pytest.mark.parametrize("sql", [
    f"SELECT 1 WHERE 'a' = (SELECT f.VALUE FROM {SPLIT} f WHERE f.INDEX = 0)",
    f"SELECT 1 WHERE (SELECT f.VALUE FROM {SPLIT} f WHERE f.INDEX = 0) = 'a'",
    f"SELECT 1 WHERE EXISTS (SELECT 1 FROM {SPLIT} f WHERE 'a' = f.VALUE)",
    f"SELECT 1 FROM (SELECT f.VALUE FROM {SPLIT} f) x WHERE x.VALUE = 'a'",
    f"WITH c AS (SELECT f.VALUE FROM {SPLIT} f) SELECT 1 FROM c WHERE VALUE = 'a'",
    f"SELECT 1 FROM {SPLIT} f WHERE 'a' = f.VALUE",
])
def test_varchar_compared_with_value_compares_the_string(cur, sql):
    """VALUE stays a VARIANT through subqueries, derived tables and CTEs, so the comparison reads its string (the
    VARCHAR was cast to JSON and failed as "Numeric value '' is not recognized")."""
    cur.execute(sql)
    assert cur.fetchall() == [(1,)]


def test_comparison_with_a_non_matching_string_is_false(cur):
    cur.execute(f"SELECT COUNT(*) FROM (SELECT f.VALUE FROM {SPLIT} f) x WHERE x.VALUE = 'c'")
    assert cur.fetchall() == [(0,)]


@pytest.mark.parametrize("sql", [
    f"SELECT 1 WHERE 'a' IN (SELECT f.VALUE FROM {SPLIT} f)",
    f"SELECT 1 WHERE 'a' IN (SELECT VALUE FROM {SPLIT})",
])
def test_varchar_in_subquery_of_values(cur, sql):
    cur.execute(sql)
    assert cur.fetchall() == [(1,)]


def test_lateral_flatten_value_unqualified(conn, cur):
    cur.execute("CREATE OR REPLACE TABLE fc_lat (id INT, v VARIANT)")
    cur.execute("INSERT INTO fc_lat SELECT 1, PARSE_JSON('[10, 20]')")
    cur.execute("SELECT id, VALUE, INDEX FROM fc_lat, LATERAL FLATTEN(INPUT => fc_lat.v) ORDER BY INDEX")
    assert [d.name for d in cur.description] == ["ID", "VALUE", "INDEX"]
    assert cur.fetchall() == [(1, "10", 0), (1, "20", 1)]
    cur.execute("DROP TABLE fc_lat")
