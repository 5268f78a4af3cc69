"""Reads staged files into DuckDB for COPY: one row per record, unparseable records kept apart, all vectorised.

Python only opens, decompresses and decodes each file (the C codecs do the work); splitting into records, JSON
validation and numbering happen in DuckDB, in one statement per COPY. The result is the temporary table
  ROWS  __FILE, __ORD (dense ordinal over the records that parse; NULL for those that do not), __LINE, __ROW (record
        number in the file), __TEXT (the text of a record that does not parse), "$1".."$n" (JSON: "$1" is the record
        as a VARIANT; CSV: the fields as VARCHAR), METADATA$FILENAME, METADATA$FILE_ROW_NUMBER,
        METADATA$FILE_CONTENT_KEY, METADATA$FILE_LAST_MODIFIED, METADATA$START_SCAN_TIME (docs: querying-metadata)
CSV records are not checked for parse errors (DuckDB's reader pads or fails; see read_csv).
JSON files are newline-delimited documents (blank lines skipped); a file whose lines do not parse but whose whole text
is one JSON document is read as that single record (a pretty-printed document); STRIP_OUTER_ARRAY = TRUE reads the
elements of a top-level array. Several multi-line documents in one file are not supported (each line would fail).
"""

from __future__ import annotations

import bz2
import gzip
import os
import tempfile
import zlib
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from snowsim.emulator import errors
from snowsim.emulator.file_formats import FileFormat, word
from snowsim.emulator.identifiers import duck_ident
from snowsim.emulator.stage_files import StagedFile

if TYPE_CHECKING:
    import duckdb

ROWS = "__snowsim_copy_rows"
_WS = "' ' || chr(9) || chr(10) || chr(13)"
METADATA_COLUMNS = {
    "METADATA$FILENAME": "VARCHAR",
    "METADATA$FILE_ROW_NUMBER": "NUMBER(38,0)",
    "METADATA$FILE_CONTENT_KEY": "VARCHAR",
    "METADATA$FILE_LAST_MODIFIED": "TIMESTAMP_NTZ",
    "METADATA$START_SCAN_TIME": "TIMESTAMP_LTZ",
}


@dataclass(frozen=True)
class SourceFile:
    """A file a COPY reads: its position in the statement, the staged file and its checksum."""

    index: int
    file: StagedFile
    content_key: str


def _decompress(data: bytes, compression: str, path: str) -> bytes:
    kind = compression
    if kind == "AUTO":
        kind = "GZIP" if data[:2] == b"\x1f\x8b" else "BZ2" if data[:3] == b"BZh" else (
            "ZSTD" if data[:4] == b"\x28\xb5\x2f\xfd" else "NONE")
    if kind == "GZIP":
        return gzip.decompress(data)
    if kind == "BZ2":
        return bz2.decompress(data)
    if kind == "DEFLATE":
        return zlib.decompress(data)
    if kind == "RAW_DEFLATE":
        return zlib.decompress(data, -15)
    if kind == "NONE":
        return data
    raise errors.not_supported(f"COMPRESSION = {kind} (file {path})", path)


def _text(source: SourceFile, fmt: FileFormat) -> str:
    data = source.file.disk.read_bytes()
    compression = word(fmt.get("COMPRESSION") or "AUTO")
    try:
        raw = _decompress(data, compression, source.file.path)
    except (OSError, EOFError, zlib.error, ValueError) as exc:
        # Wording as the service reports a corrupt compressed file; the error code is not documented.
        raise errors.ProgrammingError(
            msg=f"Invalid data encountered during decompression for file: '{source.file.path}',compression type "
                f"used: '{compression}', cause: '{exc}'", errno=100177, sqlstate="22000") from None
    # Invalid UTF-8 is replaced rather than reported (Snowflake errors unless REPLACE_INVALID_CHARACTERS = TRUE).
    text = raw.decode("utf-8", errors="replace")
    return text[1:] if text.startswith("\ufeff") else text  # SKIP_BYTE_ORDER_MARK defaults to TRUE


def _files_cte(sources: list[SourceFile]) -> tuple[str, list]:
    """A CTE body listing the files (f, name, content_key, last_modified) and its parameters."""
    sql = ("SELECT unnest(?::INTEGER[]) AS f, unnest(?::VARCHAR[]) AS name, unnest(?::VARCHAR[]) AS content_key, "
           "unnest(?::TIMESTAMP[]) AS last_modified")
    params = [[s.index for s in sources], [s.file.path for s in sources], [s.content_key for s in sources],
              [s.file.last_modified for s in sources]]
    return sql, params


