"""SPLIT_TO_TABLE(string, delimiter) as TABLE(...) and LATERAL (docs: sql-reference/functions/split_to_table).

Output columns SEQ (NUMBER), INDEX (NUMBER, one-based), VALUE (VARCHAR). Usage notes: an empty string gives one row
with an empty VALUE; a NULL string gives no row, and its input row is left out of a lateral join "even when you
specify LEFT JOIN LATERAL". The docs are silent on an empty delimiter: snowsim keeps the string whole, as SPLIT does.
"""

from __future__ import annotations

import pytest

from snowsim.emulator import connect


@pytest.fixture(scope="module")
def conn():
    """One connection with the documentation's table `splittable`, plus a NULL row."""
    connection = connect(database="DB", schema="S")
    cur = connection.cursor()
    cur.execute("CREATE TABLE splittable (v VARCHAR)")
    cur.execute("INSERT INTO splittable (v) VALUES ('a.b.c'), ('d'), (''), (NULL)")
    yield connection
    connection.close()


@pytest.fixture
def cur(conn):
    return conn.cursor()


def test_star_gives_seq_index_value(cur):
    cur.execute("SELECT * FROM TABLE(SPLIT_TO_TABLE('a,b', ','))")
    assert [d.name for d in cur.description] == ["SEQ", "INDEX", "VALUE"]
    assert sorted(cur.fetchall(), key=lambda r: r[1]) == [(1, 1, "a"), (1, 2, "b")]


def test_doc_example_on_constant_input(cur):
    cur.execute("SELECT table1.value FROM TABLE(SPLIT_TO_TABLE('a.b', '.')) AS table1 ORDER BY table1.value")
    assert [d.name for d in cur.description] == ["VALUE"]
    assert cur.fetchall() == [("a",), ("b",)]


@pytest.mark.parametrize("join", ["LATERAL SPLIT_TO_TABLE(splittable.v, '.')",
                                  "TABLE(SPLIT_TO_TABLE(splittable.v, '.'))"])
def test_lateral_over_a_table(cur, join):
    """docs example: each input row repeated per element; '' gives one empty element, NULL no row."""
    cur.execute(f"SELECT * FROM splittable, {join} ORDER BY v, INDEX")
    assert [d.name for d in cur.description] == ["V", "SEQ", "INDEX", "VALUE"]
    got = cur.fetchall()
    assert [(v, i, value) for v, _, i, value in got] == [
        ("", 1, ""), ("a.b.c", 1, "a"), ("a.b.c", 2, "b"), ("a.b.c", 3, "c"), ("d", 1, "d")]
    seqs = {v: seq for v, seq, _, _ in got}
    assert len(set(seqs.values())) == 3  # one SEQ per input record
    assert all(seq == seqs[v] for v, seq, _, _ in got)


def test_unqualified_columns_and_a_correlated_unqualified_input(cur):
    cur.execute("SELECT v, value FROM splittable, LATERAL SPLIT_TO_TABLE(v, '.') WHERE index > 1 ORDER BY value")
    assert cur.fetchall() == [("a.b.c", "b"), ("a.b.c", "c")]


def test_left_join_lateral_still_drops_the_null_input_row(cur):
    cur.execute("SELECT v, value FROM splittable LEFT JOIN LATERAL SPLIT_TO_TABLE(splittable.v, '.') ON TRUE "
                "WHERE v IS NULL OR v = 'd'")
    assert cur.fetchall() == [("d", "d")]


@pytest.mark.parametrize("params, sql", [
    (["a,b"], "SELECT index, value FROM TABLE(SPLIT_TO_TABLE(%s, ',')) ORDER BY index"),
    ([","], "SELECT index, value FROM TABLE(SPLIT_TO_TABLE('a,b', %s)) ORDER BY index"),
    (["a,b", ","], "SELECT index, value FROM TABLE(SPLIT_TO_TABLE(%s, %s)) ORDER BY index"),
])
def test_bound_parameters_as_input(cur, params, sql):
    cur.execute(sql, params)
    assert [d.name for d in cur.description] == ["INDEX", "VALUE"]
    assert cur.fetchall() == [(1, "a"), (2, "b")]


@pytest.mark.parametrize("text, delimiter, values", [
    ("", ",", [""]),                    # docs: one row, empty VALUE
    ("a,,b,", ",", ["a", "", "b", ""]),  # empty elements are kept
    ("a--b", "--", ["a", "b"]),          # a multi-character delimiter
    ("a,b", "", ["a,b"]),                # docs silent: the whole string, as SPLIT('a,b', '')
])
def test_edge_inputs(cur, text, delimiter, values):
    cur.execute("SELECT index, value FROM TABLE(SPLIT_TO_TABLE(%s, %s)) ORDER BY index", [text, delimiter])
    assert cur.fetchall() == [(i + 1, v) for i, v in enumerate(values)]


def test_null_string_gives_no_row(cur):
    cur.execute("SELECT * FROM TABLE(SPLIT_TO_TABLE(NULL, ','))")
    assert cur.fetchall() == []


def test_value_is_varchar(cur):
    """VALUE is a VARCHAR (no JSON quotes, unlike FLATTEN's VALUE); INDEX a number."""
    cur.execute("SELECT value, index + 1, value || '!' FROM TABLE(SPLIT_TO_TABLE('x', ','))")
    assert cur.fetchall() == [("x", 2, "x!")]
    cur.execute("SELECT 1 WHERE 'b' IN (SELECT value FROM TABLE(SPLIT_TO_TABLE('a,b', ',')))")
    assert cur.fetchall() == [(1,)]


def test_variant_string_input_is_split_as_its_text(cur):
    cur.execute("SELECT value FROM TABLE(SPLIT_TO_TABLE(PARSE_JSON('\"x,y\"'), ',')) ORDER BY index")
    assert cur.fetchall() == [("x",), ("y",)]
