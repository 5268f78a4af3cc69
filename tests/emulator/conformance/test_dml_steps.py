"""MERGE writes its updated and inserted rows in one statement (dml.plan_merge): counts, row ids and conversions.

docs: sql-reference/sql/merge (output: one count per kind of clause), user-guide/streams-intro (an update keeps the
row's METADATA$ROW_ID, an insert gets a new one), sql-reference/sql/insert (values converted on write, errors naming
the table and column). Each statement runs twice where it matters: the first run types the plan's write steps.
"""

from datetime import datetime, time
from decimal import Decimal

import pytest
import snowflake.connector.errors as sf

SOURCE = "(select 1 id, 'x' name union all select 2, 'del' union all select 4, 'new' union all select 5, 'new2')"
DELETE = "when matched and s.name = 'del' then delete "
UPDATE = "when matched then update set name = s.name, n = tgt.n + 1 "
INSERT = "when not matched then insert (id, name, n) values (s.id, s.name, 10)"


@pytest.fixture
def tgt(cur):
    cur.execute("create table tgt (id int, name string, n int)")
    cur.execute("insert into tgt values (1, 'a', 0), (2, 'b', 0), (3, 'c', 0)")
    return cur


def _rows(cur) -> list[tuple]:
    return cur.execute("select id, name, n from tgt order by id").fetchall()


@pytest.mark.parametrize(
    ("clauses", "counts", "after"),
    [
        (DELETE + UPDATE + INSERT, (2, 1, 1), [(1, "x", 1), (3, "c", 0), (4, "new", 10), (5, "new2", 10)]),
        (UPDATE + INSERT, (2, 2), [(1, "x", 1), (2, "del", 1), (3, "c", 0), (4, "new", 10), (5, "new2", 10)]),
        (DELETE + UPDATE, (1, 1), [(1, "x", 1), (3, "c", 0)]),
        (DELETE + INSERT, (2, 1), [(1, "a", 0), (3, "c", 0), (4, "new", 10), (5, "new2", 10)]),
        (UPDATE, (2,), [(1, "x", 1), (2, "del", 1), (3, "c", 0)]),
        (INSERT, (2,), [(1, "a", 0), (2, "b", 0), (3, "c", 0), (4, "new", 10), (5, "new2", 10)]),
        (DELETE, (1,), [(1, "a", 0), (3, "c", 0)]),
    ],
)
def test_merge_counts_each_kind_of_action(tgt, clauses, counts, after):
    """docs: sql/merge (output) - rows inserted, updated, deleted: one column per kind of clause present."""
    tgt.execute(f"merge into tgt using {SOURCE} s on tgt.id = s.id {clauses}")
    assert tgt.fetchall() == [counts]
    assert _rows(tgt) == after


def test_merge_keeps_updated_row_ids_and_gives_inserted_rows_new_ones(tgt):
    """docs: user-guide/streams-intro - an update is a DELETE + INSERT pair with the row's METADATA$ROW_ID; every
    inserted row has a new one."""
    tgt.execute("create stream st on table tgt")
    before = dict(tgt.execute("select id, metadata$row_id from st").fetchall()) or None
    assert before is None  # the stream starts empty
    tgt.execute("create table sink (id int)")
    tgt.execute("create stream all_rows on table tgt show_initial_rows = true")
    initial = dict(tgt.execute("select id, metadata$row_id from all_rows").fetchall())
    tgt.execute(f"merge into tgt using {SOURCE} s on tgt.id = s.id {UPDATE}{INSERT}")
    got = tgt.execute("select id, metadata$action, metadata$isupdate, metadata$row_id from st "
                      "order by id, metadata$action").fetchall()
    assert [r[:3] for r in got] == [
        (1, "DELETE", True), (1, "INSERT", True), (2, "DELETE", True), (2, "INSERT", True),
        (4, "INSERT", False), (5, "INSERT", False),
    ]  # fmt: skip
    ids = {r[0]: r[3] for r in got}
    assert ids[1] == initial[1] and ids[2] == initial[2]
    assert len({ids[4], ids[5], *initial.values()}) == 5


