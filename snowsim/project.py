"""A user's snowsim project: its sql/ and scenarios/ found from the current directory, and `sim init` scaffolding."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from snowsim.simulator import pipeline as pipelines
from snowsim.simulator import scenario as scenarios
from snowsim.simulator.pipeline import MANIFEST_NAME, Pipeline
from snowsim.simulator.scenario import Scenario, ScenarioError

Origin = Literal["project", "shipped"]
# The hardened design passes the scenarios a new project starts with: its first `pytest` and CI run are green.
DEFAULT_PIPELINE = "caves_albert_hardened"
_SCENARIO_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Entry:
    """A scenario or pipeline a command can name: where it lives and whether the project or snowsim ships it."""

    name: str
    path: Path
    origin: Origin


class UnknownName(ValueError):
    """A scenario or pipeline name that neither the project nor snowsim has; the message lists the known ones."""


@dataclass(frozen=True)
class Project:
    """The folder holding a user's sql/<pipeline>/ and scenarios/, or none (only the shipped ones are visible)."""

    root: Path | None

    @property
    def sql_dir(self) -> Path | None:
        """The project's sql/ folder, if it has one."""
        return _existing_dir(self.root, "sql")

    @property
    def scenarios_dir(self) -> Path | None:
        """The project's scenarios/ folder, if it has one."""
        return _existing_dir(self.root, "scenarios")

    def scenarios(self, *, include_shipped: bool = True) -> list[Entry]:
        """The project's scenarios, then the shipped ones it does not shadow (a project file wins on a name clash)."""
        own: dict[str, Entry] = {}
        if self.scenarios_dir:
            for path in sorted(self.scenarios_dir.iterdir()):
                if path.suffix in _SCENARIO_SUFFIXES and path.is_file():
                    own.setdefault(path.stem, Entry(path.stem, path, "project"))
        shipped = [
            Entry(name, scenarios.SCENARIO_DIR / f"{name}.yaml", "shipped")
            for name in scenarios.list_scenarios()
            if include_shipped and name not in own
        ]
        return [*own.values(), *shipped]

    def pipelines(self) -> list[Entry]:
        """The project's pipelines, then the shipped ones it does not shadow."""
        own = {}
        if self.sql_dir:
            manifests = sorted(self.sql_dir.glob(f"*/{MANIFEST_NAME}"))
            own = {p.parent.name: Entry(p.parent.name, p.parent, "project") for p in manifests}
        shipped = [
            Entry(name, pipelines.SQL_ROOT / name, "shipped") for name in pipelines.list_pipelines() if name not in own
        ]
        return [*own.values(), *shipped]

    def scenario_path(self, name_or_path: str | Path) -> Path:
        """A scenario file by name (project first, then shipped) or by path; UnknownName lists the known ones."""
        if _looks_like_path(name_or_path, _SCENARIO_SUFFIXES):
            path = Path(name_or_path)
            if not path.is_file():
                raise ScenarioError(f"{path}: file not found")
            return path
        known = {e.name: e.path for e in self.scenarios()}
        if str(name_or_path) in known:
            return known[str(name_or_path)]
        raise UnknownName(_unknown("scenario", str(name_or_path), list(known)))

    def pipeline_dir(self, name_or_dir: str | Path) -> Path:
        """A pipeline folder by name (project first, then shipped) or by path; UnknownName lists the known ones."""
        if _looks_like_path(name_or_dir, ()):
            return Path(name_or_dir)
        known = {e.name: e.path for e in self.pipelines()}
        if str(name_or_dir) in known:
            return known[str(name_or_dir)]
        raise UnknownName(_unknown("pipeline", str(name_or_dir), list(known)))

    def load_scenario(self, name_or_path: str | Path, **overrides: Any) -> Scenario:
        """Load and validate a scenario found as scenario_path() finds it."""
        return scenarios.load_scenario(self.scenario_path(name_or_path), **overrides)

    def load_pipeline(self, name_or_dir: str | Path) -> Pipeline:
        """Load and validate a pipeline found as pipeline_dir() finds it."""
        return pipelines.load_pipeline(self.pipeline_dir(name_or_dir))


