"""TASK_HISTORY and task-graph runs: stored in DuckDB tables under _snowsim, buffered in Python between flushes.

docs: sql-reference/functions/task_history, functions/complete_task_graphs, functions/current_task_graphs.
Records are appended in memory while the scheduler runs (a simulated day of an idle 1-minute task is 1440 SKIPPED
rows) and written column-wise, one INSERT per table and flush. Times are stored as naive UTC TIMESTAMPs and shown as
TIMESTAMP_LTZ. A run whose COMPLETED_TIME lies after the virtual clock shows as EXECUTING (duration model).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, fields
from datetime import datetime
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from snowsim.emulator.catalog import META_SCHEMA

if TYPE_CHECKING:
    import duckdb

HISTORY_TABLE = f"{META_SCHEMA}.task_history"
GRAPHS_TABLE = f"{META_SCHEMA}.task_graph_runs"
NEXT_TABLE = f"{META_SCHEMA}.task_next_runs"
CLOCK_VARIABLE = "__snowsim_task_clock"  # naive-UTC virtual time, bound on each run of a history query

# TASK_HISTORY states (docs: functions/task_history)
SCHEDULED, EXECUTING, SUCCEEDED, FAILED = "SCHEDULED", "EXECUTING", "SUCCEEDED", "FAILED"
FAILED_AND_AUTO_SUSPENDED, CANCELLED, SKIPPED = "FAILED_AND_AUTO_SUSPENDED", "CANCELLED", "SKIPPED"
# SCHEDULED_FROM values; 'EXECUTE TASK' is spelled with a space in TASK_HISTORY (seen in public code querying it).
FROM_SCHEDULE, FROM_EXECUTE, FROM_TRIGGER = "SCHEDULE", "EXECUTE TASK", "TRIGGER"


@dataclass(slots=True)
class HistoryRecord:
    """One TASK_HISTORY row; field order is the table's column order (row_id first)."""

    row_id: int
    query_id: str | None
    name: str
    database_name: str
    schema_name: str
    query_text: str
    condition_text: str | None
    state: str
    error_code: str | None
    error_message: str | None
    scheduled_time: datetime
    query_start_time: datetime | None
    next_scheduled_time: datetime | None
    completed_time: datetime | None
    root_task_id: str
    graph_version: int
    run_id: int
    return_value: str | None
    scheduled_from: str
    attempt_number: int
    config: str | None
    query_hash: str | None
    query_hash_version: int | None
    query_parameterized_hash: str | None
    query_parameterized_hash_version: int | None
    graph_run_group_id: str
    backfill_info: str | None = None


@dataclass(slots=True)
class GraphRecord:
    """One task-graph run (COMPLETE_TASK_GRAPHS / CURRENT_TASK_GRAPHS); field order is the column order."""

    row_id: int
    root_task_name: str
    database_name: str
    schema_name: str
    state: str
    scheduled_from: str
    first_error_task_name: str | None
    first_error_code: str | None
    first_error_message: str | None
    scheduled_time: datetime
    query_start_time: datetime | None
    next_scheduled_time: datetime | None
    completed_time: datetime | None
    root_task_id: str
    graph_version: int
    run_id: int
    attempt_number: int
    config: str | None
    graph_run_group_id: str
    backfill_info: str | None = None


# Snowflake column types, for the translator's schema (names are the records' field names upper-cased).
_HISTORY_TYPES = {
    "row_id": "BIGINT", "graph_version": "BIGINT", "run_id": "BIGINT", "attempt_number": "BIGINT",
    "query_hash_version": "BIGINT", "query_parameterized_hash_version": "BIGINT", "scheduled_time": "TIMESTAMP",
    "query_start_time": "TIMESTAMP", "next_scheduled_time": "TIMESTAMP", "completed_time": "TIMESTAMP",
}  # fmt: skip


def _duck_columns(record_type: type) -> list[tuple[str, str]]:
    return [(f.name, _HISTORY_TYPES.get(f.name, "VARCHAR")) for f in fields(record_type)]


