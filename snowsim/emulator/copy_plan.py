"""COPY INTO <table>, parsed and resolved: the target, the stage, the file format, the copy options, and the
transformation every form of COPY amounts to.

docs: sql-reference/sql/copy-into-table, user-guide/data-load-transform. A plain JSON load is `SELECT $1`, a plain
CSV load `SELECT $1, ..., $n`, MATCH_BY_COLUMN_NAME `SELECT $1:"COL", ...`. The SELECT reads STAGE_CTE, a typed
placeholder for the parsed records (stage_reader.ROWS), so the emulator's translator handles `$1:a::NUMBER`,
CURRENT_TIMESTAMP() and friends as everywhere else.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlglot
from sqlglot import exp

from snowsim.emulator import errors, file_formats, stage_reader
from snowsim.emulator.catalog import CatalogObject
from snowsim.emulator.file_formats import FileFormat, parse_options, word
from snowsim.emulator.identifiers import normalize
from snowsim.emulator.stage_files import StageLocation, resolve
from snowsim.emulator.translate import parse
from snowsim.emulator.types import is_semi_structured

if TYPE_CHECKING:
    from snowsim.emulator.connection import Connection

STAGE_CTE = "__STAGE_ROWS"


# ---- ON_ERROR ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class OnError:
    """ON_ERROR = ABORT_STATEMENT | CONTINUE | SKIP_FILE | SKIP_FILE_<n> | 'SKIP_FILE_<n>%'."""

    mode: str
    count: int | None = None
    percent: float | None = None

    @classmethod
    def parse(cls, value: Any) -> OnError:
        """Parse the option value."""
        text = word(value or "ABORT_STATEMENT")
        if text in ("ABORT_STATEMENT", "CONTINUE", "SKIP_FILE"):
            return cls(text)
        m = re.fullmatch(r"SKIP_FILE_(\d+(?:\.\d+)?)(%?)", text)
        if m is None:
            raise errors.compilation_error(2119, f"invalid value [{value}] for parameter 'ON_ERROR'")
        if m.group(2):
            return cls("SKIP_FILE", percent=float(m.group(1)))
        return cls("SKIP_FILE", count=int(float(m.group(1))))

    def error_limit(self, parsed: int) -> int:
        """The result's error_limit column.

        Docs only say "if the number of errors reaches this limit, then abort". Seen from the service: CONTINUE
        reports the rows parsed (at least 1), SKIP_FILE_<n> reports n; for '<p>%' we report the smallest error count
        that exceeds p percent, which makes "reaches the limit" and "exceeds the percentage" agree.
        """
        if self.mode == "CONTINUE":
            return max(parsed, 1)
        if self.percent is not None:
            return math.floor(parsed * self.percent / 100) + 1
        if self.count is not None:
            return self.count
        return 1

    def skips_file(self, errors_seen: int, parsed: int) -> bool:
        """Whether a file with that many error rows is skipped entirely."""
        if self.mode == "CONTINUE" or errors_seen == 0:
            return False
        if self.percent is not None:
            return errors_seen * 100 > self.percent * parsed  # docs: "exceeds the specified percentage"
        if self.count is not None:
            return errors_seen >= self.count  # docs: "equal to or exceeds the specified number"
        return True


# ---- the statement, parsed and resolved -------------------------------------------------------------------------------
@dataclass
class CopyJob:
    """Everything a COPY needs, resolved before any file is read."""

    table: CatalogObject
    location: StageLocation
    fmt: FileFormat
    options: dict[str, Any]
    select: exp.Select  # Snowflake SELECT over STAGE_CTE producing __FILE, __ORD, then every table column
    targets: list[str]  # the columns the file's fields feed, in file-column order (for error column names)
    width: int  # CSV fields to materialise
    upper_keys: bool = False  # MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE
    transform: bool = False  # COPY INTO t FROM (SELECT ...)
    files: list[str] | None = None
    pattern: str | None = None
    on_error: OnError = field(default_factory=lambda: OnError("ABORT_STATEMENT"))


def _stage_text(node: exp.Expression) -> str | None:
    if isinstance(node, exp.Table):
        inner = node.this
        if isinstance(inner, exp.Var) and inner.name.startswith("@"):
            return inner.name
        if isinstance(inner, exp.Literal) and inner.is_string and inner.this.startswith("@"):
            return inner.this
    return None


def _options(tree: exp.Copy) -> dict[str, Any]:
    # sqlglot keeps COPY's parameters as nodes; their Snowflake text is what the shared option parser reads.
    text = " ".join(p.sql(dialect="snowflake") for p in tree.args.get("params") or [])
    return parse_options(text)


def _with_default_source(sql: str) -> str:
    """`COPY INTO t [options]` reads the table's own stage (docs: "the FROM clause can be omitted")."""
    if re.search(r"\bFROM\b", sql, re.I):
        return sql
    m = re.match(r"^(\s*COPY\s+INTO\s+)((?:\"(?:[^\"]|\"\")*\"|[^\s\"(])+)(.*)$", sql, re.I | re.S)
    return f"{m.group(1)}{m.group(2)} FROM @%{m.group(2)}{m.group(3)}" if m else sql


