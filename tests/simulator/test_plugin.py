"""The pytest plugin, as a user's CI meets it: a test file in a fresh project, run by a pytest process that loads
the plugin through its entry point (in-process pytester runs re-import modules, which DuckDB does not survive)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

pytest_plugins = ["pytester"]

USER_TESTS = '''
from datetime import timedelta


def test_connection_runs_tasks_on_virtual_time(snowflake_conn, snowsim_clock, snowsim_deploy):
    assert snowflake_conn is not None
    pipeline = snowsim_deploy("caves_albert_hardened")
    assert pipeline.name == "caves_albert_hardened"
    cur = snowflake_conn.cursor()
    cur.execute(
        "INSERT INTO RAW.RAW_EVENTS (EVENT_ID, EVENT_TYPE, EVENT_TIMESTAMP, EVENT_DATA) "
        "SELECT 'e1', 'ORDER_CREATED', '2026-01-05 08:00:01', PARSE_JSON(%s)",
        ['{"event_id": "e1", "event_type": "ORDER_CREATED", "event_timestamp": "2026-01-05T08:00:01.000", '
         '"schema_version": 1, "payload": {"order_id": "ORD-1", "product_id": "PRD-0001", "quantity": 1, '
         '"unit_price": 10, "total_amount": 10, "order_status": "CREATED"}}'],
    )
    start = snowsim_clock.now()
    snowflake_conn.advance(minutes=1)
    assert snowsim_clock.now() - start == timedelta(minutes=1)
    cur.execute("SELECT ORDER_ID, ORDER_STATUS FROM PRODUCTION.ORDERS")
    assert cur.fetchall() == [("ORD-1", "CREATED")]


def test_my_pipeline_survives_a_scenario(run_scenario, tmp_path):
    result = run_scenario("baseline", pipeline="caves_albert_hardened", duration="3m")
    result.assert_passed()
    assert result.events_delivered > 0 and result.exit_code == 0
    # The run's emulator file stays in tmp_path, to inspect with any DuckDB client.
    assert [p.name for p in tmp_path.glob("snowsim-*.duckdb")] == ["snowsim-1.duckdb"]


def test_a_weak_pipeline_fails_with_an_explanation(run_scenario):
    result = run_scenario("malformed_events", pipeline="caves_albert", duration="3m")
    result.assert_passed()
'''


def test_fixtures_work_in_a_users_project(pytester):
    pytester.makepyfile(test_user=USER_TESTS)
    reports = pytester.path / "reports"
    outcome = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--snowsim-report-dir", str(reports))
    outcome.assert_outcomes(passed=2, failed=1)
    # The failing run's assertion is the run's summary: the verdict, the failing check and its explanation.
    outcome.stdout.fnmatch_lines(["*FAILED - *checks passed*", "*[[]FAIL[]] reconcile PRODUCTION.ORDERS.ORDER_ID*"])
    assert "100069" in outcome.stdout.str()  # the rejected batch's error, from the moments
    written = sorted(p.name for p in reports.iterdir())
    assert len(written) == 4  # a JSON and a JUnit report per scenario run
    junit = next(reports.glob("*malformed_events*.xml"))
    failures = [c for c in ET.parse(junit).getroot().iter("testcase") if c.find("failure") is not None]
    assert failures and all(c.find("failure").get("message") for c in failures)
    report = json.loads(next(reports.glob("*baseline*.json")).read_text(encoding="utf-8"))
    assert report["passed"] is True and report["pipeline"] == "caves_albert_hardened"


def test_an_unknown_target_is_a_configuration_error_and_options_are_documented(pytester):
    pytester.makepyfile(
        test_target='''
import pytest
from snowsim.simulator import RunConfigError

def test_target(run_scenario):
    with pytest.raises(RunConfigError, match="unknown target"):
        run_scenario("baseline", duration="2m")
'''
    )
    pytester.runpytest_subprocess("-p", "no:cacheprovider", "--snowsim-target", "oracle").assert_outcomes(passed=1)
    pytester.runpytest_subprocess("--help").stdout.fnmatch_lines(["*--snowsim-target*", "*--snowsim-report-dir*"])