def find_project(start: Path | None = None) -> Project:
    """The nearest folder at or above `start` (default: cwd) with sql/*/pipeline.yaml or scenarios/*.yaml."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if any((folder / "sql").glob(f"*/{MANIFEST_NAME}")) or any(
            p.suffix in _SCENARIO_SUFFIXES for p in _children(folder / "scenarios")
        ):
            return Project(folder)
    return Project(None)


def _children(folder: Path) -> list[Path]:
    try:
        return list(folder.iterdir())
    except OSError:  # missing, or not a folder, or unreadable: not a project
        return []


def _existing_dir(root: Path | None, name: str) -> Path | None:
    return root / name if root is not None and (root / name).is_dir() else None


def _looks_like_path(value: str | Path, suffixes: tuple[str, ...]) -> bool:
    text = str(value)
    return isinstance(value, Path) or "/" in text or "\\" in text or text.startswith(".") or text.endswith(suffixes)


def _unknown(what: str, name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = f" - did you mean {close[0]!r}?" if close else ""
    return f"unknown {what} {name!r}{hint} (known: {', '.join(known) or 'none'})"


# ------------------------------------------------------------------------------------------------ sim init


class InitError(ValueError):
    """`sim init` cannot scaffold here (the folder is not empty, or the pipeline to copy is unknown)."""


def init_project(directory: Path, *, pipeline: str | None = DEFAULT_PIPELINE, force: bool = False) -> list[Path]:
    """Scaffold a project: sql/<pipeline>/ (a shipped copy, or a minimal one when pipeline is None), scenarios/,
    tests/ with a pytest example and a CI workflow; returns the files written."""
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise InitError(f"{directory} exists and is not a folder")
    if directory.is_dir() and any(directory.iterdir()) and not force:
        raise InitError(f"{directory} is not empty (use --force to write into it anyway)")
    if pipeline is not None and pipeline not in pipelines.list_pipelines():
        raise InitError(_unknown("pipeline", pipeline, pipelines.list_pipelines()))
    name = pipeline or MINIMAL_NAME
    files: dict[str, str] = {}
    if pipeline is None:
        files.update({f"sql/{name}/{file}": text for file, text in MINIMAL_PIPELINE.items()})
        files["scenarios/smoke.yaml"] = MINIMAL_SCENARIO
    else:
        source = pipelines.SQL_ROOT / pipeline
        for path in sorted(source.iterdir()):
            if path.is_file():
                files[f"sql/{name}/{path.name}"] = path.read_text(encoding="utf-8")
        for scenario in ("baseline", "late_events"):
            text = (scenarios.SCENARIO_DIR / f"{scenario}.yaml").read_text(encoding="utf-8")
            # The copy must name the project's pipeline, which shadows the shipped one of the same name.
            files[f"scenarios/{scenario}.yaml"] = _pin_pipeline(text, name)
    smoke = "smoke" if pipeline is None else "late_events"
    files["tests/test_pipeline.py"] = TEST_EXAMPLE.format(scenario=smoke, pipeline=name) + (
        MINIMAL_TEST if pipeline is None else "")
    files[".github/workflows/snowsim.yml"] = CI_WORKFLOW
    files["README.md"] = PROJECT_README.format(pipeline=name, scenario=smoke)
    written = []
    for relative, text in files.items():
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def _pin_pipeline(text: str, name: str) -> str:
    lines = text.splitlines(keepends=True)
    if any(line.startswith("pipeline:") for line in lines):
        return "".join(f"pipeline: {name}\n" if line.startswith("pipeline:") else line for line in lines)
    index = next((i + 1 for i, line in enumerate(lines) if line.startswith("name:")), 0)
    return "".join([*lines[:index], f"pipeline: {name}\n", *lines[index:]])


MINIMAL_NAME = "my_pipeline"

MINIMAL_PIPELINE: dict[str, str] = {
    "pipeline.yaml": """\
