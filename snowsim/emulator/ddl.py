"""DDL: databases, schemas, tables, views; USE; session parameters and variables."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from sqlglot import exp

from snowsim.emulator import errors
from snowsim.emulator.catalog import CatalogObject, Column
from snowsim.emulator.identifiers import ObjectName, normalize
from snowsim.emulator.results import Result
from snowsim.emulator.types import canonical, canonical_from_duck

if TYPE_CHECKING:
    from snowsim.emulator.connection import Connection

_TABLE_PARAMS = ("DATA_RETENTION_TIME_IN_DAYS", "MAX_DATA_EXTENSION_TIME_IN_DAYS", "CHANGE_TRACKING")


def _parts(table: exp.Table) -> list[str]:
    return [normalize(p) for p in table.parts]


def create_database(conn: Connection, name: str, replace: bool = False, if_not_exists: bool = False,
                    comment: str | None = None) -> Result:
    """CREATE [OR REPLACE] DATABASE [IF NOT EXISTS] (with PUBLIC and INFORMATION_SCHEMA schemas)."""
    cat = conn.catalog
    if cat.database(name) is not None:
        if if_not_exists:
            return Result.message("status", f"{name} already exists, statement succeeded.")
        if not replace:
            raise errors.already_exists("Object", name)
        drop_database(conn, name)
    now = conn.clock.now()
    cat.put(CatalogObject("DATABASE", ObjectName(name, "", ""), now, {"comment": comment}))
    for schema in ("PUBLIC", "INFORMATION_SCHEMA"):
        cat.put(CatalogObject("SCHEMA", ObjectName(name, schema, ""), now, {}))
        conn.storage.ensure_schema(name, schema)
    conn.session.use(name, "PUBLIC")
    return Result.message("status", f"Database {name} successfully created.")


def drop_database(conn: Connection, name: str) -> None:
    """Drop a database and everything in it."""
    cat = conn.catalog
    for obj in cat.all():
        if obj.name.database == name and obj.kind != "DATABASE":
            if obj.kind == "SCHEMA":
                conn.storage.drop_schema(name, obj.name.schema)
            cat.drop(obj.kind, obj.name)
    cat.drop("DATABASE", ObjectName(name, "", ""))
    if conn.session.database == name:
        conn.session.use(None, None)
        conn.session.database = None


def create_schema(conn: Connection, db: str, name: str, replace: bool, if_not_exists: bool) -> Result:
    """CREATE [OR REPLACE] SCHEMA [IF NOT EXISTS] [db.]name."""
    cat = conn.catalog
    if cat.database(db) is None:
        raise errors.object_does_not_exist(db, "Database")
    if cat.schema(db, name) is not None:
        if if_not_exists:
            return Result.message("status", f"{name} already exists, statement succeeded.")
        if not replace:
            raise errors.already_exists("Object", name)
        drop_schema(conn, db, name)
    cat.put(CatalogObject("SCHEMA", ObjectName(db, name, ""), conn.clock.now(), {}))
    conn.storage.ensure_schema(db, name)
    conn.session.use(db, name)
    return Result.message("status", f"Schema {name} successfully created.")


def drop_schema(conn: Connection, db: str, name: str) -> None:
    """Drop a schema and everything in it."""
    for obj in conn.catalog.in_schema(db, name):
        conn.catalog.drop(obj.kind, obj.name)
    conn.catalog.drop("SCHEMA", ObjectName(db, name, ""))
    conn.storage.drop_schema(db, name)
    if conn.session.database == db and conn.session.schema == name:
        conn.session.use(db, None)


def _column(defn: exp.ColumnDef, statement: str = "") -> Column:
    name = normalize(defn.this)
    kind = defn.args.get("kind")
    if kind is None:
        raise errors.compilation_error(1003, f"syntax error: column {name} has no data type")
    col = Column(name, canonical(kind))
    for constraint in defn.args.get("constraints") or []:
        c = constraint.kind
        if isinstance(c, exp.NotNullColumnConstraint):
            col.nullable = bool(c.args.get("allow_null"))
        elif isinstance(c, exp.DefaultColumnConstraint):
            col.default = c.this.sql(dialect="snowflake")
        elif isinstance(c, exp.CommentColumnConstraint):
            col.comment = c.this.name
        elif isinstance(c, (exp.PrimaryKeyColumnConstraint, exp.UniqueColumnConstraint)):
            pass  # accepted and, as in Snowflake, not enforced (docs: table-considerations#constraints)
        elif isinstance(c, exp.AutoIncrementColumnConstraint | exp.GeneratedAsIdentityColumnConstraint):
            raise errors.not_supported("AUTOINCREMENT / IDENTITY columns", statement or defn.sql("snowflake"))
    return col


def _keys(elements: list[exp.Expression]) -> tuple[list[str], list[list[str]]]:
    """PRIMARY KEY columns and UNIQUE column groups, declared inline or out of line (accepted, not enforced)."""
    primary: list[str] = []
    unique: list[list[str]] = []

    def names(node: exp.Expression) -> list[str]:
        items = node.this.expressions if isinstance(node.this, exp.Schema) else node.expressions
        return [normalize(i if isinstance(i, exp.Identifier) else i.this) for i in items]

    for el in elements:
        if isinstance(el, exp.ColumnDef):
            for constraint in el.args.get("constraints") or []:
                if isinstance(constraint.kind, exp.PrimaryKeyColumnConstraint):
                    primary.append(normalize(el.this))
                elif isinstance(constraint.kind, exp.UniqueColumnConstraint):
                    unique.append([normalize(el.this)])
            continue
        for node in el.expressions if isinstance(el, exp.Constraint) else [el]:
            if isinstance(node, exp.PrimaryKey):
                primary.extend(names(node))
            elif isinstance(node, exp.UniqueColumnConstraint):
                unique.append(names(node))
    return primary, unique


def _properties(tree: exp.Create) -> dict[str, str]:
    out: dict[str, str] = {}
    props = tree.args.get("properties")
    for p in props.expressions if props else []:
        if isinstance(p, exp.TemporaryProperty):
            out["TEMPORARY"] = "TRUE"
        elif isinstance(p, exp.TransientProperty):
            out["TRANSIENT"] = "TRUE"
        elif isinstance(p, exp.SchemaCommentProperty):
            out["COMMENT"] = p.this.name
        elif isinstance(p, exp.SecureProperty):
            out["SECURE"] = "TRUE"
        elif type(p) is exp.Property:  # key = value
            key = p.name.upper() if isinstance(p.this, (str, exp.Identifier)) else p.this.name.upper()
            out[key] = _prop_value(p.args["value"]) if p.args.get("value") is not None else ""
        elif isinstance(p, exp.Property):
            # other clauses (LIKE, CLUSTER BY, MATERIALIZED, EXTERNAL, ...) are keyed by their kind, so callers can
            # refuse the ones snowsim does not emulate instead of failing on a property without a name
            key = type(p).__name__.removesuffix("Property").upper()
            out[key] = p.this.sql(dialect="snowflake") if isinstance(p.this, exp.Expression) else "TRUE"
    return out


def _prop_value(node: exp.Expression) -> str:
    # a Boolean's .name is empty: TRUE/FALSE are spelled out so CHANGE_TRACKING = TRUE reads back as "TRUE"
    if isinstance(node, exp.Boolean):
        return "TRUE" if node.this else "FALSE"
    return node.name


def create_table(conn: Connection, tree: exp.Create) -> Result:
    """CREATE [OR REPLACE] [TRANSIENT|TEMPORARY] TABLE [IF NOT EXISTS] t (cols) | AS SELECT | LIKE | CLONE."""
    target = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
    tr = conn.translator()
    name = tr.qualify_name(_parts(target))
    if conn.catalog.schema(name.database, name.schema) is None:
        raise errors.object_does_not_exist(f"{name.database}.{name.schema}", "Schema")
    existing = conn.catalog.get("TABLE", name)
    if existing is not None:
        if tree.args.get("exists"):
            return Result.message("status", f"{name.name} already exists, statement succeeded.")
        if not tree.args.get("replace"):
            raise errors.already_exists("Object", name.name)
        if existing.kind == "VIEW":
            raise errors.compilation_error(2002, f"Object '{name.name}' already exists as VIEW")
    props = _properties(tree)
    for key in ("CLONE", "LIKE"):
        if tree.args.get("clone") is not None or key in props:
            raise errors.not_supported(f"CREATE TABLE ... {key}", tr.statement)
    if "EXTERNAL" in props:
        raise errors.not_supported("CREATE EXTERNAL TABLE", tr.statement)
    # CLUSTER BY is accepted: clustering changes storage layout, never results
    query = tree.expression
    keys: tuple[list[str], list[list[str]]] = ([], [])
    if isinstance(tree.this, exp.Schema):
        columns = [_column(c, tr.statement) for c in tree.this.expressions if isinstance(c, exp.ColumnDef)]
        keys = _keys(tree.this.expressions)
        for c in columns:
            if c.name in keys[0]:
                c.nullable = False  # PRIMARY KEY implies NOT NULL, which is always enforced (docs: constraints-overview)
        if query is not None:
            raise errors.not_supported("CREATE TABLE with a column list and AS SELECT", tr.statement)
    elif query is not None:
        if query.find(exp.Placeholder) is not None:
            # the column types come from a DuckDB relation built without the values (a DDL runs as a handler that
            # is not given the statement's parameters)
            raise errors.not_supported("CREATE TABLE ... AS SELECT with bound parameters", tr.statement)
        translated = tr.query(query.copy())
        conn.prepare_run(tr.finish(translated), dml=True)
        rel = conn.duck.sql(translated.sql(dialect="duckdb"))
        columns = [Column(n, canonical_from_duck(str(t)))
                   for n, t in zip(rel.columns, rel.types, strict=True)]
    else:
        raise errors.compilation_error(1003, "syntax error: CREATE TABLE needs a column list or AS SELECT")
    if len({c.name.upper() for c in columns}) != len(columns):
        raise errors.not_supported("two columns whose names differ only by case (DuckDB names are case-insensitive)",
                                   tr.statement)
    if existing is not None:
        drop_relation(conn, existing)
        mark_streams_stale(conn, existing)
    info = {
        "id": uuid.uuid4().hex,
        "columns": [c.__dict__ for c in columns],
        "comment": props.get("COMMENT"),
        "transient": "TRANSIENT" in props,
        "temporary": "TEMPORARY" in props,
        "primary_key": keys[0],  # recorded for DESCRIBE; like UNIQUE, not enforced
        "unique_keys": keys[1],
        "last_version": 0,
    }
    for key in _TABLE_PARAMS:
        if key in props:
            info[key] = props[key]
    conn.storage.create_table(name, columns)
    obj = CatalogObject("TABLE", name, conn.clock.now(), info)
    conn.catalog.put(obj)
    if query is not None:
        from snowsim.emulator.dml import plan_insert

        insert = exp.Insert(this=target.copy(), expression=query.copy())
        tr2 = conn.translator()
        tr2.begin(tr.statement)
        plan = plan_insert(tr2, insert)
        with conn.txns.statement(True, conn.new_query_id()):
            plan.run(conn, [])
    return Result.message("status", f"Table {name.name} successfully created.")


def mark_streams_stale(conn: Connection, table: CatalogObject) -> None:
    """CREATE OR REPLACE TABLE makes the streams on the old table stale (docs: streams-intro)."""
    for stream in conn.catalog.all("STREAM"):
        if stream.info.get("table_id") == table.info.get("id"):
            stream.info["stale"] = True
            conn.catalog.save(stream)


def drop_relation(conn: Connection, obj: CatalogObject) -> None:
    """Drop a table's storage or a view."""
    if obj.kind == "TABLE":
        conn.storage.drop_table(obj.name)
    else:
        conn.duck.execute(f"DROP VIEW IF EXISTS {_view_ref(obj.name)}")
    conn.catalog.drop(obj.kind, obj.name)


