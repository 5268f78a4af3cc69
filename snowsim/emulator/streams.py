"""Streams: an offset (a table version) plus a mode; reading one computes the net delta over row versions.

docs: user-guide/streams-intro, sql-reference/sql/create-stream. The delta between the offset LO and the read version
HI is computed from the row versions that changed in (LO, HI] only, so its cost follows the delta, not the table:
  before = touched versions alive at LO;  after = touched versions alive at HI
  before only -> DELETE;  after only -> INSERT;  both -> DELETE + INSERT with METADATA$ISUPDATE = TRUE
Append-only streams return the first version of each row inserted in (LO, HI] ("as inserted"), ignoring deletes.
LO and HI are DuckDB variables set just before each run, so translations stay cacheable.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from typing import TYPE_CHECKING

import sqlglot
from sqlglot import exp

from snowsim.emulator import errors
from snowsim.emulator.catalog import CatalogObject
from snowsim.emulator.executor import command
from snowsim.emulator.identifiers import ObjectName, duck_ident, split_name
from snowsim.emulator.results import Result
from snowsim.emulator.storage import history_table
from snowsim.emulator.translate import REWRITES, STREAM_RELATION, Translator

if TYPE_CHECKING:
    from snowsim.emulator.connection import Connection
    from snowsim.emulator.transactions import Txn


def variable(stream: ObjectName, what: str) -> str:
    """Name of the DuckDB variable carrying a per-run value for a stream (lo, hi or has)."""
    digest = hashlib.blake2s(str(stream).encode(), digest_size=6).hexdigest()
    return f"__s{digest}_{what}"


def delta_sql(stream: CatalogObject, table: CatalogObject) -> str:
    """DuckDB SQL for a stream's rows: source columns then METADATA$ACTION, METADATA$ISUPDATE, METADATA$ROW_ID."""
    hist = history_table(table.name)
    lo = f"getvariable('{variable(stream.name, 'lo')}')"
    hi = f"getvariable('{variable(stream.name, 'hi')}')"
    cols = [duck_ident(c) for c in table.column_names()]
    if stream.info.get("mode") == "APPEND_ONLY":
        sel = ", ".join(cols + ["'INSERT' AS \"METADATA$ACTION\"", "FALSE AS \"METADATA$ISUPDATE\"",
                                "CAST(__rid AS VARCHAR) AS \"METADATA$ROW_ID\""])
        return f"SELECT {sel} FROM {hist} WHERE __ins AND __vfrom > {lo} AND __vfrom <= {hi}"

    def side(this: str, other: str, action: str) -> str:
        picked = ", ".join([f"{this}.{c}" for c in cols] + [
            f"'{action}' AS \"METADATA$ACTION\"",
            f"{other}.__rid IS NOT NULL AS \"METADATA$ISUPDATE\"",
            f"CAST({this}.__rid AS VARCHAR) AS \"METADATA$ROW_ID\"",
        ])
        return f"SELECT {picked} FROM {this} LEFT JOIN {other} ON {this}.__rid = {other}.__rid"

    return (
        f"WITH __touched AS (SELECT * FROM {hist} WHERE (__vfrom > {lo} AND __vfrom <= {hi}) "
        f"OR (__vto > {lo} AND __vto <= {hi})), "
        f"__before AS (SELECT * FROM __touched WHERE __vfrom <= {lo}), "
        f"__after AS (SELECT * FROM __touched WHERE __vfrom > {lo} AND (__vto IS NULL OR __vto > {hi})) "
        f"{side('__before', '__after', 'DELETE')} UNION ALL {side('__after', '__before', 'INSERT')}"
    )


def source_table(catalog, stream: CatalogObject) -> CatalogObject | None:
    """The table a stream tracks, found by identity (a renamed table keeps its streams; a recreated one does not)."""
    return catalog.by_id("TABLE", stream.info["table_id"])