# The manifest tells snowsim how events land and how to draw and check the pipeline (see `sim pipelines show`).
name: my_pipeline
description: Order events land in RAW as VARIANT; a stream and a task stage them; a child task MERGEs them into PROD.
database: MY_PIPELINE
landing:
  table: RAW.RAW_EVENTS
  mode: insert
  parse: lenient
  columns:
    EVENT_ID: event_id
    EVENT_TYPE: event_type
    EVENT_TIMESTAMP: event_timestamp
    EVENT_DATA: $json
    INGESTION_TIMESTAMP: $ingestion_time
layers:
  - name: RAW
    tables: [RAW.RAW_EVENTS]
    streams: [RAW.RAW_EVENTS_STREAM]
  - name: STAGING
    tasks: [RAW.TASK_STAGE_ORDER_EVENTS]
    tables: [STAGING.ORDER_EVENTS]
    streams: [STAGING.ORDER_EVENTS_STREAM]
  - name: PROD
    tasks: [RAW.TASK_MERGE_ORDERS]
    tables: [PROD.ORDERS]
root_tasks: [RAW.TASK_STAGE_ORDER_EVENTS]
final_tables:
  - table: PROD.ORDERS
    key: ORDER_ID
    event_key: payload.order_id
    event_types: [ORDER_CREATED, ORDER_PAID, ORDER_SHIPPED, ORDER_DELIVERED, ORDER_CANCELLED, ORDER_REFUNDED]
    status_column: ORDER_STATUS
    event_time_column: LAST_EVENT_AT
""",
    "01_database.sql": """\
-- The database name appears in this file only, so a live run can deploy into a scratch database.
CREATE DATABASE IF NOT EXISTS MY_PIPELINE;
USE DATABASE MY_PIPELINE;
CREATE SCHEMA IF NOT EXISTS RAW;
CREATE SCHEMA IF NOT EXISTS STAGING;
CREATE SCHEMA IF NOT EXISTS PROD;
""",
    "02_raw.sql": """\
-- The landing table: one row per delivered event, the whole envelope kept as VARIANT.
CREATE OR REPLACE TABLE RAW.RAW_EVENTS (
    EVENT_ID            VARCHAR,
    EVENT_TYPE          VARCHAR,
    EVENT_TIMESTAMP     TIMESTAMP_NTZ,
    EVENT_DATA          VARIANT,
    INGESTION_TIMESTAMP TIMESTAMP_NTZ
);
""",
    "03_tables.sql": """\
CREATE OR REPLACE TABLE STAGING.ORDER_EVENTS (
    EVENT_ID            VARCHAR,
    EVENT_TYPE          VARCHAR,
    EVENT_TIMESTAMP     TIMESTAMP_NTZ,
    ORDER_ID            VARCHAR,
    ORDER_STATUS        VARCHAR,
    CUSTOMER_ID         VARCHAR,
    TOTAL_AMOUNT        NUMBER(12, 2),
    INGESTION_TIMESTAMP TIMESTAMP_NTZ
);

CREATE OR REPLACE TABLE PROD.ORDERS (
    ORDER_ID      VARCHAR,
    ORDER_STATUS  VARCHAR,
    CUSTOMER_ID   VARCHAR,
    TOTAL_AMOUNT  NUMBER(12, 2),
    LAST_EVENT_AT TIMESTAMP_NTZ,
    UPDATED_AT    TIMESTAMP_NTZ
);
""",
    "04_streams.sql": """\