def _view_ref(name: ObjectName) -> str:
    from snowsim.emulator.storage import current_view

    return current_view(name)


def create_view(conn: Connection, tree: exp.Create) -> Result:
    """CREATE [OR REPLACE] [SECURE] VIEW [IF NOT EXISTS] v [(cols)] AS SELECT ..."""
    target = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
    tr = conn.translator()
    name = tr.qualify_name(_parts(target))
    existing = conn.catalog.get("VIEW", name)
    if existing is not None:
        if tree.args.get("exists"):
            return Result.message("status", f"{name.name} already exists, statement succeeded.")
        if not tree.args.get("replace"):
            raise errors.already_exists("Object", name.name)
        if existing.kind == "TABLE":
            raise errors.compilation_error(2002, f"Object '{name.name}' already exists as TABLE")
    if "MATERIALIZED" in _properties(tree):
        raise errors.not_supported("CREATE MATERIALIZED VIEW", tr.statement)
    query = tree.expression
    text = query.sql(dialect="snowflake")
    translated = tr.query(query)
    translation = tr.finish(translated)
    if translation.streams:
        raise errors.not_supported("a view that reads a stream", tr.statement)
    conn.prepare_run(translation)
    if existing is not None:
        drop_relation(conn, existing)
    conn.duck.execute(f"CREATE VIEW {_view_ref(name)} AS {translation.sql}")
    rel = conn.duck.sql(f"SELECT * FROM {_view_ref(name)} LIMIT 0")
    columns = [Column(n, canonical_from_duck(str(t))) for n, t in zip(rel.columns, rel.types, strict=True)]
    props = _properties(tree)
    info = {"id": uuid.uuid4().hex, "columns": [c.__dict__ for c in columns], "text": text, "ddl": tr.statement,
            "comment": props.get("COMMENT"), "secure": "SECURE" in props}
    conn.catalog.put(CatalogObject("VIEW", name, conn.clock.now(), info))
    return Result.message("status", f"View {name.name} successfully created.")


