"""A derived table that only projects and filters one stored table is merged into its reader in the final DuckDB text
of a hot plan (flattening.py): a stream read's level disappears, results and column names do not change."""

import pytest

from snowsim.emulator.flattening import flattened


def test_a_stream_delta_is_merged_into_the_insert_reading_it():
    sql = ('INSERT INTO "D.S"."T$H" (__vfrom, "A", "B") SELECT ?, ("S"."A"), CAST("S"."B" AS INT) '
           'FROM (SELECT "A", "B", \'INSERT\' AS "METADATA$ACTION", CAST(__rid AS TEXT) AS "METADATA$ROW_ID" '
           'FROM "D.R"."R$H" WHERE __vfrom > (1) AND __vfrom <= (3) AND __ins) AS "S" WHERE "S"."B" = \'x\'')
    assert flattened(sql) == (
        'INSERT INTO "D.S"."T$H" (__vfrom, "A", "B") SELECT ?, ("S"."A"), CAST("S"."B" AS INT) FROM "D.R"."R$H" AS "S" '
        'WHERE ("S".__vfrom > (1) AND "S".__vfrom <= (3) AND "S".__ins) AND ("S"."B" = \'x\')')


def test_a_count_over_a_level_reads_the_table_and_the_items_substitute():
    assert flattened('SELECT \'R\' AS "N", COUNT(*) AS "C" FROM (SELECT "A" FROM t WHERE a > 1) AS "S"') == (
        'SELECT \'R\' AS "N", COUNT(*) AS "C" FROM t AS "S" WHERE "S".a > 1')
    assert flattened('SELECT "S"."F" AS "F" FROM (SELECT FALSE AS "F", "A" FROM t) AS "S"') == (
        'SELECT FALSE AS "F" FROM t AS "S"')


def test_a_bare_column_keeps_its_output_name():
    assert flattened('SELECT "S"."A", ("S"."B") FROM (SELECT "A", "B" FROM t) AS "S"') == (
        'SELECT "S"."A" AS "A", ("S"."B") AS "B" FROM t AS "S"')


@pytest.mark.parametrize("sql", [
    'SELECT "S"."A" + 1 FROM (SELECT "A" FROM t) AS "S"',  # an unnamed item's name would change
    'SELECT "S"."A" FROM (SELECT "A", ? AS "P" FROM t) AS "S"',  # a bound parameter: its place is its order
    'SELECT "S"."A" FROM (SELECT DISTINCT "A" FROM t) AS "S"',
    'SELECT "S"."A" FROM (SELECT "A" FROM t ORDER BY "A" LIMIT 3) AS "S"',
    'SELECT "S"."A" FROM (SELECT upper("A") AS "A" FROM t) AS "S"',  # a call: could be volatile or fail
    'SELECT "S"."A" FROM (SELECT "A" FROM t JOIN u ON t.k = u.k) AS "S"',
    'SELECT "S"."A" FROM (SELECT "A" FROM (SELECT "A" FROM t) AS "X" JOIN u ON TRUE) AS "S"',
    'SELECT "S"."A" FROM (SELECT "A" FROM t) AS "S" JOIN u ON "S"."A" = u.a',  # the reader joins
    'SELECT "S"."A" FROM (SELECT "A" FROM t) AS "S" ORDER BY "A"',  # a name that may be the reader's own alias
    'SELECT "S"."A" FROM (SELECT "A" FROM t) AS "S" WHERE "S"."A" IN (SELECT a FROM u)',  # a nested query
    'SELECT "S".* FROM (SELECT "A" FROM t) AS "S"',
    'SELECT "S"."A" FROM (SELECT "A" FROM t) AS "S"("Z")',  # names by position
    'SELECT "S"."Q" AS "Q" FROM (SELECT "A" FROM t) AS "S"',  # no such item: left for DuckDB to report
])
def test_other_shapes_are_left_as_they_are(sql):
    assert flattened(sql) == sql


def test_a_stream_read_loses_its_level_and_keeps_its_answer(conn, cur, recorder):
    conn.hot_after = 0
    cur.execute("create table src (id int, name string)")
    cur.execute("create table dst (id int, name string)")
    cur.execute("create stream s on table src")
    cur.execute("insert into src values (1, 'a'), (2, 'b')")
    recorder.sent.clear()
    cur.execute("select id, name, metadata$action from s where name <> 'b'")
    assert cur.fetchall() == [(1, "a", "INSERT")]
    assert [d[0] for d in cur.description] == ["ID", "NAME", "METADATA$ACTION"]
    cur.execute("insert into dst select id, upper(name) from s")
    assert cur.execute("select * from dst order by id").fetchall() == [(1, "A"), (2, "B")]
    [read] = [s for s in recorder.sent if s.startswith('SELECT "S"')]
    assert "FROM (SELECT" not in read  # the delta's level is gone
    [insert] = [s for s in recorder.sent if s.startswith('INSERT INTO "') and "DST" in s]
    assert "FROM (SELECT" not in insert and 'SRC$H" AS "S"' in insert
    assert cur.execute("select count(*) from s").fetchone() == (0,)  # the INSERT consumed the stream