def _param_number(node: exp.Expression) -> int | None:
    target = node.this if isinstance(node, exp.Column) and isinstance(node.this, exp.Parameter) else node
    if isinstance(target, exp.Parameter):
        try:
            return int(target.name)
        except ValueError:
            return None
    return None


def _bind_stage(select: exp.Select, sql: str) -> tuple[exp.Table, int]:
    """Point the transformation's FROM at STAGE_CTE and turn `$n` / `alias.$n` into columns "$n"."""
    stages = [t for t in select.find_all(exp.Table) if _stage_text(t)]
    if len(stages) != 1 or len(list(select.find_all(exp.Table))) != 1:
        raise errors.not_supported("a COPY transformation that reads anything but one stage", sql)
    stage_node = stages[0]
    highest = 0

    def swap(node: exp.Expression) -> exp.Expression:
        nonlocal highest
        number = _param_number(node)
        if number is not None and not isinstance(node.parent, exp.Column):
            highest = max(highest, number)
            return exp.column(exp.to_identifier(f"${number}", quoted=True))
        return node

    original = stage_node.copy()
    replacement = exp.Table(this=exp.to_identifier(STAGE_CTE), alias=stage_node.args.get("alias"))
    stage_node.replace(replacement)
    select.transform(swap, copy=False)
    return original, highest


def prepare(conn: Connection, sql: str) -> CopyJob:
    """Parse and resolve a COPY INTO <table> statement."""
    tree = parse(_with_default_source(sql))
    if not isinstance(tree, exp.Copy):
        raise errors.not_supported("this COPY statement", sql)
    table, given = _target(conn, tree, sql)
    names = table.column_names()
    options = {**_stage_copy_options(conn, tree), **_options(tree)}
    _check_options(options, sql)
    source = (tree.args.get("files") or [None])[0]
    transform = isinstance(source, exp.Subquery)
    if transform:
        select = _checked_transformation(source.this.copy(), sql)
        stage_node, highest = _bind_stage(select, sql)
    else:
        select, stage_node, highest = None, source, 0
    location = resolve(conn, _stage_text(stage_node) or "")
    fmt = (file_formats.resolve(conn, options.get("FILE_FORMAT"))
           or (file_formats.lookup(conn, stage_node.args["format"].name) if stage_node.args.get("format") else None)
           or file_formats.stage_format(conn, location.stage) or FileFormat())
    if fmt.type not in ("JSON", "CSV"):
        raise errors.not_supported(f"loading {fmt.type} files", sql)
    pattern = options.get("PATTERN")
    if pattern is None and stage_node.args.get("pattern") is not None:
        pattern = stage_node.args["pattern"].name
    mbcn = word(options.get("MATCH_BY_COLUMN_NAME", "NONE"))
    if transform:
        if mbcn != "NONE":
            raise errors.compilation_error(2016, "match_by_column_name is not supported with copy transform.")
        targets = given or names
    else:
        select, targets = _implicit_select(table, given, fmt, mbcn)
        highest = len(targets) if fmt.type == "CSV" else 1
    if len(select.expressions) != len(targets):
        raise errors.compilation_error(
            2020, f"Insert value list does not match column list expecting {len(targets)} but got "
                  f"{len(select.expressions)}", "21S01")
    files = options.get("FILES")
    job = CopyJob(table, location, fmt, options, select, targets, max(highest, 1), mbcn == "CASE_INSENSITIVE",
                  transform, _as_list(files) if files is not None else None,
                  str(pattern) if pattern is not None else None, OnError.parse(options.get("ON_ERROR")))
    _complete_select(job)
    return job