def drop(conn: Connection, tree: exp.Drop) -> Result:
    """DROP DATABASE|SCHEMA|TABLE|VIEW [IF EXISTS] name."""
    kind = (tree.args.get("kind") or "").upper()
    table = tree.this if tree.this is not None else (tree.args.get("tables") or [None])[0]
    parts = _parts(table)
    tr = conn.translator()
    if kind == "DATABASE":
        name = parts[-1]
        if conn.catalog.database(name) is None:
            if tree.args.get("exists"):
                return Result.message("status", f"Drop statement executed successfully ({name} already dropped).")
            raise errors.object_does_not_exist(name, "Database")
        drop_database(conn, name)
        return Result.message("status", f"{name} successfully dropped.")
    if kind == "SCHEMA":
        db = parts[0] if len(parts) == 2 else conn.session.database
        if db is None:
            raise errors.ProgrammingError(msg="Cannot perform DROP. This session does not have a current database. "
                                          "Call 'USE DATABASE', or use a qualified name.", errno=90105, sqlstate="22000")
        sch = parts[-1]
        if conn.catalog.schema(db, sch) is None:
            if tree.args.get("exists"):
                return Result.message("status", f"Drop statement executed successfully ({sch} already dropped).")
            raise errors.object_does_not_exist(f"{db}.{sch}", "Schema")
        drop_schema(conn, db, sch)
        return Result.message("status", f"{sch} successfully dropped.")
    if kind in ("TABLE", "VIEW"):
        name = tr.qualify_name(parts)
        obj = conn.catalog.get(kind, name)
        if obj is None or obj.kind != kind:
            if tree.args.get("exists"):
                return Result.message("status", f"Drop statement executed successfully ({name.name} already dropped).")
            raise errors.object_does_not_exist(str(name), kind.title())
        drop_relation(conn, obj)
        return Result.message("status", f"{name.name} successfully dropped.")
    raise errors.not_supported(f"DROP {kind}", tr.statement)


