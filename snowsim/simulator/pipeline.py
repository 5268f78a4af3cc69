"""Shipped pipelines: the pipeline.yaml manifest beside each folder of Snowflake SQL, validated against that SQL."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal, NamedTuple

import sqlglot
import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator
from sqlglot import exp
from sqlglot.dialects.snowflake import Snowflake
from sqlglot.errors import SqlglotError
from sqlglot.tokens import TokenType

from snowsim.simulator.scenario import Check

SQL_ROOT = Path(__file__).resolve().parent.parent / "sql"
MANIFEST_NAME = "pipeline.yaml"
DATABASE_FILE = "01_database.sql"
# The warehouse every shipped task names; the live runner substitutes its own (see Pipeline.statements).
TASK_WAREHOUSE = "COMPUTE_WH"

_STATEMENT_FILE = re.compile(r"^\d{2}_[A-Za-z0-9_]+\.sql$")
_IDENT = r"[A-Za-z_][A-Za-z0-9_$]*"
_CREATE = re.compile(
    r"^CREATE\s+(?:OR\s+REPLACE\s+)?(?:(?:SECURE|TRANSIENT|TEMPORARY|TEMP)\s+)*"
    rf"(?P<kind>DATABASE|SCHEMA|TABLE|VIEW|STREAM|TASK|STAGE)\s+(?:IF\s+NOT\s+EXISTS\s+)?(?P<name>{_IDENT}(?:\.{_IDENT})*)",
    re.IGNORECASE,
)
_TASK_HEADER_END = re.compile(r"\sAS\s", re.IGNORECASE)
_WAREHOUSE_CLAUSE = re.compile(rf"\bWAREHOUSE\s*=\s*(?P<name>{_IDENT})", re.IGNORECASE)


class PipelineError(ValueError):
    """A pipeline folder is unusable; the message names the file, the field and the problem (one line each)."""

    def __init__(self, path: Path | str, field: str, problem: str, *, more: list[tuple[Path, str, str]] | None = None):
        self.path, self.field, self.problem = Path(path), field, problem
        lines = [f"{p}: {f}: {m}" if f else f"{p}: {m}" for p, f, m in [(path, field, problem), *(more or [])]]
        super().__init__("\n".join(lines))


class Statement(NamedTuple):
    """One SQL statement of a pipeline: its file, the line it starts on, and its text without the final ';'."""

    path: Path
    line: int
    sql: str


# --- field types -------------------------------------------------------------------------------------------------


def _object_name(value: str) -> str:
    if not re.fullmatch(rf"{_IDENT}\.{_IDENT}", value):
        raise ValueError(f"{value!r} is not a schema-qualified name like RAW.RAW_EVENTS (no database part)")
    return value.upper()


def _identifier(value: str) -> str:
    if not re.fullmatch(_IDENT, value):
        raise ValueError(f"{value!r} is not an unquoted Snowflake identifier")
    return value.upper()


def _envelope_path(value: str) -> str:
    if not re.fullmatch(r"[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*", value):
        raise ValueError(f"{value!r} is not an envelope path like event_id or payload.order_id")
    return value


def _column_source(value: str) -> str:
    return value if value in COLUMN_SOURCES else _envelope_path(value)


def _snake(value: str) -> str:
    if not re.fullmatch(r"[a-z][a-z0-9_]*", value):
        raise ValueError(f"{value!r} is not a lower_snake_case name")
    return value


def _event_type(value: str) -> str:
    if not re.fullmatch(r"[A-Z][A-Z0-9_]*", value):
        raise ValueError(f"{value!r} is not an event type like ORDER_CREATED")
    return value


ObjectName = Annotated[str, AfterValidator(_object_name)]
Identifier = Annotated[str, AfterValidator(_identifier)]
EnvelopePath = Annotated[str, AfterValidator(_envelope_path)]
Text = Annotated[str, Field(min_length=1)]
# Landing column sources besides envelope paths: the delivered line parsed as VARIANT, the line as text, and the
# instant the runner delivers it.
COLUMN_SOURCES = ("$json", "$line", "$ingestion_time")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Landing(_Model):
    """Where the simulator delivers events: the table, how (INSERT batches or stage + COPY INTO), and the columns."""

    table: ObjectName
    mode: Literal["insert", "copy"]
    # insert mode, how the consumer parses a line: strict = PARSE_JSON and casts, so one broken line fails the INSERT
    # of its whole batch (100069); lenient = TRY_PARSE_JSON and TRY_ casts, so it lands with NULLs ($line keeps it).
    parse: Literal["strict", "lenient"] = "strict"
    stage: ObjectName | None = None
    # copy mode: the COPY INTO the runner executes after putting event files on the stage.
    copy_statement: Text | None = None
    columns: dict[Identifier, Annotated[str, AfterValidator(_column_source)]] = Field(min_length=1)

    @model_validator(mode="after")
    def _mode_fields(self) -> Landing:
        if self.mode == "copy":
            if self.stage is None or self.copy_statement is None:
                raise ValueError("mode copy needs both stage and copy_statement")
            stmt = " ".join(self.copy_statement.upper().split())
            if not stmt.startswith(f"COPY INTO {self.table}") or f"@{self.stage}" not in stmt:
                raise ValueError(f"copy_statement must be COPY INTO {self.table} ... FROM @{self.stage}")
        elif self.stage is not None or self.copy_statement is not None:
            raise ValueError("stage and copy_statement are for mode copy only")
        return self


class Layer(_Model):
    """One node of the flow shown by the TUI, with the objects it holds and the tasks that feed it."""

    name: Text
    tables: list[ObjectName] = []
    views: list[ObjectName] = []
    streams: list[ObjectName] = []
    tasks: list[ObjectName] = []


class FinalTable(_Model):
    """A table (or view) the reconcile and latency checks compare with the events that should have reached it."""

    table: ObjectName
    key: Identifier
    event_key: EnvelopePath  # the envelope path whose value is the row's key
    event_types: list[Annotated[str, AfterValidator(_event_type)]] = Field(min_length=1)
    status_column: Identifier | None = None  # holds payload.order_status of the latest event (by event time)
    event_time_column: Identifier | None = None  # holds the event time of the latest event applied to the row


class Weakness(_Model):
    """A documented, expected failure of the design under one scenario."""

    scenario: Annotated[str, AfterValidator(_snake)]
    expect: Text
    # Checks that make the failure visible when the scenario's own checks name another pipeline's tables (runner.
    # plan_checks): the generic reconcile/unique checks do not see a field that silently became NULL.
    checks: list[Check] = []


class Pipeline(_Model):
    """A shipped pipeline: its manifest plus where its SQL lives; build it with load_pipeline()."""

    name: Annotated[str, AfterValidator(_snake)]
    description: Text
    seed_doc: Text | None = None
    database: Identifier
    landing: Landing
    layers: list[Layer] = Field(min_length=1)
    root_tasks: list[ObjectName] = Field(min_length=1)
    final_tables: list[FinalTable] = Field(min_length=1)
    # A view with columns CHECK_NAME, PASSED (BOOLEAN), DETAIL: the pipeline's own data-quality checks.
    quality_checks: ObjectName | None = None
    weaknesses: list[Weakness] = []

    _directory: Path = PrivateAttr()

    @property
    def directory(self) -> Path:
        """The folder holding pipeline.yaml and the SQL files."""
        return self._directory

    def statements_files(self) -> list[Path]:
        """The deploy scripts (NN_name.sql) in execution order."""
        return sorted(p for p in self._directory.iterdir() if p.is_file() and _STATEMENT_FILE.match(p.name))

    def statements(self, database: str | None = None, warehouse: str | None = None) -> list[Statement]:
        """Every deploy statement in order; database/warehouse rename the defaults as the live runner needs."""
        return [
            Statement(path, line, sql)
            for path in self.statements_files()
            for line, sql in split_statements(self._text(path, database, warehouse), path)
        ]

    def sql_script(self, database: str | None = None, warehouse: str | None = None) -> str:
        """The whole deploy script, files concatenated in order, with the same optional renames as statements()."""
        return "\n".join(self._text(path, database, warehouse).rstrip("\n") + "\n" for path in self.statements_files())

    def _text(self, path: Path, database: str | None, warehouse: str | None) -> str:
        text = path.read_text(encoding="utf-8")
        if database is not None and path.name == DATABASE_FILE:
            text = re.sub(rf"\b{re.escape(self.database)}\b", _identifier(database), text, flags=re.IGNORECASE)
        if warehouse is not None:
            pattern = rf"(\bWAREHOUSE\s*=\s*){re.escape(TASK_WAREHOUSE)}\b"
            text = re.sub(pattern, lambda m: m.group(1) + _identifier(warehouse), text, flags=re.IGNORECASE)
        return text


# --- SQL text ----------------------------------------------------------------------------------------------------


def split_statements(text: str, path: Path | str = "<sql>") -> list[tuple[int, str]]:
    """Split Snowflake SQL on ';' outside strings, $$ blocks and comments: (first line, statement) pairs."""
    try:
        tokens = Snowflake().tokenize(text)
    except SqlglotError as exc:
        raise PipelineError(path, "", f"cannot split into statements: {exc}") from None
    out: list[tuple[int, str]] = []
    start: int | None = None
    # Leading comments belong to no token, so a statement runs from its first token to its ';'.
    for token in tokens:
        if token.token_type == TokenType.SEMICOLON:
            if start is not None:
                out.append((text.count("\n", 0, start) + 1, text[start : token.start].strip()))
            start = None
        elif start is None:
            start = token.start
    if start is not None:
        out.append((text.count("\n", 0, start) + 1, text[start:].strip()))
    return out


class _Created(NamedTuple):
    kind: str
    statement: Statement


def _created_objects(statements: list[Statement]) -> dict[str, _Created]:
    """Schema-qualified name -> what CREATE statement makes it (the last one wins, as on redeploy)."""
    created: dict[str, _Created] = {}
    for stmt in statements:
        match = _CREATE.match(stmt.sql)
        if match:
            created[match["name"].upper()] = _Created(match["kind"].upper(), stmt)
    return created


def _table_columns(stmt: Statement) -> set[str] | None:
    """Column names of a CREATE TABLE statement, or None when sqlglot cannot read it."""
    try:
        tree = sqlglot.parse_one(stmt.sql, read="snowflake")
    except SqlglotError:
        return None
    return {col.name.upper() for col in tree.find_all(exp.ColumnDef)}


# --- loading -----------------------------------------------------------------------------------------------------


def list_pipelines() -> list[str]:
    """Names of the shipped pipelines (folders of snowsim/sql holding a pipeline.yaml)."""
    return sorted(p.parent.name for p in SQL_ROOT.glob(f"*/{MANIFEST_NAME}"))


def load_pipeline(name_or_dir: str | Path) -> Pipeline:
    """Load a pipeline by bare name (snowsim/sql/<name>/) or folder path; PipelineError says what is wrong."""
    directory = _resolve(name_or_dir)
    manifest = directory / MANIFEST_NAME
    if not manifest.is_file():
        raise PipelineError(directory, "", f"no {MANIFEST_NAME} in this folder")
    try:
        data = yaml.safe_load(manifest.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise PipelineError(manifest, "", f"invalid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise PipelineError(manifest, "", f"must be a YAML mapping of fields, got {type(data).__name__}")
    try:
        pipeline = Pipeline.model_validate(data)
    except ValidationError as exc:
        problems = [(manifest, _loc(err["loc"]), _message(err)) for err in exc.errors()]
        raise PipelineError(*problems[0], more=problems[1:]) from None
    pipeline._directory = directory
    problems = _check_against_sql(pipeline, manifest)
    if problems:
        raise PipelineError(*problems[0], more=problems[1:])
    return pipeline


def _resolve(name_or_dir: str | Path) -> Path:
    text = str(name_or_dir)
    if isinstance(name_or_dir, Path) or "/" in text or "\\" in text or text.startswith("."):
        path = Path(name_or_dir)
        return path.parent if path.name == MANIFEST_NAME and path.is_file() else path
    if not (SQL_ROOT / text / MANIFEST_NAME).is_file():
        known = ", ".join(list_pipelines()) or "none"
        raise PipelineError(SQL_ROOT / text, "", f"unknown pipeline {text!r} (shipped: {known})")
    return SQL_ROOT / text


def _loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _message(err: dict[str, Any]) -> str:
    if err["type"] == "extra_forbidden":
        return "unknown field"
    if err["type"] == "missing":
        return "required field is missing"
    msg = err["msg"].removeprefix("Value error, ")
    return msg if err["type"] == "value_error" else f"{msg} (got {err['input']!r})"


def _check_against_sql(pipeline: Pipeline, manifest: Path) -> list[tuple[Path, str, str]]:
    """Every way the manifest and the SQL files disagree, as (file, field, problem)."""
    problems: list[tuple[Path, str, str]] = []
    files = pipeline.statements_files()
    for stray in sorted(pipeline.directory.glob("*.sql")):
        if stray not in files:
            problems.append((stray, "", "SQL files must be named NN_name.sql (two digits give the execution order)"))
    if not files or files[0].name != DATABASE_FILE:
        return [*problems, (manifest, "", f"the first SQL file must be {DATABASE_FILE}")]
    created = _created_objects(pipeline.statements())

    def expect(field: str, name: str, *kinds: str) -> _Created | None:
        found = created.get(name)
        if found is not None and found.kind in kinds:
            return found
        what = f"it is a {found.kind.lower()}" if found else "no SQL file creates it"
        problems.append((manifest, field, f"{name} must be a {' or '.join(k.lower() for k in kinds)}; {what}"))
        return None

    db = created.get(pipeline.database)
    if db is None or db.kind != "DATABASE" or db.statement.path.name != DATABASE_FILE:
        problems.append((manifest, "database", f"{pipeline.database} is not created by {DATABASE_FILE}"))
    # The live runner renames the database in 01_database.sql only: the name anywhere else would escape the rename.
    word = re.compile(rf"\b{re.escape(pipeline.database)}\b", re.IGNORECASE)
    where = f"schema-qualified names, only {DATABASE_FILE} may name the database"
    for path in files[1:]:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if word.search(line):
                problems.append((path, f"line {number}", f"names the database {pipeline.database}: use {where}"))
    if pipeline.landing.copy_statement and word.search(pipeline.landing.copy_statement):
        problems.append((manifest, "landing.copy_statement", f"names the database {pipeline.database}"))

    landing = expect("landing.table", pipeline.landing.table, "TABLE")
    if pipeline.landing.stage:
        expect("landing.stage", pipeline.landing.stage, "STAGE")
    columns = _table_columns(landing.statement) if landing else None
    for column in pipeline.landing.columns:
        if columns is not None and column not in columns:
            problems.append((manifest, f"landing.columns.{column}", f"not a column of {pipeline.landing.table}"))

    listed: dict[str, str] = {}
    for i, layer in enumerate(pipeline.layers):
        for attr, kind in (("tables", "TABLE"), ("views", "VIEW"), ("streams", "STREAM"), ("tasks", "TASK")):
            for j, name in enumerate(getattr(layer, attr)):
                field = f"layers[{i}].{attr}[{j}]"
                expect(field, name, kind)
                if name in listed:
                    problems.append((manifest, field, f"{name} is already listed at {listed[name]}"))
                listed.setdefault(name, field)
    if pipeline.landing.table not in listed:
        problems.append((manifest, "landing.table", f"{pipeline.landing.table} is not listed in any layer"))

    tasks = {name: _task_header(c.statement) for name, c in created.items() if c.kind == "TASK"}
    for i, name in enumerate(pipeline.root_tasks):
        if expect(f"root_tasks[{i}]", name, "TASK") and not tasks[name].scheduled:
            problems.append((manifest, f"root_tasks[{i}]", f"{name} has no SCHEDULE, so it is not a root task"))
    for name, header in tasks.items():
        statement = created[name].statement
        if header.scheduled and name not in pipeline.root_tasks:
            problems.append((manifest, "root_tasks", f"the scheduled task {name} is missing"))
        if name not in listed:
            problems.append((manifest, "layers", f"the task {name} is not listed in any layer"))
        if header.warehouse not in (None, TASK_WAREHOUSE):
            problem = f"task {name} must use WAREHOUSE = {TASK_WAREHOUSE} or none (runners substitute it)"
            problems.append((statement.path, f"line {statement.line}", problem))

    for i, final in enumerate(pipeline.final_tables):
        found = expect(f"final_tables[{i}].table", final.table, "TABLE", "VIEW")
        columns = _table_columns(found.statement) if found and found.kind == "TABLE" else None
        for attr in ("key", "status_column", "event_time_column"):
            column = getattr(final, attr)
            if columns is not None and column is not None and column not in columns:
                problems.append((manifest, f"final_tables[{i}].{attr}", f"{column} is not a column of {final.table}"))
    if pipeline.quality_checks:
        expect("quality_checks", pipeline.quality_checks, "VIEW")
    return problems


class _TaskHeader(NamedTuple):
    scheduled: bool
    warehouse: str | None


def _task_header(stmt: Statement) -> _TaskHeader:
    """Whether a CREATE TASK has a SCHEDULE (a root) and which WAREHOUSE it names, read before its AS."""
    header = _TASK_HEADER_END.split(stmt.sql, maxsplit=1)[0]
    warehouse = _WAREHOUSE_CLAUSE.search(header)
    return _TaskHeader(
        scheduled=re.search(r"\bSCHEDULE\s*=", header, re.IGNORECASE) is not None,
        warehouse=warehouse["name"].upper() if warehouse else None,
    )
