"""The generator: determinism, the binding payload schema, consistent lifecycles and stock, traffic shape."""

import json
import os
import re
import subprocess
import sys
import time
from collections import Counter, defaultdict
from datetime import timedelta

import pytest

from snowsim.simulator.domain import build_catalogue
from snowsim.simulator.events import Event, EventLog
from snowsim.simulator.generator import build, generate
from snowsim.simulator.scenario import Scenario, load_scenario

SMALL = Scenario(name="small", duration="30m", seed=11, traffic={"lifecycle": {"step_delay": ["1m", "4m"]}})

COMMON = {"order_id", "customer_id", "product_id", "order_status"}
ORDER_FIELDS = {
    "ORDER_CREATED": COMMON
    | {
        "product_name",
        "product_category",
        "quantity",
        "unit_price",
        "total_amount",
        "currency",
        "payment_method",
        "shipping_address",
        "region",
        "warehouse_id",
    },
    "ORDER_PAID": COMMON | {"amount", "payment_method"},
    "ORDER_SHIPPED": COMMON | {"carrier", "tracking_number", "warehouse_id"},
    "ORDER_DELIVERED": COMMON,
    "ORDER_CANCELLED": COMMON | {"reason"},
    "ORDER_REFUNDED": COMMON | {"amount", "reason"},
}
INVENTORY_FIELDS = {
    "adjustment_id",
    "product_id",
    "product_name",
    "adjustment_type",
    "quantity_change",
    "new_stock_level",
    "reason",
    "warehouse_id",
    "warehouse_location",
    "customer_id",
}
LIFECYCLES = (
    ("CREATED", "PAID", "SHIPPED", "DELIVERED", "REFUNDED"),
    ("CREATED", "PAID", "CANCELLED"),
    ("CREATED", "CANCELLED"),
)


@pytest.fixture(scope="module")
def events() -> list[Event]:
    return generate(SMALL)


def test_same_scenario_and_seed_give_byte_identical_logs():
    assert EventLog.dumps(generate(SMALL)) == EventLog.dumps(generate(SMALL))


def test_another_seed_gives_another_log():
    first, second = generate(SMALL, seed=1), generate(SMALL, seed=2)
    assert EventLog.dumps(first) != EventLog.dumps(second)
    assert {e.event_id for e in first}.isdisjoint(e.event_id for e in second)


def test_seed_argument_overrides_the_scenario_seed():
    assert EventLog.dumps(generate(SMALL, seed=SMALL.seed)) == EventLog.dumps(generate(SMALL))
    assert build(SMALL, seed=5).seed == 5


def test_events_are_sorted_by_arrival_and_inside_the_run(events):
    arrivals = [e.arrival_time for e in events]
    assert arrivals == sorted(arrivals)
    assert all(SMALL.start <= e.event_time < SMALL.end for e in events)
    assert all(e.arrival_time == e.event_time for e in events)  # no faults: delivered as it happens
    assert len({e.event_id for e in events}) == len(events)


def test_payloads_follow_the_binding_schema(events):
    for e in events:
        p = e.payload
        if e.event_type == "INVENTORY_ADJUSTED":
            assert set(p) >= INVENTORY_FIELDS, e
            assert re.fullmatch(r"ADJ-\d{8}", p["adjustment_id"]) and e.entity_key == p["adjustment_id"]
            assert p["customer_id"] is None
            assert p["adjustment_type"] in {"RESTOCK", "SALE", "DAMAGE", "RETURN", "CORRECTION"}
            continue
        assert set(p) == ORDER_FIELDS[e.event_type], e.event_type
        assert re.fullmatch(r"ORD-\d{8}", p["order_id"]) and e.entity_key == p["order_id"]
        assert re.fullmatch(r"CUST-\d{6}", p["customer_id"])
        assert re.fullmatch(r"PRD-\d{4}", p["product_id"])
        assert p["order_status"] == e.event_type.removeprefix("ORDER_")
        if e.event_type == "ORDER_CREATED":
            assert isinstance(p["quantity"], int) and p["quantity"] > 0
            assert p["total_amount"] == round(p["quantity"] * p["unit_price"], 2)
            assert round(p["unit_price"], 2) == p["unit_price"]
            assert p["currency"] == "EUR"
            assert p["payment_method"] in {"CARD", "PAYPAL", "TRANSFER", "APPLE_PAY"}
            assert set(p["shipping_address"]) == {"street", "city", "postal_code", "country"}


def test_envelope_is_canonical_json_with_millisecond_timestamp(events):
    e = events[0]
    line = e.to_json()
    doc = json.loads(line)
    assert list(doc) == ["event_id", "event_timestamp", "event_type", "payload", "schema_version"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}", doc["event_timestamp"])
    assert (
        doc["event_timestamp"]
        == e.event_time.strftime("%Y-%m-%dT%H:%M:%S.") + f"{e.event_time.microsecond // 1000:03d}"
    )
    assert line == json.dumps(doc, sort_keys=True, separators=(",", ":"))
    assert e.line() == line  # well-formed: what is delivered is the envelope