def alter_table(conn: Connection, tree: exp.Alter) -> Result:
    """ALTER TABLE: ADD/DROP/RENAME COLUMN, RENAME TO, SET parameters (CHANGE_TRACKING, retention)."""
    tr = conn.translator()
    name = tr.qualify_name(_parts(tree.this))
    obj = conn.catalog.get("TABLE", name)
    if obj is None or obj.kind != "TABLE":
        if tree.args.get("exists"):
            return Result.message("status", "Statement executed successfully.")
        raise errors.object_does_not_exist(str(name), "Table")
    columns = obj.columns
    hist_changed = False
    from snowsim.emulator.identifiers import duck_ident
    from snowsim.emulator.storage import column_ddl, history_table

    for action in tree.args.get("actions") or []:
        if isinstance(action, exp.ColumnDef):
            col = _column(action, tr.statement)
            if any(c.name == col.name for c in columns):
                raise errors.compilation_error(2025, f"column '{col.name}' already exists")
            conn.duck.execute(f"ALTER TABLE {history_table(name)} ADD COLUMN {column_ddl(col).replace(' NOT NULL', '')}")
            columns.append(col)
            hist_changed = True
        elif isinstance(action, exp.Drop):
            for t in action.args.get("tables") or [action.this]:
                col_name = normalize(t.this if isinstance(t, exp.Column | exp.Table) else t)
                if not any(c.name == col_name for c in columns):
                    raise errors.invalid_identifier(col_name)
                columns = [c for c in columns if c.name != col_name]
                conn.storage.rebuild_view(name, columns)
                conn.duck.execute(f"ALTER TABLE {history_table(name)} DROP COLUMN {duck_ident(col_name)}")
                hist_changed = True
        elif isinstance(action, exp.RenameColumn):
            old = normalize(action.this.this)
            new = normalize(action.args["to"].this)
            if not any(c.name == old for c in columns):
                raise errors.invalid_identifier(old)
            conn.duck.execute(f"DROP VIEW IF EXISTS {_view_ref(name)}")
            conn.duck.execute(f"ALTER TABLE {history_table(name)} RENAME COLUMN {duck_ident(old)} TO {duck_ident(new)}")
            for c in columns:
                if c.name == old:
                    c.name = new
            hist_changed = True
        elif isinstance(action, exp.AlterRename):
            new_name = tr.qualify_name(_parts(action.this))
            if conn.catalog.get("TABLE", new_name) is not None:
                raise errors.already_exists("Object", new_name.name)
            conn.storage.rename_table(name, new_name, columns)
            conn.catalog.drop("TABLE", name)
            obj = CatalogObject("TABLE", new_name, obj.created_on, obj.info)
            name = new_name
            hist_changed = True
        elif isinstance(action, exp.AlterSet):
            # sqlglot wraps `SET k = v, ...` in a Properties node
            props = [p for e in action.expressions for p in (e.expressions if isinstance(e, exp.Properties) else [e])]
            for prop in props:
                if isinstance(prop, exp.SchemaCommentProperty):  # SET COMMENT = '...' parses to its own node
                    key, value = "COMMENT", _prop_value(prop.this)
                else:
                    key = prop.this.name.upper() if isinstance(prop, exp.EQ) else prop.name.upper()
                    value = _prop_value(prop.expression if isinstance(prop, exp.EQ) else prop.args.get("value"))
                if key not in _TABLE_PARAMS and key != "COMMENT":
                    raise errors.not_supported(f"ALTER TABLE ... SET {key}", tr.statement)
                obj.info[key if key != "COMMENT" else "comment"] = value
                if key == "CHANGE_TRACKING":
                    if value.upper() == "TRUE" and not obj.info.get("change_tracking"):
                        obj.info["change_tracking_since"] = conn.txns.committed  # CHANGES can start here
                    obj.info["change_tracking"] = value.upper() == "TRUE"
        else:
            raise errors.not_supported(f"ALTER TABLE action {action.sql('snowflake')}", tr.statement)
    obj.info["columns"] = [c.__dict__ for c in columns]
    if hist_changed:
        conn.storage.rebuild_view(name, columns)
    conn.catalog.put(obj)
    return Result.message("status", "Statement executed successfully.")