def test_merge_writes_values_of_other_types_on_each_side(cur):
    """docs: sql/merge, sql/insert - an updated and an inserted value of different types for one column are each
    converted to the column's type (TIME from text and from TIME, NUMBER from text and from an integer, VARIANT from
    text and from an object, TIMESTAMP_NTZ from text and from TIMESTAMP_LTZ)."""
    cur.execute("create table t (id int, tm time, n number(10,2), v variant, ts timestamp_ntz)")
    cur.execute("insert into t values (1, '01:00:00', 1, null, null)")
    sql = ("merge into t using (select column1 as id from values (1), (2)) s on t.id = s.id "
           "when matched then update set tm = '12:30:00', n = '2.5', v = 'text', ts = '2026-01-02 03:04:05' "
           "when not matched then insert (id, tm, n, v, ts) values "
           "(s.id, '13:45:00'::time, 7, object_construct('k', 1), '2026-01-05 06:07:08'::timestamp_ltz)")
    for _ in range(2):
        cur.execute(sql)
    rows = cur.execute("select id, tm, n, v, ts from t order by id").fetchall()
    updated = (time(12, 30), Decimal("2.50"), '"text"', datetime(2026, 1, 2, 3, 4, 5))
    assert [(r[0], r[1], r[2], r[3].replace(" ", "").replace("\n", ""), r[4]) for r in rows] == [
        (1, *updated), (2, *updated)
    ]
    cur.execute("delete from t where id = 2")
    cur.execute(sql)
    assert cur.fetchall() == [(1, 1)]
    got = cur.execute("select tm, n, v, ts from t where id = 2").fetchall()
    assert [(r[0], r[1], r[2].replace(" ", "").replace("\n", ""), r[3]) for r in got] == [
        (time(13, 45), Decimal("7.00"), '{"k":1}', datetime(2026, 1, 5, 6, 7, 8))
    ]


def test_merge_conversion_error_on_the_insert_side_writes_nothing(tgt):
    """docs: sql/insert - a value that does not convert fails the statement naming the table and column (100038);
    the updates of the same statement are not applied either."""
    sql = ("merge into tgt using (select 1 id, '5' v union all select 9, 'x') s on tgt.id = s.id "
           "when matched then update set n = s.v when not matched then insert (id, n) values (s.id, s.v)")
    with pytest.raises(sf.ProgrammingError) as info:
        tgt.execute(sql)
    assert (info.value.errno, info.value.raw_msg) == (
        100038, "DML operation to table TGT failed on column N with error: Numeric value 'x' is not recognized")
    assert _rows(tgt) == [(1, "a", 0), (2, "b", 0), (3, "c", 0)]


def test_merge_with_several_update_and_insert_clauses(tgt):
    """docs: sql/merge - the first matching clause of each kind applies; columns a clause does not set keep their
    value."""
    tgt.execute(
        "merge into tgt using (select 1 id, 'x' name union all select 2, 'y' union all select 7, 'p' "
        "union all select 8, 'q') s on tgt.id = s.id "
        "when matched and s.id = 1 then update set name = s.name "
        "when matched then update set n = 5 "
        "when not matched and s.id = 7 then insert (id, name) values (s.id, s.name) "
        "when not matched then insert (id, n) values (s.id, 8)"
    )
    assert tgt.fetchall() == [(2, 2)]
    assert _rows(tgt) == [(1, "x", 0), (2, "b", 5), (3, "c", 0), (7, "p", None), (8, None, 8)]


