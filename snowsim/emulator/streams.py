"""Streams: an offset (a table version) plus a mode; reading one computes the net delta over row versions.

docs: user-guide/streams-intro, sql-reference/sql/create-stream. The delta between the offset LO and the read version
HI is computed from the row versions that changed in (LO, HI] only, so its cost follows the delta, not the table:
  before = touched versions alive at LO;  after = touched versions alive at HI
  before only -> DELETE;  after only -> INSERT;  both -> DELETE + INSERT with METADATA$ISUPDATE = TRUE
Append-only streams return the first version of each row inserted in (LO, HI] ("as inserted"), ignoring deletes.
A SHOW_INITIAL_ROWS stream first returns the rows alive at its offset, as inserts.
A stream on a view reads its view's base tables the same way: see view_streams.py.
LO and HI are DuckDB variables set just before each run, so translations stay cacheable. The offset moves only when a
DML statement that read the stream commits: to the transaction's start version (commit_hook).
While no row version of a table ended after LO (an insert-only interval, the common case of a staging table), a
standard stream's delta is its rows born in (LO, HI]: translations carry that cheaper text too, runs pick one (run_texts.py).
CREATE / DROP / SHOW / DESCRIBE / ALTER STREAM live in stream_ddl.py.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import sqlglot
from sqlglot import exp

from snowsim.emulator import errors, timetravel, view_streams
from snowsim.emulator.catalog import CatalogObject
from snowsim.emulator.identifiers import ObjectName, duck_ident, split_name
from snowsim.emulator.pruning import KEEP_ITEMS
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


def run_value(stream: ObjectName, what: str) -> str:
    """The SQL expression a stream's relation reads a per-run value through (lo, hi, init; bound by bind())."""
    return f"getvariable('{variable(stream, what)}')"


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
        return inserted_sql(table, lo, hi, _select(cols, _INSERT, 'FALSE', '__rid'))

    # One scan: of the versions touched in (lo, hi], the one alive at lo ("before", vfrom <= lo) is a DELETE and the
    # one alive at hi ("after") an INSERT; a row with both is an update (each row has at most one of each). Versions
    # born and ended inside the interval are neither. (A CTE joined with itself cost DuckDB 2x more to bind.)
    # The range predicates are plain column comparisons so DuckDB's zone maps skip row groups nothing touched.
    picked = _select(cols, f"CASE WHEN __vfrom <= {lo} THEN 'DELETE' ELSE 'INSERT' END",
                     "count(*) OVER (PARTITION BY __rid) = 2", "__rid")
    return (
        f"SELECT {picked} FROM {hist} WHERE ((__vfrom > {lo} AND __vfrom <= {hi}) OR (__vto > {lo} AND __vto <= {hi})) "
        f"AND (__vfrom <= {lo} OR __vto IS NULL OR __vto > {hi})"
    )


def insert_only_delta_sql(table: CatalogObject, lo: str, hi: str) -> str:
    """delta_sql of a standard stream when no row version of the table ended after lo: the rows born in (lo, hi].

    Then a version touched in (lo, hi] was born there and is still current, so it is an INSERT with METADATA$ISUPDATE
    FALSE (no window), and the filter on one column is a scan filter that skips row groups by their zone maps; the
    general shape's OR over __vfrom and __vto stays a filter above a scan reading every column of every row (EXPLAIN).
    An 84-row delta of a 60k-row, 15-column history: COUNT(*) 1.24 -> 0.92 ms, a MERGE from it 15.3 -> 9.1 ms (CPU,
    median of 40 interleaved); caves_albert day: MERGE CTAS 6.05 -> 5.38 ms, sampler COUNT 3.73 -> 2.74 ms.
    """
    cols = [duck_ident(c) for c in table.column_names()]
    return (f"SELECT {_select(cols, _INSERT, 'FALSE', '__rid')} FROM {history_table(table.name)} "
            f"WHERE __vfrom > {lo} AND __vfrom <= {hi}")


def inserted_sql(table: CatalogObject, lo: str, hi: str, select: str = "*") -> str:
    """`select` (default: all history columns) of the row versions of the rows inserted in (lo, hi], as inserted.

    The projection is applied in the scan's own SELECT: a SELECT around it is one more level for DuckDB to bind
    (an INSERT ... SELECT from an append-only stream: ~0.3 ms less, lab).
    """
    # __ins marks every version a row's inserting transaction wrote (an update in that transaction keeps it: dml.py),
    # so a plain filter finds them. A window over (__rid, __vfrom) did it before: STG INSERT 8.9 -> 7.0 ms (lab).
    return (
        f"SELECT {select} FROM {history_table(table.name)} WHERE __vfrom > {lo} AND __vfrom <= {hi} AND __ins "
        f"AND (__vto IS NULL OR __vto > __vfrom)"
    )


