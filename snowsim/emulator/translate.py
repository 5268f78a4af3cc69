"""Snowflake query -> DuckDB query: name resolution, typing, Snowflake-semantics rewrites, physical names.

One sqlglot tree flows through a fixed list of passes (like sqlglot's own transforms):
  1. name the outer projections as Snowflake would (`SELECT a+1` is column "A+1")
  2. resolve every table reference against the catalog (002003 when missing)
  3. qualify + annotate types (sqlglot's optimizer, with a schema built from the catalog)
  4. rewrite functions and VARIANT operations by type (functions.py)
  5. replace references by physical relations: tables' current rows, streams' deltas, time travel, virtual tables
The result is cached by the caller; everything that changes between runs (stream offsets, the clock) is read through
DuckDB variables set just before execution, so a cached translation stays valid.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import OptimizeError, ParseError
from sqlglot.optimizer.annotate_types import TypeAnnotator
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import Scope, traverse_scope
from sqlglot.schema import MappingSchema

from snowsim.emulator import errors
from snowsim.emulator.catalog import Catalog, CatalogObject
from snowsim.emulator.identifiers import ObjectName, duck_ident, normalize, quote
from snowsim.emulator.in_lists import expand_in_lists
from snowsim.emulator.pruning import prune
from snowsim.emulator.session import Session
from snowsim.emulator.sqlfuncs import fast_copy
from snowsim.emulator.storage import current_view, history_table
from snowsim.emulator.window_keys import hoist_window_keys

STREAM_COLUMNS = {"METADATA$ACTION": "VARCHAR", "METADATA$ISUPDATE": "BOOLEAN", "METADATA$ROW_ID": "VARCHAR"}

# Builders for relations that are not stored tables: INFORMATION_SCHEMA views and table functions.
# key: (schema, name) for views, function name for TABLE(...) functions; value: fn(translator, node) -> exp.Expression
VirtualRelation = Callable[["Translator", exp.Expression], exp.Expression]
VIRTUAL_VIEWS: dict[tuple[str, str], tuple[Callable[[Translator, str], str], dict[str, str]]] = {}
TABLE_FUNCTIONS: dict[str, VirtualRelation] = {}
# Rewrites applied after typing, by node class (functions.py and friends register here).
REWRITES: list[Callable[[exp.Expression, Translator], exp.Expression]] = []
# What Translator.query collects in one walk before qualify.
_FOUND_BEFORE_QUALIFY = (exp.Values, exp.CTE, exp.Table, exp.Parameter, exp.Window)
# Stream relation builder (streams.py registers it): fn(translator, stream_obj, table_node) -> exp.Expression
STREAM_RELATION: list[Callable[[Translator, CatalogObject, exp.Table], exp.Expression]] = []
# Time-travel relation builder (streams.py): fn(translator, table_obj, table_node) -> exp.Expression
HISTORICAL_RELATION: list[Callable[[Translator, CatalogObject, exp.Table], exp.Expression]] = []
# Called with sqlglot's type annotator and the scopes before it types them, to give it the column types of sources
# it cannot type (table functions: table_functions.py)
BEFORE_ANNOTATE: list[Callable[[TypeAnnotator, list[Scope]], None]] = []


@dataclass
class Translation:
    """A translated statement: DuckDB SQL plus what must be set up before each run."""

    sql: str
    streams: list[ObjectName] = field(default_factory=list)  # streams read: bounds set per run, consumed by DML
    uses_clock: bool = False
    referenced: list[ObjectName] = field(default_factory=list)
    version_as_param: bool = False  # DML passes its version as a parameter instead of the __ver variable
    binders: list = field(default_factory=list)  # fn(conn) -> SET statements for per-run values (time travel points)
    # Standard streams on tables, each as (its lo variable, the table's id, its history table, the delta's text as the
    # statement's SQL holds it, a cheaper text exact while no row version of the table ended after lo): see streams.py
    insert_only: tuple[tuple[str, str, str, str, str], ...] = ()
    flatten: bool = False  # a hot plan's: its final texts get their plain derived tables merged (flattening.py)


def parse(sql: str) -> exp.Expression:
    """Parse one Snowflake statement; syntax errors become Snowflake's 001003."""
    try:
        trees = sqlglot.parse(sql, read="snowflake")
    except ParseError as exc:
        err = exc.errors[0] if exc.errors else {}
        line, col = err.get("line", 1), err.get("col", 0)
        near = (err.get("highlight") or "").strip() or sql.strip().split()[0]
        raise errors.syntax_error(line, col, near) from None
    trees = [t for t in trees if t is not None]
    if len(trees) != 1:
        raise errors.ProgrammingError(
            msg=f"Actual statement count {len(trees)} did not match the desired statement count 1.",
            errno=8,
            sqlstate="0A000",
        )
    return trees[0]


