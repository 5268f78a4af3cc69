"""MERGE: clauses in order, result columns, ALL BY NAME, and the nondeterminism rule."""

import pytest
from snowflake.connector import errors as sf


@pytest.fixture
def tgt(cur):
    cur.execute("create table tgt (id int, name string, n int)")
    cur.execute("insert into tgt values (1, 'a', 0), (2, 'b', 0), (3, 'c', 0)")
    return cur


def _rows(cur):
    cur.execute("select id, name, n from tgt order by id, name")
    return cur.fetchall()


def test_merge_clauses_apply_in_order(tgt):
    """docs: sql-reference/sql/merge - several WHEN clauses, first matching one wins; result columns by action."""
    tgt.execute(
        "merge into tgt using (select 1 id, 'x' name union all select 2, 'del' union all select 4, 'new') s "
        "on tgt.id = s.id "
        "when matched and s.name = 'del' then delete "
        "when matched then update set name = s.name, n = tgt.n + 1 "
        "when not matched then insert (id, name, n) values (s.id, s.name, 10)"
    )
    assert [d.name for d in tgt.description] == ["number of rows inserted", "number of rows updated",
                                                 "number of rows deleted"]
    assert tgt.fetchall() == [(1, 1, 1)]
    assert tgt.rowcount == 3
    assert _rows(tgt) == [(1, "x", 1), (3, "c", 0), (4, "new", 10)]


def test_merge_result_lists_only_the_actions_present(tgt):
    """docs: sql-reference/sql/merge (output) - a column per kind of clause the statement has."""
    tgt.execute("merge into tgt using (select 2 id) s on tgt.id = s.id when matched then delete")
    assert [d.name for d in tgt.description] == ["number of rows deleted"]
    assert tgt.fetchall() == [(1,)]


def test_duplicate_source_rows_updating_one_target_row_is_100090(tgt):
    """docs: sql-reference/sql/merge (duplicate join behavior), parameters ERROR_ON_NONDETERMINISTIC_MERGE=TRUE."""
    with pytest.raises(sf.ProgrammingError) as info:
        tgt.execute("merge into tgt using (select 1 id, 'x' name union all select 1, 'y') s on tgt.id = s.id "
                    "when matched then update set name = s.name")
    assert (info.value.errno, info.value.sqlstate) == (100090, "42P18")
    assert info.value.raw_msg.startswith("Duplicate row detected during DML action")
    assert _rows(tgt)[0] == (1, "a", 0)  # nothing applied


def test_nondeterministic_merge_allowed_when_the_parameter_is_off(tgt):
    """docs: sql-reference/parameters (ERROR_ON_NONDETERMINISTIC_MERGE=FALSE) - one of the rows is applied."""
    tgt.execute("alter session set error_on_nondeterministic_merge = false")
    tgt.execute("merge into tgt using (select 1 id, 'x' name union all select 1, 'y') s on tgt.id = s.id "
                "when matched then update set name = s.name")
    assert tgt.fetchall() == [(1,)]
    assert _rows(tgt)[0][1] in ("x", "y")


def test_duplicate_source_rows_deleting_is_deterministic(tgt):
    """docs: sql-reference/sql/merge (duplicate join behavior) - several matches that all DELETE are deterministic."""
    tgt.execute("merge into tgt using (select 3 id union all select 3) s on tgt.id = s.id when matched then delete")
    assert tgt.fetchall() == [(1,)]


def test_duplicate_source_rows_not_matched_insert_one_row_per_copy(tgt):
    """docs: sql-reference/sql/merge (duplicate join behavior) - NOT MATCHED INSERT inserts each duplicate."""
    tgt.execute("merge into tgt using (select 7 id, 'dup' name union all select 7, 'dup') s on tgt.id = s.id "
                "when not matched then insert (id, name, n) values (s.id, s.name, 0)")
    assert tgt.fetchall() == [(2,)]
    assert [r for r in _rows(tgt) if r[0] == 7] == [(7, "dup", 0), (7, "dup", 0)]


def test_update_all_by_name_and_insert_all_by_name(tgt):
    """docs: sql-reference/sql/merge - UPDATE ALL BY NAME / INSERT ALL BY NAME match columns by name, any order."""
    tgt.execute("create table src (n int, id int, name string)")
    tgt.execute("insert into src values (5, 1, 'one'), (6, 9, 'nine')")
    tgt.execute("merge into tgt using src on tgt.id = src.id "
                "when matched then update all by name when not matched then insert all by name")
    assert tgt.fetchall() == [(1, 1)]
    assert _rows(tgt) == [(1, "one", 5), (2, "b", 0), (3, "c", 0), (9, "nine", 6)]


def test_merge_insert_default_for_unlisted_columns(cur):
    """docs: sql-reference/sql/merge (WHEN NOT MATCHED ... INSERT (cols)) - unlisted columns get their DEFAULT."""
    cur.execute("create table d (id int, status string default 'new')")
    cur.execute("merge into d using (select 1 id) s on d.id = s.id when not matched then insert (id) values (s.id)")
    cur.execute("select id, status from d")
    assert cur.fetchall() == [(1, "new")]
