"""The replay runner on the real emulator: batching, the loop, observers, control faults, errors and exit codes."""

from __future__ import annotations

import gc
import json
from datetime import datetime, timedelta

import pytest

import snowsim
from snowsim.simulator import (
    EXIT_CONFIG,
    EXIT_FAILED,
    EXIT_OK,
    PipelineError,
    RunConfigError,
    ScenarioError,
    exit_code,
    plan_checks,
    run_scenario,
)
from snowsim.simulator.events import Event
from snowsim.simulator.ingestion import consumer_batches
from snowsim.simulator.pipeline import load_pipeline
from snowsim.simulator.runner import plan_faults
from snowsim.simulator.scenario import load_scenario
from snowsim.simulator.targets import EmulatorTarget, Target

T0 = datetime(2026, 1, 5, 8, 0, 0)


def _event(seconds: float, n: int) -> Event:
    at = T0 + timedelta(seconds=seconds)
    return Event(f"e{n}", "ORDER_CREATED", at, at, 1, {"order_id": f"ORD-{n}"}, f"ORD-{n}")


# ---------------------------------------------------------------- consumer batches


def test_batches_flush_at_max_events_at_the_arrival_of_the_last_one():
    events = [_event(i, i) for i in range(7)]  # one per second
    batches = list(consumer_batches(events, 3, timedelta(seconds=60), T0 + timedelta(hours=1)))
    assert [len(b.events) for b in batches] == [3, 3, 1]
    assert batches[0].at == T0 + timedelta(seconds=2)
    assert batches[1].at == T0 + timedelta(seconds=5)
    # The last, partial batch waits for its timer: first event + max_wait.
    assert batches[2].at == T0 + timedelta(seconds=66)
    assert [b.seq for b in batches] == [0, 1, 2]


def test_batches_flush_when_the_timer_fires_before_the_next_event():
    events = [_event(0, 0), _event(10, 1), _event(100, 2), _event(101, 3)]
    batches = list(consumer_batches(events, 50, timedelta(seconds=60), T0 + timedelta(hours=1)))
    assert [[e.event_id for e in b.events] for b in batches] == [["e0", "e1"], ["e2", "e3"]]
    assert batches[0].at == T0 + timedelta(seconds=60)


def test_events_arriving_after_the_end_are_never_delivered():
    events = [_event(0, 0), _event(59, 1), _event(60, 2)]
    batches = list(consumer_batches(events, 50, timedelta(seconds=30), T0 + timedelta(seconds=60)))
    delivered = [e.event_id for b in batches for e in b.events]
    assert delivered == ["e0", "e1"]
    # The consumer keeps running after the end: its last batch may flush after it.
    assert batches[-1].at == T0 + timedelta(seconds=89)


# ---------------------------------------------------------------- a whole run


class Recorder:
    """An observer that records the order of the calls it receives."""

    def __init__(self):
        self.calls = []

    def on_start(self, info):
        self.calls.append(("start", info))

    def on_tick(self, sample):
        self.calls.append(("tick", sample))

    def on_moment(self, moment):
        self.calls.append(("moment", moment))

    def on_finish(self, result):
        self.calls.append(("finish", result))


@pytest.fixture(scope="module")
def baseline_run(tmp_path_factory):
    recorder = Recorder()
    db = tmp_path_factory.mktemp("run") / "baseline.duckdb"
    result = snowsim.run_scenario(
        "baseline", pipeline="caves_albert_hardened", duration="4m", sample_every="1m", db_path=db, observer=recorder
    )
    return result, recorder, db


def test_a_clean_run_passes_with_exit_code_0(baseline_run):
    result, _, db = baseline_run
    assert result.passed, result.summary_text()
    assert result.exit_code == EXIT_OK
    assert result.scenario == "baseline" and result.pipeline == "caves_albert_hardened" and result.seed == 42
    assert result.events_delivered == result.events_generated > 100
    assert db.exists()  # the run's record, inspectable with any DuckDB client


def test_observer_sees_start_ticks_and_finish_in_order(baseline_run):
    result, recorder, _ = baseline_run
    kinds = [kind for kind, _ in recorder.calls]
    assert kinds[0] == "start" and kinds[-1] == "finish"
    info = recorder.calls[0][1]
    assert info.pipeline.name == "caves_albert_hardened" and info.total_events == result.events_generated
    assert info.end - info.start == timedelta(minutes=4)
    ticks = [s for kind, s in recorder.calls if kind == "tick"]
    assert ticks == result.samples
    # sample_every=1m: one sample per simulated minute, the last at the end of the drain.
    assert [s.at for s in ticks] == [T0 + timedelta(minutes=m) for m in range(1, len(ticks) + 1)]
    assert ticks[-1].at == result.ended_at