def _metadata_projection(scan_time: datetime) -> str:
    return (
        "m.name AS \"METADATA$FILENAME\", r.rn AS \"METADATA$FILE_ROW_NUMBER\", "
        "m.content_key AS \"METADATA$FILE_CONTENT_KEY\", m.last_modified AS \"METADATA$FILE_LAST_MODIFIED\", "
        f"TIMESTAMPTZ '{scan_time.isoformat(sep=' ')}+00' AS \"METADATA$START_SCAN_TIME\""
    )


def _records_sql(strip_outer_array: bool) -> str:
    """CTEs from `texts` (f, content) to `recs` (f, line, txt, ok): one record per JSON document."""
    if strip_outer_array:
        # Elements of the top-level array; a file that is not an array is one bad record. Docs are silent on line
        # numbers inside an array: the element's position is reported.
        return f"""arrays AS MATERIALIZED (SELECT f, content, json_valid(content) AND json_type(
                                  CASE WHEN json_valid(content) THEN content END) = 'ARRAY' AS is_array FROM texts),
            recs AS (
                SELECT f, generate_subscripts(items, 1) AS line, unnest(items) AS txt, TRUE AS ok
                FROM (SELECT f, json_extract(content, '$[*]') AS items FROM arrays WHERE is_array)
                UNION ALL SELECT f, 1, content, FALSE FROM arrays WHERE NOT is_array AND trim(content, {_WS}) <> '')"""
    # Newline-delimited documents; a pretty-printed document fails line by line but parses as a whole.
    return f"""lines AS MATERIALIZED (SELECT f, line, txt, json_valid(txt) AS ok FROM (
                SELECT f, generate_subscripts(parts, 1) AS line, unnest(parts) AS txt
                FROM (SELECT f, string_split(content, chr(10)) AS parts FROM texts))
                WHERE trim(txt, {_WS}) <> ''),
            whole AS (SELECT f, content FROM texts
                      WHERE f IN (SELECT f FROM lines WHERE NOT ok) AND json_valid(content)),
            recs AS (SELECT f, line, txt, ok FROM lines WHERE f NOT IN (SELECT f FROM whole)
                     UNION ALL SELECT f, 1, content, TRUE FROM whole)"""


def read_json(duck: duckdb.DuckDBPyConnection, sources: list[SourceFile], fmt: FileFormat, scan_time: datetime,
              upper_keys: bool = False) -> None:
    """Build ROWS ("$1" JSON) from JSON files; `upper_keys` upper-cases top-level keys (case-insensitive
    MATCH_BY_COLUMN_NAME then looks keys up by upper-case column name)."""
    texts = [_text(source, fmt) for source in sources]
    # Snowflake rejects duplicate keys unless ALLOW_DUPLICATE = TRUE; checked on the top-level object only. Every
    # JSON function sits behind `CASE WHEN ok`: DuckDB evaluates CASE branches only for the rows that take them.
    dup = "FALSE" if fmt.flag("ALLOW_DUPLICATE") else (
        "CASE WHEN ok AND json_type(CASE WHEN ok THEN txt END) = 'OBJECT' THEN "
        "len(json_keys(txt)) <> len(list_distinct(json_keys(txt))) ELSE FALSE END")
    # Same VARIANT text convention as PARSE_JSON (macros.py): containers minified, scalars keep their text.
    variant = (f"CASE WHEN NOT good THEN NULL WHEN json_type(txt) IN ('OBJECT', 'ARRAY') THEN json(txt) "
               f"ELSE CAST(trim(txt, {_WS}) AS JSON) END")
    if upper_keys:
        variant = (f"CASE WHEN NOT good THEN NULL WHEN json_type(txt) = 'OBJECT' THEN to_json(map_from_entries("
                   f"list_transform(json_keys(txt), lambda k: {{'k': upper(k), 'v': json_extract(txt, k)}}))) "
                   f"ELSE {variant} END")
    files_sql, files_params = _files_cte(sources)
    duck.execute(f"""CREATE OR REPLACE TEMP TABLE {ROWS} AS
        WITH texts AS MATERIALIZED (SELECT unnest(?::INTEGER[]) AS f, unnest(?::VARCHAR[]) AS content),
        {_records_sql(fmt.flag("STRIP_OUTER_ARRAY"))},
        checked AS (SELECT f, line, txt, row_number() OVER (PARTITION BY f ORDER BY line) AS rn,
                           ok AND NOT ({dup}) AS good FROM recs),
        m AS ({files_sql})
        SELECT r.f AS __FILE,
               CASE WHEN good THEN row_number() OVER (PARTITION BY good ORDER BY r.f, r.rn) END AS __ORD,
               r.line AS __LINE, r.rn AS __ROW, CASE WHEN NOT good THEN txt END AS __TEXT, {variant} AS "$1",
               {_metadata_projection(scan_time)}
        FROM checked AS r JOIN m USING (f)""", [[s.index for s in sources], texts, *files_params])


