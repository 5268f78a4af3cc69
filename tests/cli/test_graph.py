"""The flow graph read from a pipeline's SQL with sqlglot."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from snowsim.simulator.pipeline import SQL_ROOT, list_pipelines, load_pipeline
from snowsim.tui.graph import build_graph


@pytest.mark.parametrize("name", list_pipelines())
def test_every_task_of_a_shipped_pipeline_writes_a_table_and_every_stream_has_a_source(name):
    pipeline = load_pipeline(name)
    graph = build_graph(pipeline)
    manifest_tasks = {t for layer in pipeline.layers for t in layer.tasks}
    assert {t.name for t in graph.tasks()} == manifest_tasks
    for task in graph.tasks():
        assert task.writes, f"{task.name} writes nothing"
        assert task.schedule or task.after, f"{task.name} has no trigger"
        assert task.statement in ("INSERT", "MERGE")
    for node in graph.nodes.values():
        if node.kind == "stream":
            assert len(node.reads) == 1 and graph.nodes[node.reads[0]].kind == "table"


def test_caves_albert_reads_and_writes():
    graph = build_graph(load_pipeline("caves_albert"))
    task = graph.nodes["RAW.TASK_STG_TO_PROD_INVENTORY_CURRENT"]
    assert task.reads == ["STAGING.STREAM_STG_INVENTORY_CURRENT"]
    assert task.writes == ["PRODUCTION.INVENTORY_CURRENT"]  # the MERGE target is a write, not a read
    assert task.after == ["RAW.TASK_STG_TO_PROD_INVENTORY_HISTORY"]
    root = graph.nodes["RAW.TASK_RAW_TO_STG_ORDERS"]
    assert root.schedule == "1 MINUTE" and root.when_streams == ["RAW.STREAM_RAW_ORDERS"]
    assert graph.nodes["RAW.STREAM_RAW_ORDERS"].append_only
    assert not graph.nodes["STAGING.STREAM_STG_ORDERS"].append_only
    assert graph.downstream("RAW.RAW_EVENTS") == ["RAW.STREAM_RAW_ORDERS", "RAW.STREAM_RAW_INVENTORY"]
    assert graph.consumers("STAGING.STREAM_STG_ORDERS") == ["RAW.TASK_STG_TO_PROD_ORDERS"]
    assert set(graph.nodes["PRODUCTION.V_STOCKOUT_FORECAST"].reads) == {
        "PRODUCTION.INVENTORY_CURRENT", "PRODUCTION.INVENTORY_HISTORY"}


def test_copy_landing_reads_its_stage():
    graph = build_graph(load_pipeline("orders_events"))
    assert graph.nodes["RAW.ORDERS_EVENTS_RAW"].reads == ["RAW.ORDERS_EVENTS_STAGE"]


def test_child_with_two_predecessors():
    graph = build_graph(load_pipeline("star_schema"))
    assert graph.nodes["STAGING.TASK_FACT_ORDERS"].after == ["STAGING.TASK_DIM_CUSTOMER", "STAGING.TASK_DIM_PRODUCT"]


def test_ctes_unqualified_names_and_use_schema(tmp_path: Path):
    # A user's variant of caves_albert: a task body with a CTE and unqualified names after USE SCHEMA.
    folder = tmp_path / "variant"
    shutil.copytree(SQL_ROOT / "caves_albert", folder)
    (folder / "08_extra.sql").write_text(
        "USE SCHEMA PRODUCTION;\n"
        "CREATE OR REPLACE TABLE DAILY (D DATE, N NUMBER);\n"
        "CREATE OR REPLACE TASK RAW.TASK_DAILY\n"
        "    WAREHOUSE = COMPUTE_WH\n"
        "    AFTER RAW.TASK_STG_TO_PROD_ORDERS\n"
        "AS\n"
        "INSERT INTO DAILY WITH recent AS (SELECT ORDER_DATE FROM ORDERS) SELECT ORDER_DATE, COUNT(*) FROM recent "
        "GROUP BY 1;\n"
    )
    manifest = folder / "pipeline.yaml"
    text = manifest.read_text()
    listed = "tasks: [RAW.TASK_STG_TO_PROD_ORDERS,"
    manifest.write_text(text.replace(listed, listed.replace("[", "[RAW.TASK_DAILY, ")))
    graph = build_graph(load_pipeline(folder))
    task = graph.nodes["RAW.TASK_DAILY"]
    assert task.writes == ["PRODUCTION.DAILY"]
    assert task.reads == ["PRODUCTION.ORDERS"]  # the CTE `recent` is not an object
    assert "RAW.TASK_DAILY" in graph.downstream("PRODUCTION.ORDERS")