@pytest.mark.parametrize("strict", [True, False])
def test_merge_duplicate_deletes_end_and_count_a_row_once(tgt, strict):
    """docs: sql/merge (duplicate join behavior) - several source rows deleting one target row are deterministic;
    the row is deleted (and counted) once, with ERROR_ON_NONDETERMINISTIC_MERGE on or off."""
    tgt.execute(f"alter session set error_on_nondeterministic_merge = {strict}")
    source = "(select 2 id, 'del' name union all select 2, 'del' union all select 1, 'x' union all select 4, 'new')"
    tgt.execute(f"merge into tgt using {source} s on tgt.id = s.id {DELETE}{UPDATE}{INSERT}")
    assert tgt.fetchall() == [(1, 1, 1)]
    assert _rows(tgt) == [(1, "x", 1), (3, "c", 0), (4, "new", 10)]


def test_update_from_with_error_on_nondeterministic_update(tgt):
    """docs: sql/update, parameters ERROR_ON_NONDETERMINISTIC_UPDATE - with it on, a target row joined by several
    source rows fails with 100090 and nothing is updated; rows joined once are updated."""
    tgt.execute("alter session set error_on_nondeterministic_update = true")
    tgt.execute("create table src (id int, name string)")
    tgt.execute("insert into src values (1, 'x'), (3, 'z')")
    sql = "update tgt set name = src.name from src where tgt.id = src.id"
    tgt.execute(sql)
    assert tgt.fetchall() == [(2, 0)]
    tgt.execute("insert into src values (1, 'y')")
    with pytest.raises(sf.ProgrammingError) as info:
        tgt.execute(sql)
    assert (info.value.errno, info.value.sqlstate) == (100090, "42P18")
    assert _rows(tgt) == [(1, "x", 0), (2, "b", 0), (3, "z", 0)]


def test_update_without_from_counts_no_multi_joined_rows(tgt):
    """docs: sql/update - a plain UPDATE reports both columns, the second one 0; run twice (typed plan)."""
    for _ in range(2):
        tgt.execute("update tgt set n = n + 1 where id in (select id from tgt where id > 1)")
        assert tgt.fetchall() == [(2, 0)]
    assert _rows(tgt) == [(1, "a", 0), (2, "b", 2), (3, "c", 2)]


def _ends_rows(sent: list[str]) -> int:
    return sum("SET __vto" in sql for sql in sent)


def test_merge_matching_no_target_row_skips_the_row_ending_update(cur, recorder):
    """docs: sql/merge - a MERGE whose source matches nothing only inserts: same counts, no UPDATE sent to DuckDB."""
    cur.execute("create table tgt (k int, v string)")
    cur.execute("create table src (k int, v string)")
    cur.execute("insert into src values (1, 'a'), (2, 'b')")
    sql = ("merge into tgt using src on tgt.k = src.k when matched then update set v = src.v "
           "when not matched then insert (k, v) values (src.k, src.v)")
    recorder.sent.clear()
    assert cur.execute(sql).fetchall() == [(2, 0)]
    assert _ends_rows(recorder.sent) == 0
    cur.execute("insert into src values (3, 'c')")
    cur.execute("update src set v = 'A' where k = 1")
    recorder.sent.clear()
    assert cur.execute(sql).fetchall() == [(1, 2)]  # k=3 inserted, 1 and 2 updated
    assert _ends_rows(recorder.sent) == 1
    assert cur.execute("select k, v from tgt order by k").fetchall() == [(1, "A"), (2, "b"), (3, "c")]


def test_merge_duplicate_source_rows_still_refused_after_a_merge_that_only_inserted(cur):
    """docs: sql/merge (Duplicate join behavior) - 100090 with the target row's values, as before."""
    cur.execute("create table tgt (k int, v string)")
    cur.execute("create table src (k int, v string)")
    cur.execute("insert into src values (1, 'a')")
    sql = ("merge into tgt using src on tgt.k = src.k when matched then update set v = src.v "
           "when not matched then insert (k, v) values (src.k, src.v)")
    cur.execute(sql)
    cur.execute("insert into src values (1, 'b')")
    with pytest.raises(sf.ProgrammingError) as info:
        cur.execute(sql)
    assert info.value.errno == 100090
    assert info.value.raw_msg == 'Duplicate row detected during DML action\nRow Values: [1, "a"]'
    assert cur.execute("select k, v from tgt").fetchall() == [(1, "a")]
