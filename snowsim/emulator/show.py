"""SHOW DATABASES / SCHEMAS / TABLES / VIEWS / OBJECTS / COLUMNS and DESCRIBE TABLE / VIEW, answered from the catalog.

Output columns, their (lowercase) names and order follow the command pages of the Snowflake documentation
(docs: sql-reference/sql/show-tables, show-views, show-schemas, show-databases, show-objects, show-columns,
desc-table, desc-view). Rows come back ordered lexicographically by database, schema and name, as documented.
snowsim has no roles: every object is owned by OWNER; sizes it cannot know (bytes) are 0.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlglot import exp

from snowsim.emulator import errors
from snowsim.emulator.catalog import CatalogObject, Column
from snowsim.emulator.executor import SHOW
from snowsim.emulator.identifiers import normalize, quote
from snowsim.emulator.results import Result
from snowsim.emulator.storage import current_view
from snowsim.emulator.translate import parse

if TYPE_CHECKING:
    from snowsim.emulator.connection import Connection

OWNER = "SYSADMIN"  # snowsim has no access control; Snowflake's usual object-creating role stands in
INFO_SCHEMA_COMMENT = "Views describing the contents of schemas in this database"
TERSE_COLUMNS = ["created_on", "name", "kind", "database_name", "schema_name"]

DATABASE_COLUMNS = ["created_on", "name", "is_default", "is_current", "origin", "owner", "comment", "options",
                    "retention_time", "kind", "owner_role_type", "object_visibility"]
SCHEMA_COLUMNS = ["created_on", "name", "is_default", "is_current", "database_name", "owner", "comment", "options",
                  "retention_time", "owner_role_type", "object_visibility"]
TABLE_COLUMNS = ["created_on", "name", "database_name", "schema_name", "kind", "comment", "cluster_by", "rows", "bytes",
                 "owner", "retention_time", "automatic_clustering", "change_tracking", "search_optimization",
                 "search_optimization_progress", "search_optimization_bytes", "is_external", "enable_schema_evolution",
                 "owner_role_type", "is_event", "budget", "is_hybrid", "is_iceberg", "is_dynamic", "is_immutable"]
# The show-views page's column table puts owner_role_type before change_tracking; its example shows them swapped.
VIEW_COLUMNS = ["created_on", "name", "reserved", "database_name", "schema_name", "owner", "comment", "text",
                "is_secure", "is_materialized", "owner_role_type", "change_tracking"]
OBJECT_COLUMNS = ["created_on", "name", "database_name", "schema_name", "kind", "comment", "cluster_by", "rows", "bytes",
                  "owner", "retention_time", "owner_role_type", "is_hybrid", "is_dynamic", "is_iceberg"]
COLUMN_COLUMNS = ["table_name", "schema_name", "column_name", "data_type", "null?", "default", "kind", "expression",
                  "comment", "database_name", "autoincrement", "schema_evolution_record"]
DESCRIBE_COLUMNS = ["name", "type", "kind", "null?", "default", "primary key", "unique key", "check", "expression",
                    "comment", "policy name", "privacy domain"]


# ---- options common to SHOW commands ---------------------------------------------------------------------------
@dataclass
class Options:
    """LIKE / STARTS WITH / LIMIT ... FROM / TERSE of one SHOW statement."""

    terse: bool = False
    like: re.Pattern[str] | None = None
    starts_with: str | None = None
    limit: int | None = None
    limit_from: str | None = None

    def keep(self, names: Iterable[str]) -> list[int]:
        """Indexes of the (already ordered) names that pass the filters, in order."""
        kept = []
        for i, name in enumerate(names):
            if self.like is not None and not self.like.fullmatch(name):
                continue
            if self.starts_with is not None and not name.startswith(self.starts_with):
                continue
            if self.limit_from is not None and name < self.limit_from:
                continue
            kept.append(i)
        return kept[: self.limit] if self.limit is not None else kept


def like_regex(pattern: str) -> re.Pattern[str]:
    """A SQL LIKE pattern (% and _, backslash escapes) as a case-insensitive regex (SHOW's LIKE ignores case)."""
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if ch == "%" else "." if ch == "_" else re.escape(ch))
        i += 1
    return re.compile("".join(out), re.I | re.S)


