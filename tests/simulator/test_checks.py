"""Checks in SQL on the emulator, against hand-made rows and a hand-made ground truth: verdicts and explanations."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import pytest
from pydantic import TypeAdapter

from snowsim.simulator.checks import CheckContext, check_name, describe_cause, run_check, run_checks
from snowsim.simulator.events import Event
from snowsim.simulator.faults import GroundTruth
from snowsim.simulator.pipeline import load_pipeline
from snowsim.simulator.scenario import Check
from snowsim.simulator.targets import EmulatorTarget
from snowsim.simulator.truth import build

T0 = datetime(2026, 1, 5, 8, 0, 0)
END = T0 + timedelta(minutes=30)
CHECK = TypeAdapter(Check)


_IDS = itertools.count(1)


def _order_event(key: str, kind: str, minute: float, *, faults=(), arrival=None, raw=None) -> Event:
    at = T0 + timedelta(minutes=minute)
    payload = {"order_id": key, "order_status": kind, "product_id": "PRD-0001"}
    return Event(f"ev-{next(_IDS):03d}", f"ORDER_{kind}", at, arrival or at, 1, payload, key, tuple(faults), raw)


EVENTS = [
    # ORD-1: its ORDER_CREATED arrived late and the pipeline never shows it.
    _order_event("ORD-1", "CREATED", 1, faults=("late",), arrival=T0 + timedelta(minutes=12)),
    # ORD-2: SHIPPED (late) is the latest by event time, the table still says PAID, and holds the order twice.
    _order_event("ORD-2", "CREATED", 2),
    _order_event("ORD-2", "PAID", 4),
    _order_event("ORD-2", "SHIPPED", 6, faults=("late",), arrival=T0 + timedelta(minutes=20)),
    # ORD-3: its only event was a broken line: nothing to expect, but it shows up anyway.
    _order_event("ORD-3", "CREATED", 3, faults=("malformed",), raw='{"event_id": "ev'),
    # ORD-4: arrives after the end of the run: not expected either.
    _order_event("ORD-4", "CREATED", 5, arrival=END + timedelta(minutes=1)),
    # ORD-5: correct.
    _order_event("ORD-5", "CREATED", 7),
]

ORDERS = [  # ORDER_ID, PRODUCT_NAME, ORDER_STATUS
    ("ORD-2", None, "PAID"),
    ("ORD-2", None, "PAID"),
    ("ORD-3", "Krug", "CREATED"),
    ("ORD-5", "Krug", "LOST"),
    ("ORD-9", "Krug", "CREATED"),
    (None, "Krug", "CREATED"),
]


@pytest.fixture(scope="module")
def ctx():
    pipeline = load_pipeline("caves_albert")
    target = EmulatorTarget()
    target.open(T0)
    target.deploy(pipeline)
    for key, name, status in ORDERS:
        target.execute(
            "INSERT INTO PRODUCTION.ORDERS (ORDER_ID, PRODUCT_NAME, ORDER_STATUS) VALUES (%s, %s, %s)",
            [key, name, status],
        )
    target.advance_to(T0 + timedelta(minutes=10))  # nothing in the streams: every task run is skipped
    for i in range(3):  # after the last advance: they stay in the RAW streams
        target.execute("INSERT INTO RAW.RAW_EVENTS (EVENT_ID, EVENT_TYPE) VALUES (%s, 'ORDER_CREATED')", [f"raw-{i}"])
    truths = build(pipeline.final_tables, EVENTS, GroundTruth({"late": []}, {}, EVENTS), END)
    yield CheckContext(target, pipeline, truths, target.now())
    target.close()


def check(ctx, **spec):
    return run_check(ctx, CHECK.validate_python(spec))


def test_ground_truth_per_final_table():
    truths = build(load_pipeline("caves_albert").final_tables, EVENTS, GroundTruth({}, {}, EVENTS), END)
    orders = truths["PRODUCTION.ORDERS"]
    expected = {k for k, t in orders.keys.items() if t.expected}
    assert expected == {"ORD-1", "ORD-2", "ORD-5"}  # ORD-3 broken, ORD-4 after the end
    assert orders.keys["ORD-2"].status == "SHIPPED"
    assert orders.cause(orders.keys["ORD-1"].first_event) == "late|ORDER_CREATED"
    assert orders.cause(orders.keys["ORD-2"].last_event) == "late|ORDER_SHIPPED"


def test_reconcile_explains_every_kind_of_difference_with_the_ground_truth(ctx):
    result = check(ctx, type="reconcile", table="PRODUCTION.ORDERS", key="ORDER_ID", status_column="ORDER_STATUS")
    assert not result.passed
    assert result.name == "reconcile PRODUCTION.ORDERS.ORDER_ID"
    d = result.details
    assert (d["EXPECTED"], d["MISSING"], d["DUPLICATED"], d["NULL_KEYS"], d["UNKNOWN"]) == (3, 1, 1, 1, 1)
    assert d["NOT_EXPECTED"] == 1  # ORD-3: known to the generator, only its broken line carried it
    assert d["WRONG_STATUS"] == 2  # ORD-2 (PAID, expected SHIPPED) and ORD-5 (LOST)
    assert "1 late ORDER_CREATED event never reached PRODUCTION.ORDERS: ORD-1" in result.message
    assert "ORD-2 expected SHIPPED found PAID" in result.message
    assert "late ORDER_SHIPPED" in result.message
    assert "unknown ORDER_ID (not produced by the generator): ORD-9" in result.message
    assert {row["ORDER_ID"] for row in result.sample_rows} >= {"ORD-2", "ORD-9"}


def test_reconcile_of_a_table_that_is_not_final_says_so(ctx):
    result = check(ctx, type="reconcile", table="STAGING.STG_ORDERS", key="ORDER_ID")
    assert not result.passed and "not a final table" in result.message


def test_unique_reports_the_duplicated_keys_and_their_rows(ctx):
    result = check(ctx, type="unique", table="PRODUCTION.ORDERS", columns=["ORDER_ID"])
    assert not result.passed
    assert result.details == {"duplicated_keys": 1, "extra_rows": 1}
    assert "ORD-2 x2" in result.message
    assert [r["ORDER_ID"] for r in result.sample_rows] == ["ORD-2", "ORD-2"]
    # NULL keys are not duplicates (like dbt's unique and the DUPLICATE_COUNT metric).
    assert check(ctx, type="unique", table="PRODUCTION.ORDERS", columns=["PRODUCT_NAME"]).details[
        "duplicated_keys"] == 1  # Krug x4


def test_duplicate_count_allows_up_to_max(ctx):
    assert check(ctx, type="duplicate_count", table="PRODUCTION.ORDERS", columns=["ORDER_ID"], max=1).passed
    assert not check(ctx, type="duplicate_count", table="PRODUCTION.ORDERS", columns=["ORDER_ID"], max=0).passed


def test_null_count_blames_the_first_event_of_each_key(ctx):
    result = check(ctx, type="null_count", table="PRODUCTION.ORDERS", column="PRODUCT_NAME", max=0)
    assert not result.passed and result.details["null_count"] == 2
    assert "2 ORDER_CREATED (untouched by any fault) events are behind a NULL PRODUCT_NAME: ORD-2, ORD-2" in (
        result.message)
    assert check(ctx, type="null_count", table="PRODUCTION.ORDERS", column="PRODUCT_NAME", max=2).passed
    keys = check(ctx, type="null_count", table="PRODUCTION.ORDERS", column="ORDER_ID")
    assert not keys.passed and keys.sample_rows[0]["ORDER_ID"] is None


def test_accepted_values_names_the_intruders(ctx):
    result = check(ctx, type="accepted_values", table="PRODUCTION.ORDERS", column="ORDER_STATUS",
                   values=["CREATED", "PAID", "SHIPPED"])
    assert not result.passed
    assert result.details["unexpected"] == {"LOST": 1}
    assert result.sample_rows[0]["ORDER_ID"] == "ORD-5"


@pytest.mark.parametrize(("spec", "passed"), [
    ({"min": 1}, True), ({"min": 7}, False), ({"max": 5}, False), ({"equals": 6}, True), ({"equals": 5}, False),
])
def test_row_count(ctx, spec, passed):
    result = check(ctx, type="row_count", table="PRODUCTION.ORDERS", **spec)
    assert result.passed is passed and result.details["row_count"] == 6


def test_freshness_measures_against_the_targets_clock(ctx):
    # UPDATED_AT = CURRENT_TIMESTAMP() at insert (08:00); the clock now says 08:10.
    stale = check(ctx, type="freshness", table="PRODUCTION.ORDERS", column="UPDATED_AT", max_age="5m")
    assert not stale.passed and stale.details["age_s"] == 600
    assert check(ctx, type="freshness", table="PRODUCTION.ORDERS", column="UPDATED_AT", max_age="15m").passed
    empty = check(ctx, type="freshness", table="PRODUCTION.INVENTORY_CURRENT", column="UPDATED_AT", max_age="1h")
    assert not empty.passed and "no value" in empty.message


def test_stream_backlog_counts_without_consuming(ctx):
    tight = check(ctx, type="stream_backlog", stream="RAW.STREAM_RAW_ORDERS", max=0)
    assert not tight.passed and tight.details["backlog"] == 3
    assert check(ctx, type="stream_backlog", stream="RAW.STREAM_RAW_ORDERS", max=3).passed  # still 3: not consumed


def test_sql_checks_zero_rows_nonzero_and_equals(ctx):
    neg = check(ctx, type="sql", name="no lost orders",
                query="SELECT ORDER_ID FROM PRODUCTION.ORDERS WHERE ORDER_STATUS = 'LOST'")
    assert not neg.passed and neg.sample_rows == [{"ORDER_ID": "ORD-5"}] and neg.name == "no lost orders"
    assert check(ctx, type="sql", name="n", query="SELECT 1", expect="nonzero").passed
    assert check(ctx, type="sql", name="n", query="SELECT COUNT(*) FROM PRODUCTION.ORDERS", expect="equals",
                 value=6).passed
    wrong = check(ctx, type="sql", name="n", query="SELECT COUNT(*) FROM PRODUCTION.ORDERS", expect="equals", value=7)
    assert not wrong.passed and "expected 7" in wrong.message


def test_a_query_the_target_rejects_fails_the_check_with_its_error(ctx):
    result = check(ctx, type="row_count", table="PRODUCTION.NO_SUCH_TABLE", min=1)
    assert not result.passed and "002003" in result.message


def test_names_are_unique_in_a_list_of_checks(ctx):
    spec = CHECK.validate_python({"type": "row_count", "table": "PRODUCTION.ORDERS", "min": 1})
    results = run_checks(ctx, [spec, spec])
    assert [r.name for r in results] == ["row_count PRODUCTION.ORDERS", "row_count PRODUCTION.ORDERS #2"]
    assert check_name(spec) == "row_count PRODUCTION.ORDERS"


def test_causes_read_like_sentences():
    assert describe_cause("late+duplicate|ORDER_CREATED") == "late, duplicate ORDER_CREATED"
    assert describe_cause("|ORDER_PAID") == "ORDER_PAID (untouched by any fault)"
    assert describe_cause("batch_rejected|ORDER_PAID") == "ORDER_PAID (its batch was rejected by the landing table)"


def test_ground_truth_loads_the_same_through_a_stage_or_values(ctx):
    from snowsim.simulator.truth import STAGE_ABOVE, TRUTH_COLUMNS, load_table

    rows = [(f"ORD-{i:04d}", i % 2 == 0, None if i % 5 == 0 else "PAID", "2026-01-05 08:00:01.123", "late|ORDER_CREATED",
             "it's|ORDER_PAID") for i in range(STAGE_ABOVE + 50)]
    staged = load_table(ctx.target, "STAGED", TRUTH_COLUMNS, rows)  # above the threshold: PUT + COPY
    inserted = load_table(ctx.target, "INSERTED", TRUTH_COLUMNS, rows, chunk=40, staged=False)
    for name in (staged, inserted):
        assert ctx.target.query(f"SELECT COUNT(*), COUNT_IF(EXPECTED), COUNT(STATUS) FROM {name}") == [(150, 75, 120)]
    diff = ctx.target.query(f"SELECT * FROM {staged} EXCEPT SELECT * FROM {inserted}")
    assert diff == []
    row = ctx.target.query(f"SELECT LAST_TS, LAST_CAUSE FROM {staged} WHERE KEY = 'ORD-0001'")[0]
    assert row == (datetime(2026, 1, 5, 8, 0, 1, 123000), "it's|ORDER_PAID")
