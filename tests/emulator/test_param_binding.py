"""Bound parameters that the translation copies, moves or casts: one value per placeholder, in every paramstyle.

docs: developer-guide/python-connector/python-connector-example ("Binding data"): pyformat/format are formatted into
the text by the connector, qmark (`?`) and numeric (`:N`) are bound by the server; sql-reference/bind-variables.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from snowflake.connector import errors as sf

from snowsim.emulator import connect

STYLES = {"pyformat": "%s", "format": "%s", "qmark": "?", "numeric": ":{n}"}


def _placeholders(style: str, sql: str) -> str:
    """`sql` with each {} replaced by the style's placeholder (numbered from 1 for numeric)."""
    parts = sql.split("{}")
    out = parts[0]
    for n, part in enumerate(parts[1:], start=1):
        out += STYLES[style].format(n=n) + part
    return out


@pytest.fixture
def conn():
    connection = connect(database="DB", schema="S")
    yield connection
    connection.close()


@pytest.fixture(params=list(STYLES))
def styled(request):
    """(cursor, paramstyle) for each paramstyle the connector has."""
    connection = connect(database="DB", schema="S", paramstyle=request.param)
    yield connection.cursor(), request.param
    connection.close()


def _run(styled, sql: str, params: list) -> list[tuple]:
    cur, style = styled
    return cur.execute(_placeholders(style, sql), params).fetchall()


def test_split_of_a_bound_parameter(styled):
    """SPLIT's DuckDB text reads its argument twice; both reads are the one bound value (was: 'Values were not
    provided for the following parameters: 2')."""
    # an ARRAY reaches the client as JSON text, like ARRAY_CONSTRUCT's
    assert _run(styled, "SELECT SPLIT({}, ',')", ["a,b"]) == [('[\n  "a",\n  "b"\n]',)]
    assert _run(styled, "SELECT ARRAY_CONTAINS('a'::VARIANT, SPLIT({}, ','))", ["a,b"]) == [(True,)]
    assert _run(styled, "SELECT ARRAY_CONTAINS('c'::VARIANT, SPLIT({}, {}))", ["a;b", ";"]) == [(False,)]


def test_a_bound_parameter_before_a_cast(styled):
    """`?::TYPE` is one token to sqlglot (was: 001003 syntax error ... unexpected '?::'); every style parses."""
    assert _run(styled, "SELECT ARRAY_CONTAINS({}::VARIANT, SPLIT('a,b', ','))", ["a"]) == [(True,)]
    assert _run(styled, "SELECT {}::NUMBER(10, 2) + 1, {}::DATE", ["2.5", "2024-03-15"]) == [
        (3.5, date(2024, 3, 15))]
    assert _run(styled, "SELECT {}::VARIANT:a::STRING", ['{"a": "x"}']) == [(None,)]  # a string VARIANT has no keys


def test_numeric_placeholders_read_by_number(conn):
    """docs: python-connector-example (numeric) - :N is the N-th value, as often as it is written."""
    cur = connect(database="DB", schema="S", paramstyle="numeric").cursor()
    assert cur.execute("SELECT :2::VARIANT, SPLIT(:1, ','), :2 || :2", ["p,q", "x"]).fetchall() == [
        ('"x"', '[\n  "p",\n  "q"\n]', "xx")]


def test_an_alias_expanded_into_where_reads_the_same_value(styled):
    """Snowflake lets WHERE / GROUP BY name a projection's alias; the translation copies the expression there."""
    cur, style = styled
    cur.execute("CREATE TABLE t (a VARCHAR)")
    cur.execute("INSERT INTO t VALUES ('x'), ('y')")
    assert _run(styled, "SELECT {} || a AS k FROM t WHERE k = 'px' ORDER BY k", ["p"]) == [("px",)]
    assert _run(styled, "SELECT {} || a AS k, COUNT(*) FROM t GROUP BY k ORDER BY k", ["p"]) == [("px", 1), ("py", 1)]


def test_output_columns_show_the_placeholder(conn):
    """An unaliased projection with a bound value is named with `?`, as it was before the values were numbered."""
    cur = conn.cursor()
    cur.execute("SELECT SPLIT(%s, ','), %s, '%%s' || %s, %s AS y", ["a,b", 1, "x", 2])
    assert [d.name for d in cur.description] == ["SPLIT(?, ',')", "?", "'%S' || ?", "Y"]


def test_merge_binds_each_value_where_it_is_written(styled):
    """MERGE's source, condition, UPDATE and INSERT values land in one DuckDB statement in another order than the
    text's: each value is still the one written there (was: values shifted, 100038 Numeric value '!')."""
    cur, _ = styled
    cur.execute("CREATE TABLE t (a VARCHAR, b INT)")
    cur.execute("CREATE TABLE s (a VARCHAR, b INT)")
    cur.execute("INSERT INTO t VALUES ('x', 1), ('y', 2)")
    cur.execute("INSERT INTO s VALUES ('x', 10), ('z', 20)")
    got = _run(styled, "MERGE INTO t USING (SELECT a, b + {} AS b FROM s WHERE b > {}) s ON t.a = s.a AND s.b > {} "
                       "WHEN MATCHED AND s.b > {} THEN UPDATE SET b = s.b + {} "
                       "WHEN NOT MATCHED THEN INSERT (a, b) VALUES (s.a || {}, {})", [1, 2, 3, 4, 1000, "!", 7])
    assert got == [(1, 1)]
    assert cur.execute("SELECT a, b FROM t ORDER BY a").fetchall() == [("x", 1011), ("y", 2), ("z!", 7)]