# docs: sql-reference/sql/copy-into-table (copyOptions and the other parameters of COPY INTO <table>)
_EMULATED = {"FILES", "PATTERN", "FILE_FORMAT", "ON_ERROR", "SIZE_LIMIT", "PURGE", "RETURN_FAILED_ONLY", "FORCE",
             "MATCH_BY_COLUMN_NAME", "LOAD_UNCERTAIN_FILES"}
# Accepted without effect: lengths are not enforced by snowsim, so neither enforcing nor truncating changes anything.
_IGNORED = {"ENFORCE_LENGTH", "TRUNCATECOLUMNS"}
_NOT_EMULATED = {"VALIDATION_MODE", "INCLUDE_METADATA", "LOAD_MODE", "FILE_PROCESSOR", "CLUSTER_AT_INGEST_TIME",
                 "CREDENTIALS", "ENCRYPTION", "STORAGE_INTEGRATION"}


def _check_options(options: dict[str, Any], sql: str) -> None:
    for key in options:
        if key in _NOT_EMULATED:
            raise errors.not_supported(f"COPY ... {key}", sql)
        if key not in _EMULATED and key not in _IGNORED:
            raise errors.compilation_error(1003, f"syntax error line 1 at position 0 unexpected '{key}'.")


def _target(conn: Connection, tree: exp.Copy, sql: str) -> tuple[CatalogObject, list[str] | None]:
    """The table loaded and the column list given after its name, if any."""
    target = tree.this
    given = None
    if isinstance(target, exp.Schema):
        given = [normalize(c) if isinstance(c, exp.Identifier) else normalize(c.this) for c in target.expressions]
        target = target.this
    if not isinstance(target, exp.Table) or not isinstance(target.this, exp.Identifier) or _stage_text(target):
        raise errors.not_supported("COPY INTO <location> (unloading)", sql)
    table = conn.translator().resolve(target, kinds=("TABLE", "VIEW", "STREAM"))
    if table.kind != "TABLE":
        raise errors.compilation_error(2028, f"Object '{table.name}' is not a table; COPY into a {table.kind.lower()} "
                                             "is not allowed.")
    for col in given or []:
        if col not in table.column_names():
            raise errors.invalid_identifier(col)
    return table, given


def _checked_transformation(select: exp.Expression, sql: str) -> exp.Select:
    if not isinstance(select, exp.Select):
        raise errors.not_supported("a COPY transformation that is not a simple SELECT", sql)
    clauses = [k.upper() for k in ("where", "order", "limit", "fetch") if select.args.get(k) is not None]
    if clauses:
        # docs (user-guide/data-load-transform): filtering with WHERE, and ORDER BY, LIMIT, FETCH, TOP are not
        # supported in COPY transformations; the service's exact error text is not documented.
        raise errors.compilation_error(1003, f"COPY transformations do not support {', '.join(clauses)}.")
    return select


