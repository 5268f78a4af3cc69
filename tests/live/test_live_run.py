"""The whole live path offline: connect, SHOW DATABASES, deploy, load, EXECUTE TASK, TASK_HISTORY polls, checks,
teardown; with the emulator account standing where snowflake.connector.connect would."""

from __future__ import annotations

import json

import pytest

from snowsim.simulator.live.driver import PollPolicy, PollTimeout
from snowsim.simulator.live.isolation import IsolationError
from snowsim.simulator.live.recorder import EXECUTE, TEARDOWN, WITHHELD
from snowsim.simulator.live.run import plan_live, run_live, usage_text
from snowsim.simulator.live.target import ConnectionLost

SECRET = "pw-Zq81!not-for-logs"
DATABASE = "SNOWSIM_LIVE_TEST"
ROOTS = ("RAW.TASK_RAW_TO_STG_ORDERS", "RAW.TASK_RAW_TO_STG_INVENTORY")
FAIL_ORDERS = [{"type": "task_failure", "task": "RAW.TASK_STG_TO_PROD_ORDERS", "at": "0s", "duration": "30m",
                "error": "Simulated outage"}]


@pytest.fixture(scope="module")
def live_env(tmp_path_factory):
    home = tmp_path_factory.mktemp("sfhome")
    return {"SNOWFLAKE_HOME": str(home), "SNOWFLAKE_ACCOUNT": "xy12345", "SNOWFLAKE_USER": "ALICE",
            "SNOWFLAKE_PASSWORD": SECRET, "SNOWFLAKE_ROLE": "SIM_ROLE", "SNOWFLAKE_WAREHOUSE": "SIM_WH"}


@pytest.fixture(scope="module")
def live(live_env, tmp_path_factory, make_account, fast):
    """One live run of late_events (one minute, a failing task from the start), configured from SNOWFLAKE_*."""
    mp = pytest.MonkeyPatch()
    for key, value in live_env.items():
        mp.setenv(key, value)
    account = make_account()
    lines: list[str] = []
    try:
        run = run_live("late_events", connect=account.connect, database=DATABASE, sleep=lambda _s: None,
                       poll=PollPolicy(first=0.0, timeout=30.0), echo=lines.append, faults=FAIL_ORDERS, **fast)
    finally:
        mp.undo()
    out = tmp_path_factory.mktemp("reports")
    return run, account, lines, out


def test_live_run_deploys_drives_checks_and_drops(live):
    run, account, lines, _ = live
    result, usage = run.result, run.usage
    assert result.target == "snowflake" and result.checks  # the same checks as an emulator run, as SQL on the target
    assert DATABASE not in account.databases()  # teardown dropped what the run created
    sent = [e for e in run.entries if e.kind != WITHHELD]
    assert sent[0].sql == f"SHOW DATABASES LIKE '{DATABASE}'"
    assert sent[1].sql.startswith(f"CREATE DATABASE IF NOT EXISTS {DATABASE}")
    assert sent[-1].kind == TEARDOWN and sent[-1].sql == f"DROP DATABASE IF EXISTS {DATABASE}"
    # Tasks run on the configured warehouse; roots never resumed on the account, only run with EXECUTE TASK.
    tasks = [e.sql for e in sent if e.sql.upper().startswith("CREATE OR REPLACE TASK")]
    assert tasks and all("WAREHOUSE = SIM_WH" in t and "COMPUTE_WH" not in t for t in tasks)
    withheld = [e.sql for e in run.entries if e.kind == WITHHELD]
    assert withheld == [f"ALTER TASK {root} RESUME" for root in ROOTS]
    assert not any(e.sql in withheld for e in sent)
    # One minute of traffic + two of drain: three due instants per root, each one EXECUTE TASK and a graph run.
    executes = [(e.at.strftime("%H:%M"), e.sql) for e in sent if e.kind == EXECUTE]
    assert executes == [(f"08:0{m}", f"EXECUTE TASK {root}") for m in (1, 2, 3) for root in ROOTS]
    counts = usage["statements"]
    assert counts["execute_task"] == usage["graph_runs"] == 6 and counts["poll"] >= 6
    assert counts["total"] == len(sent) and usage["warehouse"] == "SIM_WH"
    assert any("warehouse SIM_WH" in line and "EXECUTE TASK" in line for line in lines)  # printed at the end


