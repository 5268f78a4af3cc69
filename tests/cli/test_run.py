"""`sim run scenario` and `sim run all` end to end: the real runner on the emulator, short scenarios."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from snowsim.project import init_project


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "scenario", "nope"], "error: unknown scenario 'nope'"),
        (["run", "scenario", "late_event"], "did you mean 'late_events'?"),
        (["run", "scenario", "late_events", "-p", "nope"], "error: unknown pipeline 'nope'"),
        (["run", "scenario", "late_events", "--duration", "2x"], "error: invalid duration '2x'"),
        (["run", "scenario", "late_events", "--duration", "0s"], "must be greater than 0"),
        (["run", "scenario", "late_events", "--speed", "fast"], "error: invalid speed 'fast'"),
        (["run", "scenario", "late_events", "--speed", "0x"], "error: invalid speed '0x'"),
        (["run", "scenario", "late_events", "--target", "prod"], "error: unknown target 'prod'"),
        (["run", "scenario", "./missing.yaml"], "missing.yaml: file not found"),
        (["run", "all", "--speed", "warp"], "error: invalid speed 'warp'"),
    ],
)
def test_bad_run_input_is_one_line_and_exit_2(sim, args, message):
    result = sim(*args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_invalid_scenario_file_names_file_and_field(sim, tmp_path):
    (tmp_path / "bad.yaml").write_text("name: bad\nduration: 1h\nfaults:\n  - {type: late, fraction: 2}\n")
    result = sim("run", "scenario", "./bad.yaml")
    assert result.exit_code == 2
    assert "bad.yaml: faults[0].fraction: must be between 0 and 1" in result.stderr


@pytest.fixture
def no_snowflake_config(monkeypatch, tmp_path):
    """No Snowflake configuration anywhere: no SNOWFLAKE_* variables, an empty home."""
    for name in [n for n in os.environ if n.startswith("SNOWFLAKE_")]:
        monkeypatch.delenv(name)
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


def test_live_target_without_configuration_is_one_line_exit_2(sim, no_snowflake_config):
    result = sim("run", "scenario", "late_events", "--target", "snowflake", "--no-tui", "-d", "5m")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: no Snowflake connection configured: pass --connection NAME")
    assert len(result.stderr.strip().splitlines()) == 1


def test_parity_without_configuration_is_one_line_exit_2(sim, no_snowflake_config):
    result = sim("parity", "scenario", "late_events", "-d", "5m")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: no Snowflake connection configured")
    assert "Traceback" not in result.output and "unsupported syntax" not in result.output


def test_plan_lists_what_a_live_run_would_send_without_connecting(sim, no_snowflake_config):
    result = sim("run", "scenario", "late_events", "-t", "snowflake", "--plan", "-d", "5m", "--warehouse", "SIM_WH")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("-- plan: scenario late_events on pipeline caves_albert")
    assert any("EXECUTE TASK RAW.TASK_RAW_TO_STG_ORDERS" in line for line in lines)
    assert any("DROP DATABASE" in line for line in lines)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--connection", "dev"], "error: --connection only apply to --target snowflake"),
        (["--plan"], "error: --plan shows what a live run would send: add --target snowflake"),
        (["-t", "snowflake", "--db", "x.duckdb"], "error: --db is the emulator's file"),
    ],
)
def test_live_options_need_the_live_target(sim, args, message):
    result = sim("run", "scenario", "late_events", *args)
    assert result.exit_code == 2
    assert result.stderr.startswith(message)


def test_run_without_a_terminal_prints_progress_lines_then_the_checks(sim, scenarios, tmp_path):
    result = sim("run", "scenario", scenarios.quick, "--json", "out.json", "--junit", "out.xml")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == ("snowsim: quick on caves_albert_hardened (emulator, seed 5) 2026-01-05 08:00 + 10m, "
                        f"{lines[0].split(', ')[-1]}")
    progress = [line for line in lines if line.startswith("[08:")]
    assert re.fullmatch(r"\[08:10\] [\d,]+ events  RAW [\d,]+  STAGING [\d,]+  PRODUCTION [\d,]+  "
                        r"tasks \d+ ok \d+ failed", progress[0])
    assert len(progress) == 2  # 08:10, then the end of the drain
    assert "✓ PASS" in result.stdout and "✗ FAIL" not in result.stdout
    assert lines[-1].startswith("PASSED all 3 checks")
    report = json.loads((tmp_path / "out.json").read_text())
    assert report["scenario"] == "quick"
    suite = ET.parse(tmp_path / "out.xml").getroot()
    assert len(list(suite.iter("testcase"))) == 3


def test_a_failing_check_exits_1_and_shows_why(sim, scenarios):
    result = sim("run", "scenario", scenarios.failing, "--duration", "5m")
    assert result.exit_code == 1, result.output
    failed = next(line for line in result.stdout.splitlines() if "✗ FAIL" in line)
    assert "row_count" in failed
    assert result.stdout.splitlines()[-1].startswith("FAILED 1 of 3 checks")


def test_keep_leaves_a_database_to_inspect_with_sim_sql_and_svg_saves_the_screen(sim, scenarios, tmp_path):
    result = sim("run", "scenario", scenarios.quick, "--duration", "5m", "--keep", "--seed", "7",
                 "--svg", "screen.svg")
    assert result.exit_code == 0, result.output
    svg = (tmp_path / "screen.svg").read_text()  # the final screen, as an image
    assert svg.startswith("<svg") and "PRODUCTION" in svg and "checks" in svg
    kept = list((tmp_path / ".snowsim" / "runs").glob("quick-*.duckdb"))
    assert len(kept) == 1
    assert f"database kept: {kept[0]}" in result.stdout
    counted = sim("sql", "--db", str(kept[0]), "-e", "SELECT COUNT(*) AS N FROM RAW.RAW_EVENTS", "-f", "csv")
    assert counted.exit_code == 0, counted.output
    assert int(counted.stdout.splitlines()[1]) > 0
    history = sim("sql", "--db", str(kept[0]), "-f", "csv", "-e",
                  "SELECT DISTINCT NAME FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY()) ORDER BY NAME")
    assert "TASK_RAW_TO_STG_ORDERS" in history.stdout


def test_run_all_runs_the_project_scenarios_into_one_report(sim, scenarios, tmp_path):
    project = tmp_path / "p"
    init_project(project, pipeline="caves_albert_hardened")
    for path in (project / "scenarios").iterdir():
        path.unlink()
    (project / "scenarios" / "good.yaml").write_text(scenarios.text.replace("name: quick", "name: good"))
    (project / "scenarios" / "bad.yaml").write_text(
        scenarios.text.replace("name: quick", "name: bad").replace("min: 1}", "min: 1000000000}"))
    result = sim("run", "all", "--duration", "3m", "--junit", "report.xml", "--json", "all.json", cwd=project)
    assert result.exit_code == 1, result.output
    out = result.stdout
    assert "✗ bad on caves_albert_hardened  2/3 checks passed" in out
    assert "✓ good on caves_albert_hardened  3/3 checks passed" in out
    assert "late_events" not in out  # only the project's scenarios
    assert out.splitlines()[-1] == "1/2 scenarios passed"
    suites = ET.parse(project / "report.xml").getroot()
    assert suites.tag == "testsuites" and len(list(suites)) == 2
    assert (suites.get("tests"), suites.get("failures")) == ("6", "1")
    assert [r["scenario"] for r in json.loads((project / "all.json").read_text())] == ["bad", "good"]


def test_run_all_refuses_bad_input_before_running_anything(sim, tmp_path):
    init_project(tmp_path / "p", pipeline=None)
    (tmp_path / "p" / "scenarios" / "typo.yaml").write_text("name: typo\npipeline: my_pipelin\n")
    result = sim("run", "all", cwd=tmp_path / "p")
    assert result.exit_code == 2
    assert "unknown pipeline 'my_pipelin' - did you mean 'my_pipeline'?" in result.stderr
    assert result.stdout == ""


def test_ctrl_c_stops_a_run_with_one_line_and_exit_130(scenarios, tmp_path):
    process = subprocess.Popen([sys.executable, "-m", "snowsim.cli", "run", "scenario", scenarios.quick, "--no-tui"],
                               cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout.readline().startswith("snowsim: quick on")  # the run has started
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert err.strip() == "interrupted: no checks ran"
    assert "Traceback" not in out + err