def test_samples_follow_the_flow_through_the_layers(baseline_run):
    result, _, _ = baseline_run
    first, last = result.samples[0], result.samples[-1]
    assert first.events_generated_so_far < last.events_generated_so_far == result.events_generated
    assert last.rows["RAW.RAW_EVENTS"] == result.events_delivered
    assert last.rows["PRODUCTION.ORDERS"] > 0
    assert last.backlog["RAW.STREAM_RAW_ORDERS"] == 0
    assert last.task_states["RAW.TASK_RAW_TO_STG_ORDERS"] in ("SUCCEEDED", "SKIPPED")
    assert last.task_runs > 0 and last.failures == 0
    assert any(s.latency_p95_s is not None and 0 < s.latency_p95_s < 180 for s in result.samples)


def test_latency_is_measured_per_final_table(baseline_run):
    result, _, _ = baseline_run
    orders = result.latency["PRODUCTION.ORDERS"]
    assert orders["pending"] == 0 and orders["reached"] > 0
    # Batches of at most 60 s, one-minute tasks with an AFTER child in the same run: under two minutes.
    assert 0 < orders["p50_s"] <= orders["p95_s"] <= orders["max_s"] <= 120


def test_timings_say_where_the_time_went(baseline_run):
    result, _, _ = baseline_run
    assert {"deploy", "ingest", "tasks", "checks", "total"} <= set(result.timings)
    assert sum(v for k, v in result.timings.items() if k != "total") <= result.timings["total"] * 1.05


def test_snowsim_exports_run_scenario_lazily():
    assert snowsim.run_scenario is run_scenario


class FreezeCounts:
    """An observer that records how many objects the cyclic GC ignores at each tick."""

    def __init__(self):
        self.counts = []

    def on_tick(self, sample):
        self.counts.append(gc.get_freeze_count())


def test_the_replay_stays_out_of_gc_passes_during_the_run_only():
    assert gc.get_freeze_count() == 0
    observer = FreezeCounts()
    run_scenario("baseline", pipeline="caves_albert_hardened", duration="2m", sample_every="1m", observer=observer)
    assert observer.counts and min(observer.counts) > 0
    assert gc.get_freeze_count() == 0


def test_a_run_leaves_the_callers_own_gc_freeze_alone():
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        observer = FreezeCounts()
        run_scenario("baseline", pipeline="caves_albert_hardened", duration="2m", sample_every="1m", observer=observer)
        assert set(observer.counts) == {frozen} and gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()


# ---------------------------------------------------------------- control faults and ingestion errors


def test_task_failure_is_injected_as_sql_and_recovered():
    fault = {"type": "task_failure", "task": "RAW.TASK_RAW_TO_STG_ORDERS", "at": "1m", "duration": "3m",
             "error": "warehouse it's gone"}
    result = run_scenario("task_failure", pipeline="caves_albert_hardened", duration="5m", faults=[fault],
                          sample_every="1m")
    faults = [m.text for m in result.moments if m.kind == "fault"]
    assert any(t.startswith("fail_task: RAW.TASK_RAW_TO_STG_ORDERS made to fail") for t in faults)
    assert any(t.startswith("recover_task: RAW.TASK_RAW_TO_STG_ORDERS restored") for t in faults)
    failed = [m.text for m in result.moments if m.kind == "task_failed"]
    # The failing body carries the fault's words into TASK_HISTORY (quote included), with Snowflake's error code.
    assert failed and "100038" in failed[0] and "warehouse it's gone" in failed[0]
    summary = result.task_summary["RAW.TASK_RAW_TO_STG_ORDERS"]
    assert summary["failed"] == 3 and summary["succeeded"] > 0 and summary["last_state"] in ("SUCCEEDED", "SKIPPED")
    # The scenario's own check on that task allows no failure: it fails and says why.
    own = next(c for c in result.checks if c.name == "task_failures RAW.TASK_RAW_TO_STG_ORDERS")
    assert not own.passed and "failed 3 times" in own.message and own.sample_rows[0]["state"] == "FAILED"
    # The root resumed after the outage and the backlog flowed through: nothing lost.
    reconcile = next(c for c in result.checks if c.type == "reconcile")
    assert reconcile.passed, reconcile.message