HISTORY_COLUMNS = _duck_columns(HistoryRecord)
GRAPH_COLUMNS = _duck_columns(GraphRecord)
NEXT_COLUMNS = [
    ("name", "VARCHAR"), ("database_name", "VARCHAR"), ("schema_name", "VARCHAR"), ("query_text", "VARCHAR"),
    ("condition_text", "VARCHAR"), ("scheduled_time", "TIMESTAMP"), ("root_task_id", "VARCHAR"),
    ("graph_version", "BIGINT"), ("run_id", "BIGINT"), ("config", "VARCHAR"),
]  # fmt: skip


def create_tables(duck: duckdb.DuckDBPyConnection) -> None:
    """Create the history tables if missing (they persist with path=)."""
    # No PRIMARY KEY on row_id: maintaining its index cost ~1.8 ms of each flush's commit (4.4 -> 2.8 ms, a 4-hour
    # caves_albert run); History.flush replaces a changed row by delete and append. (Files written by an older
    # snowsim keep theirs, which changes nothing.)
    for table, columns in ((HISTORY_TABLE, HISTORY_COLUMNS), (GRAPHS_TABLE, GRAPH_COLUMNS)):
        cols = ", ".join(f"{n} {t}" for n, t in columns)
        duck.execute(f"CREATE TABLE IF NOT EXISTS {table} ({cols})")
    cols = ", ".join(f"{n} {t}" for n, t in NEXT_COLUMNS)
    duck.execute(f"CREATE TABLE IF NOT EXISTS {NEXT_TABLE} ({cols})")


def next_row_id(duck: duckdb.DuckDBPyConnection) -> int:
    """The first free row id (history and graph runs share one counter)."""
    found = duck.execute(
        f"SELECT greatest((SELECT coalesce(max(row_id), 0) FROM {HISTORY_TABLE}), "
        f"(SELECT coalesce(max(row_id), 0) FROM {GRAPHS_TABLE}))"
    ).fetchone()[0]
    return int(found) + 1


def _append(appender: duckdb.Appender, rows: list[tuple]) -> None:
    """Append rows through DuckDB's appender: no SQL to parse and bind (10 rows of 27 columns: 1.12 -> 0.68 ms).

    Values are converted as bound parameters would be; the rows join the connection's open transaction.
    """
    if rows:
        try:
            appender.append_rows(rows)
            appender.flush()
        except BaseException:
            appender.clear()  # rows buffered before a bad one must not reach the next flush
            raise


def _rows(columns: list[tuple[str, str]], records: list) -> list[tuple]:
    row = attrgetter(*(n for n, _ in columns))
    return [row(r) for r in records]


class History:
    """Buffers history and graph-run records and writes them in batches."""

    def __init__(self, duck: duckdb.DuckDBPyConnection) -> None:
        self.duck = duck
        create_tables(duck)
        self._row_id = next_row_id(duck)
        self._tasks: dict[int, HistoryRecord] = {}  # row_id -> record, written at the next flush
        self._graphs: dict[int, GraphRecord] = {}
        # Ids of the history and graph-run rows already written (a changed record is replaced; both tables share
        # one id counter); ~60 bytes per run, far less than the row itself takes in DuckDB.
        self._written: set[int] = set()
        self._next_rows: list[tuple] | None = None  # replaces NEXT_TABLE at the next flush when set
        self._next_written: list[tuple] | None = None  # what NEXT_TABLE holds (None: unknown, e.g. a reopened file)
        self._appenders = {table: duck.appender(table) for table in (HISTORY_TABLE, GRAPHS_TABLE, NEXT_TABLE)}

    def new_id(self) -> int:
        """A fresh row id."""
        self._row_id += 1
        return self._row_id - 1

    def add(self, record: HistoryRecord | GraphRecord) -> None:
        """Buffer a new record, or mark a changed one for rewriting."""
        (self._tasks if isinstance(record, HistoryRecord) else self._graphs)[record.row_id] = record

    def set_next_runs(self, rows: list[tuple]) -> None:
        """The SCHEDULED rows (one per started scheduled root), in NEXT_COLUMNS order."""
        # Unchanged rows (a read of TASK_HISTORY without a tick in between) are not written again: a DELETE and an
        # INSERT less, and no transaction at all when nothing else is pending.
        self._next_rows = None if rows == self._next_written else rows

    @property
    def pending(self) -> bool:
        """Whether a flush has anything to write."""
        return bool(self._tasks or self._graphs or self._next_rows is not None)

    def flush(self) -> None:
        """Write buffered records (in one DuckDB transaction)."""
        if not self.pending:
            return
        self.duck.execute("BEGIN TRANSACTION")
        try:
            # Most records are written once, when their run ends (a graph run also starts and ends in one tick
            # unless a read flushes in between): they are appended. The few changed ones (auto-suspension, a graph
            # run read while executing) are deleted and appended again. The rows' physical order is not
            # observable: the table functions order by their times and the row id (_SCHEDULED_ROW_ID).
            for table, columns, records in ((HISTORY_TABLE, HISTORY_COLUMNS, self._tasks.values()),
                                            (GRAPHS_TABLE, GRAPH_COLUMNS, self._graphs.values())):
                changed = [r.row_id for r in records if r.row_id in self._written]
                if changed:
                    self.duck.execute(f"DELETE FROM {table} WHERE row_id IN (SELECT unnest(?::BIGINT[]))", [changed])
                _append(self._appenders[table], _rows(columns, list(records)))
            if self._next_rows is not None:
                self.duck.execute(f"DELETE FROM {NEXT_TABLE}")
                _append(self._appenders[NEXT_TABLE], self._next_rows)
            self.duck.execute("COMMIT")
        except BaseException:
            self.duck.execute("ROLLBACK")
            raise
        self._written.update(self._tasks)
        self._written.update(self._graphs)
        if self._next_rows is not None:
            self._next_written = self._next_rows
        self._tasks.clear()
        self._graphs.clear()
        self._next_rows = None


