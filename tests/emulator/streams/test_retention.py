"""Staleness, time travel (AT | BEFORE | CHANGES) and compaction on the connection's (virtual) clock."""

from __future__ import annotations

import pytest
from snowflake.connector import errors as sf

from snowsim.emulator.storage import history_table
from tests.emulator.streams.conftest import rows


@pytest.fixture
def vcur(vconn):
    """A cursor on the virtual-clock connection, with table T and stream S created at the start time."""
    cur = vconn.cursor()
    cur.execute("create table t (id int)")
    cur.execute("create stream s on table t")
    cur.execute("create table sink (id int)")
    return cur


# ---- staleness ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("retention", "extension", "days"), [(14, 0, 14), (1, 14, 14), (0, 90, 90)])
def test_stale_after_is_the_larger_of_retention_and_extension(vconn, retention, extension, days):
    """docs: user-guide/streams-intro, 'Data retention period and staleness' - the table of consume-within days."""
    cur = vconn.cursor()
    cur.execute(f"create table p (id int) data_retention_time_in_days = {retention} "
                f"max_data_extension_time_in_days = {extension}")
    cur.execute("create stream ps on table p")
    vconn.advance(days=days)
    assert rows(cur, "select count(*) from ps") == [(0,)]
    assert rows(cur, "show streams like 'PS'")[0][10] == "false"
    vconn.advance(seconds=1)
    assert rows(cur, "show streams like 'PS'")[0][10] == "true"
    with pytest.raises(sf.ProgrammingError) as info:
        cur.execute("select * from ps")
    assert info.value.errno == 91901 and "stale" in info.value.msg


def test_consuming_moves_stale_after(vconn, vcur):
    """docs: user-guide/streams-intro - 'Consuming change data for a stream updates the STALE_AFTER timestamp'."""
    before = rows(vcur, "describe stream s")[0][12]
    vconn.advance(days=10)
    vcur.execute("insert into t values (1)")
    vcur.execute("insert into sink select id from s")
    after = rows(vcur, "describe stream s")[0][12]
    assert (after - before).days == 10
    vconn.advance(days=10)  # 20 days after creation, 10 after consumption: still readable
    assert rows(vcur, "select count(*) from s") == [(0,)]


def test_has_data_false_prevents_staleness_true_does_not(vconn, vcur):
    """docs: system_stream_has_data - on an empty stream, FALSE prevents it from becoming stale."""
    vconn.advance(days=13)
    assert rows(vcur, "select system$stream_has_data('s')") == [(False,)]
    vconn.advance(days=13)  # 26 days after creation, 13 after the probe
    assert rows(vcur, "show streams like 'S'")[0][10] == "false"
    vcur.execute("insert into t values (1)")
    assert rows(vcur, "select system$stream_has_data('db.s.s')") == [(True,)]
    vconn.advance(days=14, seconds=1)
    with pytest.raises(sf.ProgrammingError):
        vcur.execute("select * from s")


def test_session_parameter_stands_for_the_account_default(vconn):
    """docs: sql-reference/parameters - DATA_RETENTION_TIME_IN_DAYS / MAX_DATA_EXTENSION_TIME_IN_DAYS inheritance."""
    cur = vconn.cursor()
    cur.execute("alter session set max_data_extension_time_in_days = 2")
    cur.execute("create table p (id int)")
    cur.execute("create stream ps on table p")
    vconn.advance(days=2, seconds=1)
    assert rows(cur, "show streams like 'PS'")[0][10] == "true"


# ---- time travel -------------------------------------------------------------------------------------------------
def _history(vconn, vcur) -> dict[str, str]:
    """Three committed inserts one hour apart; returns their query ids."""
    ids = {}
    for n in (1, 2, 3):
        vconn.advance(hours=1)
        vcur.execute(f"insert into t values ({n})")
        ids[n] = vcur.sfqid
    return ids


def test_at_offset_timestamp_and_statement(vconn, vcur):
    """docs: sql-reference/constructs/at-before - OFFSET, TIMESTAMP (LTZ in the session time zone, NTZ = UTC), STATEMENT; AT vs BEFORE."""
    ids = _history(vconn, vcur)
    assert rows(vcur, "select id from t at(offset => -60*45) order by id") == [(1,), (2,)]
    assert rows(vcur, "select id from t at(timestamp => '2026-01-05 10:30:00'::timestamp_ntz) order by id") == [(1,), (2,)]
    assert rows(vcur, "select id from t at(timestamp => '2026-01-05 02:30:00'::timestamp_ltz)") == [(1,), (2,)]
    assert rows(vcur, f"select id from t at(statement => '{ids[2]}') order by id") == [(1,), (2,)]
    assert rows(vcur, f"select id from t before(statement => '{ids[2]}') order by id") == [(1,)]
    vconn.session.variables["Q"] = ids[3]
    assert rows(vcur, "select count(*) from t before(statement => $q)") == [(2,)]


