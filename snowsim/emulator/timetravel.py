"""Time travel on versioned storage: AT | BEFORE | END points, the CHANGES clause, retention and compaction.

docs: sql-reference/constructs/at-before, sql-reference/constructs/changes, user-guide/data-time-travel.
A point (TIMESTAMP, OFFSET, STATEMENT or STREAM) names a table version. It is resolved at run time, not at translation
time (OFFSET and the retention window move with the clock, session variables change), by a binder that sets DuckDB
variables just before the statement runs; the translation itself stays cacheable.
  t AT(p)               rows alive at version(p)
  t CHANGES(...) AT(p)  the net delta between version(p) and END (default: the current version), as a stream computes
Compaction drops row versions that ended at or before the horizon: the oldest of the versions anything may still read
(the version at now - DATA_RETENTION_TIME_IN_DAYS, and the offset of every readable stream on the table).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlglot
from sqlglot import exp

from snowsim.emulator import errors
from snowsim.emulator.catalog import META_SCHEMA, CatalogObject
from snowsim.emulator.identifiers import ObjectName, duck_ident, normalize, split_name
from snowsim.emulator.storage import alive_at, history_table
from snowsim.emulator.translate import HISTORICAL_RELATION, Translator

if TYPE_CHECKING:
    from snowsim.emulator.connection import Connection
    from snowsim.emulator.transactions import Txn

# Compact a table's history after this many commits that wrote to it (cheap amortised upkeep; see compact()).
COMPACT_EVERY = 256


# ---- errors -------------------------------------------------------------------------------------------------------
def not_available(table: ObjectName) -> errors.ProgrammingError:
    """000707 (02000): the point is outside the retention period or not after the table's creation (at-before)."""
    return errors.ProgrammingError(
        msg=f"Time travel data is not available for table {table.name}. The requested time is either beyond the allowed "
        "time travel period or before the object creation time.",
        errno=707,
        sqlstate="02000",
    )


def not_tracked(table: ObjectName) -> errors.ProgrammingError:
    """091930 (2F003): CHANGES (or a stream AT a point) on a table without change tracking for that range."""
    return errors.compilation_error(
        91930,
        f"Change tracking is not enabled or has been missing for the time range requested on table '{table}'.",
        "2F003",
    )


def statement_not_found(query_id: str) -> errors.ProgrammingError:
    """The docs' 'statement <query_id> not found' (at-before); its errno is not documented, 707 is our choice."""
    return errors.ProgrammingError(msg=f"Statement {query_id} not found", errno=707, sqlstate="02000")


# ---- parameters -----------------------------------------------------------------------------------------------------
def parameter(conn: Connection, table: CatalogObject | None, key: str) -> int:
    """An object parameter resolved table -> schema -> database -> account (session), as Snowflake inherits them."""
    scopes: list[dict] = []
    if table is not None:
        scopes.append(table.info)
        schema = conn.catalog.schema(table.name.database, table.name.schema)
        database = conn.catalog.database(table.name.database)
        scopes += [o.info for o in (schema, database) if o is not None]
    for info in scopes:
        if info.get(key) not in (None, ""):
            return int(info[key])
    return int(conn.session.parameters[key])


def retention_days(conn: Connection, table: CatalogObject | None) -> int:
    """DATA_RETENTION_TIME_IN_DAYS in force for a table (docs: parameters)."""
    return parameter(conn, table, "DATA_RETENTION_TIME_IN_DAYS")


def is_tracked(table: CatalogObject) -> bool:
    """Change tracking is on: ALTER TABLE ... SET CHANGE_TRACKING = TRUE, CREATE TABLE ... CHANGE_TRACKING = TRUE or a stream."""
    if "change_tracking" in table.info:
        return bool(table.info["change_tracking"])
    return str(table.info.get("CHANGE_TRACKING", "")).upper() == "TRUE"


def tracking_since(table: CatalogObject) -> int:
    """The version from which change data is known to be tracked (0: since the table was created)."""
    return int(table.info.get("change_tracking_since") or 0)


# ---- points ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Point:
    """An AT | BEFORE | END clause: which clause, the kind of point, and its (Snowflake) expression."""

    clause: str  # AT | BEFORE | END
    kind: str  # TIMESTAMP | OFFSET | STATEMENT | STREAM
    expression: exp.Expression

    @classmethod
    def of(cls, node: exp.Expression) -> Point:
        """The point an exp.HistoricalData node (as sqlglot parses AT/BEFORE/END) describes."""
        return cls(str(node.this).upper(), str(node.args.get("kind")).upper(), node.args["expression"])

    @classmethod
    def parse(cls, text: str) -> Point:
        """Parse `AT ( kind => expr )` or `BEFORE (...)` written on its own (CREATE STREAM's clause)."""
        tree = sqlglot.parse_one(f"SELECT 1 FROM __t {text}", read="snowflake")
        node = tree.find(exp.HistoricalData)
        if node is None:
            raise errors.syntax_error(1, 0, text.split("(")[0].strip())
        return cls.of(node)