def test_update_and_delete_with_copied_parameters(styled):
    cur, _ = styled
    cur.execute("CREATE TABLE t (a VARCHAR, v VARIANT)")
    cur.execute("INSERT INTO t SELECT 'x', NULL")
    assert _run(styled, "UPDATE t SET v = SPLIT({}, ',') WHERE a = {}", ["p,q", "x"]) == [(1, 0)]
    assert json.loads(cur.execute("SELECT v FROM t").fetchone()[0]) == ["p", "q"]
    assert _run(styled, "DELETE FROM t WHERE ARRAY_CONTAINS({}::VARIANT, v)", ["q"]) == [(1,)]


@pytest.mark.parametrize("sql, params, expected", [
    # values in text order: plain `?` after the row version's
    ("INSERT INTO t (a, b) SELECT {}, {}", ["p", 1], [("p", 1, None)]),
    ("INSERT INTO t (b, a) VALUES ({}, {})", [2, "q"], [("q", 2, None)]),
    # a value read twice (SPLIT), or in another order than written (DATEADD puts the date first)
    ("INSERT INTO t (v, b) SELECT SPLIT({}, ','), {}", ["p,q", 3], [(None, 3, ["p", "q"])]),
    ("INSERT INTO t (v, b) VALUES (SPLIT({}, ','), {})", ["p,q", 4], [(None, 4, ["p", "q"])]),
    ("INSERT INTO t (a, b) SELECT TO_CHAR(DATEADD(day, {}, {}::DATE)), ZEROIFNULL({})", [1, "2024-03-15", 5],
     [("2024-03-16", 5, None)]),
    # the values' CTE goes first in a WITH the statement has
    ("INSERT INTO t (v, b) WITH c AS (SELECT {} AS x) SELECT SPLIT(x || {}, ','), {} FROM c", ["p,", "q", 6],
     [(None, 6, ["p", "q"])]),
    ("INSERT INTO t (a, b) SELECT {}, 1 UNION ALL SELECT SPLIT({}, ',')[0]::STRING, {}", ["u", "w,x", 7],
     [("u", 1, None), ("w", 7, None)]),
])
def test_insert_binds_each_value_once_in_order(styled, sql, params, expected):
    """INSERT binds the row version as DuckDB's first parameter, ahead of the statement's values: these must be read
    in text order, once each (sqlfuncs._in_text_order)."""
    cur, _ = styled
    cur.execute("CREATE TABLE t (a VARCHAR, b INT, v VARIANT)")
    _run(styled, sql, params)
    rows = cur.execute("SELECT a, b, v FROM t ORDER BY b").fetchall()
    assert [(a, b, None if v is None else json.loads(v)) for a, b, v in rows] == expected


def test_executemany_with_a_copied_parameter(conn):
    cur = conn.cursor()
    cur.execute("CREATE TABLE t (id INT, v VARIANT)")
    cur.executemany("INSERT INTO t SELECT %s, SPLIT(%s, ',')", [(1, "a,b"), (2, "c")])
    assert cur.rowcount == 2
    rows = cur.execute("SELECT id, v FROM t ORDER BY id").fetchall()
    assert [(i, json.loads(v)) for i, v in rows] == [(1, ["a", "b"]), (2, ["c"])]


def test_a_placeholder_of_another_style_is_an_unset_bind_variable(conn):
    """pyformat formats the values into the text: a `?` or `:1` left in it reaches Snowflake unbound (002049), where
    it used to be read as one of the values."""
    cur = conn.cursor()
    with pytest.raises(sf.ProgrammingError) as info:
        cur.execute("SELECT ?, %s", ["a"])
    assert (info.value.errno, info.value.sqlstate) == (2049, "42601")
    assert "error line 1 at position 7\nBind variable ? not set." in info.value.raw_msg
    with pytest.raises(sf.ProgrammingError) as info:
        cur.execute("SELECT %s\nWHERE 1 = :1", ["a"])
    assert info.value.errno == 2049 and "error line 2 at position 10\nBind variable :1 not set." in info.value.raw_msg
    # inside literals, quoted names and comments they are text
    assert cur.execute("SELECT '?', ':1' /* ? :1 */, %s", ["a"]).fetchall() == [("?", ":1", "a")]
    with pytest.raises(TypeError):  # the connector's formatting fails first
        cur.execute("SELECT ?, %s, %s", ["a"])


def test_a_repeated_statement_keeps_its_numbering(conn):
    """The rewrite of a statement seen before is reused (params._POSITIONAL): same values in the same places."""
    cur = conn.cursor()
    for n in range(3):
        assert cur.execute("SELECT %s, SPLIT(%s, ','), %s", [n, f"{n},x", -n]).fetchall() == [
            (n, f'[\n  "{n}",\n  "x"\n]', -n)]


def test_a_bound_random_seed_is_read_and_ignored(conn):
    """RANDOM(seed): snowsim cannot seed DuckDB's random(), a constant seed is ignored; a bound one too."""
    value = conn.cursor().execute("SELECT RANDOM(%s)", [42]).fetchone()[0]
    assert isinstance(value, int) and -(2**63) <= value < 2**63


def test_variant_compared_with_a_bound_number_or_text(conn):
    """A VARIANT meets a bound value: compared as numbers when it is bound as a number, as text when as text."""
    cur = conn.cursor()
    doc = '{"n": 10, "s": "b"}'
    assert cur.execute("SELECT PARSE_JSON(%s):n > %s, PARSE_JSON(%s):n > %s, PARSE_JSON(%s):s < %s",
                       [doc, 9, doc, 9.5, doc, "c"]).fetchall() == [(True, True, True)]
    assert cur.execute("SELECT PARSE_JSON(%s):n = %s, %s = PARSE_JSON(%s):s", [doc, 10, "b", doc]).fetchall() == [
        (True, True)]