def test_failing_task_reports_its_error_code(live):
    run, _, _, out = live
    summary = run.result.task_summary["RAW.TASK_STG_TO_PROD_ORDERS"]
    assert summary["failed"] >= 1 and summary["last_error"].startswith("100038")
    assert "Simulated outage" in summary["last_error"]
    failure = next(c for c in run.result.checks if c.type == "task_failures")
    assert not failure.passed and "100038" in failure.message
    report = run.result.write_json(out / "run.json").read_text(encoding="utf-8")
    assert "100038" in report
    assert run.usage["graph_run_states"].get("FAILED", 0) >= 1


def test_no_secret_in_any_output(live, live_env):
    run, account, lines, out = live
    assert account.connect_kwargs[0]["password"] == SECRET  # it did reach the connector
    texts = [
        "\n".join(lines),
        run.summary_text(),
        usage_text(run.usage),
        json.dumps(run.usage),
        run.result.write_json(out / "r.json").read_text(encoding="utf-8"),
        run.result.write_junit(out / "r.xml").read_text(encoding="utf-8"),
        "\n".join(e.line() for e in run.entries),
    ]
    for text in texts:
        assert SECRET not in text


def test_plan_lists_exactly_the_writes_a_run_sends(live, live_env, monkeypatch, fast):
    for key, value in live_env.items():
        monkeypatch.setenv(key, value)
    plan = plan_live("late_events", database=DATABASE, faults=FAIL_ORDERS, **fast)
    run = live[0]

    def writes(entries):
        return [(e.at, e.kind, e.sql, e.params, e.digest) for e in entries if e.kind not in ("read", "poll")]

    assert writes(plan.entries) == writes(run.entries)  # deploy, withheld RESUMEs, loads, EXECUTE TASK, teardown
    text = plan.text()
    assert SECRET not in text and "EXECUTE TASK RAW.TASK_RAW_TO_STG_ORDERS" in text and "not sent" in text
    assert text.count("\n") == len(plan.entries) + 5


def test_refuses_a_database_it_did_not_create(make_account, settings, fast):
    account = make_account()
    account.engine.cursor().execute("CREATE DATABASE SNOWSIM_THEIRS")
    account.engine.cursor().execute("CREATE TABLE SNOWSIM_THEIRS.PUBLIC.KEEP_ME (X INT)")
    with pytest.raises(IsolationError, match="already exists .*--allow-existing"):
        run_live("late_events", settings=settings(), connect=account.connect, database="SNOWSIM_THEIRS",
                 echo=lambda _l: None, **fast)
    assert "SNOWSIM_THEIRS" in account.databases()
    assert account.engine.cursor().execute("SELECT COUNT(*) FROM SNOWSIM_THEIRS.PUBLIC.KEEP_ME").fetchall() == [(0,)]
    # Told explicitly, it deploys there, and still never drops what it did not create.
    run = run_live("late_events", settings=settings(), connect=account.connect, database="SNOWSIM_THEIRS",
                   allow_existing=True, echo=lambda _l: None, poll=PollPolicy(first=0.0),
                   **{**fast, "drain": "0s"})
    assert "SNOWSIM_THEIRS" in account.databases()
    assert not any(e.kind == TEARDOWN for e in run.entries)
    assert "existed before the run" in run.usage["database_outcome"]


def test_poll_timeout_is_clear_and_teardown_still_runs(clock, make_account, settings, fast):
    account = make_account(never_run_tasks=True)
    lines: list[str] = []
    policy = PollPolicy(first=1.0, factor=2.0, max_interval=8.0, timeout=60.0)
    with pytest.raises(PollTimeout, match=r"RAW.TASK_RAW_TO_STG_ORDERS: .*did not finish within 60 s"):
        run_live("late_events", settings=settings(), connect=account.connect, database="SNOWSIM_TIMEOUT",
                 poll=policy, sleep=clock.sleep, clock=clock.monotonic, echo=lines.append, **fast)
    assert clock.slept[:5] == [1.0, 2.0, 4.0, 8.0, 8.0] and max(clock.slept) <= 8.0  # bounded backoff
    assert sum(clock.slept) <= 60.0
    assert "SNOWSIM_TIMEOUT" not in account.databases()
    assert any("database SNOWSIM_TIMEOUT dropped" in line for line in lines)


def test_connection_lost_mid_run_still_drops_the_database(make_account, settings, fast):
    account = make_account(fail_first_session_on=60)  # past the deploy, while loading and running tasks
    with pytest.raises(ConnectionLost, match="connection failed mid-run: 250001"):
        run_live("late_events", settings=settings(), connect=account.connect, database="SNOWSIM_LOST",
                 poll=PollPolicy(first=0.0), sleep=lambda _s: None, echo=lambda _l: None, **fast)
    assert len(account.sessions) == 2  # the teardown came back on a new session
    assert account.sessions[1].statements == 1
    assert "SNOWSIM_LOST" not in account.databases()