class Translator:
    """Translates parsed Snowflake statements for one connection's catalog and session."""

    def __init__(self, catalog: Catalog, session: Session) -> None:
        self.catalog = catalog
        self.session = session
        self.statement = ""
        self._streams: list[ObjectName] = []
        self.binders: list = []  # see Translation.binders; hooks append while translating
        self.insert_only: list[tuple[str, str, str, str, str]] = []  # see Translation.insert_only
        self._referenced: list[ObjectName] = []
        self.uses_clock = False
        # Drop the derived tables' unread columns (pruning.py): for hot plans only (Connection.run re-plans a
        # statement on its second run), so that a statement seen once is not translated slower.
        self.prune = False

    # ---- names -------------------------------------------------------------------------------------------
    def qualify_name(self, parts: list[str], kind: str = "Object") -> ObjectName:
        """Complete a 1-3 part (normalised) name with the session's database and schema."""
        if len(parts) == 3:
            return ObjectName(*parts)
        db = self.session.database
        if len(parts) == 2:
            if db is None:
                raise _no_current("database", self.statement)
            return ObjectName(db, parts[0], parts[1])
        if db is None or self.session.schema is None:
            raise _no_current("database" if db is None else "schema", self.statement)
        return ObjectName(db, self.session.schema, parts[0])

    def table_parts(self, table: exp.Table) -> list[str]:
        """Normalised name parts of a table reference."""
        return [normalize(p) for p in table.parts]

    def resolve(self, table: exp.Table, kinds: tuple[str, ...] = ("TABLE", "VIEW", "STREAM")) -> CatalogObject:
        """The catalog object a table reference names; 002003 when there is none."""
        name = self.qualify_name(self.table_parts(table))
        for kind in kinds:
            obj = self.catalog.get(kind, name)
            if obj is not None and obj.kind == kind:
                return obj
        # Snowflake names the missing container first (SQLSTATE 02000), then the object
        if self.catalog.database(name.database) is None:
            raise errors.object_does_not_exist(quote(name.database), "Database")
        if self.catalog.schema(name.database, name.schema) is None:
            raise errors.object_does_not_exist(f"{quote(name.database)}.{quote(name.schema)}", "Schema")
        raise errors.object_does_not_exist(str(name))

    # ---- queries -----------------------------------------------------------------------------------------
    def begin(self, statement: str) -> None:
        """Start translating a new statement."""
        self.statement = statement
        self._streams = []
        self._referenced = []
        self.binders = []
        self.insert_only = []
        self.uses_clock = False

    def finish(self, tree: exp.Expression) -> Translation:
        """Generate DuckDB SQL for a translated tree."""
        return Translation(
            _duck_sql(tree), list(dict.fromkeys(self._streams)), self.uses_clock, self._referenced,
            binders=list(self.binders), insert_only=tuple(dict.fromkeys(self.insert_only)), flatten=self.prune,
        )

    def query(self, tree: exp.Expression, name_outputs: bool = True, pruned: bool = True) -> exp.Expression:
        """Translate a query (SELECT / set operation / VALUES) in place and return it; `pruned`: without the
        derived tables' columns it does not read, when self.prune (a caller that adds or drops items prunes after)."""
        if name_outputs:
            _name_projections(tree)
        # one walk finds what the next steps need (each walk of a MERGE's tree costs ~0.05 ms)
        found: dict[type, list[exp.Expression]] = {cls: [] for cls in _FOUND_BEFORE_QUALIFY}
        for node in tree.find_all(*_FOUND_BEFORE_QUALIFY):
            found[next(cls for cls in _FOUND_BEFORE_QUALIFY if isinstance(node, cls))].append(node)
        _name_values_columns(found[exp.Values])
        schema = self._resolve_tables(found[exp.CTE], found[exp.Table])
        tree = self._qualify(tree, schema)
        # qualify copies session variables ($name) at most (alias expansion), it never makes one
        tree = self._physical(self.rewrite(tree, absent=() if found[exp.Parameter] else (exp.Parameter,)))
        if found[exp.Window]:
            tree = hoist_window_keys(tree)
        return self.pruned(tree) if pruned else tree

    def pruned(self, tree: exp.Expression) -> exp.Expression:
        """The translated tree made cheaper for DuckDB to plan, for a hot plan: without its derived tables' unread
        columns (pruning.py), short IN lists as comparisons (in_lists.py)."""
        if self.prune:
            prune(tree)
            expand_in_lists(tree)
        return tree

    def expression(self, node: exp.Expression, sources: dict[str, ObjectName] | None = None) -> exp.Expression:
        """Translate a scalar expression that refers to the given sources (alias -> object), e.g. a MERGE SET value."""
        select = exp.select(node)
        for alias, name in (sources or {}).items():
            select = select.from_(exp.to_table(str(name)).as_(alias)) if select.args.get("from_") is None else select.join(
                exp.to_table(str(name)).as_(alias), join_type="cross"
            )
        out = self.query(select, name_outputs=False)
        return out.expressions[0].unalias()

    def rewrite(self, tree: exp.Expression, absent: tuple[type, ...] = ()) -> exp.Expression:
        """Apply the registered Snowflake-semantics rewrites bottom-up.

        A rewrite may declare `applies_to` (node classes): it is then called on those nodes only, not on every node of
        the tree as a transform pass would (most statements have no session variable or SYSTEM$ call, and each
        transform pass costs ~0.1 ms on a MERGE); it must not change the tree in place, only return replacements.
        `absent`: node classes the caller knows the tree has none of; passes over only those are skipped until a pass
        changes the tree.
        """
        found: tuple | None = None  # (classes, nodes) of the last pass, when it replaced none of them
        for fn in REWRITES:
            wanted = getattr(fn, "applies_to", None)
            if wanted is None:
                tree = tree.transform(fn, self, copy=False)
                found, absent = None, ()
                continue
            if absent and all(cls in absent for cls in wanted):
                continue
            nodes = found[1] if found is not None and found[0] == wanted else list(tree.find_all(*wanted, bfs=False))
            tree, changed = _replace_each(tree, nodes, fn, self)
            found = None if changed else (wanted, nodes)
            if changed:
                absent = ()
        return tree

    def _resolve_tables(self, ctes_found: list[exp.CTE], tables: list[exp.Table]) -> MappingSchema:
        ctes = {normalize(c.args["alias"].this) for c in ctes_found if c.args.get("alias")}
        mapping: dict[str, dict[str, dict[str, dict[str, str]]]] = {}
        for table in tables:
            if not isinstance(table.this, exp.Identifier):
                continue  # TABLE(fn(...)) and friends: rewritten in _physical
            parts = self.table_parts(table)
            if len(parts) == 1 and parts[0] in ctes:
                continue
            virtual = self._virtual_view(parts)
            if virtual is not None:
                name, columns = virtual[0], _typed_map(virtual[1])
            else:
                obj = self.resolve(table)
                name, columns = obj.name, _typed(obj.columns)
                if obj.kind == "STREAM":
                    view_id = obj.info.get("view_id")  # a stream on a view has the view's columns
                    source = (
                        self.catalog.by_id("VIEW", view_id)
                        if view_id
                        else self.catalog.by_id("TABLE", obj.info["table_id"])
                    )
                    columns = {**(_typed(source.columns) if source else {}), **_typed_map(STREAM_COLUMNS)}
                if table.args.get("changes") is not None:
                    columns = {**columns, **STREAM_COLUMNS}  # t CHANGES(...) has a stream's columns
                table.meta["snowsim_object"] = obj
                self._referenced.append(obj.name)
            table.meta["snowsim_name"] = name
            table.set("catalog", exp.to_identifier(name.database, quoted=True))
            table.set("db", exp.to_identifier(name.schema, quoted=True))
            table.set("this", exp.to_identifier(name.name, quoted=True))
            mapping.setdefault(name.database, {}).setdefault(name.schema, {})[name.name] = columns
        return _CatalogSchema(mapping)

    def _virtual_view(self, parts: list[str]) -> tuple[ObjectName, dict[str, str]] | None:
        if len(parts) < 2 or parts[-2] != "INFORMATION_SCHEMA":
            return None
        entry = VIRTUAL_VIEWS.get(("INFORMATION_SCHEMA", parts[-1]))
        if entry is None:
            return None
        db = parts[0] if len(parts) == 3 else self.session.database
        if db is None:
            raise _no_current("database", self.statement)
        return ObjectName(db, "INFORMATION_SCHEMA", parts[-1]), entry[1]

    def _qualify(self, tree: exp.Expression, schema: MappingSchema) -> exp.Expression:
        try:
            tree = qualify(
                tree,
                schema=schema,
                dialect="snowflake",
                catalog=self.session.database,
                db=self.session.schema,
                quote_identifiers=True,
                expand_stars=True,
                validate_qualify_columns=False,  # below, on the scopes annotation reuses
            )
            scopes = traverse_scope(tree)
            _validate_qualified(scopes)
        except OptimizeError as exc:
            match = re.search(r"Column '(.+?)' could not be resolved|Unknown column: (.+)$", str(exc))
            if match:
                name = (match.group(1) or match.group(2)).strip().strip('"')
                qualifier = re.search(r"(\w+)\.\s*" + re.escape(name), self.statement, re.I)
                shown = f"{qualifier.group(1).upper()}.{name}" if qualifier else name
                raise errors.invalid_identifier(shown, self.statement) from None
            raise errors.not_supported(f"this query shape ({exc})", self.statement) from None
        # annotate_types(tree, schema), minus its own traversal of the scopes (~0.1 ms on a MERGE)
        annotator = TypeAnnotator(schema)
        for hook in BEFORE_ANNOTATE:
            hook(annotator, scopes)
        for scope in scopes:
            annotator.annotate_scope(scope)
        annotator.annotate(tree, annotate_scope=False)
        return tree

    def _physical(self, tree: exp.Expression) -> exp.Expression:
        def swap(node: exp.Expression) -> exp.Expression:
            if not isinstance(node.this, exp.Identifier):
                return self._table_function(node)
            name: ObjectName | None = node.meta.get("snowsim_name")
            if name is None:
                return node  # a CTE reference
            obj: CatalogObject | None = node.meta.get("snowsim_object")
            alias = node.args.get("alias") or exp.TableAlias(this=exp.to_identifier(name.name, quoted=True))
            if obj is None:  # INFORMATION_SCHEMA view
                builder = VIRTUAL_VIEWS[(name.schema, name.name)][0]
                return _subquery(builder(self, name.database), alias)
            if obj.kind == "STREAM":
                self._streams.append(obj.name)
                return STREAM_RELATION[0](self, obj, node)
            if node.args.get("when") is not None or node.args.get("changes") is not None:
                if not HISTORICAL_RELATION:
                    raise errors.not_supported("time travel (AT/BEFORE/CHANGES)", self.statement)
                return HISTORICAL_RELATION[0](self, obj, node)
            if node.meta.get("snowsim_with_rid"):
                # DML targets: current rows plus their stable row id and __tborn, "inserted by the writing
                # transaction" (its version is __ver): an update writes it as the new version's __ins (storage.py).
                # The columns are listed (not `* EXCLUDE`), so that a DML plan can drop the ones it does not read
                # (pruning.py).
                columns = ", ".join(duck_ident(c.name) for c in obj.columns)
                return _subquery(
                    f"SELECT {columns}, __rid, __ins AND __vfrom = getvariable('__ver') AS __tborn "
                    f"FROM {history_table(obj.name)} WHERE __vto IS NULL", alias
                )
            physical = fast_copy(_physical_table(current_view(obj.name)))
            physical.set("alias", alias)
            return physical

        # only the tables change: visiting them alone does what tree.transform(swap) did, without a call per node
        return _replace_each(tree, list(tree.find_all(exp.Table, bfs=False)), swap)[0]

    def _table_function(self, node: exp.Table) -> exp.Expression:
        fn = node.this
        name = (fn.name if isinstance(fn, exp.Anonymous) else type(fn).__name__).upper()
        if isinstance(fn, exp.Anonymous) and isinstance(fn.this, str):
            name = fn.this.upper()
        builder = TABLE_FUNCTIONS.get(name)
        if builder is None:
            raise errors.not_supported(f"table function {name}", self.statement)
        return builder(self, node)