def _relation(tr: Translator, stream: CatalogObject, node: exp.Table) -> exp.Expression:
    table = source_table(tr.catalog, stream)
    if table is None:
        raise stale_error(stream)
    alias = node.args.get("alias") or exp.TableAlias(this=exp.to_identifier(stream.name.name, quoted=True))
    return exp.Subquery(this=sqlglot.parse_one(delta_sql(stream, table), read="duckdb"), alias=alias)


STREAM_RELATION.append(_relation)


def stale_error(stream: CatalogObject) -> errors.ProgrammingError:
    """Reading a stale stream (docs: streams-intro, 'Data retention period and staleness')."""
    return errors.ProgrammingError(
        msg=f"Stream {stream.name} is stale and cannot be queried. It must be recreated.",
        errno=91901,
        sqlstate="01000",
    )


def _has_data_rewrite(node: exp.Expression, tr: Translator) -> exp.Expression:
    if isinstance(node, exp.Anonymous) and node.name.upper() == "SYSTEM$STREAM_HAS_DATA":
        arg = node.expressions[0] if node.expressions else None
        if not isinstance(arg, exp.Literal) or not arg.is_string:
            raise errors.compilation_error(1044, "Invalid argument types for function 'SYSTEM$STREAM_HAS_DATA'")
        name = tr.qualify_name(split_name(arg.this))
        stream = tr.catalog.get("STREAM", name)
        if stream is None:
            raise errors.object_does_not_exist(str(name), "Stream")
        tr._streams.append(stream.name)
        return exp.func("getvariable", exp.Literal.string(variable(stream.name, "has")))
    return node


REWRITES.append(_has_data_rewrite)


def bind(conn: Connection, streams: list[ObjectName], consume: bool) -> list[str]:
    """SET statements for the streams a run reads; records consumption for DML. Raises if a stream is stale."""
    sets = []
    hi = conn.txns.read_version()
    for name in streams:
        stream = conn.catalog.get("STREAM", name)
        if stream is None:
            raise errors.object_does_not_exist(str(name), "Stream")
        table = source_table(conn.catalog, stream)
        if table is None or is_stale(conn, stream):
            raise stale_error(stream)
        lo = 0 if stream.info.get("initial_pending") else int(stream.info["offset"])
        has = bool(stream.info.get("initial_pending")) or int(table.info.get("last_version", 0)) > lo
        sets.append(f"SET VARIABLE {variable(name, 'lo')} = {lo}")
        sets.append(f"SET VARIABLE {variable(name, 'hi')} = {hi}")
        sets.append(f"SET VARIABLE {variable(name, 'has')} = {'TRUE' if has else 'FALSE'}")
        if consume:
            conn.txns.consume(name)
    return sets


def is_stale(conn: Connection, stream: CatalogObject) -> bool:
    """A stream is stale once the clock passes its STALE_AFTER (see stale_after())."""
    if stream.info.get("stale"):
        return True
    return conn.clock.now() > stale_after(conn, stream)


def stale_after(conn: Connection, stream: CatalogObject) -> datetime:
    """Last consumption + max(DATA_RETENTION_TIME_IN_DAYS, MAX_DATA_EXTENSION_TIME_IN_DAYS) (docs: streams-intro)."""
    from datetime import timedelta

    params = conn.session.parameters
    table = source_table(conn.catalog, stream)
    info = table.info if table is not None else {}
    retention = int(info.get("DATA_RETENTION_TIME_IN_DAYS", params["DATA_RETENTION_TIME_IN_DAYS"]))
    extension = int(info.get("MAX_DATA_EXTENSION_TIME_IN_DAYS", params["MAX_DATA_EXTENSION_TIME_IN_DAYS"]))
    base = datetime.fromisoformat(stream.info["last_consumed"])
    return base + timedelta(days=max(retention, extension))