def _options(tree: exp.Show) -> Options:
    opts = Options(terse=bool(tree.args.get("terse")))
    like = tree.args.get("like")
    if isinstance(like, exp.Expression):
        opts.like = like_regex(like.name)
    starts = tree.args.get("starts_with")
    if isinstance(starts, exp.Expression):
        opts.starts_with = starts.name
    limit = tree.args.get("limit")
    if isinstance(limit, exp.Limit):
        opts.limit = int(limit.expression.name)
    start_from = tree.args.get("from_") or tree.args.get("from")
    if isinstance(start_from, exp.Expression):
        opts.limit_from = start_from.name
    return opts


def _show_tree(sql: str) -> exp.Show:
    tree = parse(sql)
    assert isinstance(tree, exp.Show)
    if tree.args.get("history"):
        raise errors.not_supported("SHOW ... HISTORY (dropped objects are not kept)", sql)
    if tree.args.get("privileges"):
        raise errors.not_supported("SHOW ... WITH PRIVILEGES (no access control)", sql)
    return tree


def _ltz(conn: Connection, moment: datetime | str | None) -> datetime | None:
    """A catalog time (naive UTC) as the TIMESTAMP_LTZ value the connector returns: aware, in the session zone."""
    if moment is None:
        return None
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    zone = ZoneInfo(str(conn.session.parameters.get("TIMEZONE") or "America/Los_Angeles"))
    return moment.replace(tzinfo=UTC).astimezone(zone)


def _finish(columns: list[str], rows: list[tuple], names: list[str], opts: Options) -> Result:
    kept = opts.keep(names)
    return Result.table(columns, [rows[i] for i in kept])


# ---- scopes ----------------------------------------------------------------------------------------------------
@dataclass
class Scope:
    """Which objects a SHOW looks at: a database, a schema, or the whole account (None, None)."""

    database: str | None = None
    schema: str | None = None
    by_default: bool = False  # no IN clause: Snowflake shows objects with the same name once


def _require_database(conn: Connection, name: str) -> str:
    if conn.catalog.database(name) is None:
        raise errors.object_does_not_exist(name, "Database")
    return name


def _require_schema(conn: Connection, db: str, name: str) -> tuple[str, str]:
    _require_database(conn, db)
    if conn.catalog.schema(db, name) is None:
        raise errors.object_does_not_exist(f"{db}.{name}", "Schema")
    return db, name


def _no_database(verb: str) -> errors.ProgrammingError:
    return errors.ProgrammingError(
        msg=f"Cannot perform {verb}. This session does not have a current database. Call 'USE DATABASE', or use a "
        "qualified name.",
        errno=90105,
        sqlstate="22000",
    )


def _scope(conn: Connection, tree: exp.Show) -> Scope:
    """IN ACCOUNT | DATABASE [db] | [SCHEMA] [db.]schema, or the documented default (docs: show-tables, IN ...)."""
    kind = (tree.args.get("scope_kind") or "").upper()
    target = tree.args.get("scope")
    parts = [normalize(p) for p in target.parts] if isinstance(target, exp.Table) else []
    session = conn.session
    if kind == "ACCOUNT":
        return Scope()
    if kind == "DATABASE":
        if parts:
            return Scope(_require_database(conn, parts[-1]))
        return Scope(session.database)  # "DATABASE without a name and no database in use has no effect"
    if kind in ("SCHEMA", "TABLE"):  # sqlglot reads a bare `IN name` as TABLE; for these commands it is a schema
        if len(parts) >= 2:
            return Scope(*_require_schema(conn, parts[-2], parts[-1]))
        if parts:
            if session.database is None:
                raise _no_database(f"SHOW {tree.name.upper()}")
            return Scope(*_require_schema(conn, session.database, parts[0]))
        if session.database is None:
            return Scope()
        return Scope(session.database, session.schema)
    # No IN: the current database if there is one, else the account (docs: show-tables, "If you omit IN ...").
    return Scope(session.database, None, by_default=True)


