"""Parity between the emulator and the live code path: identical runs agree; different runs list what differs."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from snowsim.simulator.live.driver import PollPolicy
from snowsim.simulator.live.parity import TableSnapshot, diff_table, normalise, run_parity
from snowsim.simulator.live.target import SnowflakeTarget

FINALS = ("PRODUCTION.ORDERS", "PRODUCTION.INVENTORY_CURRENT", "PRODUCTION.INVENTORY_HISTORY")


@pytest.fixture(scope="module")
def right(make_account, settings):
    """Builds the live-path target on a fresh emulator account, snapshotting before its teardown."""

    def build(snap):
        return SnowflakeTarget(settings(), connect=make_account().connect, before_teardown=snap,
                               poll=PollPolicy(first=0.0), sleep=lambda _s: None, echo=lambda _l: None)

    return build


def test_identical_runs_give_an_empty_diff(right, fast, tmp_path):
    report = run_parity("late_events", right=right, **fast)
    assert report.empty, report.text()
    assert set(report.tables) == set(FINALS)
    assert all(t["left_rows"] == t["right_rows"] > 0 and t["differences"] == 0 for t in report.tables.values())
    # Both sides ran the same task graph runs: per task, the same outcome counts.
    assert report.tasks["emulator"] == report.tasks["snowflake"]
    assert report.tasks["snowflake"]["RAW.TASK_RAW_TO_STG_ORDERS"]["SUCCEEDED"] >= 1
    # Clock-filled columns cannot agree between a virtual and a real clock: left out, and said so.
    assert "PRODUCTION.ORDERS.UPDATED_AT" in report.ignored_columns
    data = json.loads(report.write_json(tmp_path / "parity.json").read_text(encoding="utf-8"))
    assert data["identical"] is True and data["differences"] == [] and data["differences_total"] == 0
    assert "identical" in report.text().splitlines()[0]


def test_a_different_seed_lists_every_difference(right, fast):
    report = run_parity("late_events", right=right, right_seed=4242, **fast)
    assert not report.empty
    orders = [d for d in report.differences if d.where == "PRODUCTION.ORDERS"]
    assert orders and {d.kind for d in orders} <= {"key_only_in", "value", "duplicate_key"}
    assert report.tables["PRODUCTION.ORDERS"]["differences"] == len(orders)  # all listed (under the cap)
    data = report.to_json()
    assert data["identical"] is False and len(data["differences"]) == len(report.differences)
    text = report.text()
    assert "difference(s)" in text and "only in" in text


def test_normalisation_of_numbers_timestamps_and_variant_text():
    assert normalise(Decimal("3")) == normalise(3) == normalise(3.0) == 3
    assert normalise(Decimal("2.50")) == normalise(2.5)
    aware = datetime(2026, 1, 5, 9, 0, tzinfo=timezone(timedelta(hours=1)))
    assert normalise(aware) == normalise(datetime(2026, 1, 5, 8, 0)) == normalise(datetime(2026, 1, 5, 8, tzinfo=UTC))
    pretty = '{\n  "b": [1, 2.0],\n  "a": "x"\n}'
    assert normalise(pretty) == normalise('{"a":"x","b":[1,2]}') == normalise({"b": [1, 2], "a": "x"})
    assert normalise("not json {") == "not json {" and normalise(True) is True and normalise(None) is None


def test_tables_without_key_compare_as_multisets():
    left = TableSnapshot(["A", "B"], [(1, "x"), (2, "y"), (2, "y")])
    same = TableSnapshot(["B", "A"], [("y", 2), ("x", 1), ("y", 2)])
    assert diff_table("T", left, same, None, set()) == ([], 0)
    other = TableSnapshot(["A", "B"], [(1, "x"), (2, "y"), (3, "z")])
    diffs, total = diff_table("T", left, other, None, set())
    assert total == 2 and {(d.detail["side"], d.detail["count"]) for d in diffs} == {("left", 1), ("right", 1)}
    ignored = TableSnapshot(["A", "B", "UPDATED_AT"], [(1, "x", "t1"), (2, "y", "t2"), (2, "y", "t3")])
    assert diff_table("T", left, ignored, None, {"T.UPDATED_AT"}) == ([], 0)
    assert diff_table("T", left, ignored, None, set())[1] == 1  # a column only on one side is a difference