_DUCKDB = sqlglot.Dialect.get_or_raise("duckdb")
# sqlglot warns when it falls back to an opaque Command (CREATE TASK, ...); the emulator handles those itself.
logging.getLogger("sqlglot").setLevel(logging.ERROR)


@lru_cache(maxsize=512)
def _data_type(text: str) -> exp.DataType:
    # parsing type strings is a large share of qualify's cost; catalog types repeat, so parse each once
    return exp.DataType.build(text, dialect="snowflake")


def _typed(columns: list) -> dict[str, exp.DataType]:
    return {c.name: _data_type(c.type) for c in columns}


def _typed_map(columns: dict[str, str]) -> dict[str, exp.DataType]:
    return {k: _data_type(v) for k, v in columns.items()}


class _CatalogSchema(MappingSchema):
    """The statement's relations for sqlglot's qualify and annotate_types, looked up by their three name parts.

    Every relation _resolve_tables registers is fully qualified with exact (normalised) names, so a lookup is one dict
    access; MappingSchema normalises and hashes the table expression on each of its ~50 lookups per MERGE. Anything
    else (a partial name) goes to MappingSchema.
    """

    def __init__(self, mapping: dict[str, dict[str, dict[str, dict[str, Any]]]]) -> None:
        super().__init__(mapping, dialect="snowflake", normalize=False)
        self._relations = {
            (db, sch, name): columns
            for db, schemas in mapping.items()
            for sch, relations in schemas.items()
            for name, columns in relations.items()
        }

    def _columns(self, table: object) -> dict[str, Any] | None:
        if isinstance(table, exp.Table):
            return self._relations.get((table.catalog, table.db, table.name))
        return None

    def find(self, table: exp.Table, raise_on_missing: bool = True, ensure_data_types: bool = False) -> Any:
        columns = self._columns(table)
        if columns is None or (ensure_data_types and not all(isinstance(t, exp.DataType) for t in columns.values())):
            return super().find(table, raise_on_missing, ensure_data_types)
        return columns

    def column_names(
        self, table: exp.Table | str, only_visible: bool = False, dialect: Any = None, normalize: bool | None = None
    ) -> list[str]:
        columns = self._columns(table)
        return list(columns) if columns is not None else super().column_names(table, only_visible, dialect, normalize)

    def get_column_type(
        self, table: exp.Table | str, column: exp.Column | str, dialect: Any = None, normalize: bool | None = None
    ) -> exp.DataType:
        columns = self._columns(table)
        if columns is None:
            return super().get_column_type(table, column, dialect, normalize)
        found = columns.get(column if isinstance(column, str) else column.this.name)
        if isinstance(found, str):  # CHANGES adds the stream columns as type names
            return self._to_data_type(found)
        return found if found is not None else exp.DType.UNKNOWN.into_expr()

    def has_column(
        self, table: exp.Table | str, column: exp.Column | str, dialect: Any = None, normalize: bool | None = None
    ) -> bool:
        columns = self._columns(table)
        if columns is None:
            return super().has_column(table, column, dialect, normalize)
        return (column if isinstance(column, str) else column.this.name) in columns


