"""Streams: an offset (a table version) plus a mode; reading one computes the net delta over row versions.

docs: user-guide/streams-intro, sql-reference/sql/create-stream. The delta between the offset LO and the read version
HI is computed from the row versions that changed in (LO, HI] only, so its cost follows the delta, not the table:
  before = touched versions alive at LO;  after = touched versions alive at HI
  before only -> DELETE;  after only -> INSERT;  both -> DELETE + INSERT with METADATA$ISUPDATE = TRUE
Append-only streams return the first version of each row inserted in (LO, HI] ("as inserted"), ignoring deletes.
A SHOW_INITIAL_ROWS stream first returns the rows alive at its offset, as inserts.
LO and HI are DuckDB variables set just before each run, so translations stay cacheable. The offset moves only when a
DML statement that read the stream commits: to the transaction's start version (commit_hook).
CREATE / DROP / SHOW / DESCRIBE / ALTER STREAM live in stream_ddl.py.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import sqlglot
from sqlglot import exp

from snowsim.emulator import errors, timetravel
from snowsim.emulator.catalog import CatalogObject
from snowsim.emulator.identifiers import ObjectName, duck_ident, split_name
from snowsim.emulator.storage import alive_at, history_table
from snowsim.emulator.translate import REWRITES, STREAM_RELATION, Translator

if TYPE_CHECKING:
    from snowsim.emulator.connection import Connection
    from snowsim.emulator.transactions import Txn

_META = ("METADATA$ACTION", "METADATA$ISUPDATE", "METADATA$ROW_ID")


def variable(stream: ObjectName, what: str) -> str:
    """Name of the DuckDB variable carrying a per-run value for a stream (lo, hi or has)."""
    digest = hashlib.blake2s(str(stream).encode(), digest_size=6).hexdigest()
    return f"__s{digest}_{what}"


def delta_sql(table: CatalogObject, mode: str, lo: str, hi: str) -> str:
    """DuckDB SQL for the changes of a table between versions lo and hi (SQL expressions), as a stream returns them.

    Columns: the table's columns, then METADATA$ACTION, METADATA$ISUPDATE, METADATA$ROW_ID (docs: streams-intro).
    """
    hist = history_table(table.name)
    cols = [duck_ident(c) for c in table.column_names()]
    if mode == "APPEND_ONLY":
        # Each row inserted in (lo, hi], with its values as inserted (docs: constructs/changes): the version its
        # inserting transaction committed. Versions a transaction both wrote and ended (vfrom = vto) were never
        # committed table state: an insert then update in one transaction shows the updated values, an insert then
        # delete shows nothing.
        return (
            f"SELECT {_select(cols, 'INSERT', 'FALSE', '__rid')} FROM (SELECT *, "
            f"bool_or(__ins) OVER (PARTITION BY __rid, __vfrom) AS __born FROM {hist} "
            f"WHERE __vfrom > {lo} AND __vfrom <= {hi}) WHERE __born AND (__vto IS NULL OR __vto > __vfrom)"
        )

    def side(this: str, other: str, action: str) -> str:
        picked = _select([f"{this}.{c}" for c in cols], action, f"{other}.__rid IS NOT NULL", f"{this}.__rid")
        return f"SELECT {picked} FROM {this} LEFT JOIN {other} ON {this}.__rid = {other}.__rid"

    # The two range predicates are plain column comparisons so DuckDB's zone maps skip row groups nothing touched.
    return (
        f"WITH __touched AS (SELECT * FROM {hist} WHERE (__vfrom > {lo} AND __vfrom <= {hi}) "
        f"OR (__vto > {lo} AND __vto <= {hi})), "
        f"__before AS (SELECT * FROM __touched WHERE __vfrom <= {lo}), "
        f"__after AS (SELECT * FROM __touched WHERE __vfrom > {lo} AND (__vto IS NULL OR __vto > {hi})) "
        f"{side('__before', '__after', 'DELETE')} UNION ALL {side('__after', '__before', 'INSERT')}"
    )


def initial_sql(table: CatalogObject, at: str) -> str:
    """SHOW_INITIAL_ROWS: the rows alive at the offset, as inserts with METADATA$ISUPDATE FALSE (docs: create-stream)."""
    cols = [duck_ident(c) for c in table.column_names()]
    return f"SELECT {_select(cols, 'INSERT', 'FALSE', '__rid')} FROM {history_table(table.name)} WHERE {alive_at(at)}"


def _select(cols: list[str], action: str, isupdate: str, rid: str) -> str:
    meta = [f"'{action}'", isupdate, f"CAST({rid} AS VARCHAR)"]
    return ", ".join(cols + [f"{v} AS {duck_ident(m)}" for v, m in zip(meta, _META, strict=True)])


def source_table(catalog, stream: CatalogObject) -> CatalogObject | None:
    """The table a stream tracks, found by identity (a renamed table keeps its streams; a recreated one does not)."""
    return catalog.by_id("TABLE", stream.info["table_id"])


def _relation(tr: Translator, stream: CatalogObject, node: exp.Table) -> exp.Expression:
    table = source_table(tr.catalog, stream)
    if table is None:
        raise base_table_dropped(stream, tr.statement)
    alias = node.args.get("alias") or exp.TableAlias(this=exp.to_identifier(stream.name.name, quoted=True))
    lo = f"getvariable('{variable(stream.name, 'lo')}')"
    hi = f"getvariable('{variable(stream.name, 'hi')}')"
    # Both shapes are in the SQL; the `has`-like flag `init` picks one per run, so the translation stays cacheable
    # when the stream's first consumption clears SHOW_INITIAL_ROWS.
    init = f"getvariable('{variable(stream.name, 'init')}')"
    sql = (
        f"SELECT * FROM ({initial_sql(table, lo)}) WHERE {init} UNION ALL "
        f"SELECT * FROM ({delta_sql(table, stream.info.get('mode', 'DEFAULT'), lo, hi)}) WHERE NOT {init}"
    )
    return exp.Subquery(this=sqlglot.parse_one(sql, read="duckdb"), alias=alias)


STREAM_RELATION.append(_relation)


# ---- errors -------------------------------------------------------------------------------------------------------
def _position(statement: str, name: str) -> tuple[int, int]:
    match = re.search(rf"(?<![\w$]){re.escape(name)}(?![\w$])", statement, re.I)
    if match is None:
        return 1, 0
    before = statement[: match.start()]
    return before.count("\n") + 1, match.start() - (before.rfind("\n") + 1)


def base_table_dropped(stream: CatalogObject, statement: str) -> errors.ProgrammingError:
    """091901 (01000): reading a stream whose table was dropped or recreated (CREATE OR REPLACE TABLE)."""
    table = ".".join(stream.info.get("table") or ["?"])
    line, pos = _position(statement, stream.name.name)
    return errors.ProgrammingError(
        msg=f"Base table '{table}' dropped, cannot read from stream '{stream.name.name}' in line {line} position {pos}",
        errno=91901,
        sqlstate="01000",
    )


def stale_error(stream: CatalogObject) -> errors.ProgrammingError:
    """Reading a stream past its STALE_AFTER (docs: streams-intro, 'Data retention period and staleness').

    The docs give no error text for this case; the errno is the one Snowflake uses for unreadable streams (091901).
    """
    return errors.ProgrammingError(
        msg=f"Stream '{stream.name}' is stale: its offset is outside the data retention period of its source table "
        "and its unconsumed changes are no longer accessible. Recreate the stream.",
        errno=91901,
        sqlstate="01000",
    )


def check_readable(conn: Connection, stream: CatalogObject) -> CatalogObject:
    """The stream's table; raises Snowflake's error when the table is gone/recreated or the stream is stale."""
    table = source_table(conn.catalog, stream)
    if table is None or stream.info.get("stale"):
        raise base_table_dropped(stream, conn.statement_text)
    if is_stale(conn, stream):
        raise stale_error(stream)
    return table


# ---- SYSTEM$STREAM_HAS_DATA -----------------------------------------------------------------------------------------
def _has_data_rewrite(node: exp.Expression, tr: Translator) -> exp.Expression:
    if isinstance(node, exp.Anonymous) and node.name.upper() == "SYSTEM$STREAM_HAS_DATA":
        arg = node.expressions[0] if node.expressions else None
        if not isinstance(arg, exp.Literal) or not arg.is_string:
            raise errors.compilation_error(1044, "Invalid argument types for function 'SYSTEM$STREAM_HAS_DATA'")
        name = tr.qualify_name(split_name(arg.this))
        stream = tr.catalog.get("STREAM", name)
        if stream is None:
            raise errors.object_does_not_exist(str(name), "Stream")
        key = variable(stream.name, "probe")
        # A probe is bound like a stream but never consumed, even inside a DML statement (docs: system_stream_has_data).
        tr.binders.append(lambda conn, n=stream.name, k=key: [f"SET VARIABLE {k} = {probe(conn, n)}"])
        return exp.func("getvariable", exp.Literal.string(key))
    return node


_has_data_rewrite.applies_to = (exp.Anonymous,)
REWRITES.append(_has_data_rewrite)


def has_data(conn: Connection, stream: CatalogObject, table: CatalogObject) -> bool:
    """O(1): the table changed after the offset (false positives allowed, never false negatives: docs)."""
    if stream.info.get("initial_pending"):
        return True
    return int(table.info.get("last_version", 0)) > int(stream.info["offset"])


def probe(conn: Connection, name: ObjectName) -> str:
    """SYSTEM$STREAM_HAS_DATA at run time, as the SQL literal TRUE or FALSE."""
    return "TRUE" if stream_has_data(conn, name) else "FALSE"


def stream_has_data(conn: Connection, name: ObjectName) -> bool:
    """SYSTEM$STREAM_HAS_DATA: FALSE on an empty stream also resets its staleness clock (docs: system_stream_has_data).

    Task WHEN conditions should call this too, so that idle pipelines keep their streams fresh as in Snowflake.
    """
    stream = conn.catalog.get("STREAM", name)
    if stream is None:
        raise errors.object_does_not_exist(str(name), "Stream")
    # On a stale stream the docs do not say what the function returns; it raises the stream's error here.
    table = check_readable(conn, stream)
    if has_data(conn, stream, table):
        return True
    now = conn.clock.now()
    previous = datetime.fromisoformat(stream.info["last_consumed"])
    stream.info["last_consumed"] = now.isoformat()  # the in-memory catalog object: exact at once
    if now - previous > timedelta(hours=1):
        # persisted at most hourly: an idle task probing every minute would otherwise write the catalog each time,
        # and staleness is counted in days
        conn.catalog.save(stream, structural=False)
    return False


# ---- per-run binding and consumption ---------------------------------------------------------------------------------
def bind(conn: Connection, streams: list[ObjectName], consume: bool) -> list[str]:
    """SET statements for the streams a run reads; records consumption for DML. Raises if a stream is unreadable."""
    sets = []
    hi = conn.txns.read_version()
    for name in streams:
        stream = conn.catalog.get("STREAM", name)
        if stream is None:
            raise errors.object_does_not_exist(str(name), "Stream")
        check_readable(conn, stream)
        init = bool(stream.info.get("initial_pending"))
        sets.append(f"SET VARIABLE {variable(name, 'lo')} = {int(stream.info['offset'])}")
        sets.append(f"SET VARIABLE {variable(name, 'hi')} = {hi}")
        sets.append(f"SET VARIABLE {variable(name, 'init')} = {'TRUE' if init else 'FALSE'}")
        if consume:
            conn.txns.consume(name)
    return sets


def is_stale(conn: Connection, stream: CatalogObject) -> bool:
    """Stale once recreated/dropped base table, or once the clock passes its STALE_AFTER (see stale_after())."""
    if stream.info.get("stale") or source_table(conn.catalog, stream) is None:
        return True
    return conn.clock.now() > stale_after(conn, stream)


def stale_after(conn: Connection, stream: CatalogObject) -> datetime:
    """Last consumption + max(DATA_RETENTION_TIME_IN_DAYS, MAX_DATA_EXTENSION_TIME_IN_DAYS) (docs: streams-intro)."""
    table = source_table(conn.catalog, stream)
    retention = timetravel.parameter(conn, table, "DATA_RETENTION_TIME_IN_DAYS")
    extension = timetravel.parameter(conn, table, "MAX_DATA_EXTENSION_TIME_IN_DAYS")
    base = datetime.fromisoformat(stream.info["last_consumed"])
    return base + timedelta(days=max(retention, extension))


def commit_hook(conn: Connection):
    """Move the offsets of the streams a committing transaction consumed to its start version (docs: streams-intro)."""

    def hook(txn: Txn, now: datetime) -> None:
        for name in txn.consumed:
            stream = conn.catalog.get("STREAM", name)
            if stream is None:
                continue
            if stream.info.get("initial_pending"):
                # The first consumption returns "only the rows that existed ... when the stream was created"; the
                # changes made since then are still pending, so the offset stays (docs: create-stream; derived).
                stream.info["initial_pending"] = False
            else:
                stream.info["offset"] = txn.start_version
            stream.info["last_consumed"] = now.isoformat()
            conn.catalog.save(stream, structural=False)
        timetravel.after_commit(conn, txn)

    return hook


from snowsim.emulator import stream_ddl  # noqa: E402,F401  (registers CREATE/DROP/SHOW/DESCRIBE/ALTER STREAM)