def _relations(conn: Connection, scope: Scope, kinds: tuple[str, ...]) -> list[CatalogObject]:
    objs = [o for o in conn.catalog.all() if o.kind in kinds]
    if scope.database is not None:
        objs = [o for o in objs if o.name.database == scope.database]
    if scope.schema is not None:
        objs = [o for o in objs if o.name.schema == scope.schema]
    objs.sort(key=lambda o: (o.name.database, o.name.schema, o.name.name))
    if scope.by_default and scope.database is not None:
        # docs (show-tables, IN ... note): without IN, objects with the same name are displayed once. Which one is
        # shown is not documented; snowsim keeps the current schema's, else the first schema's in name order.
        chosen: dict[str, CatalogObject] = {}
        for o in objs:
            if o.name.name not in chosen or o.name.schema == conn.session.schema:
                chosen[o.name.name] = o
        objs = [o for o in objs if chosen[o.name.name] is o]
    return objs


# ---- per-object facts ------------------------------------------------------------------------------------------
def table_kind(obj: CatalogObject) -> str:
    """SHOW TABLES' kind: TABLE, TRANSIENT or TEMPORARY (docs: show-tables, output)."""
    if obj.info.get("temporary"):
        return "TEMPORARY"
    if obj.info.get("transient"):
        return "TRANSIENT"
    return "TABLE"


def change_tracking(conn: Connection, obj: CatalogObject) -> bool:
    """Change tracking is on when set explicitly or once a stream exists on the table (docs: streams-intro)."""
    if obj.info.get("change_tracking") or str(obj.info.get("CHANGE_TRACKING", "")).upper() == "TRUE":
        return True
    return any(s.info.get("table_id") == obj.info.get("id") for s in conn.catalog.all("STREAM"))


def retention(obj: CatalogObject) -> str:
    """DATA_RETENTION_TIME_IN_DAYS as SHOW prints it (text); 1 is the account default (docs: parameters)."""
    return str(obj.info.get("DATA_RETENTION_TIME_IN_DAYS") or 1)


def row_count(conn: Connection, obj: CatalogObject) -> int:
    """Current rows of a table (its current-rows view)."""
    return conn.duck.execute(f"SELECT count(*) FROM {current_view(obj.name)}").fetchone()[0]


def column_json(col: Column) -> str:
    """SHOW COLUMNS' data_type: the column type as the JSON Snowflake prints (docs: show-columns, examples)."""
    base, params = _split_type(col.type)
    out: dict[str, Any]
    if base == "NUMBER":
        out = {"type": "FIXED", "precision": params[0], "scale": params[1]}
    elif base == "VARCHAR":
        out = {"type": "TEXT", "length": params[0], "byteLength": min(params[0] * 4, 16777216)}
    elif base == "BINARY":
        out = {"type": "BINARY", "length": params[0], "byteLength": params[0]}
    elif base == "FLOAT":
        out = {"type": "REAL"}
    elif base.startswith(("TIMESTAMP", "TIME")):
        out = {"type": base, "precision": 0, "scale": params[0] if params else 9}
    else:
        out = {"type": base}
    out["nullable"] = col.nullable
    if base in ("VARCHAR", "BINARY"):
        out["fixed"] = base == "BINARY"
    return json.dumps(out, separators=(",", ":"))


def _split_type(text: str) -> tuple[str, list[int]]:
    match = re.fullmatch(r"(\w+)(?:\((\d+)(?:,(\d+))?\))?", text.replace(" ", ""))
    if match is None:
        return text, []
    return match.group(1), [int(g) for g in match.groups()[1:] if g is not None]


# ---- SHOW DATABASES / SCHEMAS ----------------------------------------------------------------------------------
def show_databases(conn: Connection, sql: str) -> Result:
    """SHOW [TERSE] DATABASES [LIKE] [STARTS WITH] [LIMIT n [FROM 'x']] (docs: sql-reference/sql/show-databases)."""
    tree = _show_tree(sql)
    opts = _options(tree)
    dbs = sorted(conn.catalog.all("DATABASE"), key=lambda o: o.name.database)
    names = [o.name.database for o in dbs]
    if opts.terse:
        # docs: kind, database_name and schema_name always display NULL for databases
        rows = [(_ltz(conn, o.created_on), o.name.database, None, None, None) for o in dbs]
        return _finish(TERSE_COLUMNS, rows, names, opts)
    rows = [
        (_ltz(conn, o.created_on), o.name.database, "N", "Y" if o.name.database == conn.session.database else "N", "",
         OWNER, o.info.get("comment") or "", "", retention(o), "STANDARD", "ROLE", None)
        for o in dbs
    ]
    return _finish(DATABASE_COLUMNS, rows, names, opts)


