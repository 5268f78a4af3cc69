"""COPY INTO <table> FROM @stage: bulk loading staged JSON / CSV files, with Snowflake's per-file result.

docs: sql-reference/sql/copy-into-table, user-guide/data-load-considerations-load. Order of work: (1) choose the files
(FILES / PATTERN / load metadata); (2) outside any transaction, read them (stage_reader) and evaluate the statement's
SELECT into a temporary table, failing rows set aside (copy_rows); (3) decide each file's fate from ON_ERROR; (4) inside
the statement's transaction, insert the surviving rows stamped with the transaction version (streams see inserts, a
rollback removes them) and queue the load metadata; (5) PURGE.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from snowflake.connector.cursor import ResultMetadata

from snowsim.emulator import errors, file_formats, json_faults, load_metadata, stage_files, stage_reader
from snowsim.emulator.copy_plan import CopyJob
from snowsim.emulator.copy_rows import EXCLUDED, OUT, TEMP_TABLES, Evaluator, RowError, compile_copy
from snowsim.emulator.executor import command
from snowsim.emulator.identifiers import duck_ident
from snowsim.emulator.results import TYPE_CODES, Result
from snowsim.emulator.stage_reader import ROWS, SourceFile
from snowsim.emulator.storage import history_table

if TYPE_CHECKING:
    from snowsim.emulator.connection import Connection


NO_FILES = "Copy executed with 0 files processed."
RESULT_COLUMNS = [("file", "TEXT"), ("status", "TEXT"), ("rows_parsed", "FIXED"), ("rows_loaded", "FIXED"),
                  ("error_limit", "FIXED"), ("errors_seen", "FIXED"), ("first_error", "TEXT"),
                  ("first_error_line", "FIXED"), ("first_error_character", "FIXED"),
                  ("first_error_column_name", "TEXT")]
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
        f"min(r.__ORD) FROM {EXCLUDED} e JOIN {ROWS} r USING (__ORD) GROUP BY 1").fetchall()}
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
        for name in TEMP_TABLES:
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
                f"SELECT {values}{', ' if values else ''}{version} FROM {OUT} "
                f"WHERE __FILE IN ({', '.join(str(i) for i in loaded)}) ORDER BY __ORD")
        load_metadata.record(conn, [
            load_metadata.LoadRecord(job.table.info["id"], job.location.key, o.source.file.path, o.source.content_key,
                                     o.source.file.last_modified, now, o.status, o.parsed, o.loaded, o.seen, o.error)
            for o in outcomes if o.source is not None
        ])

