"""Conversions on write stay Snowflake's when a cached plan's write steps are typed from DuckDB's types (write_types.py).

docs: sql-reference/sql/insert, sql-reference/sql/merge, sql-reference/data-types-numeric. A DML plan is typed on
its first run and again for each new kind of bound parameters, so these tests run the same statement text several
times with values of different types and sizes and expect each run to convert (or fail) as a first run would.
"""

import pytest
import snowflake.connector.errors as sf

PREFIX = "DML operation to table T failed on column N with error: "


def _error(cur, sql: str, params: list | None = None) -> sf.ProgrammingError:
    with pytest.raises(sf.ProgrammingError) as info:
        cur.execute(sql, params)
    return info.value


def test_same_insert_with_parameters_of_other_types_and_sizes(cur):
    """docs: sql/insert - a value converted on write fails naming the table and column (100038 / 100039)."""
    cur.execute("create table t (n number(12,0))")
    sql = "insert into t (n) select %s"
    cur.execute(sql, [12])
    cur.execute(sql, ["34"])
    err = _error(cur, sql, ["1234567890123"])  # a string that parses but does not fit
    assert (err.errno, err.raw_msg) == (100039, PREFIX + "Numeric value '1234567890123' is out of range")
    # an int that binds as BIGINT after runs that bound INTEGER (which always fits NUMBER(12,0))
    err = _error(cur, sql, [99_999_999_999_999])
    assert (err.errno, err.raw_msg) == (100039, PREFIX + "Numeric value '99999999999999' is out of range")
    err = _error(cur, sql, ["x"])
    assert (err.errno, err.raw_msg) == (100038, PREFIX + "Numeric value 'x' is not recognized")
    cur.execute(sql, [None])
    assert cur.execute("select n from t order by n nulls last").fetchall() == [(12,), (34,), (None,)]


def test_values_of_the_column_type_are_written_as_they_are(cur):
    """docs: sql/insert - an INSERT ... SELECT of values already of the column's types, run twice (typed plan)."""
    cur.execute("create table src (n number(10,2), s varchar, ts timestamp_ntz, v variant)")
    cur.execute("insert into src select 1.25, 'a', '2026-01-01 10:00:00'::timestamp_ntz, parse_json('{\"k\": [1]}')")
    cur.execute("create table t (n number(10,2), s varchar, ts timestamp_ntz, v variant)")
    for _ in range(2):
        cur.execute("insert into t select * from src")
    rows = cur.execute("select n, s, ts, v from t").fetchall()
    assert len(rows) == 2 and rows[0] == rows[1]
    n, s, ts, v = rows[0]
    assert (str(n), s, ts.isoformat(), v.replace(" ", "").replace("\n", "")) == (
        "1.25", "a", "2026-01-01T10:00:00", '{"k":[1]}')


def test_merge_narrowing_number_still_checks_range(cur):
    """docs: sql/merge - a MERGE writing a NUMBER(38,0) source into NUMBER(5,0) fails with 100039 naming the column,
    on the typed plan too (second run of the same text)."""
    cur.execute("create table t (k int, n number(5,0))")
    cur.execute("create table s (k int, n number(38,0))")
    sql = "merge into t using s on t.k = s.k when matched then update set n = s.n when not matched then insert (k, n) values (s.k, s.n)"
    cur.execute("insert into s values (1, 7)")
    assert cur.execute(sql).fetchall() == [(1, 0)]
    cur.execute("update s set n = 123456")
    err = _error(cur, sql)
    assert (err.errno, err.raw_msg) == (100039, PREFIX + "Numeric value '123456' is out of range")
    assert cur.execute("select k, n from t").fetchall() == [(1, 7)]  # the failed statement wrote nothing