# ---------------------------------------------------------------------------------------------------------------
# Query hashes (docs: functions/task_history QUERY_HASH columns; the algorithm is Snowflake's own, not public)
# ---------------------------------------------------------------------------------------------------------------

_LITERAL = re.compile(r"'(?:[^']|'')*'|\$\$.*?\$\$|\b\d+(?:\.\d+)?\b", re.S)


def query_hashes(text: str) -> tuple[str, str]:
    """(QUERY_HASH, QUERY_PARAMETERIZED_HASH): md5 of the whitespace-normalised text, and of it with literals as '?'."""
    normal = " ".join(text.split())
    parameterized = _LITERAL.sub("?", normal)
    return hashlib.md5(normal.encode()).hexdigest(), hashlib.md5(parameterized.encode()).hexdigest()


# ---------------------------------------------------------------------------------------------------------------
# The SQL behind the table functions (Snowflake-typed virtual views; see table_functions.py)
# ---------------------------------------------------------------------------------------------------------------

_NOW = f"getvariable('{CLOCK_VARIABLE}')"


def _ltz(column: str) -> str:
    return f"({column} AT TIME ZONE 'UTC')"


def _number(column: str) -> str:
    return f"CAST({column} AS DECIMAL(38, 0))"


# Ties in the functions' time order (TASK_HISTORY: SCHEDULED_TIME, COMPLETE_TASK_GRAPHS: COMPLETED_TIME,
# CURRENT_TASK_GRAPHS: SCHEDULED_TIME, all descending): the docs are silent on them, so snowsim shows the most
# recently created first. A stored row by its row id (creation order); a next SCHEDULED run (no row id) above every
# stored row and, among those, the root created last first: task_next_runs holds one batch, written in the roots'
# creation order, so its DuckDB rowid follows that order. Without a key, equal times came out in DuckDB's sort
# order, which changed with SNOWSIM_THREADS (and, with RESULT_LIMIT, so did the rows returned).
_SCHEDULED_ROW_ID = f"{2**62} + rowid"


