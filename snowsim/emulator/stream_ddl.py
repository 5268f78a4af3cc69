"""Stream DDL: CREATE [OR REPLACE] STREAM, DROP STREAM, ALTER STREAM, SHOW STREAMS, DESCRIBE STREAM.

docs: sql-reference/sql/create-stream, drop-stream, alter-stream, show-streams, desc-stream. sqlglot parses none of
these (SHOW STREAMS falls back to a Command, DESCRIBE STREAM fails), so they are routed by their leading keywords.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from snowsim.emulator import errors, streams, timetravel, view_streams
from snowsim.emulator.catalog import CatalogObject
from snowsim.emulator.executor import command
from snowsim.emulator.identifiers import ObjectName, split_name
from snowsim.emulator.results import Result

if TYPE_CHECKING:
    from snowsim.emulator.connection import Connection

_NAME = r'(?:"(?:[^"]|"")*"|[^\s"(]+)(?:\.(?:"(?:[^"]|"")*"|[^\s".(]+))*'
_CREATE = re.compile(
    rf"^\s*CREATE\s+(?P<replace>OR\s+REPLACE\s+)?STREAM\s+(?P<ine>IF\s+NOT\s+EXISTS\s+)?(?P<name>{_NAME})\s*"
    rf"(?P<copy>COPY\s+GRANTS\s+)?(?:CLONE\s+(?P<clone>{_NAME}))?"
    rf"(?:ON\s+(?P<kind>TABLE|VIEW|EXTERNAL\s+TABLE|EVENT\s+TABLE|STAGE|DYNAMIC\s+TABLE)\s+(?P<table>{_NAME}))?"
    r"(?P<rest>.*)$",
    re.I | re.S,
)
_OPTION = re.compile(
    r"\b(?P<key>APPEND_ONLY|SHOW_INITIAL_ROWS|INSERT_ONLY|COMMENT)\s*=\s*(?P<value>'(?:[^']|'')*'|\w+)", re.I
)
_POINT = re.compile(r"\b(AT|BEFORE)\s*\(", re.I)

OWNER = "SYSADMIN"  # no access control in snowsim; the role show.py names too
COLUMNS = [
    "created_on", "name", "database_name", "schema_name", "owner", "comment", "table_name", "source_type",
    "base_tables", "type", "stale", "mode", "stale_after", "invalid_reason", "owner_role_type",
]  # fmt: skip  (docs: show-streams, output)


def _flag(options: dict[str, str], key: str) -> bool:
    value = options.get(key, "FALSE").upper()
    if value not in ("TRUE", "FALSE"):
        raise errors.compilation_error(1008, f"invalid value [{value}] for parameter '{key}'", "22023")
    return value == "TRUE"


def _balanced(text: str, start: int) -> int:
    """Index just past the parenthesis that closes the one at or after `start` (quotes respected)."""
    depth, i, quote = 0, text.index("(", start), None
    while i < len(text):
        ch = text[i]
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise errors.syntax_error(1, len(text), "<EOF>")


@command(r"CREATE\s+(OR\s+REPLACE\s+)?STREAM\b")
def create_stream(conn: Connection, sql: str) -> Result:
    """CREATE [OR REPLACE] STREAM [IF NOT EXISTS] s ON {TABLE t | VIEW v} [AT|BEFORE(...)] [APPEND_ONLY] ...

    [SHOW_INITIAL_ROWS] [COMMENT]. ON VIEW: the view must satisfy the streams-on-views requirements
    (view_streams.expand; docs: streams-intro).
    """
    m = _CREATE.match(sql)
    if not m or m.group("clone"):
        raise errors.not_supported("this form of CREATE STREAM (CLONE, or no ON clause)", sql)
    if not m.group("table"):
        raise errors.syntax_error(1, len(sql.rstrip()), "<EOF>")
    kind = " ".join(m.group("kind").upper().split())
    if kind not in ("TABLE", "VIEW"):
        raise errors.not_supported(f"streams ON {kind}", sql, m.start("kind"))
    rest = m.group("rest")
    point = None
    found = _POINT.search(rest)
    if found:
        end = _balanced(rest, found.start())
        point = timetravel.Point.parse(rest[found.start() : end])
        rest = rest[: found.start()] + rest[end:]
    options = {o.group("key").upper(): o.group("value") for o in _OPTION.finditer(rest)}
    tr = conn.translator()
    name = tr.qualify_name(split_name(m.group("name")))
    table_name = tr.qualify_name(split_name(m.group("table")))
    source = _source(conn, kind, table_name)
    expanded = view_streams.expand(conn.catalog, source, sql) if kind == "VIEW" else None
    tables = expanded.tables if expanded is not None else [source]
    table = tables[0]
    if _flag(options, "INSERT_ONLY"):
        raise errors.compilation_error(
            1008, "Streams of type INSERT_ONLY can only be created on external tables or Iceberg tables with an "
            "external catalog integration.", "22023")  # fmt: skip
    existing = conn.catalog.get("STREAM", name)
    if existing is not None and not m.group("replace"):
        if m.group("ine"):
            return Result.message("status", f"{name.name} already exists, statement succeeded.")
        raise errors.already_exists("Object", name.name)
    conn.txns.commit()  # DDL commits an open transaction (docs: sql-reference/transactions)
    now = conn.clock.now()
    offset, last_consumed = conn.txns.committed, now
    if point is not None:
        # Resolved before an OR REPLACE drops the old stream: `AT(STREAM => 's')` on s itself keeps its offset.
        # A stream on a view: the point must be readable in each base table (a version is global: one offset).
        for base in tables:
            offset = timetravel.resolve(conn, point, base)
            if point.kind != "STREAM" and (not timetravel.is_tracked(base) or offset < timetravel.tracking_since(base)):
                raise timetravel.not_tracked(base.name)
        lender = _point_stream(conn, point)
        if lender is not None:
            # the copy inherits how long its changes have been waiting (docs are silent; derived)
            last_consumed = datetime.fromisoformat(lender.info["last_consumed"])
    info = {
        "table": [source.name.database, source.name.schema, source.name.name],
        "mode": "APPEND_ONLY" if _flag(options, "APPEND_ONLY") else "DEFAULT",
        "offset": offset,
        "initial_pending": _flag(options, "SHOW_INITIAL_ROWS"),
        "show_initial_rows": _flag(options, "SHOW_INITIAL_ROWS"),
        "last_consumed": last_consumed.isoformat(),
        "comment": _comment(options.get("COMMENT")),
    }
    if expanded is None:
        info["table_id"] = table.info["id"]
    else:
        # the view's query as the stream reads it, and what it reads, by identity (docs: create-stream, usage notes:
        # the stream "breaks if the source view or underlying tables are dropped or recreated")
        info["view_id"] = source.info["id"]
        info["query"] = expanded.query
        info["base_tables"] = [{"id": t.info["id"], "name": _parts(t.name)} for t in tables]
        info["views"] = [{"id": v.info["id"], "name": _parts(v.name)} for v in expanded.views]
    for base in tables:
        if not timetravel.is_tracked(base):
            # "When the first stream for a table is created, several hidden columns are added to the source table";
            # the first stream on a view enables change tracking on the view and its underlying tables when its
            # role owns them (docs: create-stream, usage notes) - every object is owned by the one role here.
            base.info["change_tracking"] = True
            base.info["change_tracking_since"] = conn.txns.committed
            conn.catalog.save(base)
    if expanded is not None and not source.info.get("change_tracking"):
        source.info["change_tracking"] = True
        conn.catalog.save(source)
    conn.catalog.put(CatalogObject("STREAM", name, now, info))
    return Result.message("status", f"Stream {name.name} successfully created.")


def _source(conn: Connection, kind: str, name: ObjectName) -> CatalogObject:
    """The table or view a new stream is ON; 002203 when the name is an object of the other kind."""
    obj = conn.catalog.get(kind, name)
    if obj is None:
        raise errors.object_does_not_exist(str(name), kind.title())
    if obj.kind != kind:
        # non-doc: Snowflake's text for ON TABLE naming a view, seen in public issues
        raise errors.compilation_error(
            2203, f"Object found is of type '{obj.kind}', not specified type '{kind}'.", "02000")  # fmt: skip
    return obj


def _parts(name: ObjectName) -> list[str]:
    return [name.database, name.schema, name.name]


def _point_stream(conn: Connection, point: timetravel.Point) -> CatalogObject | None:
    if point.kind != "STREAM":
        return None
    value = timetravel.evaluate(conn, point.expression)
    return conn.catalog.get("STREAM", conn.translator().qualify_name(split_name(str(value))))


def _comment(literal: str | None) -> str | None:
    if not literal or not literal.startswith("'"):
        return None
    return literal[1:-1].replace("''", "'")


def _stream_name(conn: Connection, text: str) -> ObjectName:
    return conn.translator().qualify_name(split_name(text))


@command(r"DROP\s+STREAM\b")
def drop_stream(conn: Connection, sql: str) -> Result:
    """DROP STREAM [IF EXISTS] s (docs: drop-stream)."""
    m = re.match(rf"^\s*DROP\s+STREAM\s+(?P<ine>IF\s+EXISTS\s+)?(?P<name>{_NAME})\s*$", sql, re.I | re.S)
    if not m:
        raise errors.syntax_error(1, 0, sql.split()[0])
    name = _stream_name(conn, m.group("name"))
    conn.txns.commit()
    if conn.catalog.get("STREAM", name) is None:
        if m.group("ine"):
            return Result.message("status", f"Drop statement executed successfully ({name.name} already dropped).")
        raise errors.object_does_not_exist(str(name), "Stream")
    conn.catalog.drop("STREAM", name)
    return Result.message("status", f"{name.name} successfully dropped.")


@command(r"ALTER\s+STREAM\b")
def alter_stream(conn: Connection, sql: str) -> Result:
    """ALTER STREAM [IF EXISTS] s SET COMMENT = '...' | UNSET COMMENT (docs: alter-stream; tags are not emulated)."""
    m = re.match(
        rf"^\s*ALTER\s+STREAM\s+(?P<ie>IF\s+EXISTS\s+)?(?P<name>{_NAME})\s+(?:SET\s+COMMENT\s*=\s*(?P<c>'(?:[^']|'')*')"
        r"|(?P<unset>UNSET\s+COMMENT))\s*$",
        sql,
        re.I | re.S,
    )
    if not m:
        raise errors.not_supported("this form of ALTER STREAM", sql)
    name = _stream_name(conn, m.group("name"))
    stream = conn.catalog.get("STREAM", name)
    conn.txns.commit()
    if stream is None:
        if m.group("ie"):
            return Result.message("status", "Statement executed successfully.")
        raise errors.object_does_not_exist(str(name), "Stream")
    stream.info["comment"] = None if m.group("unset") else _comment(m.group("c"))
    conn.catalog.save(stream, structural=False)
    return Result.message("status", "Statement executed successfully.")


def describe_row(conn: Connection, stream: CatalogObject) -> tuple:
    """One SHOW STREAMS / DESCRIBE STREAM row (docs: show-streams, output columns)."""
    source = streams.source_table(conn.catalog, stream)
    table_name = ".".join(_parts(source.name) if source else stream.info.get("table") or [])
    source_type, base_tables = "Table", table_name
    if streams.is_on_view(stream):
        # "A stream on a view can list more than one base table" (docs: account-usage/streams, BASE_TABLES); the
        # separator is not documented: ", " is snowsim's choice.
        source_type = "View"
        names = []
        for base in stream.info["base_tables"]:
            table = conn.catalog.by_id("TABLE", base["id"])
            names.append(".".join(_parts(table.name) if table else base["name"]))
        base_tables = ", ".join(names)
    n = stream.name
    return (
        _ltz(conn, stream.created_on),
        n.name,
        n.database,
        n.schema,
        OWNER,
        stream.info.get("comment") or "",
        table_name,
        source_type,
        base_tables,
        "DELTA",
        "true" if streams.is_stale(conn, stream) else "false",
        stream.info.get("mode", "DEFAULT"),
        _ltz(conn, streams.stale_after(conn, stream)),
        "N/A",
        "ROLE",
    )


def _ltz(conn: Connection, moment: datetime) -> datetime:
    # catalog times are naive UTC; SHOW returns TIMESTAMP_LTZ values, aware, in the session's time zone
    zone = ZoneInfo(str(conn.session.parameters.get("TIMEZONE") or "America/Los_Angeles"))
    return moment.replace(tzinfo=UTC).astimezone(zone)


def _like(pattern: str) -> re.Pattern[str]:
    # SHOW ... LIKE is case-insensitive, with SQL wildcards % and _ (docs: show-streams)
    out = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return re.compile(f"^{out}$", re.I | re.S)


@command(r"SHOW\s+(TERSE\s+)?STREAMS\b")
def show_streams(conn: Connection, sql: str) -> Result:
    """SHOW STREAMS [LIKE '<pattern>'] [IN {ACCOUNT | DATABASE [db] | SCHEMA [schema] | db.schema}] [STARTS WITH] [LIMIT]."""
    m = re.match(
        r"^\s*SHOW\s+(?P<terse>TERSE\s+)?STREAMS(?:\s+LIKE\s+'(?P<like>(?:[^']|'')*)')?"
        rf"(?:\s+IN\s+(?:(?P<account>ACCOUNT)|(?P<scope>DATABASE|SCHEMA)(?:\s+(?P<sname>{_NAME}))?|(?P<bare>{_NAME})))?"
        r"(?:\s+STARTS\s+WITH\s+'(?P<starts>(?:[^']|'')*)')?(?:\s+LIMIT\s+(?P<limit>\d+))?\s*$",
        sql,
        re.I | re.S,
    )
    if not m or m.group("terse"):
        raise errors.not_supported("this form of SHOW STREAMS", sql)
    db, sch = _scope(conn, m)
    rows = []
    for stream in sorted(conn.catalog.all("STREAM"), key=lambda s: (s.name.database, s.name.schema, s.name.name)):
        n = stream.name
        if (db and n.database != db) or (sch and n.schema != sch):
            continue
        if m.group("like") is not None and not _like(m.group("like").replace("''", "'")).match(n.name):
            continue
        if m.group("starts") is not None and not n.name.startswith(m.group("starts").replace("''", "'")):
            continue
        rows.append(describe_row(conn, stream))
    if m.group("limit"):
        rows = rows[: int(m.group("limit"))]
    return Result.table(COLUMNS, rows)


def _scope(conn: Connection, m: re.Match[str]) -> tuple[str | None, str | None]:
    """(database, schema) a SHOW is limited to; without IN, the current schema (or database) as Snowflake does."""
    if m.group("account"):
        return None, None
    scope, text = (m.group("scope") or "").upper(), m.group("sname") or m.group("bare")
    if scope == "DATABASE":
        return (split_name(text)[-1] if text else conn.session.database), None
    if scope == "SCHEMA" or text:
        if text:
            parts = split_name(text)
            return (parts[0], parts[1]) if len(parts) == 2 else (conn.session.database, parts[0])
        return conn.session.database, conn.session.schema
    if conn.session.schema:
        return conn.session.database, conn.session.schema
    return conn.session.database, None


@command(r"DESC(?:RIBE)?\s+STREAM\b")
def describe_stream(conn: Connection, sql: str) -> Result:
    """DESCRIBE STREAM s: the stream's SHOW STREAMS row (docs: desc-stream)."""
    m = re.match(rf"^\s*DESC(?:RIBE)?\s+STREAM\s+(?P<name>{_NAME})\s*$", sql, re.I | re.S)
    if not m:
        raise errors.syntax_error(1, 0, sql.split()[0])
    name = _stream_name(conn, m.group("name"))
    stream = conn.catalog.get("STREAM", name)
    if stream is None:
        raise errors.object_does_not_exist(str(name), "Stream")
    return Result.table(COLUMNS, [describe_row(conn, stream)])