def show_schemas(conn: Connection, sql: str) -> Result:
    """SHOW [TERSE] SCHEMAS [LIKE] [IN ACCOUNT | DATABASE [db]] ... (docs: sql-reference/sql/show-schemas)."""
    tree = _show_tree(sql)
    opts = _options(tree)
    kind = (tree.args.get("scope_kind") or "").upper()
    target = tree.args.get("scope")
    if kind == "ACCOUNT":
        database = None
    elif isinstance(target, exp.Table):  # IN DATABASE db, or IN db
        database = _require_database(conn, normalize(target.parts[-1]))
    else:
        database = conn.session.database
    schemas = [o for o in conn.catalog.all("SCHEMA") if database is None or o.name.database == database]
    schemas.sort(key=lambda o: (o.name.database, o.name.schema))
    names = [o.name.schema for o in schemas]
    if opts.terse:
        rows = [(_ltz(conn, o.created_on), o.name.schema, None, o.name.database, None) for o in schemas]
        return _finish(TERSE_COLUMNS, rows, names, opts)
    rows = []
    for o in schemas:
        info_schema = o.name.schema == "INFORMATION_SCHEMA"
        current = o.name.database == conn.session.database and o.name.schema == conn.session.schema
        rows.append((
            _ltz(conn, o.created_on), o.name.schema, "N", "Y" if current else "N", o.name.database,
            "" if info_schema else OWNER, INFO_SCHEMA_COMMENT if info_schema else o.info.get("comment") or "", "",
            retention(o), "" if info_schema else "ROLE", None,
        ))  # fmt: skip
    return _finish(SCHEMA_COLUMNS, rows, names, opts)


# ---- SHOW TABLES / VIEWS / OBJECTS -----------------------------------------------------------------------------
def show_tables(conn: Connection, sql: str) -> Result:
    """SHOW [TERSE] TABLES [LIKE] [IN ...] [STARTS WITH] [LIMIT] (docs: sql-reference/sql/show-tables)."""
    tree = _show_tree(sql)
    opts = _options(tree)
    tables = _relations(conn, _scope(conn, tree), ("TABLE",))
    names = [o.name.name for o in tables]
    if opts.terse:
        rows = [(_ltz(conn, o.created_on), o.name.name, "TABLE", o.name.database, o.name.schema) for o in tables]
        return _finish(TERSE_COLUMNS, rows, names, opts)
    rows = [
        (_ltz(conn, o.created_on), o.name.name, o.name.database, o.name.schema, table_kind(o),
         o.info.get("comment") or "", "", row_count(conn, o), 0, OWNER, retention(o), "OFF",
         "ON" if change_tracking(conn, o) else "OFF", "OFF", None, None, "N", "N", "ROLE", "N", None, "N", "N", "N",
         "N")
        for o in tables
    ]  # fmt: skip
    return _finish(TABLE_COLUMNS, rows, names, opts)


def view_text(obj: CatalogObject) -> str:
    """The statement that created a view (docs: show-views, text), or its query when the statement was not kept."""
    return obj.info.get("ddl") or obj.info.get("text") or ""


def show_views(conn: Connection, sql: str) -> Result:
    """SHOW [TERSE] VIEWS [LIKE] [IN ...] [STARTS WITH] [LIMIT] (docs: sql-reference/sql/show-views).

    Snowflake also lists the INFORMATION_SCHEMA views themselves; snowsim does not (it emulates only a few).
    """
    tree = _show_tree(sql)
    opts = _options(tree)
    views = _relations(conn, _scope(conn, tree), ("VIEW",))
    names = [o.name.name for o in views]
    if opts.terse:
        rows = [(_ltz(conn, o.created_on), o.name.name, "VIEW", o.name.database, o.name.schema) for o in views]
        return _finish(TERSE_COLUMNS, rows, names, opts)
    rows = [
        (_ltz(conn, o.created_on), o.name.name, "", o.name.database, o.name.schema, OWNER, o.info.get("comment") or "",
         view_text(o), "true" if o.info.get("secure") else "false", "false", "ROLE",
         "ON" if o.info.get("change_tracking") else "OFF")  # a stream on the view turns it on (create-stream)
        for o in views
    ]  # fmt: skip
    return _finish(VIEW_COLUMNS, rows, names, opts)


