"""Scenario files: shipped scenarios load, overrides apply, bad files name the file, the field and the problem."""

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from snowsim.simulator.durations import format_duration, parse_duration
from snowsim.simulator.generator import build
from snowsim.simulator.scenario import (
    SCENARIO_DIR,
    LateFault,
    ReconcileCheck,
    Scenario,
    ScenarioError,
    list_scenarios,
    load_scenario,
)

SHIPPED = [
    "baseline",
    "burst",
    "chaos",
    "duplicates",
    "late_events",
    "malformed_events",
    "out_of_order",
    "schema_drift",
    "stale_stream",
    "task_failure",
]


def test_every_expected_scenario_is_shipped():
    assert list_scenarios() == SHIPPED


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_scenario_loads_and_generates(name):
    scenario = load_scenario(name)
    assert scenario.name == name and scenario.pipeline == "caves_albert" and scenario.description
    assert scenario.checks, "a scenario without checks tests nothing"
    replay = build(scenario)
    assert replay.events and all(scenario.start <= e.event_time < scenario.end for e in replay.events)
    fault_types = {f.type for f in scenario.faults}
    assert set(replay.truth.touched) == fault_types
    if fault_types & {"task_failure", "pause_tasks"}:
        assert replay.controls


def test_shipped_scenarios_use_the_seed_pace_and_caves_albert_names():
    for name in SHIPPED:
        scenario = load_scenario(name)
        assert scenario.traffic.rate == 1
        tables = {getattr(c, "table", "") for c in scenario.checks} - {""}
        assert all(t.split(".")[0] in {"RAW", "STAGING", "PRODUCTION"} for t in tables), tables


def test_stale_stream_pauses_longer_than_the_default_stream_extension():
    """docs: user-guide/streams-intro (stale after MAX_DATA_EXTENSION_TIME_IN_DAYS, 14 days by default)."""
    scenario = load_scenario("stale_stream")
    pause = next(f for f in scenario.faults if f.type == "pause_tasks")
    assert pause.duration > timedelta(days=14)
    assert scenario.duration > pause.at + pause.duration  # the run sees the resume
    assert scenario.tick >= timedelta(hours=1)


def test_load_by_path_and_by_name_agree():
    assert load_scenario(SCENARIO_DIR / "late_events.yaml") == load_scenario("late_events")
    assert load_scenario(str(SCENARIO_DIR / "late_events.yaml")) == load_scenario("late_events")


def test_models_are_typed_and_defaulted():
    scenario = load_scenario("late_events")
    assert scenario.start == datetime(2026, 1, 5, 8) and scenario.duration == timedelta(hours=1)
    assert scenario.tick == timedelta(minutes=1)
    assert scenario.ingestion.mode == "batch" and scenario.ingestion.max_events == 50
    assert scenario.ingestion.max_wait == timedelta(seconds=60)
    late = scenario.faults[0]
    assert isinstance(late, LateFault) and late.delay == (timedelta(minutes=5), timedelta(minutes=45))
    assert any(isinstance(c, ReconcileCheck) and c.status_column == "ORDER_STATUS" for c in scenario.checks)
    assert scenario.end == datetime(2026, 1, 5, 9)


def test_overrides_apply_on_top_and_are_validated():
    scenario = load_scenario("baseline", duration="2h", seed=5, traffic={"rate": 3})
    assert (scenario.duration, scenario.seed, scenario.traffic.rate) == (timedelta(hours=2), 5, 3)
    assert scenario.traffic.mix == {"orders": 0.7, "inventory": 0.3}  # merged, not replaced
    assert scenario.with_overrides(seed=9).seed == 9
    with pytest.raises(ScenarioError, match=r"baseline\.yaml: duration: invalid duration 'soon'"):
        load_scenario("baseline", duration="soon")
    with pytest.raises(ScenarioError, match=r"scenario 'baseline': sed: unknown field \(did you mean 'seed'\?\)"):
        scenario.with_overrides(sed=1)


def test_start_with_a_zone_becomes_naive_utc():
    scenario = Scenario(name="tz", start="2026-01-05T09:00:00+01:00")
    assert scenario.start == datetime(2026, 1, 5, 8) and scenario.start.tzinfo is None


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    return path


def error_for(path: Path) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    err = info.value
    assert isinstance(err, ValueError)
    # No pydantic (or YAML) traceback chained underneath.
    assert err.__cause__ is None and (err.__context__ is None or err.__suppress_context__)
    message = str(err)
    assert "pydantic" not in message and "errors.pydantic.dev" not in message
    return message


