"""`sim` commands that need no run: version, help, lists, shows, and their bad-input paths (exit 2, one line)."""

from __future__ import annotations

import pytest

from snowsim import __version__


def test_version(sim):
    result = sim("--version")
    assert result.exit_code == 0
    assert result.output.strip() == f"snowsim {__version__}"


@pytest.mark.parametrize(
    ("args", "example"),
    [
        ([], "sim run scenario late_events"),
        (["run", "scenario"], "sim run scenario task_failure --speed 60x"),
        (["run", "all"], "sim run all --junit report.xml"),
        (["scenarios", "list"], "sim scenarios list"),
        (["scenarios", "show"], "sim scenarios show late_events"),
        (["pipelines", "list"], "sim pipelines list"),
        (["pipelines", "show"], "sim pipelines show caves_albert"),
        (["init"], "sim init my-project --minimal"),
        (["sql"], 'sim sql --db run.duckdb -e "SELECT COUNT(*) FROM RAW.RAW_EVENTS"'),
    ],
)
def test_every_command_has_help_with_examples(sim, args, example):
    result = sim(*args, "--help")
    assert result.exit_code == 0, result.output
    assert example in result.output
    assert "-h" in result.output  # the short form works everywhere too


def test_shell_completion_is_offered(sim):
    assert "--install-completion" in sim("--help").output


def test_no_arguments_shows_help(sim):
    result = sim("run")
    assert "scenario" in result.output and "all" in result.output


def test_scenarios_list_shows_shipped_scenarios(sim):
    result = sim("scenarios", "list")
    assert result.exit_code == 0
    for name in ("baseline", "late_events", "task_failure", "stale_stream"):
        assert name in result.output
    assert "shipped" in result.output
    assert "15d3h" in result.output  # stale_stream's duration, read from its YAML


def test_scenarios_show(sim):
    result = sim("scenarios", "show", "task_failure")
    assert result.exit_code == 0
    assert "task=RAW.TASK_STG_TO_PROD_ORDERS" in result.output
    assert "stream_backlog" in result.output
    assert "seed       1007" in result.output


def test_pipelines_list(sim):
    result = sim("pipelines", "list")
    assert result.exit_code == 0
    assert "caves_albert_hardened" in result.output
    assert "RAW → STAGING → PRODUCTION → ANALYTICS" in result.output


def test_pipelines_show_draws_the_graph_read_from_sql(sim):
    result = sim("pipelines", "show", "caves_albert")
    assert result.exit_code == 0
    out = result.output
    # the tree follows table -> stream -> task -> table, with what each task is and how it starts
    lines = out.splitlines()
    stream = next(i for i, line in enumerate(lines) if "RAW.STREAM_RAW_ORDERS stream" in line)
    assert "RAW.TASK_RAW_TO_STG_ORDERS task  INSERT · every 1 minute" in lines[stream + 1]
    assert "STAGING.STG_ORDERS table" in lines[stream + 2]
    assert "MERGE · after RAW.TASK_STG_TO_PROD_INVENTORY_HISTORY" in out
    assert "↑ shown above" in out  # V_STOCKOUT_FORECAST reads two tables: drawn once, referenced once
    assert "05_tasks.sql:115" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["scenarios", "show", "nope"], "error: unknown scenario 'nope'"),
        (["scenarios", "show", "late_event"], "did you mean 'late_events'?"),
        (["pipelines", "show", "nope"], "error: unknown pipeline 'nope'"),
        (["pipelines", "show", "./nowhere"], "nowhere: no pipeline.yaml in this folder"),
        (["sql", "--db", "missing.duckdb"], "missing.duckdb: no such database file"),
        (["sql", "--format", "xml", "-e", "select 1"], "error: unknown format 'xml'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(sim, args, message):
    result = sim(*args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output