def _implicit_select(table: CatalogObject, given: list[str] | None, fmt: FileFormat,
                     mbcn: str) -> tuple[exp.Select, list[str]]:
    """The transformation a plain COPY amounts to, and the columns it feeds."""
    names = table.column_names()
    if fmt.type == "JSON" and mbcn in ("CASE_SENSITIVE", "CASE_INSENSITIVE"):
        keys = [c.upper() if mbcn == "CASE_INSENSITIVE" else c for c in names]
        text, targets = ", ".join(f"$1:{json.dumps(k)}" for k in keys), names
    elif fmt.type == "JSON":
        columns = [c for c in table.columns if given is None or c.name in given]
        if len(columns) != 1 or not is_semi_structured(columns[0].type) or (given is None and len(names) != 1):
            raise errors.ProgrammingError(
                msg="SQL compilation error:\nJSON file format can produce one and only one column of type variant, "
                    "object, or array. Load data into separate columns using the MATCH_BY_COLUMN_NAME copy option or "
                    "copy with transformation.", errno=2019, sqlstate="0A000")
        text, targets = "$1", [columns[0].name]
    else:
        targets = given or names
        text = ", ".join(f"${i}" for i in range(1, len(targets) + 1))
    select = sqlglot.parse_one(f"SELECT {text}", read="snowflake")
    select.set("from_", exp.From(this=exp.Table(this=exp.to_identifier(STAGE_CTE))))
    select.transform(lambda n: exp.column(exp.to_identifier(f"${_param_number(n)}", quoted=True))
                     if isinstance(n, exp.Parameter) else n, copy=False)
    return select, targets


def _stage_copy_options(conn: Connection, tree: exp.Copy) -> dict[str, Any]:
    # A named stage's COPY_OPTIONS apply unless the statement overrides them (docs: sql/create-stage).
    source = (tree.args.get("files") or [None])[0]
    node = source
    if isinstance(source, exp.Subquery):
        node = next((t for t in source.find_all(exp.Table) if _stage_text(t)), None)
    text = _stage_text(node) if node is not None else None
    if not text:
        return {}
    try:
        location = resolve(conn, text)
    except errors.ProgrammingError:
        return {}
    return dict(location.stage.info.get("copy_options") or {}) if location.stage is not None else {}


def _as_list(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _complete_select(job: CopyJob) -> None:
    """Make the SELECT produce __FILE, __ORD and every table column (converted), over a typed STAGE_CTE."""
    select = job.select
    by_target = {}
    for name, node in zip(job.targets, select.expressions, strict=True):
        by_target[name] = node.this if isinstance(node, exp.Alias) else node
    projections: list[exp.Expression] = [
        exp.alias_(exp.column(exp.to_identifier("__FILE", quoted=True)), "__FILE", quoted=True),
        exp.alias_(exp.column(exp.to_identifier("__ORD", quoted=True)), "__ORD", quoted=True),
    ]
    for i, col in enumerate(job.table.columns):
        if col.name in by_target:
            value = by_target[col.name]
        elif col.default is not None:
            value = exp.maybe_parse(col.default, dialect="snowflake")
        else:
            value = exp.null()
        if not is_semi_structured(col.type):
            value = exp.Cast(this=value, to=exp.DataType.build(col.type, dialect="snowflake"))
        projections.append(exp.alias_(value, f"__C{i}", quoted=True))
    select.set("expressions", projections)
    field_type = "VARIANT" if job.fmt.type == "JSON" else "VARCHAR"
    width = 1 if job.fmt.type == "JSON" else job.width
    body = ["CAST(NULL AS NUMBER) AS \"__FILE\"", "CAST(NULL AS NUMBER) AS \"__ORD\""]
    body += [f'CAST(NULL AS {field_type}) AS "${i}"' for i in range(1, width + 1)]
    body += [f'CAST(NULL AS {t}) AS "{k}"' for k, t in stage_reader.METADATA_COLUMNS.items()]
    select.set("with_", None)
    job.select = select.with_(STAGE_CTE, as_="SELECT " + ", ".join(body), dialect="snowflake")