def task_history_sql() -> str:
    """Every TASK_HISTORY row visible at the virtual clock: stored runs plus each root's next SCHEDULED run."""
    # One SELECT per source, typed in place (no outer SELECT over the UNION): 27 expressions less to bind, ~0.4 ms
    # of a poll. A run is shown EXECUTING until its COMPLETED_TIME (a NULL one compares to NULL: the ELSE branch).
    running = f"completed_time > {_NOW}"
    week = f"scheduled_time >= {_NOW} - INTERVAL 7 DAY"  # docs: runs of the past 7 days (and the next ones)
    stored = (
        "SELECT query_id AS QUERY_ID, name AS NAME, database_name AS DATABASE_NAME, schema_name AS SCHEMA_NAME, "
        "query_text AS QUERY_TEXT, condition_text AS CONDITION_TEXT, "
        f"CASE WHEN {running} THEN '{EXECUTING}' ELSE state END AS STATE, "
        f"CASE WHEN {running} THEN NULL ELSE error_code END AS ERROR_CODE, "
        f"CASE WHEN {running} THEN NULL ELSE error_message END AS ERROR_MESSAGE, "
        f"{_ltz('scheduled_time')} AS SCHEDULED_TIME, {_ltz('query_start_time')} AS QUERY_START_TIME, "
        f"{_ltz('next_scheduled_time')} AS NEXT_SCHEDULED_TIME, "
        f"CASE WHEN {running} THEN NULL ELSE {_ltz('completed_time')} END AS COMPLETED_TIME, "
        f"root_task_id AS ROOT_TASK_ID, {_number('graph_version')} AS GRAPH_VERSION, {_number('run_id')} AS RUN_ID, "
        f"CASE WHEN {running} THEN NULL ELSE return_value END AS RETURN_VALUE, scheduled_from AS SCHEDULED_FROM, "
        f"{_number('attempt_number')} AS ATTEMPT_NUMBER, config AS CONFIG, query_hash AS QUERY_HASH, "
        f"{_number('query_hash_version')} AS QUERY_HASH_VERSION, query_parameterized_hash AS QUERY_PARAMETERIZED_HASH, "
        f"{_number('query_parameterized_hash_version')} AS QUERY_PARAMETERIZED_HASH_VERSION, "
        "graph_run_group_id AS GRAPH_RUN_GROUP_ID, CAST(backfill_info AS JSON) AS BACKFILL_INFO, "
        f"row_id AS \"SNOWSIM_ROW_ID\" FROM {HISTORY_TABLE} "
        f"WHERE coalesce(query_start_time, scheduled_time) <= {_NOW} AND {week}"
    )
    scheduled = (
        f"SELECT NULL, name, database_name, schema_name, query_text, condition_text, '{SCHEDULED}', NULL, NULL, "
        f"{_ltz('scheduled_time')}, NULL, NULL, NULL, root_task_id, {_number('graph_version')}, {_number('run_id')}, "
        f"NULL, '{FROM_SCHEDULE}', 1, config, NULL, NULL, NULL, NULL, NULL, NULL, {_SCHEDULED_ROW_ID} "
        f"FROM {NEXT_TABLE} WHERE {week}"
    )
    return f"{stored} UNION ALL {scheduled}"


def graph_runs_sql(current: bool) -> str:
    """COMPLETE_TASK_GRAPHS (runs completed in the past 60 minutes) or CURRENT_TASK_GRAPHS (executing + next)."""
    if current:
        where = f"completed_time IS NULL OR completed_time > {_NOW}"
        state = f"'{EXECUTING}'"
    else:
        # docs: complete_task_graphs returns runs completed in the past 60 minutes
        where = f"completed_time <= {_NOW} AND completed_time > {_NOW} - INTERVAL 60 MINUTE"
        state = "state"
    cols = (
        f"root_task_name AS ROOT_TASK_NAME, database_name AS DATABASE_NAME, schema_name AS SCHEMA_NAME, "
        f"{state} AS STATE, scheduled_from AS SCHEDULED_FROM, first_error_task_name AS FIRST_ERROR_TASK_NAME, "
        "first_error_code AS FIRST_ERROR_CODE, first_error_message AS FIRST_ERROR_MESSAGE, "
        f"{_ltz('scheduled_time')} AS SCHEDULED_TIME, {_ltz('query_start_time')} AS QUERY_START_TIME, "
        f"{_ltz('next_scheduled_time')} AS NEXT_SCHEDULED_TIME, "
    )
    if not current:
        cols += f"{_ltz('completed_time')} AS COMPLETED_TIME, "
    cols += (
        "root_task_id AS ROOT_TASK_ID, CAST(graph_version AS DECIMAL(38, 0)) AS GRAPH_VERSION, "
        "CAST(run_id AS DECIMAL(38, 0)) AS RUN_ID, CAST(attempt_number AS DECIMAL(38, 0)) AS ATTEMPT_NUMBER, "
        "config AS CONFIG, graph_run_group_id AS GRAPH_RUN_GROUP_ID, CAST(backfill_info AS JSON) AS BACKFILL_INFO, "
        'row_id AS "SNOWSIM_ROW_ID"'
    )
    sql = f"SELECT {cols} FROM {GRAPHS_TABLE} WHERE query_start_time <= {_NOW} AND ({where})"
    if current:
        sql += (
            f" UNION ALL SELECT name, database_name, schema_name, '{SCHEDULED}', '{FROM_SCHEDULE}', NULL, NULL, NULL, "
            f"{_ltz('scheduled_time')}, NULL, NULL, root_task_id, CAST(graph_version AS DECIMAL(38, 0)), "
            f"CAST(run_id AS DECIMAL(38, 0)), CAST(1 AS DECIMAL(38, 0)), config, NULL, CAST(NULL AS JSON), "
            f"{_SCHEDULED_ROW_ID} FROM {NEXT_TABLE}"
        )
    return sql


