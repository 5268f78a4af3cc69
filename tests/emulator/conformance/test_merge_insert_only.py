"""A MERGE whose joined rows take no matched clause runs as one INSERT (dml.DmlPlan.insert_only).

The insert-only statement refuses a row a matched clause acts on; the statement is then rolled back and rerun on the
general steps (materialised join, duplicate check, row-ending UPDATE, write), and the plan waits 1, 2, 4 ... runs
before trying the short form again. Whichever path runs, results, counts and errors are Snowflake's (docs:
sql-reference/sql/merge, "Duplicate join behavior" and ERROR_ON_NONDETERMINISTIC_MERGE).
"""

import pytest
import snowflake.connector.errors as sf

MERGE = ("merge into tgt using src s on tgt.id = s.id "
         "when matched then update set name = s.name when not matched then insert (id, name) values (s.id, s.name)")


@pytest.fixture
def tables(cur):
    cur.execute("create table tgt (id int, name string)")
    cur.execute("insert into tgt values (1, 'a')")
    cur.execute("create table src (id int, name string)")
    return cur


def _materialised(sent: list[str]) -> bool:
    return any(sql.startswith("CREATE OR REPLACE TEMP TABLE __snowsim_dml") for sql in sent)


def _rows(cur) -> list[tuple]:
    return cur.execute("select id, name from tgt order by id, name").fetchall()


def test_new_rows_only_are_inserted_in_one_statement(tables, recorder):
    tables.execute("insert into src values (2, 'b'), (3, 'c')")
    recorder.sent.clear()
    assert tables.execute(MERGE).fetchall() == [(2, 0)]
    assert not _materialised(recorder.sent)
    assert _rows(tables) == [(1, "a"), (2, "b"), (3, "c")]


def test_a_matched_row_reruns_the_statement_on_the_general_steps(tables, recorder):
    tables.execute("insert into src values (1, 'z'), (2, 'b')")
    recorder.sent.clear()
    assert tables.execute(MERGE).fetchall() == [(1, 1)]
    assert _materialised(recorder.sent)
    assert _rows(tables) == [(1, "z"), (2, "b")]  # written once: the refused attempt left nothing


def test_after_a_miss_the_next_run_skips_the_short_form_then_tries_it_again(tables, recorder):
    tables.execute("insert into src values (1, 'z')")
    tables.execute(MERGE)  # miss: the plan waits one run
    recorder.sent.clear()
    tables.execute(MERGE)
    assert not any("SNOWSIM#INSERT_ONLY_MISSED" in sql for sql in recorder.sent)  # general steps only
    tables.execute("delete from src")
    tables.execute("insert into src values (7, 'n')")
    recorder.sent.clear()
    assert tables.execute(MERGE).fetchall() == [(1, 0)]
    assert not _materialised(recorder.sent)
    assert _rows(tables) == [(1, "z"), (7, "n")]


def test_duplicate_source_rows_of_a_new_key_are_all_inserted(tables):
    """docs: merge - duplicate source rows that do not match are each inserted (deterministic)."""
    tables.execute("insert into src values (5, 'x'), (5, 'y')")
    assert tables.execute(MERGE).fetchall() == [(2, 0)]
    assert _rows(tables) == [(1, "a"), (5, "x"), (5, "y")]


def test_a_target_row_joined_twice_still_fails_with_100090(tables):
    tables.execute("insert into src values (1, 'x'), (1, 'y'), (9, 'new')")
    with pytest.raises(sf.ProgrammingError) as err:
        tables.execute(MERGE)
    assert err.value.errno == 100090
    assert _rows(tables) == [(1, "a")]


def test_a_matched_row_no_clause_acts_on_is_no_miss(tables, recorder):
    tables.execute("insert into src values (1, 'same'), (4, 'd')")
    merge = ("merge into tgt using src s on tgt.id = s.id when matched and s.name = 'other' then delete "
             "when not matched then insert (id, name) values (s.id, s.name)")
    recorder.sent.clear()
    assert tables.execute(merge).fetchall() == [(1, 0)]
    assert not _materialised(recorder.sent)
    assert _rows(tables) == [(1, "a"), (4, "d")]


def test_a_miss_inside_an_explicit_transaction_rolls_back_with_it(tables):
    tables.execute("insert into src values (1, 'z'), (2, 'b')")
    tables.execute("begin")
    assert tables.execute(MERGE).fetchall() == [(1, 1)]
    assert _rows(tables) == [(1, "z"), (2, "b")]
    tables.execute("rollback")
    assert _rows(tables) == [(1, "a")]


def test_a_stream_read_by_a_missed_attempt_is_consumed_once(tables):
    tables.execute("create table feed (id int, name string)")
    tables.execute("create stream feed_s on table feed")
    tables.execute("insert into feed values (1, 'z'), (3, 'c')")
    merge = MERGE.replace("using src s", "using (select id, name from feed_s) s")
    assert tables.execute(merge).fetchall() == [(1, 1)]
    assert tables.execute("select count(*) from feed_s").fetchone() == (0,)
    tables.execute("insert into feed values (4, 'd')")
    assert tables.execute(merge).fetchall() == [(1, 0)]
    assert _rows(tables) == [(1, "z"), (3, "c"), (4, "d")]
