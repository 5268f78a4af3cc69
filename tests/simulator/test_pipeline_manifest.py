"""Shipped pipelines: manifests load, agree with their SQL, follow the deploy rules; bad manifests fail clearly."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp

from snowsim.simulator.pipeline import (
    SQL_ROOT,
    TASK_WAREHOUSE,
    Pipeline,
    PipelineError,
    list_pipelines,
    load_pipeline,
    split_statements,
)

SHIPPED = ["caves_albert", "caves_albert_hardened", "daily_kpis", "dropshipping", "orders_events", "star_schema"]
_CREATE = re.compile(
    r"^CREATE\s+(?:OR\s+REPLACE\s+)?(TABLE|VIEW|STREAM|TASK|STAGE)\s+(?:IF\s+NOT\s+EXISTS\s+)?(\S+)", re.I
)
_TASK = re.compile(r"^CREATE\s+OR\s+REPLACE\s+TASK\s+(?P<name>\S+)\s+(?P<header>.*?)\sAS\s(?P<body>.*)$", re.I | re.S)


@pytest.fixture(scope="module")
def pipelines() -> dict[str, Pipeline]:
    return {name: load_pipeline(name) for name in list_pipelines()}


def _created(pipeline: Pipeline) -> dict[str, str]:
    """Name -> kind for every CREATE in the pipeline's SQL, read independently of the loader."""
    out = {}
    for stmt in pipeline.statements():
        match = _CREATE.match(stmt.sql)
        if match:
            out[match[2].upper()] = match[1].upper()
    return out


def _tasks(pipeline: Pipeline) -> dict[str, dict[str, object]]:
    """Task name -> its schedule, predecessors, WHEN streams and body, parsed from the CREATE TASK text."""
    tasks = {}
    for stmt in pipeline.statements():
        match = _TASK.match(stmt.sql)
        if not match:
            continue
        header = match["header"]
        after = re.search(r"\bAFTER\s+(.+?)(?:\s+WHEN\b|$)", header, re.I | re.S)
        tasks[match["name"].upper()] = {
            "scheduled": bool(re.search(r"\bSCHEDULE\s*=", header, re.I)),
            "after": [n.strip().upper() for n in after[1].split(",")] if after else [],
            "streams": re.findall(r"SYSTEM\$STREAM_HAS_DATA\('([^']*)'\)", header, re.I),
            "body": match["body"],
            "path": stmt.path,
        }
    return tasks


# --- shipped pipelines ---------------------------------------------------------------------------------------------


def test_the_six_pipelines_are_shipped() -> None:
    assert list_pipelines() == SHIPPED


@pytest.mark.parametrize("name", SHIPPED)
def test_manifest_loads_with_its_sql_in_file_name_order(name: str, pipelines: dict[str, Pipeline]) -> None:
    pipeline = pipelines[name]
    files = pipeline.statements_files()
    assert pipeline.name == name and pipeline.directory == SQL_ROOT / name
    assert files[0].name == "01_database.sql"
    assert [f.name for f in files] == sorted(f.name for f in files)
    assert all(f.is_file() for f in files)
    assert pipeline.sql_script().count("CREATE") >= len(_created(pipeline))


@pytest.mark.parametrize("name", SHIPPED)
def test_statements_split_cleanly(name: str, pipelines: dict[str, Pipeline]) -> None:
    for stmt in pipelines[name].statements():
        assert stmt.sql and stmt.sql == stmt.sql.strip(), stmt
        assert not stmt.sql.endswith(";") and not stmt.sql.startswith("--"), stmt
        first_line = stmt.path.read_text(encoding="utf-8").splitlines()[stmt.line - 1]
        assert first_line.strip().startswith(stmt.sql.split()[0]), stmt


@pytest.mark.parametrize("name", SHIPPED)
def test_every_object_named_in_the_manifest_is_created_with_its_kind(name: str, pipelines: dict[str, Pipeline]) -> None:
    pipeline = pipelines[name]
    created = _created(pipeline)
    expected = {pipeline.landing.table: "TABLE"}
    if pipeline.landing.stage:
        expected[pipeline.landing.stage] = "STAGE"
    for layer in pipeline.layers:
        for attr, kind in (("tables", "TABLE"), ("views", "VIEW"), ("streams", "STREAM"), ("tasks", "TASK")):
            expected.update(dict.fromkeys(getattr(layer, attr), kind))
    expected.update(dict.fromkeys(pipeline.root_tasks, "TASK"))
    for name_, kind in expected.items():
        assert created.get(name_) == kind, f"{name_} should be created as a {kind}"
    for final in pipeline.final_tables:
        assert created.get(final.table) in ("TABLE", "VIEW")
    if pipeline.quality_checks:
        assert created[pipeline.quality_checks] == "VIEW"


