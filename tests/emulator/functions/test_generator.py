"""Synthetic rows: TABLE(GENERATOR(ROWCOUNT => n)), SEQ1..SEQ8, UNIFORM, RANDOM, NORMAL."""

from __future__ import annotations

from tests.emulator.functions.conftest import failure, rows, value


def test_rowcount(cur):
    """docs: sql-reference/functions/generator - ROWCOUNT => n produces n rows."""
    assert value(cur, "select count(*) from table(generator(rowcount => 1000))") == 1000
    assert rows(cur, "select 'x' from table(generator(rowcount => 2))") == [("x",), ("x",)]


def test_seq_functions(cur):
    """docs: sql-reference/functions/seq1 - increasing integers starting at 0."""
    got = rows(cur, "select seq4(), seq8() from table(generator(rowcount => 5)) order by 1")
    assert got == [(i, i) for i in range(5)]


def test_uniform_stays_in_range(cur):
    """docs: sql-reference/functions/uniform - integers between min and max inclusive."""
    lo, hi, distinct = rows(cur, "select min(u), max(u), count(distinct u) from "
                                 "(select uniform(1, 10, random()) u from table(generator(rowcount => 2000)))")[0]
    assert lo >= 1 and hi <= 10 and distinct == 10


def test_uniform_floats(cur):
    """docs: uniform - float bounds give floats."""
    got = value(cur, "select max(u) from (select uniform(0::float, 1::float, random()) u "
                     "from table(generator(rowcount => 100)))")
    assert 0.0 <= got <= 1.0 and isinstance(got, float)


def test_random_is_a_64_bit_integer(cur):
    """docs: sql-reference/functions/random - a pseudo-random 64-bit integer."""
    got = value(cur, "select random()")
    assert isinstance(got, int) and -(2**63) <= got < 2**63


def test_seeded_random_still_random(cur):
    """docs: random(seed) - snowsim ignores the seed (values are not reproducible across runs)."""
    assert value(cur, "select count(distinct random(42)) from table(generator(rowcount => 10))") == 10


def test_normal(cur):
    """docs: sql-reference/functions/normal - normally distributed floats."""
    mean = value(cur, "select avg(normal(0, 1, random())) from table(generator(rowcount => 5000))")
    assert abs(mean) < 0.1


def test_synthetic_orders_pipeline_shape(cur):
    """docs: generator examples - build a table of synthetic rows with sequences and random values."""
    cur.execute("create or replace table synth as select seq4() as id, uniform(1, 5, random()) as qty "
                "from table(generator(rowcount => 50))")
    assert rows(cur, "select count(*), count(distinct id), min(qty) >= 1, max(qty) <= 5 from synth") == [
        (50, 50, True, True)]


def test_timelimit_is_named(cur):
    """docs: generator - TIMELIMIT is not emulated."""
    err = failure(cur, "select 1 from table(generator(timelimit => 1))")
    assert err.sqlstate == "0A000" and "TIMELIMIT" in err.raw_msg
