"""Unread columns of derived tables are left out of the SQL sent to DuckDB (pruning.py), never changing a result.

The pure function is checked on DuckDB SQL; the MERGE checks run the real emulator and read what it sends.
"""

import sqlglot

from snowsim.emulator.pruning import prune
from tests.emulator.conformance.rewritten import rewritten


def _pruned(sql: str, keep: str | None = None) -> str:
    return rewritten(prune, sql, keep)


def test_unread_plain_items_are_dropped_recursively():
    out = _pruned('SELECT "d"."a" FROM (SELECT "e"."a" AS a, "e"."b" AS b, "e"."c" + 0 AS c '
                  'FROM (SELECT x AS a, y AS b, z AS c FROM t) AS e) AS d')
    # c is arithmetic, not in the pure list, so it stays; b goes at both levels
    assert out == 'SELECT "d"."a" FROM (SELECT "e"."a" AS a, "e"."c" + 0 AS c FROM (SELECT x AS a, z AS c FROM t) AS e) AS d'


def test_columns_read_in_join_conditions_and_where_are_kept():
    out = _pruned('SELECT "l"."a" FROM (SELECT a, b, c, k FROM t) AS l JOIN (SELECT k, v, w FROM u) AS r '
                  'ON "l"."k" = "r"."k" WHERE "r"."v" > 1')
    assert out == ('SELECT "l"."a" FROM (SELECT a, k FROM t) AS l JOIN (SELECT k, v FROM u) AS r '
                   'ON "l"."k" = "r"."k" WHERE "r"."v" > 1')


def test_items_that_count_number_or_raise_are_kept():
    sql = ('SELECT "d"."a" FROM (SELECT a, count(*) OVER () AS n, error(\'x\') AS e, random() AS r, '
           'unnest([1, 2]) AS u FROM t) AS d')
    assert _pruned(sql) == sqlglot.parse_one(sql, read="duckdb").sql(dialect="duckdb")


def test_nothing_is_dropped_where_a_read_cannot_be_followed():
    for sql in (
        'SELECT a FROM (SELECT a, b FROM t) AS d',  # unqualified
        'SELECT * FROM (SELECT a, b FROM t) AS d',  # star
        'SELECT "d".* FROM (SELECT a, b FROM t) AS d',
        'SELECT "d"."a" FROM (SELECT a, b FROM t) AS d JOIN u USING (b)',  # USING reads b by bare name
        'SELECT "d"."a" FROM (SELECT DISTINCT a, b FROM t) AS d',  # DISTINCT over both
        'SELECT "d"."a" FROM (SELECT a, b FROM t ORDER BY 2) AS d',  # positional ORDER BY
        'SELECT "d"."a" FROM (SELECT a, b FROM t GROUP BY ALL) AS d',
    ):
        assert _pruned(sql) == sqlglot.parse_one(sql, read="duckdb").sql(dialect="duckdb"), sql


def test_a_relation_matched_whole_at_run_time_keeps_its_text():
    sql = 'SELECT "s"."a" FROM (SELECT a, b, FALSE AS c FROM t) AS s'
    assert _pruned(sql, keep="s") == sql


def test_a_nested_query_reading_the_table_keeps_its_columns():
    out = _pruned('SELECT "d"."a", (SELECT max(x) FROM u WHERE u.k = "d"."b") FROM (SELECT a, b, c FROM t) AS d')
    assert 'SELECT a, b FROM t' in out


# --- MERGE, end to end -----------------------------------------------------------------------------------------

MERGE = ("merge into tgt using (select * from src) s on tgt.id = s.id "
         "when matched then update set name = coalesce(s.name, tgt.name) "
         "when not matched then insert (id, name, note) values (s.id, s.name, s.note)")


def _setup(conn, cur):
    conn.hot_after = 0  # every plan built hot: the first run sends pruned SQL
    cur.execute("create table tgt (id int, name string, note string, extra string)")
    cur.execute("insert into tgt values (1, 'a', 'n1', 'x')")
    cur.execute("create table src (id int, name string, note string, unused string)")


def _target(sent: str) -> str:
    """The text of the MERGE target's relation in a statement sent to DuckDB."""
    end = sent.index(') AS "TGT"')
    return sent[sent.rindex("FROM (SELECT", 0, end):end]