def evaluate(conn: Connection, node: exp.Expression) -> Any:
    """The value of a point's expression: $variables from the session, anything else evaluated as a SELECT."""
    if isinstance(node, exp.Parameter):
        return _variable(conn, node)
    if isinstance(node, exp.Literal):
        return node.this if node.is_string else float(node.this)
    if isinstance(node, exp.Neg) and isinstance(node.this, exp.Literal) and not node.this.is_string:
        return -float(node.this.this)
    node = node.copy().transform(lambda n: _literal(_variable(conn, n)) if isinstance(n, exp.Parameter) else n)
    return conn.run_scalar_select(node)


def _variable(conn: Connection, node: exp.Parameter) -> Any:
    name = normalize(node.this if isinstance(node.this, exp.Identifier) else node.name)
    if name not in conn.session.variables:
        raise errors.compilation_error(2211, f"Session variable '${name}' does not exist", "42000")
    return conn.session.variables[name]


def _literal(value: Any) -> exp.Expression:
    if isinstance(value, datetime):
        kind = "TIMESTAMP_LTZ" if value.tzinfo is not None else "TIMESTAMP_NTZ"
        return exp.cast(exp.Literal.string(value.isoformat(sep=" ")), kind)
    if isinstance(value, (int, float)):
        return exp.Literal.number(value)
    return exp.Literal.string(str(value))


def as_utc(value: Any) -> datetime:
    """A point's timestamp as naive UTC: aware values convert, TIMESTAMP_NTZ and bare strings are UTC (at-before)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.strip())
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    if not isinstance(value, datetime):
        raise errors.compilation_error(1044, f"Invalid argument type for TIMESTAMP in AT|BEFORE: {value!r}", "22023")
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def version_at(conn: Connection, moment: datetime, before: bool = False) -> int:
    """The last version committed at (or, for BEFORE, strictly before) a moment; 0 when none was."""
    conn.txns.flush()
    op = "<" if before else "<="
    row = conn.duck.execute(
        f"SELECT coalesce(max(version), 0) FROM {META_SCHEMA}.versions WHERE committed_at {op} ?", [moment]
    ).fetchone()
    return int(row[0])


def committed_at(conn: Connection, version: int) -> datetime | None:
    """When a version committed (None for version 0 or a commit time lost in a crash)."""
    conn.txns.flush()
    row = conn.duck.execute(f"SELECT committed_at FROM {META_SCHEMA}.versions WHERE version = ?", [version]).fetchone()
    return row[0] if row else None


def statement_version(conn: Connection, query_id: str) -> int:
    """The version a DML statement's transaction committed (the versions table keeps their query ids)."""
    conn.txns.flush()
    row = conn.duck.execute(
        f"SELECT max(version) FROM {META_SCHEMA}.versions WHERE list_contains(string_split(query_id, ','), ?)",
        [query_id],
    ).fetchone()
    if row[0] is None:
        # Only statements that committed a write are recorded: SELECT and BEGIN/COMMIT ids, which the docs also
        # accept, are reported as not found.
        raise statement_not_found(query_id)
    return int(row[0])


def resolve(conn: Connection, point: Point, table: CatalogObject) -> int:
    """The table version a point names, checking the retention window and the table's creation (at-before)."""
    if point.kind == "STREAM":
        return _stream_point(conn, point, table)
    now = conn.clock.now()
    if point.kind == "STATEMENT":
        version = statement_version(conn, str(evaluate(conn, point.expression)))
        moment = committed_at(conn, version) or now
        version = version - 1 if point.clause == "BEFORE" else version
    elif point.kind in ("TIMESTAMP", "OFFSET"):
        value = evaluate(conn, point.expression)
        if point.kind == "OFFSET":
            if not isinstance(value, (int, float)):
                raise errors.compilation_error(1044, f"Invalid data type [{value}] in {point.clause}(OFFSET => ...)")
            moment = now + timedelta(seconds=float(value))
        else:
            moment = as_utc(value)
        version = version_at(conn, moment, before=point.clause == "BEFORE")
    else:
        raise errors.not_supported(f"{point.clause}({point.kind} => ...)", conn.statement_text)
    # "If the specified Time Travel time is at or before the point in time when the object was created, the
    # statement fails" and so does a time beyond the retention period (docs: at-before, usage notes). A statement
    # id names a commit, which cannot precede its table (with a frozen virtual clock it may share its instant).
    too_early = point.kind != "STATEMENT" and moment <= table.created_on
    if too_early or moment < now - timedelta(days=retention_days(conn, table)):
        raise not_available(table.name)
    return min(version, conn.txns.committed)


