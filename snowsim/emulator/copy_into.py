"""COPY INTO <table> FROM @stage: bulk loading staged JSON / CSV files, with Snowflake's per-file result.

docs: sql-reference/sql/copy-into-table, user-guide/data-load-transform, user-guide/querying-metadata,
user-guide/data-load-considerations-load. Every form is run as a COPY *transformation*: a plain JSON load is
`SELECT $1`, a plain CSV load `SELECT $1, ..., $n`, MATCH_BY_COLUMN_NAME `SELECT $1:"COL", ...`. The SELECT is
rewritten to read a CTE over the parsed records (stage_reader.ROWS) and translated by the emulator's translator, so
`$1:a::NUMBER`, CURRENT_TIMESTAMP() and friends mean what they mean everywhere else.

Order of work: (1) outside any transaction, read the files and evaluate the SELECT into a temporary table, isolating
rows whose conversion fails (vectorised with DuckDB's TRY(), else by bisection over row ranges); (2) decide each
file's fate from ON_ERROR; (3) inside the statement's transaction, insert the surviving rows stamped with the
transaction version (so streams see inserts and a rollback removes them) and queue the load metadata.
"""

from __future__ import annotations

import json
import math
import re
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import duckdb
import sqlglot
from snowflake.connector.cursor import ResultMetadata
from sqlglot import exp

from snowsim.emulator import errors, file_formats, json_faults, load_metadata, stage_files, stage_reader
from snowsim.emulator.catalog import CatalogObject
from snowsim.emulator.executor import command
from snowsim.emulator.file_formats import FileFormat, parse_options, word
from snowsim.emulator.identifiers import duck_ident, normalize
from snowsim.emulator.results import TYPE_CODES, Result
from snowsim.emulator.stage_files import StageLocation, resolve
from snowsim.emulator.stage_reader import ROWS, SourceFile
from snowsim.emulator.storage import history_table
from snowsim.emulator.translate import Translation, parse
from snowsim.emulator.types import is_semi_structured

if TYPE_CHECKING:
    from snowsim.emulator.connection import Connection

NO_FILES = "Copy executed with 0 files processed."
RESULT_COLUMNS = [("file", "TEXT"), ("status", "TEXT"), ("rows_parsed", "FIXED"), ("rows_loaded", "FIXED"),
                  ("error_limit", "FIXED"), ("errors_seen", "FIXED"), ("first_error", "TEXT"),
                  ("first_error_line", "FIXED"), ("first_error_character", "FIXED"),
                  ("first_error_column_name", "TEXT")]
STAGE_CTE = "__STAGE_ROWS"
_OUT = "__snowsim_copy_out"
_EXCL = "__snowsim_copy_excluded"
_SCRATCH = "__snowsim_copy_scratch"
_CAND = "__snowsim_copy_candidates"
_CHUNK = 2048  # rows per range in the first pass of bad-row isolation (DuckDB's vector size)
_CONTINUE_HINT = ("If you would like to continue loading when an error is encountered, use other values such as "
                  "'SKIP_FILE' or 'CONTINUE' for the ON_ERROR option. For more information on loading options, please "
                  "run 'info loading_data' in a SQL client.")
_MISSING = ("Remote file '{ref}' was not found. If you are running a copy command, please make sure files are not "
            "deleted when they are being loaded or files are not being loaded into two different tables concurrently "
            "with auto purge option.")
_MISSING_REPORTED = ("Remote file '{ref}' was not found. There are several potential causes. The file might not exist. "
                     "The required credentials may be missing or invalid. If you are running a copy command, please "
                     "make sure files are not deleted when they are being loaded or files are not being loaded into "
                     "two different tables concurrently with auto purge option.")


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
    if "VALIDATION_MODE" in options:
        raise errors.not_supported("COPY ... VALIDATION_MODE", sql)
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


# ---- choosing the files ---------------------------------------------------------------------------------------------------
@dataclass
class Outcome:
    """One row of COPY's result."""

    file: str
    status: str
    parsed: int = 0
    loaded: int = 0
    limit: int = 1
    seen: int = 0
    error: str | None = None
    line: int | None = None
    character: int | None = None
    column: str | None = None
    source: SourceFile | None = None
    errno: int | None = None
    sqlstate: str | None = None
    row_number: int | None = None  # the record's number in its file (error messages say "Row n")

    def row(self) -> tuple:
        """The result row."""
        return (self.file, self.status, self.parsed, self.loaded, self.limit, self.seen, self.error, self.line,
                self.character, self.column)


