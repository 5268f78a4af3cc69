"""INSERT ... SELECT converts the values in the query's own SELECT when it can (dml._insert_source).

A plain SELECT with the columns in the table's order is written as one SELECT level; anything whose values are
acted on before conversion (DISTINCT, GROUP BY, ORDER BY with LIMIT) or reordered keeps the query as a subquery.
Either way the rows, conversions and errors are the same (docs: sql-reference/sql/insert).
"""

import pytest
import snowflake.connector.errors as sf


@pytest.fixture
def tables(cur):
    cur.execute("create table src (a int, b string, v variant)")
    cur.execute("insert into src select 1, '10', parse_json('{\"n\": \"3\"}') union all "
                "select 2, '10', parse_json('{\"n\": 4}')")
    cur.execute("create table t (a number, b string, n number, note string)")
    return cur


def _insert_text(recorder) -> str:
    return next(sql for sql in reversed(recorder.sent) if sql.startswith("INSERT INTO"))


def test_a_plain_select_is_one_level(tables, recorder):
    tables.execute("insert into t (a, b, n) select a + 1, b, v:n::number from src where a > %s", [0])
    assert tables.fetchall() == [(2,)]
    assert '"__src"' not in _insert_text(recorder)
    assert tables.execute("select a, b, n, note from t order by a").fetchall() == [(2, "10", 3, None), (3, "10", 4, None)]


def test_columns_in_another_order_keep_their_values(tables, recorder):
    tables.execute("insert into t (b, a) select %s, %s from src where a = 1", ["7", 8])
    assert '"__src"' in _insert_text(recorder)
    assert tables.execute("select a, b from t").fetchall() == [(8, "7")]


@pytest.mark.parametrize("query, rows", [
    ("select distinct b, b from src", [(10, "10")]),
    ("select count(*), max(a) from src group by b", [(2, "2")]),
    ("select a, a from src order by a desc limit 1", [(2, "2")]),
])
def test_values_acted_on_before_conversion_keep_the_subquery(tables, recorder, query, rows):
    tables.execute(f"insert into t (a, b) {query}")
    assert '"__src"' in _insert_text(recorder)
    assert tables.execute("select a, b from t order by a").fetchall() == rows


def test_a_value_the_generator_rewrites_is_converted_as_in_a_select(cur, recorder):
    """CORR of constant input is NULL in Snowflake (NaN in DuckDB): the same through INSERT as through SELECT."""
    expected = cur.execute("select corr(1, 2)").fetchall()
    cur.execute("create table sink (c float)")
    cur.execute("insert into sink select corr(1, 2)")
    assert cur.execute("select c from sink").fetchall() == expected == [(None,)]


def test_a_conversion_error_names_the_table_and_column_either_way(tables):
    with pytest.raises(sf.ProgrammingError) as flat:
        tables.execute("insert into t (a, n) select a, 'x' || b from src")
    with pytest.raises(sf.ProgrammingError) as nested:
        tables.execute("insert into t (a, n) select distinct a, 'x' || b from src")
    assert flat.value.errno == nested.value.errno
    assert flat.value.msg == nested.value.msg
    assert tables.execute("select count(*) from t").fetchone() == (0,)


def test_a_conversion_error_in_the_flat_select_is_the_same(cur, recorder):
    cur.execute("create table src (s string)")
    cur.execute("insert into src values ('2024-01-02'), ('not a date')")
    cur.execute("create table d (day date)")
    with pytest.raises(sf.ProgrammingError) as flat:
        cur.execute("insert into d select s from src")
    assert '"__src"' not in _insert_text(recorder)
    with pytest.raises(sf.ProgrammingError) as nested:
        cur.execute("insert into d select distinct s from src")
    assert (flat.value.errno, flat.value.msg) == (nested.value.errno, nested.value.msg)
    assert cur.execute("select count(*) from d").fetchone() == (0,)