def test_a_strict_landing_loses_the_batch_of_a_broken_line():
    result = run_scenario("malformed_events", pipeline="caves_albert", duration="3m")
    errors = [m for m in result.moments if m.kind == "ingestion_error"]
    assert errors and "100069" in errors[0].text and "rejected" in errors[0].text
    assert result.ingestion["failed_batches"] >= 1
    assert result.ingestion["rows_loaded"] < result.events_delivered
    reconcile = next(c for c in result.checks if c.name == "reconcile PRODUCTION.ORDERS.ORDER_ID")
    assert not reconcile.passed and "batch was rejected" in reconcile.message
    assert result.exit_code == EXIT_FAILED


# ---------------------------------------------------------------- checks planned for another pipeline


def test_checks_naming_other_tables_are_replaced_by_generic_ones():
    checks, notes = plan_checks(load_scenario("baseline"), load_pipeline("orders_events"))
    kinds = {(c.type, getattr(c, "table", None)) for c in checks}
    assert ("reconcile", "ANALYTICS.ORDERS_EVENTS_CLEAN") in kinds
    assert ("unique", "ANALYTICS.ORDERS_EVENTS_CLEAN") in kinds
    assert ("task_failures", None) in kinds
    assert all("PRODUCTION." not in str(getattr(c, "table", "")) for c in checks)
    assert all(c.type != "sql" for c in checks)  # its query reads PRODUCTION.INVENTORY_CURRENT
    assert notes[0].startswith("15 of the scenario's checks skipped: pipeline orders_events has no PRODUCTION.")


def test_task_faults_naming_other_tasks_aim_at_the_pipelines_roots():
    """stale_stream and task_failure name caves_albert's tasks: on another pipeline they act on its root task."""
    pipeline = load_pipeline("dropshipping")
    stale, notes = plan_faults(load_scenario("stale_stream"), pipeline)
    assert [f.tasks for f in stale.faults if f.type == "pause_tasks"] == [["PROD.INGEST_ORDERS_TASK"]]
    assert notes == ["pause_tasks: RAW.TASK_RAW_TO_STG_ORDERS, RAW.TASK_RAW_TO_STG_INVENTORY not in pipeline "
                     "dropshipping; pausing PROD.INGEST_ORDERS_TASK"]
    failing, _ = plan_faults(load_scenario("task_failure"), pipeline)
    assert [f.task for f in failing.faults] == ["PROD.INGEST_ORDERS_TASK"]
    # the generic checks then allow the runs the fault fails (5 minutes of 1-minute ticks), and no other failure
    checks, _ = plan_checks(failing, pipeline)
    allowed = {c.task: c.max for c in checks if c.type == "task_failures"}
    assert allowed == {"PROD.INGEST_ORDERS_TASK": 5, "PROD.UPSERT_CUSTOMERS_TASK": 0, "PROD.UPSERT_INVENTORY_TASK": 0}
    same, notes = plan_faults(load_scenario("task_failure"), load_pipeline("caves_albert"))
    assert same == load_scenario("task_failure") and notes == []


def test_checks_of_the_scenarios_own_pipeline_are_kept_as_written():
    scenario = load_scenario("baseline")
    checks, notes = plan_checks(scenario, load_pipeline("caves_albert_hardened"))
    assert checks == list(scenario.checks) and notes == []


# ---------------------------------------------------------------- bad input: exit code 2


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda: run_scenario("no_such_scenario"), ScenarioError),
        (lambda: run_scenario("baseline", pipeline="no_such_pipeline"), PipelineError),
        (lambda: run_scenario("baseline", duration="-5m"), ScenarioError),
        (lambda: run_scenario("baseline", target="oracle"), RunConfigError),
        (lambda: run_scenario("baseline", sample_every="0s"), RunConfigError),
        (lambda: run_scenario("baseline", drain="soon"), RunConfigError),
    ],
)
def test_bad_input_raises_before_running_and_maps_to_exit_code_2(call, error):
    with pytest.raises(error) as info:
        call()
    assert exit_code(info.value) == EXIT_CONFIG


def test_overlapped_probes_give_the_same_run_as_probes_that_wait():
    """The emulator target runs latency probes in the background (Target.submit): the result is the one a target
    answering each probe at once gives, event by event."""

    class Waiting(EmulatorTarget):
        submit = Target.submit  # the base class's: runs the query at once

    def run(target):
        result = run_scenario("late_events", target=target, pipeline="caves_albert", duration="1h")
        data = json.loads(json.dumps(result.to_json(), default=str))
        for sample in data["samples"]:
            sample.pop("wall_seconds")
        data.pop("wall_seconds"), data.pop("timings")
        return data

    overlapped, waiting = run(EmulatorTarget()), run(Waiting())
    assert overlapped == waiting
    assert overlapped["latency"]["PRODUCTION.ORDERS"]["reached"] > 100
