"""Finding a user's project from the current folder, and `sim init`."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import yaml

from snowsim.project import find_project, init_project
from snowsim.simulator.pipeline import load_pipeline
from snowsim.simulator.scenario import load_scenario
from snowsim.tui.graph import build_graph


def test_init_copies_a_shipped_pipeline(sim, tmp_path):
    result = sim("init", "proj")
    assert result.exit_code == 0, result.output
    root = tmp_path / "proj"
    for relative in ("sql/caves_albert_hardened/pipeline.yaml", "sql/caves_albert_hardened/05_tasks.sql",
                     "scenarios/baseline.yaml",
                     "scenarios/late_events.yaml", "tests/test_pipeline.py", ".github/workflows/snowsim.yml",
                     "README.md"):
        assert (root / relative).is_file(), relative
        assert f"created {root / relative}".replace(str(tmp_path) + "/", "") in result.output
    # the copied scenarios name the project's pipeline, and the copy validates against its SQL
    assert load_scenario(root / "scenarios" / "late_events.yaml").pipeline == "caves_albert_hardened"
    assert load_pipeline(root / "sql" / "caves_albert_hardened").name == "caves_albert_hardened"


def test_init_ci_workflow_runs_all_with_junit(tmp_path):
    init_project(tmp_path / "p")
    workflow = yaml.safe_load((tmp_path / "p" / ".github/workflows/snowsim.yml").read_text())
    steps = [s.get("run", "") for s in workflow["jobs"]["scenarios"]["steps"]]
    assert "sim run all --junit report.xml" in steps


def test_init_test_example_uses_the_plugin_fixtures(tmp_path):
    init_project(tmp_path / "p")
    tree = ast.parse((tmp_path / "p" / "tests/test_pipeline.py").read_text())
    params = {a.arg for f in tree.body if isinstance(f, ast.FunctionDef) for a in f.args.args}
    assert params == {"run_scenario", "snowsim_deploy", "snowsim_conn"}


def test_the_scaffolded_tests_pass_with_the_plugin(tmp_path):
    init_project(tmp_path / "p", pipeline=None)
    # A separate pytest process in the new project, as its CI would run it (the plugin comes from the entry point).
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
                          cwd=tmp_path / "p", capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 passed" in done.stdout


def test_init_minimal_pipeline_validates_and_is_drawn(sim, tmp_path):
    assert sim("init", "mini", "--minimal").exit_code == 0
    root = tmp_path / "mini"
    pipeline = load_pipeline(root / "sql" / "my_pipeline")
    graph = build_graph(pipeline)
    assert graph.nodes["RAW.TASK_MERGE_ORDERS"].writes == ["PROD.ORDERS"]
    assert load_scenario(root / "scenarios" / "smoke.yaml").pipeline == "my_pipeline"
    shown = sim("pipelines", "show", "my_pipeline", cwd=root / "tests")  # found from a subfolder
    assert shown.exit_code == 0
    assert "PROD.ORDERS table" in shown.output


def test_init_refuses_a_folder_that_is_not_empty(sim, tmp_path):
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    result = sim("init", "busy")
    assert result.exit_code == 2
    assert "is not empty (use --force" in result.stderr
    assert sim("init", "busy", "--force").exit_code == 0
    assert (tmp_path / "busy" / "notes.txt").read_text() == "mine"


def test_init_unknown_pipeline(sim):
    result = sim("init", "x", "--pipeline", "caves")
    assert result.exit_code == 2
    assert "unknown pipeline 'caves'" in result.stderr


def test_project_scenarios_shadow_shipped_ones(sim, tmp_path):
    init_project(tmp_path / "p", pipeline=None)
    (tmp_path / "p" / "scenarios" / "late_events.yaml").write_text(
        "name: late_events\ndescription: my own late events\npipeline: my_pipeline\nduration: 10m\n")
    result = sim("scenarios", "list", cwd=tmp_path / "p")
    lines = [line for line in result.output.splitlines() if line.lstrip().startswith("late_events")]
    assert len(lines) == 1 and "project" in lines[0] and "my_pipeline" in lines[0]
    assert "smoke" in result.output and "baseline" in result.output
    assert f"project: {tmp_path / 'p'}" in result.output
    shown = sim("scenarios", "show", "late_events", cwd=tmp_path / "p")
    assert "my own late events" in shown.output


def test_no_project_outside_one(tmp_path: Path):
    assert find_project(tmp_path).root is None
    assert {e.origin for e in find_project(tmp_path).scenarios()} == {"shipped"}


def test_invalid_project_scenario_is_listed_not_fatal(sim, tmp_path):
    init_project(tmp_path / "p", pipeline=None)
    (tmp_path / "p" / "scenarios" / "broken.yaml").write_text("name: broken\nduraton: 1h\n")
    result = sim("scenarios", "list", cwd=tmp_path / "p")
    assert result.exit_code == 0
    assert "invalid:" in result.output and "duraton: unknown field (did you mean" in result.output
    assert "smoke" in result.output  # the valid ones are still listed