def test_time_travel_outside_retention_or_before_creation_fails(vconn, vcur):
    """docs: sql-reference/constructs/at-before - 000707 beyond the retention period or at/before creation."""
    _history(vconn, vcur)
    with pytest.raises(sf.ProgrammingError) as info:
        vcur.execute("select * from t at(offset => -4*3600)")  # before the table existed
    assert info.value.errno == 707 and info.value.sqlstate == "02000"
    assert "Time travel data is not available for table T." in info.value.msg
    vconn.advance(days=1, hours=1)
    with pytest.raises(sf.ProgrammingError) as info:
        vcur.execute("select * from t at(offset => -25*3600)")  # beyond DATA_RETENTION_TIME_IN_DAYS = 1
    assert info.value.errno == 707


def test_changes_needs_change_tracking(vconn):
    """docs: sql-reference/constructs/changes - change tracking (ALTER TABLE or a stream) must be on for the range."""
    cur = vconn.cursor()
    cur.execute("create table c (id int)")
    vconn.advance(hours=1)
    cur.execute("insert into c values (1)")
    with pytest.raises(sf.ProgrammingError) as info:
        cur.execute("select * from c changes(information => default) at(offset => -60)")
    assert info.value.errno == 91930
    assert "Change tracking is not enabled or has been missing for the time range requested on table 'DB.S.C'" in info.value.msg
    vconn.advance(hours=1)
    cur.execute("alter table c set change_tracking = true")
    vconn.advance(hours=1)
    cur.execute("insert into c values (2)")
    assert rows(cur, "select id, metadata$action from c changes(information => default) at(offset => -60)") == [(2, "INSERT")]
    with pytest.raises(sf.ProgrammingError) as info:  # starts before tracking was enabled
        cur.execute("select * from c changes(information => default) at(offset => -150*60)")
    assert info.value.errno == 91930


def test_changes_end_offset_and_does_not_consume(vconn, vcur):
    """docs: sql-reference/constructs/changes - END bounds the interval; CHANGES never advances an offset."""
    _history(vconn, vcur)
    got = rows(vcur, "select id from t changes(information => append_only) at(stream => 's') end(offset => -30*60)")
    assert sorted(got) == [(1,), (2,)]
    assert rows(vcur, "select count(*) from s") == [(3,)]


S_ALL = "select id, metadata$action, metadata$isupdate from s order by id, metadata$action"
S2_ALL = "select id, metadata$action, metadata$isupdate from s2 order by id, metadata$action"


# ---- compaction --------------------------------------------------------------------------------------------------
def test_compaction_keeps_what_streams_and_time_travel_can_read(vconn, vcur):
    """docs: user-guide/streams-intro (streams extend retention to their offset), data-time-travel - nothing readable goes."""
    hist = history_table(vconn.catalog.get("TABLE", vconn.translator().qualify_name(["T"])).name)
    vcur.execute("create stream s2 on table t")
    vcur.execute("insert into t values (1), (2)")
    vcur.execute("insert into sink select id from s2")  # s2 moves on; s still holds everything
    for n in range(5):
        vconn.advance(hours=1)
        vcur.execute(f"update t set id = id + 10 where id < {100 + n}")
    before = {q: rows(vcur, q) for q in (S_ALL, S2_ALL,
                                         "select id from t at(offset => -2*3600) order by id")}
    total = vconn.duck.execute(f"select count(*) from {hist}").fetchone()[0]
    assert vconn.compact() == 0  # everything is inside the retention period
    vconn.advance(days=2)
    assert vconn.compact() == 0  # past it, s's offset (before every row) still holds all of the history
    assert rows(vcur, S_ALL) == before[S_ALL] and rows(vcur, S2_ALL) == before[S2_ALL]
    vcur.execute("insert into sink select id from s")
    vcur.execute("insert into sink select id from s2")
    assert 0 < vconn.compact() < total
    assert vconn.duck.execute(f"select count(*) from {hist}").fetchone() == (2,)  # just the current rows
    assert rows(vcur, S_ALL) == [] and rows(vcur, S2_ALL) == []
    vcur.execute("update t set id = id + 1")
    assert rows(vcur, S_ALL) == [(51, "DELETE", True), (52, "DELETE", True), (52, "INSERT", True), (53, "INSERT", True)]
    assert rows(vcur, "select id from t order by id") == [(52,), (53,)]