def _join(prefix: str, name: str) -> str:
    if not prefix:
        return name
    return prefix + name if prefix.endswith("/") else f"{prefix}/{name}"


def choose_files(conn: Connection, job: CopyJob) -> tuple[list[SourceFile], list[Outcome], list[Outcome]]:
    """(files to load, LOAD_SKIPPED rows, rows for FILES entries that are missing)."""
    loc = job.location
    force = file_formats.as_bool(job.options.get("FORCE", False))
    uncertain_ok = file_formats.as_bool(job.options.get("LOAD_UNCERTAIN_FILES", False))
    history = load_metadata.history(conn, job.table.info["id"])
    skipped: list[Outcome] = []
    missing: list[Outcome] = []
    if job.files is not None:
        # A PATTERN next to FILES is ignored (only the listed files load, docs: PATTERN note).
        candidates = []
        for name in job.files:
            path = _join(loc.path, name)
            found = loc.file(path)
            if found is None:
                ref = f"{loc.error_ref}/{path}"
                if job.on_error.mode == "ABORT_STATEMENT":
                    raise errors.ProgrammingError(msg=_MISSING.format(ref=ref), errno=91016, sqlstate="22000")
                missing.append(Outcome(loc.list_prefix + path, "LOAD_FAILED", limit=job.on_error.error_limit(0), seen=1,
                                       error=_MISSING_REPORTED.format(ref=ref)))
            else:
                candidates.append(found)
    else:
        candidates = loc.files()
        if job.pattern is not None:
            # Anchored at both ends, matched against the file's path inside the stage.
            regex = stage_files.pattern(job.pattern)
            candidates = [f for f in candidates if regex.fullmatch(f.path)]
    chosen: list[SourceFile] = []
    size_limit = job.options.get("SIZE_LIMIT")
    total = 0
    for staged in candidates:
        key = staged.md5()
        if not force:
            if history.live(loc.key, staged.path, key) is not None:
                if job.files is not None:  # seen from the service: listed files that were loaded are reported
                    skipped.append(Outcome(loc.list_prefix + staged.path, "LOAD_SKIPPED", limit=job.on_error.error_limit(0),
                                           error="File was loaded before."))
                continue
            if not uncertain_ok and history.uncertain(staged.last_modified):
                continue  # load status uncertain: skipped by default (docs: LOAD_UNCERTAIN_FILES)
        if size_limit is not None and chosen and total > int(size_limit):
            break  # docs: at least one file loads; loading stops once the threshold is exceeded
        total += staged.size
        chosen.append(SourceFile(len(chosen), staged, key))
    return chosen, skipped, missing


# ---- evaluating the SELECT --------------------------------------------------------------------------------------------
@dataclass
class RowError:
    """A record that failed conversion: its ordinal, the column (index into the table) and the error."""

    ord: int
    column: int | None
    errno: int = 100038
    sqlstate: str = "22018"
    message: str = ""


@dataclass
class Compiled:
    """A COPY statement resolved and translated once; reused while the catalog and session are unchanged (the runner
    issues the same COPY after every PUT)."""

    job: CopyJob
    base: exp.Expression  # the translated SELECT, its STAGE_CTE still the typed placeholder
    tree: exp.Expression  # the translated SELECT, reading ROWS minus the rows in _EXCL
    unfiltered: exp.Expression  # the same, also reading the rows in _EXCL (to describe their errors)
    translation: Translation
    sql: str


_COMPILED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_COMPILED_PER_CONNECTION = 64


def compile_copy(conn: Connection, sql: str) -> Compiled:
    """prepare() and translate, cached by statement text, session context and catalog version."""
    cache = _COMPILED.setdefault(conn, OrderedDict())
    key = (sql, conn.session.database, conn.session.schema, conn.session.generation, conn.catalog.version)
    compiled = cache.get(key)
    if compiled is not None:
        cache.move_to_end(key)
        return compiled
    job = prepare(conn, sql)
    tr = conn.translator()
    tree = tr.query(job.select.copy(), name_outputs=False)
    for i, col in enumerate(job.table.columns):
        node = tree.expressions[2 + i]
        if is_semi_structured(col.type):
            node.set("this", exp.Anonymous(this="sf_to_variant", expressions=[node.this]))
    filtered = _reading(tree, f"AND __ORD NOT IN (SELECT __ORD FROM {_EXCL})")
    compiled = Compiled(job, tree, filtered, _reading(tree, ""), tr.finish(tree), filtered.sql(dialect="duckdb"))
    cache[key] = compiled
    if len(cache) > _COMPILED_PER_CONNECTION:
        cache.popitem(last=False)
    return compiled