@pytest.mark.parametrize("name", SHIPPED)
def test_database_name_only_in_01_and_renamed_by_sql_script(name: str, pipelines: dict[str, Pipeline]) -> None:
    """The live runner deploys into a scratch database, so no other file may name the default one."""
    pipeline = pipelines[name]
    word = re.compile(rf"\b{pipeline.database}\b", re.I)
    first, *rest = pipeline.statements_files()
    assert word.search(first.read_text(encoding="utf-8"))
    assert not [f.name for f in rest if word.search(f.read_text(encoding="utf-8"))]
    script = pipeline.sql_script(database="SNOWSIM_SCRATCH_1")
    assert not word.search(script)
    sqls = [s.sql for s in pipeline.statements(database="SNOWSIM_SCRATCH_1")]
    assert sqls[:2] == ["CREATE DATABASE IF NOT EXISTS SNOWSIM_SCRATCH_1", "USE DATABASE SNOWSIM_SCRATCH_1"]


@pytest.mark.parametrize("name", SHIPPED)
def test_task_graphs_follow_snowflake_rules(name: str, pipelines: dict[str, Pipeline]) -> None:
    """docs: user-guide/tasks-graphs (one schema per graph, children have no SCHEDULE), sql-reference/sql/alter-task
    (resume children before their root), sql-reference/functions/system_stream_has_data (a stream name string)."""
    pipeline = pipelines[name]
    tasks, created = _tasks(pipeline), _created(pipeline)
    assert set(pipeline.root_tasks) == {n for n, t in tasks.items() if t["scheduled"]}
    for task_name, task in tasks.items():
        assert task["scheduled"] != bool(task["after"]), f"{task_name}: a root has a SCHEDULE, a child an AFTER"
        assert all(parent in tasks for parent in task["after"])
        assert {p.split(".")[0] for p in [task_name, *task["after"]]} == {task_name.split(".")[0]}
        for stream in task["streams"]:
            assert re.fullmatch(r"[A-Z_]+\.[A-Z_]+", stream) and created.get(stream) == "STREAM", stream
    resumes = re.findall(r"^ALTER TASK (\S+) RESUME$", "\n".join(s.sql for s in pipeline.statements()), re.M)
    assert sorted(resumes) == sorted(tasks), "every task is resumed exactly once"
    order = {task_name: i for i, task_name in enumerate(resumes)}
    for task_name, task in tasks.items():
        for parent in task["after"]:
            assert order[task_name] < order[parent], f"{task_name} must be resumed before {parent}"


@pytest.mark.parametrize("name", SHIPPED)
def test_tasks_use_the_substitutable_warehouse(name: str, pipelines: dict[str, Pipeline]) -> None:
    pipeline = pipelines[name]
    headers = [s.sql.split(" AS ", 1)[0] for s in pipeline.statements() if s.sql.startswith("CREATE OR REPLACE TASK")]
    assert headers and all(f"WAREHOUSE = {TASK_WAREHOUSE}" in h for h in headers)
    swapped = [s.sql for s in pipeline.statements(warehouse="SNOWSIM_WH") if s.sql.startswith("CREATE OR REPLACE TASK")]
    assert all("WAREHOUSE = SNOWSIM_WH" in s and TASK_WAREHOUSE not in s for s in swapped)


@pytest.mark.parametrize("name", SHIPPED)
def test_sql_parses_as_snowflake(name: str, pipelines: dict[str, Pipeline]) -> None:
    """Tables, views and every task body are real Snowflake SQL to sqlglot (not an unparsed Command)."""
    pipeline = pipelines[name]
    for stmt in pipeline.statements():
        if _CREATE.match(stmt.sql) and _CREATE.match(stmt.sql)[1].upper() in ("TABLE", "VIEW"):
            assert isinstance(sqlglot.parse_one(stmt.sql, read="snowflake"), exp.Create), stmt
    for task_name, task in _tasks(pipeline).items():
        body = sqlglot.parse_one(task["body"], read="snowflake")
        assert isinstance(body, exp.Insert | exp.Merge), f"{task_name}: {type(body).__name__}"


@pytest.mark.parametrize("name", SHIPPED)
def test_landing_and_weaknesses_are_documented(name: str, pipelines: dict[str, Pipeline]) -> None:
    pipeline = pipelines[name]
    assert pipeline.seed_doc and pipeline.description
    if name.endswith("_hardened"):
        assert [w.scenario for w in pipeline.weaknesses] == ["stale_stream"], "only what SQL cannot fix"
    else:
        assert pipeline.weaknesses, "an as-written design documents its expected failures"
    adapted = (pipeline.directory / "02_raw.sql").read_text(encoding="utf-8").lower()
    assert "envelope" in adapted, "the landing file says how the seed's JSON was adapted to the snowsim envelope"