def _stream_point(conn: Connection, point: Point, table: CatalogObject) -> int:
    from snowsim.emulator import streams

    value = evaluate(conn, point.expression)
    tr = conn.translator()
    stream = conn.catalog.get("STREAM", tr.qualify_name(split_name(str(value))))
    if stream is None:
        raise errors.ProgrammingError(msg=f"Stream '{value}' not found.", errno=2003, sqlstate="42S02")
    streams.check_readable(conn, stream)
    offset = int(stream.info["offset"])
    if table.info.get("id") not in streams.tracked_table_ids(stream):
        # Another table's stream only lends its offset as a point in time (docs are silent; derived). A stream on a
        # view tracks each of the view's base tables.
        if not is_tracked(table) or offset < tracking_since(table):
            raise not_tracked(table.name)
        moment = committed_at(conn, offset)
        if moment is not None and moment <= table.created_on:
            raise not_available(table.name)
    return offset


# ---- the relation for t AT(...) / t CHANGES(...) --------------------------------------------------------------------
def _relation(tr: Translator, table: CatalogObject, node: exp.Table) -> exp.Expression:
    from snowsim.emulator import streams

    if table.kind != "TABLE":
        raise errors.not_supported(f"time travel and CHANGES on a {table.kind.lower()}", tr.statement)
    alias = node.args.get("alias") or exp.TableAlias(this=exp.to_identifier(table.name.name, quoted=True))
    key = f"__tt{len(tr.binders)}"
    name = table.name
    changes = node.args.get("changes")
    if changes is not None:
        if not is_tracked(table):
            raise not_tracked(name)
        info = changes.args.get("information")
        mode = "APPEND_ONLY" if info is not None and info.name.upper() == "APPEND_ONLY" else "DEFAULT"
        start = Point.of(changes.args["at_before"])
        end = Point.of(changes.args["end"]) if changes.args.get("end") is not None else None
        lo, hi = f"getvariable('{key}_lo')", f"getvariable('{key}_hi')"
        sql = streams.delta_sql(table, mode, lo, hi)

        def bind_changes(conn: Connection) -> list[str]:
            obj = _current(conn, name)
            low = resolve(conn, start, obj)
            if low < tracking_since(obj):
                raise not_tracked(name)
            high = resolve(conn, end, obj) if end is not None else conn.txns.read_version()
            return [f"SET VARIABLE {key}_lo = {low}", f"SET VARIABLE {key}_hi = {max(low, high)}"]

        tr.binders.append(bind_changes)
    else:
        point = Point.of(node.args["when"])
        if point.kind == "STREAM":
            # "This keyword is supported only when creating a stream or querying change data" (docs: at-before)
            raise errors.compilation_error(1003, "AT(STREAM => ...) is only valid with CHANGES or in CREATE STREAM")
        cols = ", ".join(duck_ident(c) for c in table.column_names()) or "NULL"
        sql = f"SELECT {cols} FROM {history_table(name)} WHERE {alive_at(f'getvariable({key!r})')}"

        def bind_at(conn: Connection) -> list[str]:
            return [f"SET VARIABLE {key} = {resolve(conn, point, _current(conn, name))}"]

        tr.binders.append(bind_at)
    return exp.Subquery(this=sqlglot.parse_one(sql, read="duckdb"), alias=alias)


def _current(conn: Connection, name: ObjectName) -> CatalogObject:
    obj = conn.catalog.get("TABLE", name)
    if obj is None or obj.kind != "TABLE":
        raise errors.object_does_not_exist(str(name), "Table")
    return obj


HISTORICAL_RELATION.append(_relation)


# ---- compaction -----------------------------------------------------------------------------------------------------
def horizon(conn: Connection, table: CatalogObject) -> int:
    """The newest version at or before which ended row versions can no longer be read by anything legitimate.

    Time travel and CHANGES reach back to now - DATA_RETENTION_TIME_IN_DAYS; a stream that is not stale reads from
    its offset (a stream also holds its table's history past the retention period: docs streams-intro, 'Data
    retention period and staleness'). A row version that ended at or before all of these is invisible to each.
    """
    from snowsim.emulator import streams

    moment = conn.clock.now() - timedelta(days=retention_days(conn, table))
    keep = [version_at(conn, moment)]
    for stream in conn.catalog.all("STREAM"):
        # a stream on a view holds the history of each of the view's base tables
        if table.info.get("id") in streams.tracked_table_ids(stream) and not streams.is_stale(conn, stream):
            keep.append(int(stream.info["offset"]))
    return min(keep)


def compact(conn: Connection, names: list[ObjectName] | None = None) -> int:
    """Drop the row versions of tables (default: all) that nothing can read any more; returns how many."""
    removed = 0
    for obj in conn.catalog.all("TABLE"):
        if names is None or obj.name in names:
            removed += conn.storage.compact(obj.name, horizon(conn, obj))
    return removed


def after_commit(conn: Connection, txn: Txn) -> None:
    """Every COMPACT_EVERY commits that wrote to a table, compact it (called from the commit hook)."""
    counts: dict[ObjectName, int] = conn.__dict__.setdefault("_snowsim_commits_since_compact", {})
    due = []
    for name in txn.touched:
        counts[name] = counts.get(name, 0) + 1
        if counts[name] >= COMPACT_EVERY:
            counts[name] = 0
            due.append(name)
    if due:
        compact(conn, due)
