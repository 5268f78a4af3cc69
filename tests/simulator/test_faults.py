"""Fault injection: each fault's effect on the timeline, its ground truth, and how faults compose."""

import json
from collections import Counter
from datetime import datetime, timedelta

import pytest

from snowsim.simulator.events import Event, EventLog
from snowsim.simulator.faults import FAULT_ORDER, ControlAction, apply_faults, expected_state
from snowsim.simulator.generator import base_events, build
from snowsim.simulator.scenario import Scenario

BASE = Scenario(name="faults", duration="30m", seed=21, traffic={"lifecycle": {"step_delay": ["1m", "5m"]}})


def run(*faults, scenario=BASE):
    """Build the scenario with these faults; also return the fault-free events of the same seed."""
    replay = build(scenario.with_overrides(faults=list(faults)))
    base = {e.event_id: e for e in base_events(scenario.traffic, scenario.start, scenario.duration, scenario.seed)}
    return replay, base


def test_late_delays_arrival_only_and_records_the_events():
    replay, base = run({"type": "late", "fraction": 0.1, "delay": ["5m", "10m"]})
    late = [e for e in replay.events if "late" in e.faults]
    assert len(late) == round(0.1 * len(base))
    assert sorted(e.event_id for e in late) == sorted(replay.truth.touched["late"])
    for e in late:
        assert timedelta(minutes=5) <= e.arrival_time - e.event_time <= timedelta(minutes=10)
        assert (e.event_time, e.payload) == (base[e.event_id].event_time, base[e.event_id].payload)
    assert all(e.arrival_time == e.event_time for e in replay.events if not e.faults)
    assert [e.arrival_time for e in replay.events] == sorted(e.arrival_time for e in replay.events)


def test_late_can_be_limited_to_some_event_types():
    replay, _ = run({"type": "late", "fraction": 0.5, "delay": "20m", "event_types": ["ORDER_PAID"]})
    assert {e.event_type for e in replay.events if e.faults} == {"ORDER_PAID"}


def test_duplicate_redelivers_an_identical_copy_with_the_same_event_id():
    replay, base = run({"type": "duplicate", "fraction": 0.05, "delay": ["30s", "2m"]})
    counts = Counter(e.event_id for e in replay.events)
    twice = {i for i, n in counts.items() if n == 2}
    assert len(twice) == round(0.05 * len(base)) == len(replay.events) - len(base)
    assert twice == set(replay.truth.touched["duplicate"])
    for copy in (e for e in replay.events if "duplicate" in e.faults):
        original = base[copy.event_id]
        assert copy.to_json() == original.to_json()  # byte-identical on the wire
        assert timedelta(seconds=30) <= copy.arrival_time - original.arrival_time <= timedelta(minutes=2)


def test_same_batch_duplicates_arrive_at_the_same_instant_right_after_the_original():
    replay, _ = run({"type": "duplicate", "fraction": 0.05, "same_batch": True})
    for i, e in enumerate(replay.events):
        if "duplicate" in e.faults:
            original = replay.events[i - 1]
            assert (original.event_id, original.arrival_time, original.faults) == (e.event_id, e.arrival_time, ())


def test_out_of_order_shuffles_the_arrival_of_whole_lifecycles():
    replay, base = run({"type": "out_of_order", "fraction": 0.3, "gap": "2m"})
    touched = {e.entity_key for e in replay.events if "out_of_order" in e.faults}
    multi = Counter(e.entity_key for e in base.values() if e.event_type.startswith("ORDER_"))
    assert len(touched) == round(0.3 * sum(1 for n in multi.values() if n > 1))
    for key in touched:
        mine = [e for e in replay.events if e.entity_key == key]  # replay.events is in arrival order
        assert [e.event_time for e in mine] != sorted(e.event_time for e in mine)
        assert all(e.arrival_time >= e.event_time for e in mine)  # never arrives before it happened
        assert all(e.event_time == base[e.event_id].event_time for e in mine)
        gaps = [b.arrival_time - a.arrival_time for a, b in zip(mine, mine[1:], strict=False)]
        assert all(g >= timedelta(minutes=2) for g in gaps)