-- Each stream has exactly one consuming task: a DML that reads a stream consumes all of it.
CREATE OR REPLACE STREAM RAW.RAW_EVENTS_STREAM ON TABLE RAW.RAW_EVENTS APPEND_ONLY = TRUE;
CREATE OR REPLACE STREAM STAGING.ORDER_EVENTS_STREAM ON TABLE STAGING.ORDER_EVENTS APPEND_ONLY = TRUE;
""",
    "05_tasks.sql": """\
-- Root: every minute, stage the new order events (deduplicated on EVENT_ID).
CREATE OR REPLACE TASK RAW.TASK_STAGE_ORDER_EVENTS
    WAREHOUSE = COMPUTE_WH
    SCHEDULE = '1 MINUTE'
    WHEN SYSTEM$STREAM_HAS_DATA('RAW.RAW_EVENTS_STREAM')
AS
INSERT INTO STAGING.ORDER_EVENTS (
    EVENT_ID, EVENT_TYPE, EVENT_TIMESTAMP, ORDER_ID, ORDER_STATUS, CUSTOMER_ID, TOTAL_AMOUNT, INGESTION_TIMESTAMP
)
SELECT
    EVENT_ID,
    EVENT_TYPE,
    EVENT_TIMESTAMP,
    EVENT_DATA:payload.order_id::VARCHAR,
    EVENT_DATA:payload.order_status::VARCHAR,
    EVENT_DATA:payload.customer_id::VARCHAR,
    TRY_TO_NUMBER(EVENT_DATA:payload.total_amount::STRING, 12, 2),
    INGESTION_TIMESTAMP
FROM RAW.RAW_EVENTS_STREAM
WHERE EVENT_TYPE LIKE 'ORDER_%' AND EVENT_DATA:payload.order_id IS NOT NULL
QUALIFY ROW_NUMBER() OVER (PARTITION BY EVENT_ID ORDER BY INGESTION_TIMESTAMP) = 1;

-- Child: apply the newest event of each order, and only if it is newer than what PROD holds (late events lose).
CREATE OR REPLACE TASK RAW.TASK_MERGE_ORDERS
    WAREHOUSE = COMPUTE_WH
    AFTER RAW.TASK_STAGE_ORDER_EVENTS
AS
MERGE INTO PROD.ORDERS AS tgt
USING (
    SELECT * FROM STAGING.ORDER_EVENTS_STREAM
    WHERE METADATA$ACTION = 'INSERT'
    QUALIFY ROW_NUMBER() OVER (PARTITION BY ORDER_ID ORDER BY EVENT_TIMESTAMP DESC, EVENT_ID DESC) = 1
) AS src
ON tgt.ORDER_ID = src.ORDER_ID
WHEN MATCHED AND src.EVENT_TIMESTAMP > tgt.LAST_EVENT_AT THEN UPDATE SET
    ORDER_STATUS = src.ORDER_STATUS,
    CUSTOMER_ID = COALESCE(src.CUSTOMER_ID, tgt.CUSTOMER_ID),
    TOTAL_AMOUNT = COALESCE(src.TOTAL_AMOUNT, tgt.TOTAL_AMOUNT),
    LAST_EVENT_AT = src.EVENT_TIMESTAMP,
    UPDATED_AT = CURRENT_TIMESTAMP()
WHEN NOT MATCHED THEN INSERT (ORDER_ID, ORDER_STATUS, CUSTOMER_ID, TOTAL_AMOUNT, LAST_EVENT_AT, UPDATED_AT)
VALUES (src.ORDER_ID, src.ORDER_STATUS, src.CUSTOMER_ID, src.TOTAL_AMOUNT, src.EVENT_TIMESTAMP, CURRENT_TIMESTAMP());
""",
    "07_resume_tasks.sql": """\
-- Tasks are created suspended: resume the children first, the root last.
ALTER TASK RAW.TASK_MERGE_ORDERS RESUME;
ALTER TASK RAW.TASK_STAGE_ORDER_EVENTS RESUME;
""",
}

MINIMAL_SCENARIO = """\
# A short, clean run with a few late and duplicated events: the checks say whether PROD.ORDERS ends up right.
name: smoke
description: 30 minutes of orders with 5% late and 2% duplicated events.
pipeline: my_pipeline
duration: 30m
seed: 42
traffic: {rate: 1, mix: {orders: 1}}
faults:
  - {type: late, fraction: 0.05, delay: [2m, 10m]}
  - {type: duplicate, fraction: 0.02}