def test_lifecycles_are_consistent_and_spaced_by_the_configured_delay(events):
    by_order = defaultdict(list)
    for e in events:
        if e.event_type.startswith("ORDER_"):
            by_order[e.entity_key].append(e)
    statuses_seen = Counter()
    for order_events in by_order.values():
        order_events.sort(key=lambda e: e.event_time)
        statuses = tuple(e.payload["order_status"] for e in order_events)
        assert any(path[: len(statuses)] == statuses for path in LIFECYCLES), statuses
        created = order_events[0].payload
        for e in order_events:
            assert (e.payload["customer_id"], e.payload["product_id"]) == (
                created["customer_id"],
                created["product_id"],
            )
            if "amount" in e.payload:
                assert e.payload["amount"] == created["total_amount"]
        for before, after in zip(order_events, order_events[1:], strict=False):
            assert timedelta(minutes=1) <= after.event_time - before.event_time <= timedelta(minutes=4)
        statuses_seen.update(statuses)
    assert set(statuses_seen) == {"CREATED", "PAID", "SHIPPED", "DELIVERED", "CANCELLED", "REFUNDED"}


def test_stock_levels_chain_per_product_and_never_go_negative():
    events = generate(Scenario(name="stock", duration="2h", seed=4, traffic={"mix": {"inventory": 1}}))
    level = {p.product_id: p.initial_stock for p in build_catalogue().products}
    for e in sorted(events, key=lambda e: e.event_time):
        p = e.payload
        assert p["new_stock_level"] == level[p["product_id"]] + p["quantity_change"]
        assert p["new_stock_level"] >= 0
        if p["adjustment_type"] in {"SALE", "DAMAGE"}:
            assert p["quantity_change"] < 0
        if p["adjustment_type"] in {"RESTOCK", "RETURN"}:
            assert p["quantity_change"] > 0
        level[p["product_id"]] = p["new_stock_level"]


def test_rate_and_mix_match_the_traffic_settings():
    scenario = Scenario(name="rate", duration="2h", seed=9, traffic={"rate": 2, "lifecycle": {"enabled": False}})
    kinds = Counter(e.event_type for e in generate(scenario))
    assert set(kinds) == {"ORDER_CREATED", "INVENTORY_ADJUSTED"}  # lifecycle disabled: the seed's producer
    total = sum(kinds.values())
    assert abs(total - 2 * 7200) < 0.05 * 2 * 7200
    assert abs(kinds["ORDER_CREATED"] / total - 0.7) < 0.03


def test_ecommerce_curve_has_evening_peaks_and_night_lows():
    scenario = Scenario(
        name="day",
        start="2026-01-05T00:00:00",
        duration="1d",
        tick="1h",
        traffic={"rate": 0.2, "curve": "ecommerce", "lifecycle": {"enabled": False}},
    )
    per_hour = Counter(e.event_time.hour for e in generate(scenario))
    assert per_hour[20] > 4 * per_hour[3]
    assert abs(sum(per_hour.values()) - 0.2 * 86400) < 0.05 * 0.2 * 86400  # rate stays the daily average


def test_stop_after_ends_new_traffic_but_not_lifecycles():
    scenario = Scenario(name="stop", duration="1h", traffic={"stop_after": "10m"})
    events = generate(scenario)
    stop = scenario.start + timedelta(minutes=10)
    assert max(e.event_time for e in events if e.event_type in {"ORDER_CREATED", "INVENTORY_ADJUSTED"}) < stop
    assert any(e.event_time >= stop for e in events)  # orders created before still get paid/shipped


def test_event_log_round_trips_and_is_byte_identical(tmp_path, events):
    first = EventLog.write(tmp_path / "a.jsonl", events)
    second = EventLog.write(tmp_path / "b.jsonl", generate(SMALL))
    assert first.read_bytes() == second.read_bytes()
    assert EventLog.read(first) == events
    assert first.read_text().count("\n") == len(events)


def test_event_log_read_names_file_and_line_of_a_bad_record(tmp_path, events):
    path = tmp_path / "log.jsonl"
    path.write_text(EventLog.dumps(events[:2]) + "{not json\n")
    with pytest.raises(ValueError, match=r"log\.jsonl:3: not an event log record"):
        EventLog.read(path)


def test_100k_events_generate_quickly():
    # Sanity bound only (real numbers: bench/generator.py); generous for a shared 2-core machine.
    scenario = Scenario(name="fast", duration="1h", seed=1, traffic={"rate": 13})
    started = time.perf_counter()
    events = generate(scenario)
    elapsed = time.perf_counter() - started
    assert len(events) >= 100_000
    assert elapsed < 5.0, f"{len(events)} events took {elapsed:.2f}s"


def test_log_does_not_depend_on_the_process_hash_seed():
    # Set iteration order changes with PYTHONHASHSEED; nothing in the generator may depend on it.
    code = (
        "import sys; from snowsim.simulator.generator import generate; from snowsim.simulator.events import EventLog; "
        "from snowsim.simulator.scenario import load_scenario; "
        "sys.stdout.write(EventLog.dumps(generate(load_scenario('chaos', duration='45m'))))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert out == EventLog.dumps(generate(load_scenario("chaos", duration="45m")))