def _reading(tree: exp.Expression, extra: str) -> exp.Expression:
    """The translated query with STAGE_CTE reading ROWS between the __copy_lo and __copy_hi ordinals."""
    tree = tree.copy()
    for cte in tree.find_all(exp.CTE):
        if cte.alias_or_name.upper() == STAGE_CTE:
            cte.set("this", sqlglot.parse_one(
                f"SELECT * FROM {ROWS} WHERE __ORD BETWEEN getvariable('__copy_lo') AND getvariable('__copy_hi') "
                f"{extra}", read="duckdb"))
    return tree


class Evaluator:
    """Runs the translated SELECT over ROWS into _OUT, isolating the rows whose conversion fails."""

    def __init__(self, conn: Connection, compiled: Compiled) -> None:
        self.conn = conn
        self.job = compiled.job
        self.base = compiled.base
        self.tree = compiled.tree
        self.unfiltered = compiled.unfiltered
        self.translation = compiled.translation
        self.sql = compiled.sql

    def _range(self, lo: int, hi: int) -> None:
        self.conn.duck.execute(f"SET VARIABLE __copy_lo = {int(lo)}")
        self.conn.duck.execute(f"SET VARIABLE __copy_hi = {int(hi)}")

    def _materialise(self, sql: str, into: str) -> None:
        self.conn.duck.execute(f"CREATE OR REPLACE TEMP TABLE {into} AS {sql}")

    def run(self, first_only: bool) -> dict[int, RowError]:
        """Fill _OUT with the converted rows. Failing rows go to _EXCL (ordinal, column, kind) and are left out of
        _OUT; the returned errors describe the first failing row of each file (COPY reports one error per file).

        Finding failing rows, cheapest first: (1) rows whose value comes out NULL when error() returns NULL are the
        only candidates, and TRY() checks just those; (2) TRY() over every row; (3) narrowing row ranges.
        """
        duck = self.conn.duck
        duck.execute(f"CREATE OR REPLACE TEMP TABLE {_EXCL} (__ORD BIGINT, col INTEGER, kind VARCHAR)")
        self.conn.prepare_run(self.translation, dml=True)
        lo, hi = duck.execute(f"SELECT coalesce(min(__ORD), 0), coalesce(max(__ORD), -1) FROM {ROWS}").fetchone()
        self._range(lo, hi)
        if not self._materialised():
            candidates = _reading(self.base, f"AND __ORD IN (SELECT __ORD FROM {_CAND}) "
                                             f"AND __ORD NOT IN (SELECT __ORD FROM {_EXCL})")
            done = self._candidates() and self._flagged(candidates) and self._materialised()
            done = done or (self._flagged(self.tree) and self._materialised())
            if not done:
                found = self._bisect(lo, hi, first_only)
                duck.execute(f"INSERT INTO {_EXCL} SELECT unnest(?::BIGINT[]), NULL, 'conversion'", [found])
                self._range(lo, hi)
                self._materialise(self.sql, _OUT)  # failing now is not row-specific: it is the statement's error
        self._not_null()
        firsts = duck.execute(
            f"SELECT arg_min(e.__ORD, e.__ORD), arg_min(e.col, e.__ORD), arg_min(e.kind, e.__ORD) FROM {_EXCL} e "
            f"JOIN {ROWS} r USING (__ORD) GROUP BY r.__FILE").fetchall()
        described = {}
        for ord_, col, kind in firsts:
            if kind == "not null":
                described[ord_] = RowError(ord_, col, 100072, "22000", "NULL result in a non-nullable column")
            else:
                described[ord_] = self._describe(ord_, col)
        return described

    def _materialised(self) -> bool:
        """Try to fill _OUT from the rows not excluded; False if a row still fails."""
        try:
            self._materialise(self.sql, _OUT)
            return True
        except duckdb.Error:
            return False

    def _shadowed(self, macro: str, sql: str) -> bool:
        """Run `sql` with error() shadowed by a temporary macro; False if it fails.

        The emulator's macros raise Snowflake errors with error(). Macros are re-bound at each use, so during this one
        statement they call the shadow instead."""
        duck = self.conn.duck
        duck.execute(f"CREATE OR REPLACE TEMP MACRO error(msg) AS {macro}")
        try:
            duck.execute(sql)
            return True
        except duckdb.Error:
            return False
        finally:
            duck.execute("DROP MACRO IF EXISTS error")

    def _candidates(self) -> bool:
        """_CAND := rows where some value is NULL once error() returns NULL (a failing row is among them)."""
        tree = self.tree.copy()
        nulls = [exp.Is(this=node.this.copy(), expression=exp.null()) for node in self.tree.expressions[2:]]
        tree.set("expressions", [*tree.expressions[:2]])
        where = " OR ".join(n.sql(dialect="duckdb") for n in nulls) or "FALSE"
        tree = tree.where(sqlglot.parse_one(where, read="duckdb"), dialect="duckdb", copy=False)
        return self._shadowed("NULL", f"CREATE OR REPLACE TEMP TABLE {_CAND} AS SELECT __ORD FROM "
                                      f"({tree.sql(dialect='duckdb')})")

    def _flagged(self, source: exp.Expression) -> bool:
        """Find failing rows among those `source` reads (into _EXCL, with their first failing column) in one
        vectorised pass with TRY(); False when the pass cannot run or finds nothing.

        TRY() refuses volatile functions such as error(), so error() is shadowed by a failing CAST, which it accepts.
        """
        tree = source.copy()
        flags: list[exp.Expression] = tree.expressions[:2]
        for i, node in enumerate(source.expressions[2:]):
            text = exp.Cast(this=node.this.copy(), to=exp.DataType.build("VARCHAR"))
            probe = exp.DPipe(this=exp.func("coalesce", text, exp.Literal.string("")), expression=exp.Literal.string("x"))
            flags.append(exp.alias_(exp.Is(this=exp.Anonymous(this="try", expressions=[probe]), expression=exp.null()),
                                    f"__E{i}", quoted=True))
        tree.set("expressions", flags)
        count = len(flags) - 2
        where = " OR ".join(f'"__E{i}"' for i in range(count)) or "FALSE"
        first = "CASE " + " ".join(f'WHEN "__E{i}" THEN {i}' for i in range(count)) + " END" if count else "NULL"
        before = self.conn.duck.execute(f"SELECT count(*) FROM {_EXCL}").fetchone()[0]
        ran = self._shadowed("CASE WHEN CAST(msg AS INTEGER) IS NULL THEN NULL END",
                             f"INSERT INTO {_EXCL} SELECT __ORD, {first}, 'conversion' "
                             f"FROM ({tree.sql(dialect='duckdb')}) WHERE {where}")
        return ran and self.conn.duck.execute(f"SELECT count(*) FROM {_EXCL}").fetchone()[0] > before

    def _fails(self, lo: int, hi: int) -> bool:
        self._range(lo, hi)
        try:
            self._materialise(self.sql, _SCRATCH)
            return False
        except duckdb.Error:
            return True

    def _bisect(self, lo: int, hi: int, first_only: bool) -> list[int]:
        """Failing rows found by checking vector-sized chunks, then halving the failing ones (small range queries)."""
        found: list[int] = []

        def search(a: int, b: int) -> None:
            if a > b or (first_only and found) or not self._fails(a, b):
                return
            if a == b:
                found.append(a)
                return
            mid = (a + b) // 2
            search(a, mid)
            search(mid + 1, b)

        for start in range(lo, hi + 1, _CHUNK):
            search(start, min(start + _CHUNK - 1, hi))
        return found

    def _describe(self, ord_: int, column: int | None) -> RowError:
        """The Snowflake error of one failing row, and which column raised it."""
        self._range(ord_, ord_)
        columns = [column] if column is not None else list(range(len(self.job.table.columns)))
        for i in columns:
            tree = self.unfiltered.copy()
            tree.set("expressions", [*tree.expressions[:2], tree.expressions[2 + i]])
            try:
                self._materialise(tree.sql(dialect="duckdb"), _SCRATCH)
            except duckdb.Error as exc:
                err = errors.translate_duckdb_error(exc, self.sql)
                return RowError(ord_, i, err.errno, err.sqlstate or "22000", getattr(err, "raw_msg", None) or err.msg)
        return RowError(ord_, column, 100038, "22018", "conversion error")

    def _not_null(self) -> None:
        """NULL into a NOT NULL column is a row error: moved from _OUT to _EXCL."""
        required = [i for i, c in enumerate(self.job.table.columns) if not c.nullable]
        if not required:
            return
        checks = " OR ".join(f'"__C{i}" IS NULL' for i in required)
        first = "CASE " + " ".join(f'WHEN "__C{i}" IS NULL THEN {i}' for i in required) + " END"
        self.conn.duck.execute(f"INSERT INTO {_EXCL} SELECT __ORD, {first}, 'not null' FROM {_OUT} WHERE {checks}")
        self.conn.duck.execute(f"DELETE FROM {_OUT} WHERE {checks}")