def test_schema_drift_changes_payloads_from_its_offset_and_bumps_the_version():
    drift = {
        "type": "schema_drift",
        "at": "15m",
        "changes": [
            {"op": "add_field", "field": "sales_channel", "value": "WEB"},
            {"op": "change_type", "field": "quantity", "to": "string_with_unit"},
            {"op": "rename_field", "field": "quantity", "to": "qty"},
            {"op": "nest", "into": "price", "fields": {"unit_price": "unit", "currency": "currency"}},
            {"op": "flatten", "field": "shipping_address"},
        ],
    }
    replay, base = run(drift)
    since = BASE.start + timedelta(minutes=15)
    for e in replay.events:
        before = base[e.event_id]
        if e.event_time < since:
            assert (e.payload, e.schema_version, e.faults) == (before.payload, 1, ())
            continue
        assert e.schema_version == 2 and e.faults == ("schema_drift",)
        assert e.payload["sales_channel"] == "WEB"
        if e.event_type == "ORDER_CREATED":
            assert "quantity" not in e.payload and e.payload["qty"] == f"{before.payload['quantity']} units"
            assert e.payload["price"] == {"unit": before.payload["unit_price"], "currency": "EUR"}
            assert "shipping_address" not in e.payload
            assert e.payload["shipping_address_city"] == before.payload["shipping_address"]["city"]
            assert "quantity" in before.payload  # the fault-free payload was not mutated
    detail = replay.truth.details["schema_drift"][0]
    assert detail["schema_version"] == 2 and detail["since"] == "2026-01-05T08:15:00.000"
    assert len(detail["changes"]) == 5


def test_successive_drifts_stack_versions():
    replay, _ = run(
        {"type": "schema_drift", "at": "10m", "changes": [{"op": "change_type", "field": "quantity", "to": "string"}]},
        {"type": "schema_drift", "at": "20m", "changes": [{"op": "rename_field", "field": "quantity", "to": "qty"}]},
    )
    created = [e for e in replay.events if e.event_type == "ORDER_CREATED"]
    last = created[-1]
    assert last.schema_version == 3 and isinstance(last.payload["qty"], str)
    assert {e.schema_version for e in created} == {1, 2, 3}


def test_malformed_lines_are_broken_json_while_the_truth_keeps_the_event():
    replay, base = run({"type": "malformed", "fraction": 0.05})
    broken = [e for e in replay.events if "malformed" in e.faults]
    assert len(broken) == round(0.05 * len(base))
    for e in broken:
        assert e.line() == e.raw != e.to_json()
        with pytest.raises(json.JSONDecodeError):
            json.loads(e.raw)
        json.loads(e.to_json())  # the intended event stays known (ground truth)
    assert set(replay.truth.details["malformed"][0]["kinds"]) == {"truncated", "trailing_comma", "unquoted_key"}
    assert replay.truth.expected.keys["event_id"] == {e.event_id for e in replay.events} - {e.event_id for e in broken}


def test_burst_multiplies_the_arrival_rate_inside_its_window():
    replay, base = run({"type": "burst", "at": "10m", "window": "5m", "multiplier": 8})
    new = ("ORDER_CREATED", "INVENTORY_ADJUSTED")

    def per_minute(events, lo, hi):
        lo, hi = BASE.start + timedelta(minutes=lo), BASE.start + timedelta(minutes=hi)
        return sum(1 for e in events if e.event_type in new and lo <= e.event_time < hi) / 5

    assert per_minute(replay.events, 10, 15) > 6 * per_minute(base.values(), 10, 15)
    assert replay.truth.details["burst"][0]["multiplier"] == 8
    assert replay.truth.touched["burst"]


def test_control_faults_emit_actions_and_leave_events_alone():
    replay, _ = run(
        {"type": "task_failure", "task": "RAW.TASK_STG_TO_PROD_ORDERS", "at": "5m", "duration": "3m", "error": "boom"},
        {"type": "pause_tasks", "tasks": ["RAW.TASK_RAW_TO_STG_ORDERS", "RAW.TASK_RAW_TO_STG_INVENTORY"], "at": "10m",
         "duration": "15d"},
    )  # fmt: skip
    start = BASE.start
    assert replay.controls == [
        ControlAction(start + timedelta(minutes=5), "fail_task", "RAW.TASK_STG_TO_PROD_ORDERS",
                      {"duration_seconds": 180.0, "error": "boom"}),
        ControlAction(start + timedelta(minutes=8), "recover_task", "RAW.TASK_STG_TO_PROD_ORDERS", {}),
        ControlAction(start + timedelta(minutes=10), "suspend_task", "RAW.TASK_RAW_TO_STG_ORDERS",
                      {"duration_seconds": 15 * 86400.0}),
        ControlAction(start + timedelta(minutes=10), "suspend_task", "RAW.TASK_RAW_TO_STG_INVENTORY",
                      {"duration_seconds": 15 * 86400.0}),
        ControlAction(start + timedelta(days=15, minutes=10), "resume_task", "RAW.TASK_RAW_TO_STG_ORDERS", {}),
        ControlAction(start + timedelta(days=15, minutes=10), "resume_task", "RAW.TASK_RAW_TO_STG_INVENTORY", {}),
    ]  # fmt: skip
    assert EventLog.dumps(replay.events) == EventLog.dumps(build(BASE).events)


