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
    'SELECT "S"."A" FROM (SELECT "A" FROM t) AS "S" JOIN u ON "S"."A" = u.a JOIN v ON TRUE',  # two joins
    'SELECT "S"."A" AS "A" FROM (SELECT "A" FROM t WHERE b) AS "S" FULL JOIN u ON "S"."A" = u.a',  # no side to filter
    'SELECT "S"."A" AS "A" FROM (SELECT "A" FROM t) AS "S" JOIN u ON a = u.a',  # a bare name beside a join
    'SELECT "S"."A" AS "A" FROM (SELECT "A" FROM t) AS "S" JOIN u USING (a)',
    'SELECT "S"."A" FROM (SELECT "A" FROM t) AS "S" ORDER BY "A"',  # a name that may be the reader's own alias
    'SELECT "S"."A" FROM (SELECT "A" FROM t) AS "S" WHERE "S"."A" IN (SELECT a FROM u)',  # a nested query
    'SELECT "S".* FROM (SELECT "A" FROM t) AS "S"',
    'SELECT "S"."A" FROM (SELECT "A" FROM t) AS "S"("Z")',  # names by position
    'SELECT "S"."Q" AS "Q" FROM (SELECT "A" FROM t) AS "S"',  # no such item: left for DuckDB to report
])
def test_other_shapes_are_left_as_they_are(sql):
    assert flattened(sql) == sql


def test_the_sides_of_a_join_are_merged_with_their_filters_where_they_keep_the_join_s_answer():
    # inner join: the filter is the reader's
    assert flattened('SELECT "S"."A" AS "A" FROM (SELECT "A" FROM t WHERE b > 1) AS "S" JOIN u ON "S"."A" = u.a') == (
        'SELECT "S"."A" AS "A" FROM t AS "S" JOIN u ON "S"."A" = u.a WHERE "S".b > 1')
    # the null-supplying side of an outer join: its filter joins the ON (a row it filters out is unmatched, not gone)
    sql = ('SELECT "S"."A" AS "A", "T"."K" AS "K" FROM (SELECT "K", __rid FROM tgt WHERE __vto IS NULL) AS "T" '
           'RIGHT JOIN (SELECT "A", "K" FROM src WHERE v > 3) AS "S" ON "T"."K" = "S"."K"')
    assert flattened(sql) == (
        'SELECT "S"."A" AS "A", "T"."K" AS "K" FROM tgt AS "T" RIGHT JOIN src AS "S" '
        'ON ("T".__vto IS NULL) AND ("T"."K" = "S"."K") WHERE "S".v > 3')
    # a constant of the null-supplying side must still read NULL on an unmatched row: that side keeps its level
    sql = ('SELECT "A"."X" AS "X", "B"."TAG" AS "TAG" FROM (SELECT "X" FROM a) AS "A" '
           'LEFT JOIN (SELECT "X", \'b\' AS "TAG" FROM b) AS "B" ON "A"."X" = "B"."X"')
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


def test_outer_joins_of_merged_levels_answer_as_before(conn, cur, recorder):
    """The same query, first planned as written, then hot (merged): unmatched rows, filtered rows and NULLs alike."""
    cur.execute("create table a (id int, v int)")
    cur.execute("create table b (id int, w int)")
    cur.execute("insert into a values (1, 10), (2, 20), (3, null), (4, 40)")
    cur.execute("insert into b values (2, 200), (3, 300), (4, null), (5, 500)")
    queries = [  # no ORDER BY: a reader that names items by alias keeps its levels (rows sorted here instead)
        "select x.id, x.v, y.id as bid, y.w from (select id, v from a where id > 1) x "
        "left join (select id, w from b where id < 4) y on x.id = y.id",
        "select x.id, y.id as bid, y.w from (select id, v from a where v is not null) x "
        "right join (select id, w from b where id <> 5) y on x.id = y.id",
        "select x.id, y.w from (select id from a where id < 4) x join (select id, w from b) y on x.id = y.id",
    ]

    def rows(q):
        return sorted(cur.execute(q).fetchall(), key=lambda r: [(v is None, v or 0) for v in r])

    cold = [rows(q) for q in queries]
    recorder.sent.clear()
    for _ in range(3):
        assert [rows(q) for q in queries] == cold
    assert cold[0] == [(2, 20, 2, 200), (3, None, 3, 300), (4, 40, None, None)]
    assert cold[1] == [(2, 2, 200), (4, 4, None), (None, 3, 300)]
    assert cold[2] == [(2, 200), (3, 300)]
    merged = [s for s in recorder.sent if " JOIN " in s][-3:]
    assert len(merged) == 3 and all("(SELECT" not in s for s in merged)  # every side merged in the hot runs