# ---- per-file results ---------------------------------------------------------------------------------------------------
def _column_label(job: CopyJob, column: int | None) -> str:
    """`"TABLE"["COL":n]` as load errors name a column (n: the column's position in the load)."""
    name = job.table.columns[column].name if column is not None else job.targets[0]
    position = job.targets.index(name) + 1 if name in job.targets else column + 1 if column is not None else 1
    return f'"{job.table.name.name}"["{name}":{position}]'


def summarise(conn: Connection, job: CopyJob, sources: list[SourceFile], described: dict[int, RowError],
              field_counts: dict[int, int]) -> list[Outcome]:
    """One Outcome per file read, statuses decided by ON_ERROR."""
    duck = conn.duck
    good, parse_bad, first_parse = {}, {}, {}
    for f, n_good, n_bad, line, row, text in duck.execute(
            f"SELECT __FILE, count(__ORD), count(*) - count(__ORD), arg_min(__LINE, __LINE) FILTER (__ORD IS NULL), "
            f"arg_min(__ROW, __LINE) FILTER (__ORD IS NULL), arg_min(__TEXT, __LINE) FILTER (__ORD IS NULL) "
            f"FROM {ROWS} GROUP BY 1").fetchall():
        good[f], parse_bad[f] = n_good, n_bad
        if n_bad:
            first_parse[f] = (line, row, text)
    row_bad = {f: (n, line, rn, o) for f, n, line, rn, o in duck.execute(
        f'SELECT r.__FILE, count(*), arg_min(r.__LINE, r.__ORD), arg_min(r.__ROW, r.__ORD), '
        f"min(r.__ORD) FROM {_EXCL} e JOIN {ROWS} r USING (__ORD) GROUP BY 1").fetchall()}
    outcomes = []
    for src in sources:
        f = src.index
        parsed = int(good.get(f, 0)) + int(parse_bad.get(f, 0))
        n_row_bad, first_line, first_rn, first_ord = row_bad.get(f, (0, None, None, None))
        seen = int(parse_bad.get(f, 0)) + int(n_row_bad)
        out = Outcome(job.location.list_prefix + src.file.path, "LOADED", parsed, 0, job.on_error.error_limit(parsed),
                      seen, source=src)
        expected = len(job.targets)
        if job.fmt.type == "CSV" and not job.transform and field_counts.get(f, expected) != expected and \
                job.fmt.flag("ERROR_ON_COLUMN_COUNT_MISMATCH") and parsed:
            # Checked per file on the field count DuckDB's sniffer found (Snowflake checks each record).
            count = field_counts[f]
            out.seen = parsed
            out.error = (f"Number of columns in file ({count}) does not match that of the corresponding table "
                         f"({expected}), use file format option error_on_column_count_mismatch=false to ignore "
                         "this error")
            out.line, out.character, out.errno, out.sqlstate = int(job.fmt.get("SKIP_HEADER") or 0) + 1, 1, 100080, "22000"
            out.column = f'"{job.table.name.name}"[{min(count, expected) + 1}]'
        else:
            candidates = []
            if f in first_parse:
                line, row, text = first_parse[f]
                reason, pos = json_faults.fault(text)
                candidates.append((line, row, f"Error parsing JSON: {reason}", pos, _column_label(job, None), 100069,
                                   "22P02"))
            if n_row_bad:
                err = described[first_ord]
                candidates.append((first_line, first_rn, err.message, 1, _column_label(job, err.column), err.errno,
                                   err.sqlstate))
            if candidates:
                line, row, message, pos, column, errno, sqlstate = min(candidates, key=lambda c: c[0])
                out.error, out.line, out.character, out.column = message, int(line), int(pos), column
                out.errno, out.sqlstate, out.row_number = errno, sqlstate, int(row)
        good_rows = int(good.get(f, 0)) - int(n_row_bad)
        if out.seen and out.error and out.errno == 100080:
            good_rows = 0
        if job.on_error.skips_file(out.seen, parsed):
            out.status, out.loaded = "LOAD_FAILED", 0
        else:
            out.loaded = good_rows
            out.status = "LOADED" if out.seen == 0 else "PARTIALLY_LOADED" if good_rows > 0 else "LOAD_FAILED"
        outcomes.append(out)
    return outcomes