def _lit(value: object) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def read_csv(duck: duckdb.DuckDBPyConnection, sources: list[SourceFile], fmt: FileFormat, scan_time: datetime,
             width: int) -> dict[int, int]:
    """Build ROWS ("$1".."$width" VARCHAR) from CSV files with DuckDB's CSV reader; returns each file's field count.

    Each row's fields are numbered as in the file; a file's field count is what DuckDB's sniffer finds (rows with
    fewer fields are padded with NULL). Line numbers assume no field spans lines.
    """
    fields = ", ".join(f'"${i}" VARCHAR' for i in range(1, width + 1))
    meta = ", ".join(f"{duck_ident(k)} {t}" for k, t in (
        ("METADATA$FILENAME", "VARCHAR"), ("METADATA$FILE_ROW_NUMBER", "BIGINT"), ("METADATA$FILE_CONTENT_KEY", "VARCHAR"),
        ("METADATA$FILE_LAST_MODIFIED", "TIMESTAMP"), ("METADATA$START_SCAN_TIME", "TIMESTAMPTZ")))
    duck.execute(f"CREATE OR REPLACE TEMP TABLE {ROWS} (__FILE INTEGER, __ORD BIGINT, __LINE BIGINT, __ROW BIGINT, "
                 f"__TEXT VARCHAR, {fields}{', ' if fields else ''}{meta})")
    options = (f"header = false, all_varchar = true, null_padding = true, parallel = false, auto_detect = true, "
               f"delim = {_lit(_single(fmt.get('FIELD_DELIMITER'), ','))}, "
               f"quote = {_lit(_single(fmt.get('FIELD_OPTIONALLY_ENCLOSED_BY'), ''))}, "
               f"escape = {_lit(_single(fmt.get('ESCAPE'), ''))}, skip = {int(fmt.get('SKIP_HEADER') or 0)}")
    null_if = ", ".join(_lit(v) for v in (fmt.get("NULL_IF") or []))
    counts: dict[int, int] = {}
    offset = 0
    with tempfile.TemporaryDirectory(prefix="snowsim-csv-") as tmpdir:
        for source in sources:
            text = _text(source, fmt)
            counts[source.index] = 0
            if not text.strip():
                continue
            path = os.path.join(tmpdir, f"{source.index}.csv")  # DuckDB's CSV reader reads files, not strings
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(text)
            reader = f"read_csv({_lit(path)}, {options})"
            names = duck.sql(f"SELECT * FROM {reader} LIMIT 0").columns
            counts[source.index] = len(names)
            picked = []
            for i in range(1, width + 1):
                value = duck_ident(names[i - 1]) if i <= len(names) else "NULL"
                if fmt.flag("TRIM_SPACE"):
                    value = f"trim({value})"
                if null_if:
                    value = f"CASE WHEN {value} IN ({null_if}) THEN NULL ELSE {value} END"
                picked.append(value)
            skip = int(fmt.get("SKIP_HEADER") or 0)
            duck.execute(f"""INSERT INTO {ROWS}
                SELECT {source.index}, {offset} + rn, {skip} + rn, rn, NULL, {''.join(v + ', ' for v in picked)}
                       {_lit(source.file.path)}, rn, {_lit(source.content_key)},
                       TIMESTAMP {_lit(source.file.last_modified.isoformat(sep=' '))},
                       TIMESTAMPTZ '{scan_time.isoformat(sep=' ')}+00'
                FROM (SELECT *, row_number() OVER () AS rn FROM {reader})""")
            offset += duck.execute(f"SELECT count(*) FROM {ROWS} WHERE __FILE = ?", [source.index]).fetchone()[0]
    return counts


def _single(value: object, default: str) -> str:
    if value is None:
        return default
    text = str(value)
    return "" if text.upper() == "NONE" else text


def cleanup(duck: duckdb.DuckDBPyConnection) -> None:
    """Drop the temporary tables."""
    for name in (ROWS,):
        duck.execute(f"DROP TABLE IF EXISTS {name}")