def commit_hook(conn: Connection):
    """Move the offsets of the streams a committing transaction consumed to its start version (docs: streams-intro)."""

    def hook(txn: Txn, now: datetime) -> None:
        for name in txn.consumed:
            stream = conn.catalog.get("STREAM", name)
            if stream is None:
                continue
            stream.info["offset"] = txn.start_version
            stream.info["initial_pending"] = False
            stream.info["last_consumed"] = now.isoformat()
            conn.catalog.save(stream, structural=False)

    return hook


_CREATE = re.compile(
    r"^\s*CREATE\s+(?P<replace>OR\s+REPLACE\s+)?STREAM\s+(?P<ine>IF\s+NOT\s+EXISTS\s+)?(?P<name>[^\s]+)\s+"
    r"(?P<copy>CLONE\s+(?P<clone>[^\s]+))?"
    r"(?:ON\s+(?P<kind>TABLE|VIEW|EXTERNAL\s+TABLE|STAGE|DYNAMIC\s+TABLE)\s+(?P<table>[^\s]+))?(?P<rest>.*)$",
    re.I | re.S,
)
_OPTION = re.compile(r"(?P<key>APPEND_ONLY|SHOW_INITIAL_ROWS|INSERT_ONLY|COMMENT)\s*=\s*(?P<value>'(?:[^']|'')*'|\w+)", re.I)


@command(r"CREATE\s+(OR\s+REPLACE\s+)?STREAM\b")
def create_stream(conn: Connection, sql: str) -> Result:
    """CREATE [OR REPLACE] STREAM [IF NOT EXISTS] s ON TABLE t [APPEND_ONLY = TRUE] [SHOW_INITIAL_ROWS = TRUE] ..."""
    m = _CREATE.match(sql)
    if not m or not m.group("table"):
        raise errors.not_supported("this form of CREATE STREAM", sql)
    kind = m.group("kind").upper()
    if kind != "TABLE":
        raise errors.not_supported(f"streams ON {kind}", sql, m.start("kind"))
    rest = m.group("rest")
    for word in ("AT", "BEFORE"):
        if re.search(rf"\b{word}\s*\(", rest, re.I):
            raise errors.not_supported(f"CREATE STREAM ... {word}(...)", sql, m.start("rest"))
    tr = conn.translator()
    name = tr.qualify_name(split_name(m.group("name")))
    table_name = tr.qualify_name(split_name(m.group("table")))
    table = conn.catalog.get("TABLE", table_name)
    if table is None or table.kind != "TABLE":
        raise errors.object_does_not_exist(str(table_name), "Table")
    options = {o.group("key").upper(): o.group("value") for o in _OPTION.finditer(rest)}
    existing = conn.catalog.get("STREAM", name)
    if existing is not None and not m.group("replace"):
        if m.group("ine"):
            return Result.message("status", f"{name.name} already exists, statement succeeded.")
        raise errors.already_exists("Object", name.name)
    if "INSERT_ONLY" in options and options["INSERT_ONLY"].upper() == "TRUE":
        raise errors.compilation_error(2000, "INSERT_ONLY streams are only supported on external tables.")
    now = conn.clock.now()
    conn.txns.commit()  # DDL commits an open transaction (docs: sql-reference/transactions)
    mode = "APPEND_ONLY" if options.get("APPEND_ONLY", "FALSE").upper() == "TRUE" else "DEFAULT"
    info = {
        "table_id": table.info["id"],
        "table": [table.name.database, table.name.schema, table.name.name],
        "mode": mode,
        "offset": conn.txns.committed,
        "initial_pending": options.get("SHOW_INITIAL_ROWS", "FALSE").upper() == "TRUE",
        "last_consumed": now.isoformat(),
        "comment": (options.get("COMMENT") or "''")[1:-1].replace("''", "'") or None,
    }
    table.info["change_tracking"] = True
    conn.catalog.save(table)
    conn.catalog.put(CatalogObject("STREAM", name, now, info))
    return Result.message("status", f"Stream {name.name} successfully created.")