def test_copy_landing_names_its_stage_and_table(pipelines: dict[str, Pipeline]) -> None:
    landing = pipelines["orders_events"].landing
    assert landing.mode == "copy" and landing.stage == "RAW.ORDERS_EVENTS_STAGE"
    assert landing.copy_statement.startswith("COPY INTO RAW.ORDERS_EVENTS_RAW")
    assert all(
        p.landing.mode == "insert" and p.landing.stage is None for n, p in pipelines.items() if n != "orders_events"
    )


# --- splitting -------------------------------------------------------------------------------------------------------


def test_split_statements_ignores_semicolons_in_strings_comments_and_dollar_blocks() -> None:
    sql = (
        "-- header; with a semicolon\n"
        "SELECT 'a;b', 'it''s;' FROM t; // slash comment;\n"
        "\n"
        "SELECT $$ x; y $$ /* ; */ ;\n"
        "SELECT 1  -- no final semicolon\n"
    )
    assert split_statements(sql) == [
        (2, "SELECT 'a;b', 'it''s;' FROM t"),
        (4, "SELECT $$ x; y $$ /* ; */"),
        (5, "SELECT 1  -- no final semicolon"),
    ]
    assert split_statements("-- only a comment;\n;;\n") == []


def test_split_statements_names_the_file_of_unterminated_sql() -> None:
    with pytest.raises(PipelineError, match=r"broken\.sql: cannot split into statements"):
        split_statements("SELECT 'unterminated", "broken.sql")


# --- bad manifests ---------------------------------------------------------------------------------------------------


@pytest.fixture
def copy_of(tmp_path: Path):
    """Copy a shipped pipeline into tmp_path; returns (folder, edit(file, old, new))."""

    def make(name: str = "caves_albert") -> tuple[Path, object]:
        folder = tmp_path / name
        shutil.copytree(SQL_ROOT / name, folder)

        def edit(file: str, old: str, new: str) -> None:
            path = folder / file
            text = path.read_text(encoding="utf-8")
            assert old in text, f"{old!r} not in {file}"
            path.write_text(text.replace(old, new, 1), encoding="utf-8")

        return folder, edit

    return make


def _error(folder: Path) -> str:
    with pytest.raises(PipelineError) as info:
        load_pipeline(folder)
    return str(info.value)


def test_a_copied_pipeline_loads_from_its_path(copy_of) -> None:
    folder, _ = copy_of()
    assert load_pipeline(folder).directory == folder
    assert load_pipeline(str(folder / "pipeline.yaml")).name == "caves_albert"


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        (
            "pipeline.yaml",
            "  - name: RAW\n    tables:",
            "  - name: RAW\n    tablez:",
            r"pipeline\.yaml: layers\[0\]\.tablez: unknown field",
        ),
        (
            "pipeline.yaml",
            "mode: insert",
            "mode: stream",
            r"pipeline\.yaml: landing\.mode: Input should be 'insert' or 'copy' \(got 'stream'\)",
        ),
        ("pipeline.yaml", "database: CAVES_ALBERT\n", "", r"pipeline\.yaml: database: required field is missing"),
        (
            "pipeline.yaml",
            "table: RAW.RAW_EVENTS\n",
            "table: CAVES_ALBERT.RAW.RAW_EVENTS\n",
            r"landing\.table: 'CAVES_ALBERT\.RAW\.RAW_EVENTS' is not a schema-qualified name",
        ),
        (
            "pipeline.yaml",
            "RAW.STREAM_RAW_INVENTORY]",
            "RAW.NOPE]",
            r"pipeline\.yaml: layers\[0\]\.streams\[1\]: RAW\.NOPE must be a stream; no SQL file creates it",
        ),
        (
            "pipeline.yaml",
            "tables: [RAW.RAW_EVENTS]",
            "tables: [RAW.STREAM_RAW_ORDERS]",
            r"layers\[0\]\.tables\[0\]: RAW\.STREAM_RAW_ORDERS must be a table; it is a stream",
        ),
        (
            "pipeline.yaml",
            "EVENT_TYPE: event_type",
            "EVENT_KIND: event_type",
            r"landing\.columns\.EVENT_KIND: not a column of RAW\.RAW_EVENTS",
        ),
        (
            "pipeline.yaml",
            "EVENT_TYPE: event_type",
            "EVENT_TYPE: Payload.Type",
            r"landing\.columns\.EVENT_TYPE: 'Payload\.Type' is not an envelope path",
        ),
        (
            "pipeline.yaml",
            "root_tasks: [RAW.TASK_RAW_TO_STG_ORDERS, ",
            "root_tasks: [RAW.TASK_STG_TO_PROD_ORDERS, ",
            r"root_tasks\[0\]: RAW\.TASK_STG_TO_PROD_ORDERS has no SCHEDULE",
        ),
        (
            "pipeline.yaml",
            "    key: ORDER_ID\n",
            "    key: ORDER_NUMBER\n",
            r"final_tables\[0\]\.key: ORDER_NUMBER is not a column of PRODUCTION\.ORDERS",
        ),
        (
            "pipeline.yaml",
            "  - scenario: duplicates",
            "  - scenario: Duplicates!",
            r"weaknesses\[1\]\.scenario: 'Duplicates!' is not a lower_snake_case name",
        ),
        ("pipeline.yaml", "mode: insert\n", "mode: copy\n", r"landing: mode copy needs both stage and copy_statement"),
        (
            "03_tables.sql",
            "TABLE STAGING.STG_ORDERS",
            "TABLE CAVES_ALBERT.STAGING.STG_ORDERS",
            r"03_tables\.sql: line \d+: names the database CAVES_ALBERT",
        ),
        (
            "05_tasks.sql",
            "WAREHOUSE = COMPUTE_WH",
            "WAREHOUSE = ANALYTICS_WH",
            r"05_tasks\.sql: line 11: task RAW\.TASK_RAW_TO_STG_ORDERS must use WAREHOUSE = COMPUTE_WH",
        ),
    ],
)
def test_bad_manifest_names_file_field_and_problem(copy_of, file: str, old: str, new: str, expected: str) -> None:
    folder, edit = copy_of()
    edit(file, old, new)
    assert re.search(expected, _error(folder)), _error(folder)