def abort_error(job: CopyJob, out: Outcome) -> errors.ProgrammingError:
    """ON_ERROR = ABORT_STATEMENT: the first error, with where it was found."""
    row = out.row_number or out.line
    text = (f"{out.error}\n  File '{out.source.file.path}', line {out.line}, character {out.character}\n"
            f"  Row {row}, column {out.column}\n  {_CONTINUE_HINT}")
    # The connector raises every failed statement as ProgrammingError, whatever its SQLSTATE class.
    return errors.ProgrammingError(msg=text, errno=out.errno or 100069, sqlstate=out.sqlstate or "22P02")


# ---- the statement ----------------------------------------------------------------------------------------------------
def _result(outcomes: list[Outcome]) -> Result:
    if not outcomes:
        return Result.message("status", NO_FILES)
    desc = [ResultMetadata(name, TYPE_CODES[kind], None, None, 38 if kind == "FIXED" else None,
                           0 if kind == "FIXED" else None, True) for name, kind in RESULT_COLUMNS]
    rows = [o.row() for o in outcomes]
    return Result(desc, rows, len(rows))


@command(r"COPY\s+INTO\b")
def copy_into(conn: Connection, sql: str) -> Result:
    """COPY INTO <table> [(cols)] FROM @stage | (SELECT ... FROM @stage) [FILES] [PATTERN] [FILE_FORMAT] [copy options]."""
    compiled = compile_copy(conn, sql)
    job = compiled.job
    sources, skipped, missing = choose_files(conn, job)
    if not sources:
        return _result(skipped + missing)
    duck = conn.duck
    try:
        scan_time = conn.clock.now()
        field_counts: dict[int, int] = {}
        if job.fmt.type == "JSON":
            stage_reader.read_json(duck, sources, job.fmt, scan_time, upper_keys=job.upper_keys)
        else:
            field_counts = stage_reader.read_csv(duck, sources, job.fmt, scan_time, job.width)
        evaluator = Evaluator(conn, compiled)
        described = evaluator.run(first_only=job.on_error.mode == "ABORT_STATEMENT")
        outcomes = summarise(conn, job, sources, described, field_counts)
        if job.on_error.mode == "ABORT_STATEMENT":
            failed = [o for o in outcomes if o.seen]
            if failed:
                raise abort_error(job, min(failed, key=lambda o: o.source.index))
        _write(conn, job, outcomes)
    finally:
        for name in (_OUT, _EXCL, _SCRATCH, _CAND):
            duck.execute(f"DROP TABLE IF EXISTS {name}")
        stage_reader.cleanup(duck)
    if file_formats.as_bool(job.options.get("PURGE", False)):
        for o in outcomes:
            if o.status in load_metadata.LOADED_STATUSES and o.source is not None:
                o.source.file.disk.unlink(missing_ok=True)
    rows = outcomes + skipped + missing
    if file_formats.as_bool(job.options.get("RETURN_FAILED_ONLY", False)):
        rows = [o for o in rows if o.status != "LOADED"]
    return _result(rows)