def use(conn: Connection, tree: exp.Use) -> Result:
    """USE [DATABASE|SCHEMA] name."""
    # no keyword: `USE name` is a database, `USE db.schema` a schema (docs: sql-reference/sql/use)
    kind = tree.args.get("kind").name.upper() if tree.args.get("kind") else ""
    parts = _parts(tree.this)
    if kind == "DATABASE" or (kind not in ("SCHEMA", "WAREHOUSE", "ROLE", "SECONDARY") and len(parts) == 1):
        if conn.catalog.database(parts[-1]) is None:
            raise errors.object_does_not_exist(parts[-1], "Database")
        schema = "PUBLIC" if conn.catalog.schema(parts[-1], "PUBLIC") else None
        conn.session.use(parts[-1], schema)
    elif kind == "SCHEMA" or len(parts) == 2:
        db = parts[0] if len(parts) == 2 else conn.session.database
        if db is None or conn.catalog.schema(db, parts[-1]) is None:
            raise errors.object_does_not_exist(f"{db}.{parts[-1]}" if db else parts[-1], "Schema")
        conn.session.use(db, parts[-1])
    elif kind == "WAREHOUSE":
        # no compute to pick: remembered so CURRENT_WAREHOUSE() answers as it would (plans keyed by generation)
        conn.session.warehouse = parts[-1]
        conn.session.generation += 1
    # USE ROLE / SECONDARY ROLES: accepted and ignored, like the connector's role argument
    return Result.message("status", "Statement executed successfully.")


