"""Short IN lists of constants reach DuckDB as OR-ed comparisons in hot plans (in_lists.py), with the same results."""

import pytest
import sqlglot

from snowsim.emulator.in_lists import expand_in_lists
from tests.emulator.conformance.rewritten import rewritten


def _expanded(sql: str, keep: str | None = None) -> str:
    return rewritten(expand_in_lists, sql, keep)


def test_five_to_ten_constants_of_one_kind_become_comparisons():
    out = _expanded("SELECT a FROM t WHERE t.e IN ('A', 'B', 'C', 'D', 'E') AND NOT t.n IN (1, 2, 3, 4, 5, 6)")
    assert out == ("SELECT a FROM t WHERE (t.e = 'A' OR t.e = 'B' OR t.e = 'C' OR t.e = 'D' OR t.e = 'E') "
                   "AND NOT (t.n = 1 OR t.n = 2 OR t.n = 3 OR t.n = 4 OR t.n = 5 OR t.n = 6)")


@pytest.mark.parametrize("sql", [
    "SELECT a FROM t WHERE t.e IN ('A', 'B', 'C', 'D')",  # DuckDB keeps four as an expression already
    "SELECT a FROM t WHERE t.e IN (" + ", ".join(f"'{i}'" for i in range(11)) + ")",  # the join wins on big inputs
    "SELECT a FROM t WHERE t.e IN ('1', 2, 3, 4, 5)",  # mixed kinds: IN casts them together
    "SELECT a FROM t WHERE t.e IN ('A', 'B', 'C', 'D', NULL)",  # NULL is no literal of either kind
    "SELECT a FROM t WHERE upper(t.e) IN ('A', 'B', 'C', 'D', 'E')",  # not a column: evaluated once per item
    "SELECT a FROM t WHERE t.e IN (SELECT x FROM u)",
])
def test_other_lists_are_left_to_duckdb(sql):
    assert _expanded(sql) == sqlglot.parse_one(sql, read="duckdb").sql(dialect="duckdb")


def test_a_stream_delta_keeps_its_text():
    sql = "SELECT s.a FROM (SELECT a FROM t WHERE t.e IN ('A', 'B', 'C', 'D', 'E')) AS s"
    assert _expanded(sql, keep="s") == sql


def test_a_hot_plan_sends_comparisons_and_answers_as_in_does(conn, cur, recorder):
    """NULLs on either side behave as Snowflake's IN: unknown, so neither IN nor NOT IN keeps the row."""
    conn.hot_after = 0
    cur.execute("create table t (id int, e string)")
    cur.execute("insert into t values (1, 'A'), (2, 'F'), (3, null), (4, 'E')")
    recorder.sent.clear()
    cur.execute("select id from t where e in ('A', 'B', 'C', 'D', 'E') order by id")
    assert cur.fetchall() == [(1,), (4,)]
    cur.execute("select id from t where e not in ('A', 'B', 'C', 'D', 'E') order by id")
    assert cur.fetchall() == [(2,)]
    selects = [s for s in recorder.sent if "ORDER BY" in s]
    assert len(selects) == 2 and all(" IN (" not in s and "= 'E')" in s for s in selects)