def _validate_qualified(scopes: list[Scope]) -> None:
    """sqlglot's validate_qualify_columns on scopes already built: OptimizeError for a column no source has."""
    unqualified = []
    for scope in scopes:
        if isinstance(scope.expression, exp.Select):
            if scope.external_columns and not scope.is_correlated_subquery and not scope.pivots:
                column = scope.external_columns[0]
                for_table = f" for table: '{column.table}'" if column.table else ""
                message = f"Column '{column.name}' could not be resolved{for_table}."
                line, col = column.this.meta_get("line"), column.this.meta_get("col")
                raise OptimizeError(message + (f" Line: {line}, Col: {col}" if line and col else ""))
            unqualified.extend(scope.unqualified_columns)
    if unqualified:
        first = unqualified[0]
        line, col = first.this.meta_get("line"), first.this.meta_get("col")
        where = f" (Line: {line}, Col: {col})" if line and col else ""
        raise OptimizeError(f"Ambiguous column '{first.name}'{where}")


def _duck_sql(tree: exp.Expression) -> str:
    """Generate DuckDB SQL without the generator's defensive deep copy (translated trees are private)."""
    return _DUCKDB.generate(tree, copy=False)


def _subquery(sql: str, alias: exp.TableAlias) -> exp.Expression:
    return exp.Subquery(this=fast_copy(_parsed_duckdb(sql)), alias=alias)