def initial_sql(table: CatalogObject, at: str) -> str:
    """SHOW_INITIAL_ROWS: the rows alive at the offset, as inserts with METADATA$ISUPDATE FALSE (docs: create-stream)."""
    cols = [duck_ident(c) for c in table.column_names()]
    return f"SELECT {_select(cols, _INSERT, 'FALSE', '__rid')} FROM {history_table(table.name)} WHERE {alive_at(at)}"


_INSERT = "'INSERT'"


def _select(cols: list[str], action: str, isupdate: str, rid: str) -> str:
    # action, isupdate: SQL expressions
    meta = [action, isupdate, f"CAST({rid} AS VARCHAR)"]
    return ", ".join(cols + [f"{v} AS {duck_ident(m)}" for v, m in zip(meta, _META, strict=True)])


def is_on_view(stream: CatalogObject) -> bool:
    """A stream ON VIEW (its info names the view and the view's base tables instead of one table)."""
    return "view_id" in stream.info


def source_table(catalog, stream: CatalogObject) -> CatalogObject | None:
    """The table a stream tracks, found by identity (a renamed table keeps its streams; a recreated one does not).

    For a stream on a view: the view (by identity too).
    """
    if is_on_view(stream):
        return catalog.by_id("VIEW", stream.info["view_id"])
    return catalog.by_id("TABLE", stream.info["table_id"])


def tracked_table_ids(stream: CatalogObject) -> list[str]:
    """The ids of the tables whose row versions a stream reads (its table, or its view's base tables)."""
    if is_on_view(stream):
        return [t["id"] for t in stream.info["base_tables"]]
    return [stream.info["table_id"]]


def base_tables(catalog, stream: CatalogObject) -> list[CatalogObject | None]:
    """The tables a stream reads, None for each one dropped or recreated since the stream was created."""
    return [catalog.by_id("TABLE", i) for i in tracked_table_ids(stream)]


def _relation(tr: Translator, stream: CatalogObject, node: exp.Table) -> exp.Expression:
    source = check_sources(tr.catalog, stream, tr.statement)
    alias = node.args.get("alias") or exp.TableAlias(this=exp.to_identifier(stream.name.name, quoted=True))
    lo, hi = run_value(stream.name, "lo"), run_value(stream.name, "hi")
    # Both shapes are in the SQL; the `has`-like flag `init` picks one per run, so the translation stays cacheable
    # when the stream's first consumption clears SHOW_INITIAL_ROWS.
    init = run_value(stream.name, "init")
    if is_on_view(stream):
        tables = [t for t in base_tables(tr.catalog, stream) if t is not None]
        sql = view_streams.relation_sql(tr, stream, source, tables, lo, hi, init)
        return _whole(exp.Subquery(this=sqlglot.parse_one(sql, read="duckdb"), alias=alias))
    mode = stream.info.get("mode", "DEFAULT")
    sql = delta = delta_sql(source, mode, lo, hi)
    if mode != "APPEND_ONLY":
        # the delta as the generated statement holds it, and its insert-only text: a run picks one (run_texts.py)
        tr.insert_only.append((variable(stream.name, "lo"), source.info["id"], history_table(source.name),
                               _generated(delta), _generated(insert_only_delta_sql(source, lo, hi))))
    if stream.info.get("show_initial_rows") or stream.info.get("initial_pending"):
        sql = (f"SELECT * FROM ({initial_sql(source, lo)}) WHERE {init} UNION ALL "
               f"SELECT * FROM ({delta}) WHERE NOT {init}")
    # (else: DuckDB binds both branches of a UNION, so a stream that never shows initial rows reads its changes only)
    return _whole(exp.Subquery(this=sqlglot.parse_one(sql, read="duckdb"), alias=alias))


def _whole(relation: exp.Subquery) -> exp.Subquery:
    # A run swaps the delta's text for its insert-only text by matching it whole (run_texts.py): no SELECT item of
    # it may be dropped (pruning.py).
    relation.meta[KEEP_ITEMS] = True
    return relation


def _generated(sql: str) -> str:
    return sqlglot.parse_one(sql, read="duckdb").sql(dialect="duckdb")