def _write(conn: Connection, job: CopyJob, outcomes: list[Outcome]) -> None:
    """Insert the loaded files' rows and queue their load metadata, as one statement of the open transaction."""
    if conn.txns.current is None and not conn.session.flag("AUTOCOMMIT"):
        conn.txns.begin()
    loaded = [o.source.index for o in outcomes if o.status in load_metadata.LOADED_STATUSES and o.loaded > 0]
    now = conn.clock.now()
    with conn.txns.statement(True, conn.new_query_id()):
        if loaded:
            version = conn.txns.write_version(job.table.name)
            columns = job.table.columns
            cols = ", ".join(duck_ident(c.name) for c in columns)
            values = ", ".join(f'"__C{i}"' for i in range(len(columns)))
            conn.duck.execute(
                f"INSERT INTO {history_table(job.table.name)} ({cols}{', ' if cols else ''}__vfrom) "
                f"SELECT {values}{', ' if values else ''}{version} FROM {_OUT} "
                f"WHERE __FILE IN ({', '.join(str(i) for i in loaded)}) ORDER BY __ORD")
        load_metadata.record(conn, [
            load_metadata.LoadRecord(job.table.info["id"], job.location.key, o.source.file.path, o.source.content_key,
                                     o.source.file.last_modified, now, o.status, o.parsed, o.loaded, o.seen, o.error)
            for o in outcomes if o.source is not None
        ])

