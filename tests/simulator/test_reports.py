"""Reports: JSON, JUnit XML (one testcase per check, failure message = explanation), plain-text summary."""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta

import pytest

from snowsim.simulator.reports import junit_xml
from snowsim.simulator.results import CheckResult, Moment, RunResult, TickSample

T0 = datetime(2026, 1, 5, 8, 0, 0)
EXPLANATION = "PRODUCTION.ORDERS: 12 late ORDER_CREATED events never reached PRODUCTION.ORDERS: ORD-00000012, ..."


def _result(*, passed: bool) -> RunResult:
    checks = [
        CheckResult("unique PRODUCTION.ORDERS(ORDER_ID)", "unique", True, "0 duplicated ORDER_ID values", {}),
        CheckResult(
            "reconcile PRODUCTION.ORDERS.ORDER_ID",
            "reconcile",
            passed,
            "all present" if passed else EXPLANATION,
            {"MISSING": 0 if passed else 12, "p95_s": math.inf, "ratio": float("nan")},
            [] if passed else [{"ORDER_ID": "ORD-00000012", "PRODUCT_NAME": "Château Pape Clément"}],
        ),
    ]
    sample = TickSample(T0 + timedelta(minutes=5), 300, 290, {"RAW.RAW_EVENTS": 290}, {"RAW.S": 3},
                        {"RAW.T": "SUCCEEDED"}, 10, 0, 40.0, None, 0.5)
    return RunResult(
        scenario="late_events",
        pipeline="caves_albert",
        target="emulator",
        seed=1001,
        started_at=T0,
        ended_at=T0 + timedelta(minutes=10),
        wall_seconds=1.25,
        events_generated=300,
        events_delivered=290,
        checks=checks,
        samples=[sample],
        moments=[Moment(T0 + timedelta(minutes=3), "task_failed", "RAW.T failed: 100090 (42P18): Duplicate row")],
        task_summary={"RAW.T": {"runs": 10, "failed": 1, "last_state": "SUCCEEDED", "last_error": "100090"}},
        ingestion={"mode": "insert", "batches": 6, "failed_batches": 0, "rows_loaded": 290, "lines_skipped": 0},
        latency={"PRODUCTION.ORDERS": {"p95_s": math.inf, "reached": 280, "pending": 10}},
        timings={"tasks": 0.7, "total": 1.25},
    )


@pytest.mark.parametrize(("passed", "code"), [(True, 0), (False, 1)])
def test_exit_code_follows_the_checks(passed, code):
    result = _result(passed=passed)
    assert result.passed is passed and result.exit_code == code
    assert [c.name for c in result.failed_checks] == ([] if passed else ["reconcile PRODUCTION.ORDERS.ORDER_ID"])


def test_json_is_valid_json_with_every_part(tmp_path):
    result = _result(passed=False)
    path = result.write_json(tmp_path / "out" / "run.json")
    data = json.loads(path.read_text(encoding="utf-8"))  # strict JSON: no Infinity or NaN literals
    assert "Infinity" not in path.read_text(encoding="utf-8") and "NaN" not in path.read_text(encoding="utf-8")
    assert data["passed"] is False and data["exit_code"] == 1
    assert (data["scenario"], data["pipeline"], data["target"], data["seed"]) == ("late_events", "caves_albert",
                                                                                  "emulator", 1001)
    assert data["started_at"] == "2026-01-05 08:00:00" and data["ended_at"] == "2026-01-05 08:10:00"
    failed = data["checks"][1]
    assert failed["message"] == EXPLANATION and failed["details"]["p95_s"] is None
    assert failed["sample_rows"][0]["PRODUCT_NAME"] == "Château Pape Clément"
    assert data["samples"][0]["at"] == "2026-01-05 08:05:00" and data["samples"][0]["rows"] == {"RAW.RAW_EVENTS": 290}
    assert data["moments"][0]["kind"] == "task_failed"
    assert data["latency"]["PRODUCTION.ORDERS"]["p95_s"] is None
    assert result.to_json() == data


def test_junit_has_one_testcase_per_check_and_the_explanation_as_failure(tmp_path):
    path = _result(passed=False).write_junit(tmp_path / "junit.xml")
    root = ET.parse(path).getroot()
    suite = root.find("testsuite")
    assert suite.get("name") == "snowsim.caves_albert.late_events"
    assert (suite.get("tests"), suite.get("failures"), root.get("failures")) == ("2", "1", "1")
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == ["unique PRODUCTION.ORDERS(ORDER_ID)",
                                              "reconcile PRODUCTION.ORDERS.ORDER_ID"]
    assert {c.get("classname") for c in cases} == {"snowsim.caves_albert.late_events"}
    assert cases[0].find("failure") is None
    failure = cases[1].find("failure")
    assert failure.get("message") == EXPLANATION and failure.get("type") == "reconcile"
    assert "sample rows" in failure.text and "ORD-00000012" in failure.text
    props = {p.get("name"): p.get("value") for p in suite.find("properties")}
    assert props["seed"] == "1001" and props["target"] == "emulator"


def test_junit_of_a_passing_run_has_no_failure():
    root = ET.fromstring(junit_xml(_result(passed=True)).split("\n", 1)[1])
    assert root.find("testsuite").get("failures") == "0"
    assert not list(root.iter("failure"))


def test_summary_gives_the_verdict_the_explanations_and_the_moments():
    text = _result(passed=False).summary_text()
    first = text.splitlines()[0]
    assert "late_events" in first and "caves_albert" in first and "FAILED" in first and "1/2 checks passed" in first
    assert f"[FAIL] reconcile PRODUCTION.ORDERS.ORDER_ID: {EXPLANATION}" in text
    assert "[PASS] unique PRODUCTION.ORDERS(ORDER_ID)" in text
    assert "ORD-00000012" in text  # sample row
    assert "task_failed: RAW.T failed: 100090" in text
    assert "PASSED - 2/2 checks passed" in _result(passed=True).summary_text()


def test_assert_passed_raises_with_the_summary():
    _result(passed=True).assert_passed()
    with pytest.raises(AssertionError, match="12 late ORDER_CREATED events"):
        _result(passed=False).assert_passed()