def show_objects(conn: Connection, sql: str) -> Result:
    """SHOW [TERSE] OBJECTS [LIKE] [IN ...]: tables and views (docs: sql-reference/sql/show-objects)."""
    tree = _show_tree(sql)
    opts = _options(tree)
    objs = _relations(conn, _scope(conn, tree), ("TABLE", "VIEW"))
    names = [o.name.name for o in objs]

    def kind(o: CatalogObject) -> str:
        return "VIEW" if o.kind == "VIEW" else table_kind(o)

    if opts.terse:
        rows = [(_ltz(conn, o.created_on), o.name.name, kind(o), o.name.database, o.name.schema) for o in objs]
        return _finish(TERSE_COLUMNS, rows, names, opts)
    rows = [
        (_ltz(conn, o.created_on), o.name.name, o.name.database, o.name.schema, kind(o), o.info.get("comment") or "",
         "", row_count(conn, o) if o.kind == "TABLE" else 0, 0, OWNER, retention(o), "ROLE", "N", "N", "N")
        for o in objs
    ]  # fmt: skip
    return _finish(OBJECT_COLUMNS, rows, names, opts)


# ---- SHOW COLUMNS / DESCRIBE -----------------------------------------------------------------------------------
def _relation(conn: Connection, table: exp.Table, kind: str) -> CatalogObject:
    """The table or view a DESCRIBE / SHOW COLUMNS names; Snowflake echoes the name as written when it is missing."""
    parts = [normalize(p) for p in table.parts]
    tr = conn.translator()
    name = tr.qualify_name(parts)
    obj = conn.catalog.get("TABLE", name)
    if obj is None or obj.kind not in ("TABLE", "VIEW"):
        raise errors.object_does_not_exist(".".join(quote(p) for p in parts), kind)
    return obj


def show_columns(conn: Connection, sql: str) -> Result:
    """SHOW COLUMNS [LIKE] [IN ACCOUNT | DATABASE | SCHEMA | [TABLE|VIEW] name] (docs: sql-reference/sql/show-columns)."""
    tree = _show_tree(sql)
    opts = _options(tree)
    kind = (tree.args.get("scope_kind") or "").upper()
    target = tree.args.get("scope")
    if kind in ("TABLE", "VIEW") and isinstance(target, exp.Table):
        rels = [_relation(conn, target, kind.title())]
    else:
        scope = _scope(conn, tree)
        scope.by_default = False
        rels = _relations(conn, scope, ("TABLE", "VIEW"))
    rows, names = [], []
    for o in rels:
        for col in o.columns:
            rows.append((o.name.name, o.name.schema, col.name, column_json(col), "true" if col.nullable else "false",
                         col.default or "", "COLUMN", "", col.comment or "", o.name.database, "", None))
            names.append(col.name)
    return _finish(COLUMN_COLUMNS, rows, names, Options(like=opts.like, limit=opts.limit))


def _describe(kind: str) -> Callable[[Connection, str], Result]:
    def describe(conn: Connection, sql: str) -> Result:
        tree = parse(sql)
        if any("STAGE" in p.sql().upper() for p in tree.expressions):
            raise errors.not_supported("DESCRIBE TABLE ... TYPE = STAGE", sql)
        obj = _relation(conn, tree.this, kind)
        keys = set(obj.info.get("primary_key") or [])
        unique = {c for cols in obj.info.get("unique_keys") or [] for c in cols}
        rows = [
            (c.name, c.type, "COLUMN", "Y" if c.nullable else "N", c.default, "Y" if c.name in keys else "N",
             "Y" if c.name in unique else "N", None, None, c.comment, None, None)
            for c in obj.columns
        ]
        return Result.table(DESCRIBE_COLUMNS, rows)

    describe.__doc__ = f"DESCRIBE|DESC {kind.upper()} name: one row per column (docs: sql-reference/sql/desc-{kind.lower()})."
    return describe


SHOW.update({
    "DATABASES": show_databases,
    "SCHEMAS": show_schemas,
    "TABLES": show_tables,
    "VIEWS": show_views,
    "OBJECTS": show_objects,
    "COLUMNS": show_columns,
    # DESCRIBE TABLE and DESCRIBE VIEW are interchangeable (docs: desc-table, usage notes)
    "DESCRIBE TABLE": _describe("Table"),
    "DESCRIBE VIEW": _describe("View"),
})  # fmt: skip