STREAM_RELATION.append(_relation)


# ---- errors -------------------------------------------------------------------------------------------------------
def _position(statement: str, name: str) -> tuple[int, int]:
    match = re.search(rf"(?<![\w$]){re.escape(name)}(?![\w$])", statement, re.I)
    if match is None:
        return 1, 0
    before = statement[: match.start()]
    return before.count("\n") + 1, match.start() - (before.rfind("\n") + 1)


def base_table_dropped(
    stream: CatalogObject, statement: str, table: list[str] | None = None, kind: str = "Base table"
) -> errors.ProgrammingError:
    """091901 (01000): reading a stream whose table was dropped or recreated (CREATE OR REPLACE TABLE).

    A stream on a view "breaks if the source view or underlying tables are dropped or recreated" (docs: create-stream,
    usage notes); the docs give no text for that case: the table stream's text, naming the view or base table.
    """
    name = ".".join(table or stream.info.get("table") or ["?"])
    line, pos = _position(statement, stream.name.name)
    return errors.ProgrammingError(
        msg=f"{kind} '{name}' dropped, cannot read from stream '{stream.name.name}' in line {line} position {pos}",
        errno=91901,
        sqlstate="01000",
    )


def check_sources(catalog, stream: CatalogObject, statement: str) -> CatalogObject:
    """The stream's table (or view), raising 091901 when it, a nested view or a base table is gone or recreated."""
    source = source_table(catalog, stream)
    if not is_on_view(stream):
        if source is None or stream.info.get("stale"):
            raise base_table_dropped(stream, statement)
        return source
    if source is None:
        raise base_table_dropped(stream, statement, stream.info["table"], "View")
    for nested in stream.info.get("views", []):
        if catalog.by_id("VIEW", nested["id"]) is None:
            raise base_table_dropped(stream, statement, nested["name"], "View")
    for base in stream.info["base_tables"]:
        # by identity, and by the name the view's query reads it through (a table recreated under that name is new)
        table = catalog.by_id("TABLE", base["id"])
        named = catalog.get("TABLE", ObjectName(*base["name"]))
        if table is not None and named is None:
            # renamed: the view's query no longer finds it, as selecting from the view would not (docs are silent)
            raise errors.object_does_not_exist(str(ObjectName(*base["name"])), "Table")
        if table is None or named.info.get("id") != base["id"]:
            raise base_table_dropped(stream, statement, base["name"])
    return source


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
    """The stream's table (or view); raises Snowflake's error when a source is gone/recreated or the stream is stale."""
    source = check_sources(conn.catalog, stream, conn.statement_text)
    if is_stale(conn, stream):
        raise stale_error(stream)
    return source


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


def has_data(conn: Connection, stream: CatalogObject) -> bool:
    """O(1): a table it reads changed after the offset (false positives allowed, never false negatives: docs)."""
    if stream.info.get("initial_pending"):
        return True
    last = max(int(t.info.get("last_version", 0)) for t in base_tables(conn.catalog, stream) if t is not None)
    return last > int(stream.info["offset"])


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
    check_readable(conn, stream)
    if has_data(conn, stream):
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
    try:
        check_sources(conn.catalog, stream, "")
    except errors.ProgrammingError:
        return True
    return conn.clock.now() > stale_after(conn, stream)


def stale_after(conn: Connection, stream: CatalogObject) -> datetime:
    """Last consumption + max(DATA_RETENTION_TIME_IN_DAYS, MAX_DATA_EXTENSION_TIME_IN_DAYS) (docs: streams-intro).

    A stream on a view is stale once its offset leaves the retention of any of "the underlying tables for a source
    view" (docs: streams-intro): the earliest of its base tables' limits (derived). For a secure view "the retention
    period for the underlying tables is not extended automatically to prevent any streams on the secure view from
    becoming stale" (docs: create-stream, usage notes): DATA_RETENTION_TIME_IN_DAYS alone.
    """
    view = source_table(conn.catalog, stream) if is_on_view(stream) else None
    extended = not (view is not None and view.info.get("secure"))
    limits = []
    for table in base_tables(conn.catalog, stream):
        retention = timetravel.parameter(conn, table, "DATA_RETENTION_TIME_IN_DAYS")
        extension = timetravel.parameter(conn, table, "MAX_DATA_EXTENSION_TIME_IN_DAYS") if extended else 0
        limits.append(max(retention, extension))
    base = datetime.fromisoformat(stream.info["last_consumed"])
    return base + timedelta(days=min(limits))


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