CHAOS = [
    {"type": "late", "fraction": 0.05, "delay": ["1m", "20m"]},
    {"type": "duplicate", "fraction": 0.03},
    {"type": "out_of_order", "fraction": 0.1},
    {"type": "schema_drift", "at": "20m", "changes": [{"op": "rename_field", "field": "quantity", "to": "qty"}]},
    {"type": "malformed", "fraction": 0.02},
    {"type": "burst", "at": "5m", "window": "5m", "multiplier": 3},
    {"type": "task_failure", "task": "RAW.TASK_RAW_TO_STG_ORDERS", "at": "12m", "duration": "2m"},
]


def test_composed_faults_are_deterministic_and_independent_of_yaml_order():
    first, _ = run(*CHAOS)
    again, _ = run(*reversed(CHAOS))
    assert EventLog.dumps(first.events) == EventLog.dumps(again.events)
    assert set(first.truth.touched) == set(FAULT_ORDER) - {"pause_tasks"}
    assert all(first.truth.touched[k] for k in ("late", "duplicate", "out_of_order", "schema_drift", "malformed"))


def test_adding_a_fault_does_not_change_what_the_others_pick():
    alone, _ = run(CHAOS[4])  # malformed only
    together, _ = run(*(f for f in CHAOS if f["type"] != "burst"))  # burst changes the traffic itself
    assert alone.truth.touched["malformed"] == together.truth.touched["malformed"]


def test_duplicates_copy_what_the_earlier_faults_made_of_the_event():
    replay, _ = run(CHAOS[4], {"type": "duplicate", "fraction": 0.5})
    copies = [e for e in replay.events if "duplicate" in e.faults and "malformed" in e.faults]
    assert copies and all(e.raw is not None for e in copies)


def _event(key, kind, minute, arrival_minute=None, raw=None, payload=None):
    t0 = datetime(2026, 1, 5, 8)
    when = t0 + timedelta(minutes=minute)
    arrival = t0 + timedelta(minutes=arrival_minute if arrival_minute is not None else minute)
    return Event(f"{key}-{kind}-{minute}", kind, when, arrival, 1, payload or {}, key, (), raw)


def test_expected_status_follows_event_time_not_arrival():
    events = [
        _event("ORD-1", "ORDER_CREATED", 0),
        _event("ORD-1", "ORDER_SHIPPED", 10, arrival_minute=11),
        _event("ORD-1", "ORDER_PAID", 5, arrival_minute=30),  # late: arrives last, happened before SHIPPED
        _event("ORD-2", "ORDER_CREATED", 1, raw="{broken"),  # never parseable: ORD-2 cannot be built
        _event("ORD-2", "ORDER_PAID", 6),
        _event("ADJ-1", "INVENTORY_ADJUSTED", 2, payload={"product_id": "PRD-0001", "new_stock_level": 7}),
        _event("ADJ-2", "INVENTORY_ADJUSTED", 1, arrival_minute=40, payload={"product_id": "PRD-0001", "new_stock_level": 9}),
    ]  # fmt: skip
    state = expected_state(events)
    assert state.order_status == {"ORD-1": "SHIPPED"}
    assert state.keys["order_id"] == {"ORD-1"}
    assert state.keys["adjustment_id"] == {"ADJ-1", "ADJ-2"}
    assert state.stock == {"PRD-0001": 7}  # ADJ-2 arrived last but happened first

    cutoff = expected_state(events, arrived_by=datetime(2026, 1, 5, 8, 20))
    assert cutoff.order_status == {"ORD-1": "SHIPPED"}
    assert cutoff.keys["adjustment_id"] == {"ADJ-1"}


def test_ground_truth_stock_survives_a_drift_that_renames_the_stock_field():
    drift = {
        "type": "schema_drift",
        "at": "1m",
        "changes": [{"op": "rename_field", "field": "new_stock_level", "to": "lvl"}],
    }
    replay, _ = run(drift)
    clean = build(BASE)
    assert replay.truth.expected.stock == clean.truth.expected.stock
    assert replay.truth.expected.order_status == clean.truth.expected.order_status


def test_ground_truth_with_an_early_cutoff_and_as_a_dict():
    replay, _ = run({"type": "late", "fraction": 0.2, "delay": ["10m", "20m"]})
    cut = replay.truth.expected_by(replay.events, BASE.end)
    assert cut.keys["event_id"] < replay.truth.expected.keys["event_id"]  # some late events arrive after the end
    as_dict = json.loads(json.dumps(replay.truth.to_dict()))
    assert sorted(as_dict["expected"]["keys"]["order_id"]) == sorted(replay.truth.expected.keys["order_id"])
    assert as_dict["touched"]["late"] == replay.truth.touched["late"]


def test_apply_faults_without_faults_keeps_events():
    events = base_events(BASE.traffic, BASE.start, BASE.duration, 3)
    out, controls, truth = apply_faults(events, [], 3, BASE.start)
    assert out == events and controls == [] and truth.touched == {}