@lru_cache(maxsize=512)
def _parsed_duckdb(sql: str) -> exp.Expression:
    # generated SQL (a table's current rows, an INFORMATION_SCHEMA view) repeats: parse each text once, copy it
    return sqlglot.parse_one(sql, read="duckdb")


@lru_cache(maxsize=512)
def _physical_table(sql: str) -> exp.Table:
    return exp.to_table(sql, dialect="duckdb")


def _replace_each(
    tree: exp.Expression, nodes: list[exp.Expression], fn: Callable[..., exp.Expression | None], *args: object
) -> tuple[exp.Expression, bool]:
    """Call fn(node, *args) on `nodes` (in tree order) and put what it returns in their place; return the root and
    whether anything was replaced.

    The same as tree.transform(fn, *args, copy=False) when fn returns every other node unchanged: a node inside a
    replaced one (or inside its replacement) is not visited.
    """
    done: set[int] = set()
    for node in nodes:
        if done:
            up = node.parent
            while up is not None and id(up) not in done:
                up = up.parent
            if up is not None:
                continue
        parent, key, index = node.parent, node.arg_key, node.index
        new = fn(node, *args)
        if new is node:
            continue
        done.add(id(node))
        if new is not None:
            done.add(id(new))
        if parent is None:
            tree = new
        elif key:
            parent.set(key, new, index)
    return tree, bool(done)