TASK_HISTORY_TYPES: dict[str, Any] = {
    "QUERY_ID": "VARCHAR", "NAME": "VARCHAR", "DATABASE_NAME": "VARCHAR", "SCHEMA_NAME": "VARCHAR",
    "QUERY_TEXT": "VARCHAR", "CONDITION_TEXT": "VARCHAR", "STATE": "VARCHAR", "ERROR_CODE": "VARCHAR",
    "ERROR_MESSAGE": "VARCHAR", "SCHEDULED_TIME": "TIMESTAMP_LTZ", "QUERY_START_TIME": "TIMESTAMP_LTZ",
    "NEXT_SCHEDULED_TIME": "TIMESTAMP_LTZ", "COMPLETED_TIME": "TIMESTAMP_LTZ", "ROOT_TASK_ID": "VARCHAR",
    "GRAPH_VERSION": "NUMBER(38,0)", "RUN_ID": "NUMBER(38,0)", "RETURN_VALUE": "VARCHAR", "SCHEDULED_FROM": "VARCHAR",
    "ATTEMPT_NUMBER": "NUMBER(38,0)", "CONFIG": "VARCHAR", "QUERY_HASH": "VARCHAR",
    "QUERY_HASH_VERSION": "NUMBER(38,0)", "QUERY_PARAMETERIZED_HASH": "VARCHAR",
    "QUERY_PARAMETERIZED_HASH_VERSION": "NUMBER(38,0)", "GRAPH_RUN_GROUP_ID": "VARCHAR", "BACKFILL_INFO": "OBJECT",
    "SNOWSIM_ROW_ID": "NUMBER(38,0)",  # internal: breaks ties in the order (see _SCHEDULED_ROW_ID), not shown
}  # fmt: skip

_GRAPH_COMMON = {
    "ROOT_TASK_NAME": "VARCHAR", "DATABASE_NAME": "VARCHAR", "SCHEMA_NAME": "VARCHAR", "STATE": "VARCHAR",
    "SCHEDULED_FROM": "VARCHAR", "FIRST_ERROR_TASK_NAME": "VARCHAR", "FIRST_ERROR_CODE": "VARCHAR",
    "FIRST_ERROR_MESSAGE": "VARCHAR", "SCHEDULED_TIME": "TIMESTAMP_LTZ", "QUERY_START_TIME": "TIMESTAMP_LTZ",
    "NEXT_SCHEDULED_TIME": "TIMESTAMP_LTZ",
}  # fmt: skip
_GRAPH_TAIL = {
    "ROOT_TASK_ID": "VARCHAR", "GRAPH_VERSION": "NUMBER(38,0)", "RUN_ID": "NUMBER(38,0)",
    "ATTEMPT_NUMBER": "NUMBER(38,0)", "CONFIG": "VARCHAR", "GRAPH_RUN_GROUP_ID": "VARCHAR", "BACKFILL_INFO": "OBJECT",
    "SNOWSIM_ROW_ID": "NUMBER(38,0)",  # internal: breaks ties in the order (see _SCHEDULED_ROW_ID), not shown
}  # fmt: skip
COMPLETE_GRAPHS_TYPES = {**_GRAPH_COMMON, "COMPLETED_TIME": "TIMESTAMP_LTZ", **_GRAPH_TAIL}
CURRENT_GRAPHS_TYPES = {**_GRAPH_COMMON, **_GRAPH_TAIL}