def test_every_problem_is_reported_at_once(copy_of) -> None:
    folder, edit = copy_of()
    edit("pipeline.yaml", "mode: insert", "mode: stream")
    edit("pipeline.yaml", "database: CAVES_ALBERT", "database: 12")
    lines = _error(folder).splitlines()
    assert len(lines) == 2 and all(line.startswith(str(folder / "pipeline.yaml")) for line in lines)


def test_a_scheduled_task_missing_from_root_tasks_is_reported(copy_of) -> None:
    folder, edit = copy_of()
    edit(
        "pipeline.yaml",
        "root_tasks: [RAW.TASK_RAW_TO_STG_ORDERS, RAW.TASK_RAW_TO_STG_INVENTORY]",
        "root_tasks: [RAW.TASK_RAW_TO_STG_ORDERS]",
    )
    assert "root_tasks: the scheduled task RAW.TASK_RAW_TO_STG_INVENTORY is missing" in _error(folder)


def test_copy_statement_must_load_the_landing_table_from_the_stage(copy_of) -> None:
    folder, edit = copy_of("orders_events")
    edit("pipeline.yaml", "FROM @RAW.ORDERS_EVENTS_STAGE", "FROM @RAW.OTHER_STAGE")
    assert re.search(
        r"landing: copy_statement must be COPY INTO RAW\.ORDERS_EVENTS_RAW \.\.\. FROM @RAW\.ORDERS_EVENTS_STAGE",
        _error(folder),
    )


def test_sql_files_must_be_numbered(copy_of) -> None:
    folder, _ = copy_of()
    (folder / "extra.sql").write_text("SELECT 1;\n", encoding="utf-8")
    assert re.search(r"extra\.sql: SQL files must be named NN_name\.sql", _error(folder))


def test_invalid_yaml_and_non_mapping_are_reported(copy_of) -> None:
    folder, _ = copy_of()
    (folder / "pipeline.yaml").write_text("name: [unclosed\n", encoding="utf-8")
    assert re.search(r"pipeline\.yaml: invalid YAML", _error(folder))
    (folder / "pipeline.yaml").write_text("- just\n- a list\n", encoding="utf-8")
    assert re.search(r"pipeline\.yaml: must be a YAML mapping of fields, got list", _error(folder))


def test_missing_manifest_and_unknown_name(tmp_path: Path) -> None:
    assert re.search(r"no pipeline\.yaml in this folder", _error(tmp_path))
    with pytest.raises(PipelineError, match=r"unknown pipeline 'nope' \(shipped: caves_albert, caves_albert_hardened"):
        load_pipeline("nope")


def test_pipeline_error_is_a_value_error_with_its_parts(copy_of) -> None:
    folder, edit = copy_of()
    edit("pipeline.yaml", "mode: insert", "mode: stream")
    with pytest.raises(ValueError) as info:
        load_pipeline(folder)
    error = info.value
    assert isinstance(error, PipelineError)
    assert (error.path, error.field) == (folder / "pipeline.yaml", "landing.mode")
