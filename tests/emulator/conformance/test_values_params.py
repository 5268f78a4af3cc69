"""A VALUES list of bound text parameters is sent to DuckDB as one list per column (emulator/packing.py).

Whether packed or not, the rows, their order, their types and the errors are the same: the tests compare a
statement of MIN_ROWS rows or more (packed) with the same rows sent without packing.
"""

import json
import re

import pytest
import snowflake.connector.errors as sf

from snowsim.emulator.packing import MIN_ROWS

N = MIN_ROWS + 2


def _values(rows: int, width: int = 1) -> str:
    return ", ".join(["(" + ", ".join(["%s"] * width) + ")"] * rows)


def _sent_packed(recorder) -> bool:
    return any(re.search(r"unnest\((\?|\$\d+)\)", sql) for sql in recorder.sent)


def test_rows_keep_their_values_and_order(cur, recorder):
    lines = [json.dumps({"i": i, "s": f"x{i}"}) for i in range(N)]
    cur.execute("create table t (n int, v variant, s string)")
    cur.execute(f"insert into t select parse_json(column1):i, parse_json(column1), column1 from values {_values(N)}",
                lines)
    assert cur.fetchall() == [(N,)]
    assert _sent_packed(recorder)
    got = cur.execute("select n, v:s::string, s from t order by n").fetchall()
    assert got == [(i, f"x{i}", lines[i]) for i in range(N)]


def test_a_select_over_values_returns_them_in_order_with_nulls(cur, recorder):
    params = [f"r{i}" if i % 3 else None for i in range(N)]
    got = cur.execute(f"select column1 from values {_values(N)}", params).fetchall()
    assert got == [(p,) for p in params]
    assert _sent_packed(recorder)
    assert [d.type_code for d in cur.description] == [2]  # TEXT, as the unpacked VALUES column


def test_several_columns_stay_paired(cur, recorder):
    params = [v for i in range(N) for v in (f"a{i}", f"b{i}")]
    got = cur.execute(f"select column1, column2 from values {_values(N, 2)}", params).fetchall()
    assert got == [(f"a{i}", f"b{i}") for i in range(N)]
    assert _sent_packed(recorder)


def test_other_parameter_types_are_sent_as_values(cur, recorder):
    params = [1, 2**40] + list(range(N - 2))  # INTEGER and BIGINT parameters: the column unifies them
    got = cur.execute(f"select column1 from values {_values(N)}", params).fetchall()
    assert not _sent_packed(recorder)
    assert got == [(p,) for p in params]


def test_a_column_of_nulls_only_is_sent_as_values(cur, recorder):
    got = cur.execute(f"select column1 from values {_values(N)}", [None] * N).fetchall()
    assert got == [(None,)] * N
    assert not _sent_packed(recorder)


def test_a_question_mark_in_a_literal_is_not_a_parameter(cur):
    params = ["p"] + [f"v{i}" for i in range(N)] + ["q"]
    sql = f"select %s || '?', column1, %s from values {_values(N)}"
    got = cur.execute(sql, [params[0], params[-1], *params[1:-1]]).fetchall()
    assert got == [("p?", f"v{i}", "q") for i in range(N)]


def test_a_malformed_line_fails_as_it_does_unpacked(cur):
    cur.execute("create table t (v variant)")
    lines = ['{"a": 1}'] * (N - 1) + ['{"a": ']
    with pytest.raises(sf.ProgrammingError) as packed:
        cur.execute(f"insert into t select parse_json(column1) from values {_values(N)}", lines)
    with pytest.raises(sf.ProgrammingError) as plain:
        cur.execute("insert into t select parse_json(column1) from values (%s), (%s)", lines[-2:])
    assert packed.value.errno == plain.value.errno == 100069
    assert packed.value.msg == plain.value.msg
    assert cur.execute("select count(*) from t").fetchone() == (0,)


def test_two_lists_in_one_statement_keep_their_own_values(cur, recorder):
    first, second = [f"a{i}" for i in range(N)], [f"b{i}" for i in range(N)]
    sql = f"select column1 from values {_values(N)} union all select column1 from values {_values(N)}"
    got = cur.execute(sql, first + second).fetchall()
    assert sorted(got) == sorted((v,) for v in first + second)
    assert _sent_packed(recorder)


def test_a_key_probe_against_a_values_list_finds_the_keys(cur, recorder):
    """The simulator's latency probe shape: a text key IN (SELECT column1 FROM VALUES ...)."""
    cur.execute("create table orders (id string, status string)")
    cur.execute("insert into orders select 'ORD-' || seq4(), 'PAID' from table(generator(rowcount => 100))")
    keys = [f"ORD-{i}" for i in range(90, 100)] + ["ORD-missing"] * 2
    got = cur.execute(f"select id from orders where id in (select column1 from values {_values(len(keys))}) "
                      "order by id", keys).fetchall()
    assert got == [(f"ORD-{i}",) for i in range(90, 100)]
    assert _sent_packed(recorder)