@pytest.mark.parametrize(
    ("yaml_text", "field", "problem"),
    [
        (
            "name: x\nfaults:\n  - {type: late, fraction: 0.1}\n  - {type: duplicate, fraction: 1.5}\n",
            "faults[1].fraction",
            "must be between 0 and 1 (got 1.5)",
        ),
        ("name: x\nfaults:\n  - {type: late, fration: 0.1}\n", "faults[0].fration", "unknown field (did you mean 'fraction'?)"),
        ("name: x\nfaults:\n  - {type: late}\n", "faults[0].fraction", "field required"),
        ("name: x\nfaults:\n  - {type: latte, fraction: 0.1}\n", "faults[0]", "unknown type 'latte'"),
        ("name: x\nfaults:\n  - {fraction: 0.1}\n", "faults[0]", "field 'type' required"),
        ("name: x\nduration: 1 hour\n", "duration", "invalid duration '1 hour'"),
        ("name: x\ntraffic: {rate: 0}\n", "traffic.rate", "greater than 0"),
        ("name: x\ntraffic: {curve: weekly}\n", "traffic.curve", "'flat' or 'ecommerce'"),
        ("name: x\nfaults:\n  - {type: late, fraction: 0.1, delay: [10m, 1m]}\n", "faults[0].delay", "minimum 10m is greater"),
        (
            "name: x\nfaults:\n  - type: schema_drift\n    at: 5m\n    changes: [{op: rename_field, field: quantity}]\n",
            "faults[0].changes[0].to",
            "field required",
        ),
        ("name: x\nchecks:\n  - {type: row_count, table: PRODUCTION.ORDERS}\n", "checks[0]", "at least one of min, max, equals"),
        ("name: x\nchecks:\n  - {type: sql, name: n, query: q, expect: equals}\n", "checks[0]", "needs a value"),
        ("name: x\nchecks:\n  - {type: freshness, table: T, column: C, max_age: 0s}\n", "checks[0].max_age", "greater than 0"),
        ("name: x\ningestion: {mode: kafka}\n", "ingestion.mode", "'batch' or 'stage'"),
    ],
)  # fmt: skip
def test_bad_files_name_the_file_the_field_and_the_problem(tmp_path, yaml_text, field, problem):
    path = write(tmp_path, yaml_text)
    lines = error_for(path).splitlines()
    assert any(line.startswith(f"{path}: {field}: ") and problem in line for line in lines), lines


def test_offsets_past_the_end_of_the_run_are_rejected(tmp_path):
    path = write(tmp_path, "name: x\nduration: 1h\nfaults:\n  - {type: burst, at: 2h, window: 5m, multiplier: 3}\n")
    assert error_for(path) == f"{path}: faults[0].at: 2h is not before the end of the run (duration 1h)"


def test_every_error_of_a_file_is_reported(tmp_path):
    message = error_for(write(tmp_path, "name: x\nseed: many\ntick: never\n"))
    assert len(message.splitlines()) == 2
    assert ": seed: " in message and ": tick: " in message


def test_yaml_syntax_errors_give_the_line(tmp_path):
    path = write(tmp_path, "name: x\nfaults: [\n  {type: late\n")
    message = error_for(path)
    assert message.startswith(f"{path}: invalid YAML (line ")


def test_a_file_that_is_not_a_mapping_is_rejected(tmp_path):
    path = write(tmp_path, "- just\n- a list\n")
    assert error_for(path) == f"{path}: expected a mapping of scenario fields, got list"


def test_missing_file_and_unknown_name():
    with pytest.raises(ScenarioError, match=r"nowhere\.yaml: file not found"):
        load_scenario("nowhere.yaml")
    with pytest.raises(ScenarioError, match=r"no scenario named 'basline'; shipped scenarios: baseline, burst"):
        load_scenario("basline")


def test_name_defaults_to_the_file_stem(tmp_path):
    path = tmp_path / "my_case.yaml"
    path.write_text("duration: 10m\n")
    assert load_scenario(path).name == "my_case"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", timedelta(seconds=90)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("15d", timedelta(days=15)),
        ("250ms", timedelta(milliseconds=250)),
        ("1d 2h", timedelta(days=1, hours=2)),
        ("2w", timedelta(days=14)),
        (45, timedelta(seconds=45)),
    ],
)
def test_parse_duration(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "1x", "h", "1h30", "-5m", "soon", True, None])
def test_parse_duration_rejects_garbage(text):
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


def test_format_duration_is_the_inverse_of_parse():
    for text in ("15d3h", "1m30s", "250ms", "0s", "1h"):
        assert format_duration(parse_duration(text)) == text


def test_scenario_dumps_to_json_that_loads_back():
    scenario = load_scenario("chaos")
    dumped = scenario.model_dump(mode="json")
    assert dumped["duration"] == "1h" and dumped["faults"][0]["delay"] == ["5m", "30m"]
    assert Scenario.model_validate(dumped) == scenario