def _literal_value(node: exp.Expression):
    if isinstance(node, exp.Literal):
        return node.this if node.is_string else (int(node.this) if node.this.lstrip("-").isdigit() else float(node.this))
    if isinstance(node, exp.Boolean):
        return node.this
    return node.name


def alter_session(conn: Connection, tree: exp.Alter) -> Result:
    """ALTER SESSION SET k = v [...] / UNSET k [, ...]."""
    for action in tree.args.get("actions") or []:
        for item in action.expressions:
            node = item.this
            if isinstance(node, exp.EQ):
                conn.session.set_parameter(node.this.name, _literal_value(node.expression))
            else:
                conn.session.unset_parameter(node.name)
    conn.apply_session_parameters()
    return Result.message("status", "Statement executed successfully.")


def set_variables(conn: Connection, tree: exp.Set) -> Result:
    """SET var = expr / SET (a, b) = (x, y): values computed by running the expressions."""
    for item in tree.expressions:
        eq = item.this
        names = eq.this.expressions if isinstance(eq.this, exp.Tuple) else [eq.this]
        values = eq.expression.expressions if isinstance(eq.expression, exp.Tuple) else [eq.expression]
        if len(names) != len(values):
            raise errors.compilation_error(1003, "number of variables and values differ in SET")
        for n, v in zip(names, values, strict=True):
            row = conn.run_scalar_select(v)
            conn.session.set_variable(normalize(n.this if isinstance(n, exp.Column) else n), row)
    return Result.message("status", "Statement executed successfully.")
