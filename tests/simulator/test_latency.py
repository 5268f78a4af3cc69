"""The latency probe on the real emulator: which delivered events count as reached, whatever the status column's type."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from snowsim.simulator.events import Event
from snowsim.simulator.latency import LatencyTracker
from snowsim.simulator.targets import EmulatorTarget
from snowsim.simulator.truth import STATUS_RANK, KeyTruth, TableTruth

T0 = datetime(2026, 1, 5, 8, 0, 0)
ORDER_TYPES = frozenset(f"ORDER_{s}" for s in STATUS_RANK)
# Row statuses, including ones the lifecycle does not know, other cases and trailing blanks (not equal in SQL).
STATUSES = ["CREATED", "PAID", "SHIPPED", "DELIVERED", "CANCELLED", "REFUNDED", "ON_HOLD", "paid", "PAID ", None]


@pytest.fixture
def target():
    tgt = EmulatorTarget()
    tgt.open(T0)
    tgt.execute("CREATE DATABASE D")
    tgt.execute("CREATE SCHEMA S")
    yield tgt
    tgt.close()


def _truth(table: str, keys: list[str], status_column: str | None = "ST", event_time_column: str | None = None):
    return TableTruth(table, "K", "payload.order_id", ORDER_TYPES, status_column, event_time_column,
                      {k: KeyTruth(k, expected=True) for k in keys})


def _event(n: int, event_type: str, key: str) -> Event:
    return Event(f"e{n}", event_type, T0, T0, 1, {"order_id": key}, key)


def _fill(target: EmulatorTarget, table: str, status_type: str) -> list[str]:
    """One row per status in STATUSES (key 'K<i>'); returns the keys."""
    target.execute(f"CREATE TABLE {table} (K VARCHAR, ST {status_type})")
    keys = [f"K{i}" for i in range(len(STATUSES))]
    for key, status in zip(keys, STATUSES, strict=True):
        value = "NULL" if status is None else f"'{status}'"
        if status_type == "VARIANT":
            value = f"TO_VARIANT({value})"
        target.execute(f"INSERT INTO {table} SELECT '{key}', {value}")
    return keys


def _expected(target: EmulatorTarget, table: str) -> dict[str, int | None]:
    """Key -> the row's status rank as the target's own CASE computes it (the rule the probe must keep)."""
    case = "CASE ST " + " ".join(f"WHEN '{s}' THEN {r}" for s, r in STATUS_RANK.items()) + " END"
    return dict(target.query(f"SELECT K, {case} FROM {table}"))


def _reached(tracker: LatencyTracker, table: str) -> set[str]:
    return {r.event_id for r in tracker.reached[table]}


@pytest.mark.parametrize("status_type", ["VARCHAR", "VARCHAR(20)", "VARIANT"])
def test_an_event_reached_a_row_whose_status_is_as_far_in_the_lifecycle(target, status_type):
    keys = _fill(target, "S.ORDERS", status_type)
    ranks = _expected(target, "S.ORDERS")
    truth = _truth("S.ORDERS", keys)
    tracker = LatencyTracker(target, [truth])
    types = sorted(ORDER_TYPES)
    events = [_event(i * 10 + j, t, key) for i, key in enumerate(keys) for j, t in enumerate(types)]
    tracker.add(events, T0)
    tracker.probe(T0 + timedelta(minutes=1))
    want = {
        e.event_id for e in events
        if ranks[e.entity_key] is None or ranks[e.entity_key] >= STATUS_RANK[e.event_type.removeprefix("ORDER_")]
    }
    assert _reached(tracker, "S.ORDERS") == want
    assert tracker.errors == {}
    # Unknown statuses (ON_HOLD, paid, 'PAID ') and NULL count as reached; a lower status keeps the event pending.
    refunded, paid = types.index("ORDER_REFUNDED"), types.index("ORDER_PAID")
    assert {f"e{i * 10 + refunded}" for i in (6, 7, 8, 9)} <= want
    assert f"e{0 * 10 + paid}" not in want and f"e{2 * 10 + paid}" in want


def test_a_status_column_the_case_cannot_compare_fails_the_probe_as_before(target):
    target.execute("CREATE TABLE S.ORDERS (K VARCHAR, ST NUMBER)")
    target.execute("INSERT INTO S.ORDERS SELECT 'K0', 2")
    tracker = LatencyTracker(target, [_truth("S.ORDERS", ["K0"])])
    tracker.add([_event(0, "ORDER_PAID", "K0")], T0)
    tracker.probe(T0 + timedelta(minutes=1))
    assert tracker.reached["S.ORDERS"] == []
    assert "is not recognized" in tracker.errors["S.ORDERS"]


def test_tables_with_text_and_variant_statuses_share_one_probe(target):
    text_keys = _fill(target, "S.A", "VARCHAR")
    variant_keys = _fill(target, "S.B", "VARIANT")
    a, b = _truth("S.A", text_keys), _truth("S.B", variant_keys)
    tracker = LatencyTracker(target, [a, b])
    tracker.add([_event(0, "ORDER_SHIPPED", "K1"), _event(1, "ORDER_SHIPPED", "K2")], T0)
    tracker.probe(T0 + timedelta(minutes=1))
    # K1 is PAID (pending), K2 SHIPPED (reached), in both tables.
    assert _reached(tracker, "S.A") == _reached(tracker, "S.B") == {"e1"}
    assert tracker.errors == {}


def test_an_event_time_column_decides_over_the_status(target):
    target.execute("CREATE TABLE S.INV (K VARCHAR, ST VARCHAR, TS TIMESTAMP_NTZ)")
    target.execute(f"INSERT INTO S.INV SELECT 'K0', 'CREATED', '{T0 + timedelta(seconds=5)}'")
    target.execute(f"INSERT INTO S.INV SELECT 'K1', 'REFUNDED', '{T0 - timedelta(seconds=5)}'")
    tracker = LatencyTracker(target, [_truth("S.INV", ["K0", "K1"], event_time_column="TS")])
    tracker.add([_event(0, "ORDER_PAID", "K0"), _event(1, "ORDER_PAID", "K1")], T0)
    tracker.probe(T0 + timedelta(minutes=1))
    assert _reached(tracker, "S.INV") == {"e0"}


def test_a_submitted_probe_sees_the_table_as_it_was_and_leaves_later_events_pending(target):
    """submit() reads while the runner goes on (the emulator's execute_async); settle() matches what it read then:
    a row written meanwhile is not seen, and an event delivered meanwhile is not matched by the earlier read."""
    target.execute("CREATE TABLE S.O (K VARCHAR, ST VARCHAR)")
    target.execute("INSERT INTO S.O SELECT 'K0', 'CREATED'")
    tracker = LatencyTracker(target, [_truth("S.O", ["K0", "K1"])])
    tracker.add([_event(0, "ORDER_CREATED", "K0"), _event(1, "ORDER_CREATED", "K1")], T0)
    probe_at = T0 + timedelta(minutes=1)
    tracker.submit(probe_at)
    target.execute("INSERT INTO S.O SELECT 'K1', 'CREATED'")  # after the probe started
    target.execute("UPDATE S.O SET ST = 'PAID' WHERE K = 'K0'")
    # delivered after it too: a redelivered ORDER_CREATED, which the row the probe read (CREATED) would satisfy
    tracker.add([_event(2, "ORDER_CREATED", "K0")], probe_at + timedelta(seconds=30))
    assert tracker.settle() == 1
    assert _reached(tracker, "S.O") == {"e0"}  # not e1 (its row came later), not e2 (delivered later)
    assert [r.seen for r in tracker.reached["S.O"]] == [probe_at]
    assert tracker.settle() == 0  # nothing in flight
    tracker.probe(probe_at + timedelta(minutes=1))  # the next probe finds both
    assert _reached(tracker, "S.O") == {"e0", "e1", "e2"}