checks:
  - {type: unique, table: PROD.ORDERS, columns: [ORDER_ID]}
  - {type: reconcile, table: PROD.ORDERS, key: ORDER_ID, status_column: ORDER_STATUS}
  - {type: task_failures, max: 0}
"""

TEST_EXAMPLE = '''\
"""Pipeline tests, run offline by pytest through the snowsim plugin (installed with snowsim)."""

from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
PIPELINE = PROJECT / "sql" / "{pipeline}"


def test_{scenario}_passes_its_checks(run_scenario):
    # Replays scenarios/{scenario}.yaml into the pipeline on the emulator; a short duration keeps the test fast.
    result = run_scenario(PROJECT / "scenarios" / "{scenario}.yaml", pipeline=PIPELINE, duration="10m")
    result.assert_passed()


def test_the_pipeline_deploys(snowsim_deploy, snowsim_conn):
    # snowsim_conn is a snowflake.connector-like connection on a virtual clock; snowsim_deploy runs the SQL files.
    pipeline = snowsim_deploy(PIPELINE)
    cur = snowsim_conn.cursor()
    cur.execute(f"SELECT COUNT(*) FROM {{pipeline.landing.table}}")
    assert cur.fetchone() == (0,)
'''

MINIMAL_TEST = '''

def test_a_late_event_does_not_move_an_order_back(snowsim_deploy, snowsim_conn):
    # Drive the tasks by hand: land events in RAW, move the virtual clock, read PROD.
    snowsim_deploy(PIPELINE)
    cur = snowsim_conn.cursor()
    land = "INSERT INTO RAW.RAW_EVENTS SELECT %s, %s, %s, PARSE_JSON(%s), %s"
    paid = \'{"payload": {"order_id": "ORD-1", "order_status": "PAID"}}\'
    created = \'{"payload": {"order_id": "ORD-1", "order_status": "CREATED"}}\'
    cur.execute(land, ["e2", "ORDER_PAID", "2026-01-05 08:00:30", paid, "2026-01-05 08:00:31"])
    snowsim_conn.advance(minutes=1)  # the root task runs at 08:01, its child MERGEs into PROD.ORDERS
    cur.execute(land, ["e1", "ORDER_CREATED", "2026-01-05 08:00:10", created, "2026-01-05 08:01:30"])
    snowsim_conn.advance(minutes=1)  # the late CREATED is older than PAID: the MERGE must ignore it
    cur.execute("SELECT ORDER_STATUS FROM PROD.ORDERS WHERE ORDER_ID = \'ORD-1\'")
    assert cur.fetchall() == [("PAID",)]
'''

CI_WORKFLOW = """\
# Runs every scenario of this project on the snowsim emulator and publishes a JUnit report.
name: snowsim
on: [push, pull_request]
jobs:
  scenarios:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - run: pip install snowsim pytest
      - run: sim run all --junit report.xml
      - run: pytest tests
      - uses: actions/upload-artifact@v4
        if: always()
        with:
          name: snowsim-report
          path: report.xml
"""

PROJECT_README = """\
# snowsim project

- `sql/{pipeline}/`: the pipeline, plain Snowflake SQL files run in name order, and `pipeline.yaml`.
- `scenarios/`: event scenarios (traffic, faults, checks) replayed on a virtual clock.
- `tests/`: pytest tests using the snowsim fixtures.

```bash
sim pipelines show {pipeline}        # the flow graph read from the SQL
sim run scenario {scenario}          # replay one scenario, live
sim run all --junit report.xml       # every scenario, as CI does
```
"""