def _no_current(what: str, statement: str) -> errors.ProgrammingError:
    verb = statement.strip().split()[0].upper() if statement.strip() else "statement"
    call = "USE DATABASE" if what == "database" else "USE SCHEMA"
    return errors.ProgrammingError(
        msg=f"Cannot perform {verb}. This session does not have a current {what}. Call '{call}', or use a qualified name.",
        errno=90105,
        sqlstate="22000",
    )


def _name_values_columns(found: list[exp.Values]) -> None:
    """`FROM VALUES (...)` names its columns COLUMN1..N in Snowflake (docs: sql-reference/constructs/values)."""
    for values in found:
        if not isinstance(values.parent, (exp.From, exp.Join, exp.Subquery)) and values.parent is not None:
            continue
        alias = values.args.get("alias")
        if alias is not None and alias.columns:
            continue
        width = len(values.expressions[0].expressions) if values.expressions else 0
        columns = [exp.to_identifier(f"COLUMN{i + 1}", quoted=True) for i in range(width)]
        name = alias.this if alias is not None and alias.this else exp.to_identifier("__VALUES", quoted=True)
        values.set("alias", exp.TableAlias(this=name, columns=columns))


def snowflake_column_name(node: exp.Expression) -> str:
    """The name Snowflake gives an unaliased projection: its text, unquoted identifiers upper-cased."""
    if isinstance(node, exp.Column):
        return normalize(node.this) if isinstance(node.this, exp.Identifier) else node.name
    return node.sql(dialect="snowflake").upper()


def _name_projections(tree: exp.Expression) -> None:
    select = tree
    while isinstance(select, (exp.Union, exp.Except, exp.Intersect)):
        select = select.this
    if isinstance(select, exp.Subquery):
        select = select.unnest()
    if not isinstance(select, exp.Select):
        return
    named = []
    for proj in select.expressions:
        if isinstance(proj, (exp.Alias, exp.Star)) or (isinstance(proj, exp.Column) and isinstance(proj.this, (exp.Identifier, exp.Star))):
            named.append(proj)
        else:
            named.append(exp.alias_(proj, exp.to_identifier(snowflake_column_name(proj), quoted=True)))
    select.set("expressions", named)