def test_the_insert_only_statement_reads_the_targets_key_and_row_id_only(conn, cur, recorder):
    _setup(conn, cur)
    cur.execute("insert into src values (2, 'b', 'n2', 'u')")
    recorder.sent.clear()
    assert cur.execute(MERGE).fetchall() == [(1, 0)]
    [step] = [s for s in recorder.sent if "INSERT_ONLY_MISSED" in s]
    # the target's level, pruned to its key and row id, is then merged into the join (flattening.py): the statement
    # reads no other target column (not NAME, NOTE, EXTRA, __tborn)
    assert 'TGT$H" AS "TGT" RIGHT JOIN' in step
    assert not any(f'"TGT".{c}' in step for c in ('"NAME"', '"NOTE"', '"EXTRA"', "__tborn"))
    assert '"UNUSED"' not in step
    assert cur.execute("select * from tgt order by id").fetchall() == [(1, "a", "n1", "x"), (2, "b", "n2", None)]


def test_the_general_steps_keep_what_an_update_reads(conn, cur, recorder):
    _setup(conn, cur)
    cur.execute("insert into src values (1, null, 'z', 'u'), (3, 'c', null, 'u')")
    recorder.sent.clear()
    assert cur.execute(MERGE).fetchall() == [(1, 1)]
    [ctas] = [s for s in recorder.sent if s.startswith("CREATE OR REPLACE TEMP TABLE __snowsim_dml")]
    # the updated row's new version copies the columns the update leaves (NOTE, EXTRA) from the target
    assert all(c in _target(ctas) for c in ('"NAME"', '"NOTE"', '"EXTRA"', "__tborn"))
    assert '"UNUSED"' not in ctas
    # the update kept the target's name (coalesce read it), the insert took the source's values
    assert cur.execute("select * from tgt order by id").fetchall() == [(1, "a", "n1", "x"), (3, "c", None, None)]


def test_a_merge_deleting_and_inserting_reads_no_target_column_but_the_key(conn, cur, recorder):
    _setup(conn, cur)
    cur.execute("insert into src values (1, 'a', null, 'u'), (4, 'd', 'n4', 'u')")
    recorder.sent.clear()
    merge = ("merge into tgt using src s on tgt.id = s.id when matched then delete "
             "when not matched then insert (id, name) values (s.id, s.name)")
    assert cur.execute(merge).fetchall() == [(1, 1)]
    [ctas] = [s for s in recorder.sent if s.startswith("CREATE OR REPLACE TEMP TABLE __snowsim_dml")]
    assert '"EXTRA"' not in _target(ctas) and '"NOTE"' not in _target(ctas)
    assert cur.execute("select * from tgt order by id").fetchall() == [(4, "d", None, None)]


def test_a_table_alias_with_column_names_keeps_every_item():
    sql = 'SELECT "f"."b" FROM (SELECT x, y FROM t) AS f(a, b)'
    assert _pruned(sql) == sqlglot.parse_one(sql, read="duckdb").sql(dialect="duckdb")


def test_each_branch_of_a_union_is_pruned_on_its_own():
    out = _pruned('SELECT "d"."a" FROM (SELECT a, b FROM t) AS d UNION ALL SELECT "e"."c" FROM (SELECT c, d FROM u) AS e')
    assert out == 'SELECT "d"."a" FROM (SELECT a FROM t) AS d UNION ALL SELECT "e"."c" FROM (SELECT c FROM u) AS e'


def test_a_statement_is_pruned_from_its_second_run_on(cur, recorder):
    """A statement seen once is translated as fast as it can be; one that repeats is planned again, pruned."""
    cur.execute("create table t (a int, b string, c string)")
    cur.execute("insert into t values (1, 'x', 'y'), (2, 'z', 'y')")
    sql = "select d.a from (select a, b, c, upper(c) as u from t) d where d.b = 'x'"
    recorder.sent.clear()
    assert cur.execute(sql).fetchall() == [(1,)]
    assert cur.execute(sql).fetchall() == [(1,)]
    assert cur.execute(sql).fetchall() == [(1,)]
    first, second, third = recorder.sent
    assert '"T"."C" AS "C"' in first
    assert '"T"."C" AS "C"' not in second and second == third  # a plain column nothing reads: left out
    assert "UPPER(" in second  # a function call is kept whether read or not (only plain items are dropped)
