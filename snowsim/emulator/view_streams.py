"""Streams on views: which views a stream can track (checked at CREATE STREAM) and their change rows as DuckDB SQL.

docs: user-guide/streams-intro ('Streams on views', 'Join results behavior'), sql-reference/sql/create-stream (usage
notes: streams on views), user-guide/streams-examples ('Streams on views'), user-guide/streams-manage.

A view qualifies when its fully expanded query (nested views, subqueries in FROM and CTEs inlined) applies only
projections, filters, inner or cross joins and UNION ALL to native tables; GROUP BY, QUALIFY, LIMIT, DISTINCT,
subqueries outside FROM, outer joins, other set operations, aggregate/window/table functions are refused at CREATE
STREAM with a "Change tracking is not supported on queries with ..." compilation error. Nondeterministic functions
are allowed: the docs say such a stream returns their value at query time (streams-examples, CURRENT_USER example).

The stream returns the view's net change between its offset LO and the read version HI. A row of the view is named
by the base rows it is made of: one __rid per table reference of the expanded query (NULL for the references of the
other UNION ALL branches); that tuple is its METADATA$ROW_ID. Only rows made of at least one row changed in (LO, HI]
can differ, so for each table reference i the view query is evaluated with
    references before i: unchanged rows,  reference i: changed rows,  references after i: all rows
once with the tables as of LO and once as of HI: the documented  dA x B + A x dB + dA x dB  generalised to n
references, each combination of rows counted once. A row id found only at LO is a DELETE, only at HI an INSERT, at both
a DELETE + INSERT pair with METADATA$ISUPDATE = TRUE - the rule of table streams, applied to the view's rows. (The docs
do not say what METADATA$ISUPDATE is for a row an UPDATE moved out of or into a view's filter; here it is a plain
DELETE or INSERT, as the view lost or gained that row.) Append-only streams follow the docs' note on joins: rows
inserted in (LO, HI] (as inserted) joined with the tables' complete contents at LO and with each other.
Everything is one DuckDB query; LO/HI/INIT are the stream's per-run values (streams.run_value).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import sqlglot
from sqlglot import exp

from snowsim.emulator import errors
from snowsim.emulator.catalog import Catalog, CatalogObject
from snowsim.emulator.identifiers import ObjectName, duck_ident, normalize
from snowsim.emulator.storage import alive_at, history_table

if TYPE_CHECKING:
    from snowsim.emulator.translate import Translator

_MAX_DEPTH = 32  # nested views; Snowflake documents no limit


def unsupported(feature: str) -> errors.ProgrammingError:
    """The view's query uses an operation streams on views do not support (docs: streams-intro, 'Streams on views').

    The docs list the operations but give no error text. The wording is the one Snowflake uses for change tracking on
    unsupported queries, seen in public code ('... on queries with LIMIT.', "... with joins of type
    '[LEFT_OUTER_JOIN]'", '... with correlated subquery expressions.'); its errno 091912 was seen with the
    non-deterministic-function case of dynamic tables (non-doc). SQLSTATE is our choice.
    """
    return errors.compilation_error(91912, f"Change tracking is not supported on queries with {feature}.", "0A000")


def column_mismatch(view: ObjectName, declared: int, produced: int) -> errors.ProgrammingError:
    """002057 (42601): a view whose query no longer has its columns (non-doc: Snowflake's text, seen in public code)."""
    return errors.compilation_error(
        2057,
        f"View definition for '{view}' declared {declared} column(s), but view query produces {produced} column(s).",
        "42601",
    )


# ---- CREATE STREAM ... ON VIEW: expand and check the view ----------------------------------------------------------
@dataclass
class Expanded:
    """A view's query with nested views and CTEs inlined and every table fully qualified (Snowflake SQL)."""

    query: str
    tables: list[CatalogObject] = field(default_factory=list)  # distinct base tables, in order of first reference
    views: list[CatalogObject] = field(default_factory=list)  # the nested views it reads


def expand(catalog: Catalog, view: CatalogObject, statement: str) -> Expanded:
    """Expand a view for a stream, refusing the views streams cannot track (docs: streams-intro, 'Streams on views')."""
    out = Expanded("")
    tree = _expand(catalog, view, out, statement, 0)
    _check(tree, statement)
    out.query = tree.sql(dialect="snowflake")
    return out


def _expand(catalog: Catalog, view: CatalogObject, out: Expanded, statement: str, depth: int) -> exp.Expression:
    if depth > _MAX_DEPTH:
        raise errors.not_supported(f"views nested more than {_MAX_DEPTH} deep", statement)
    tree = sqlglot.parse_one(view.info["text"], read="snowflake")
    _inline_ctes(tree)
    for node in list(tree.find_all(exp.Table)):
        if not isinstance(node.this, exp.Identifier):
            raise unsupported("'Table Function'")  # TABLE(...), FLATTEN, GENERATOR, ...
        for arg, feature in (("when", "time travel"), ("changes", "CHANGES"), ("sample", "SAMPLE"),
                             ("pivots", "PIVOT"), ("version", "time travel")):  # fmt: skip
            if node.args.get(arg):
                raise unsupported(feature)
        name = _qualify([normalize(p) for p in node.parts], view.name)
        if name.schema == "INFORMATION_SCHEMA":
            raise unsupported(f"'{name}' (not a native table)")
        obj = catalog.get("TABLE", name)  # tables and views share one namespace
        if obj is None:
            raise errors.object_does_not_exist(str(name))
        alias = node.args.get("alias") or exp.TableAlias(this=exp.to_identifier(obj.name.name, quoted=True))
        if obj.kind == "VIEW":
            # "Nested views and subqueries in the FROM clause are supported as long as the fully expanded query
            # satisfies the other requirements" (docs: streams-intro)
            out.views.append(obj)
            inner = _expand(catalog, obj, out, statement, depth + 1)
            node.replace(exp.Subquery(this=inner, alias=alias.copy()))
            continue
        if all(t.info["id"] != obj.info["id"] for t in out.tables):
            out.tables.append(obj)
        node.set("catalog", exp.to_identifier(obj.name.database, quoted=True))
        node.set("db", exp.to_identifier(obj.name.schema, quoted=True))
        node.set("this", exp.to_identifier(obj.name.name, quoted=True))
        node.set("alias", alias)
    return tree


def _qualify(parts: list[str], view: ObjectName) -> ObjectName:
    # Unqualified names in a view's text are taken in the view's own database and schema.
    if len(parts) >= 3:
        return ObjectName(*parts[-3:])
    if len(parts) == 2:
        return ObjectName(view.database, parts[0], parts[1])
    return ObjectName(view.database, view.schema, parts[0])


def _inline_ctes(tree: exp.Expression) -> None:
    """WITH x AS (q) ... FROM x  ->  ... FROM (q) AS x: a CTE is a subquery in FROM (docs are silent on CTEs)."""
    while (with_ := tree.find(exp.With)) is not None:
        if with_.args.get("recursive"):
            raise unsupported("recursive CTEs")
        scope = with_.parent
        bodies: dict[str, exp.Expression] = {}
        for cte in with_.expressions:
            body = cte.this
            _replace_ctes(body, bodies)
            bodies[normalize(cte.args["alias"].this)] = body
        with_.pop()
        _replace_ctes(scope, bodies)


def _replace_ctes(node: exp.Expression, bodies: dict[str, exp.Expression]) -> None:
    for table in list(node.find_all(exp.Table)):
        if isinstance(table.this, exp.Identifier) and not table.args.get("db"):
            body = bodies.get(normalize(table.this))
            if body is not None:
                alias = table.args.get("alias") or exp.TableAlias(
                    this=exp.to_identifier(normalize(table.this), quoted=True)
                )
                table.replace(exp.Subquery(this=body.copy(), alias=alias.copy()))


_SELECT_ARGS = (("group", "GROUP BY"), ("having", "GROUP BY"), ("qualify", "QUALIFY"), ("limit", "LIMIT"),
                ("offset", "LIMIT"), ("distinct", "DISTINCT"), ("connect", "CONNECT BY"), ("match", "MATCH_RECOGNIZE"),
                ("laterals", "'Table Function'"), ("sample", "SAMPLE"), ("pivots", "PIVOT"))  # fmt: skip


def _check(tree: exp.Expression, statement: str) -> None:
    """Refuse what the docs' requirements table excludes: only projections, filters, inner/cross joins, UNION ALL."""
    for node in tree.walk():
        if isinstance(node, (exp.Select, exp.SetOperation)) and not _in_from(node):
            raise unsupported("correlated subquery expressions" if _correlated(node) else "subquery expressions")
        if isinstance(node, exp.Select):
            for arg, feature in _SELECT_ARGS:
                if node.args.get(arg):
                    raise unsupported(feature)
            if node.args.get("from_") is None:
                # The docs are silent on a branch that reads no table (SELECT 1 UNION ALL ...).
                raise errors.not_supported("a stream on a view whose query has a SELECT without FROM", statement)
            for join in node.args.get("joins") or []:
                _check_join(join)
        elif isinstance(node, exp.SetOperation) and (node.args.get("limit") or node.args.get("offset")):
            raise unsupported("LIMIT")
        elif isinstance(node, exp.SetOperation) and node.args.get("by_name"):
            raise errors.not_supported("a stream on a view with UNION ... BY NAME", statement)
        elif isinstance(node, exp.Intersect):
            raise unsupported("INTERSECT")
        elif isinstance(node, exp.Except):
            raise unsupported("MINUS")
        elif isinstance(node, exp.Union) and node.args.get("distinct"):
            raise unsupported("UNION")  # only UNION ALL (docs: streams-intro)
        elif isinstance(node, exp.Values):
            raise unsupported("'Values'")  # "All of the underlying tables must be native tables"
        elif isinstance(node, exp.Window):
            raise unsupported("window functions")
        elif isinstance(node, exp.AggFunc):
            raise unsupported("GROUP BY")  # an aggregate is a grouping of all rows
        elif isinstance(node, (exp.Lateral, exp.Unnest, exp.Explode)):
            raise unsupported("'Table Function'")


def _check_join(join: exp.Join) -> None:
    side, kind, method = (join.args.get(k) or "" for k in ("side", "kind", "method"))
    side, kind, method = str(side).upper(), str(kind).upper(), str(method).upper()
    if method == "ASOF" or join.args.get("match_condition") is not None:
        raise unsupported("joins of type '[ASOF_JOIN]'")
    if side:
        raise unsupported(f"joins of type '[{side}_OUTER_JOIN]'")
    if kind not in ("", "INNER", "CROSS"):
        raise unsupported(f"joins of type '[{kind}_JOIN]'")
    if not isinstance(join.this, (exp.Table, exp.Subquery)):
        raise unsupported("'Table Function'")


def _in_from(query: exp.Expression) -> bool:
    """A query that is the view's, a UNION ALL branch, or a subquery in FROM (not a subquery expression)."""
    parent = query.parent
    if parent is None or isinstance(parent, exp.SetOperation):
        return True
    if isinstance(parent, exp.Subquery):
        return parent.parent is None or isinstance(parent.parent, (exp.From, exp.Join, exp.SetOperation, exp.Subquery))
    return False


def _correlated(query: exp.Expression) -> bool:
    # approximate: a column qualified by a name no source of the subquery has
    inner = {normalize(s.args["alias"].this) for s in query.find_all(exp.Table, exp.Subquery) if s.args.get("alias")}
    inner |= {normalize(t.this) for t in query.find_all(exp.Table) if isinstance(t.this, exp.Identifier)}
    return any(c.args.get("table") is not None and normalize(c.args["table"]) not in inner
               for c in query.find_all(exp.Column))  # fmt: skip


# ---- reading: the stream's relation -------------------------------------------------------------------------------
@dataclass
class _Ref:
    """One table reference of the translated view query."""

    k: int
    table: CatalogObject
    node: exp.Table
    branches: dict[int, str]  # id(set operation) -> the side ('this'/'expression') the reference is under


def relation_sql(
    tr: Translator, stream: CatalogObject, view: CatalogObject, tables: list[CatalogObject], lo: str, hi: str, init: str
) -> str:
    """DuckDB SQL for a view stream's rows: the view's columns, then METADATA$ACTION, ISUPDATE, ROW_ID."""
    tree = tr.query(sqlglot.parse_one(stream.info["query"], read="snowflake"))
    cols = view.column_names()
    produced = len(_first_select(tree).expressions)
    if produced != len(cols):
        raise column_mismatch(view.name, len(cols), produced)
    refs = _references(tree, tables, tr.statement)
    _project_row_ids(tree, {id(r.node): r.k for r in refs}, [r.k for r in refs])
    for r in refs:
        r.node.set("catalog", None)
        r.node.set("db", None)
        r.node.set("this", exp.to_identifier(_placeholder(r.k), quoted=True))
    template = tree.sql(dialect="duckdb")
    names = [duck_ident(c) for c in cols] + [duck_ident(f"__r{r.k}") for r in refs]
    if len(refs) == 1:
        key = "CAST(__r0 AS VARCHAR)"
    else:
        key = "concat_ws(':', " + ", ".join(f"coalesce(CAST(__r{r.k} AS VARCHAR), '')" for r in refs) + ")"

    def evaluate(kinds: dict[int, str], only: int | None = None) -> str:
        sql = template
        for r in refs:
            sql = sql.replace(duck_ident(_placeholder(r.k)), _rows(r.table, kinds[r.k], lo, hi))
        where = f" WHERE __r{only} IS NOT NULL" if only is not None else ""
        return f"SELECT *, {key} AS __k FROM ({sql}) AS __v({', '.join(names)}){where}"

    def side(changed: str, unchanged: str, full: str) -> str:
        # term i: references before i unchanged, i changed, after i complete; other UNION ALL branches empty
        terms = []
        for r in refs:
            kinds = {}
            for o in refs:
                if not _together(r, o):
                    kinds[o.k] = "EMPTY"
                else:
                    kinds[o.k] = unchanged if o.k < r.k else changed if o.k == r.k else full
            terms.append(evaluate(kinds, r.k))
        return " UNION ALL ".join(terms)

    out = [duck_ident(c) for c in cols]
    meta = ('AS "METADATA$ACTION"', 'AS "METADATA$ISUPDATE"', 'AS "METADATA$ROW_ID"')
    initial = (
        f"SELECT {', '.join(out)}, 'INSERT' {meta[0]}, FALSE {meta[1]}, __k {meta[2]} "
        f"FROM ({evaluate({r.k: 'AT_LO' for r in refs})})"
    )
    if stream.info.get("mode") == "APPEND_ONLY":
        # "for append-only streams, dOrders and dCustomers will contain row inserts only, while orders and customers
        # will contain the complete contents of the tables including any updates that happened before the stream
        # offset" (docs: streams-intro, 'Join results behavior')
        delta = (
            f"SELECT {', '.join(out)}, 'INSERT' {meta[0]}, FALSE {meta[1]}, __k {meta[2]} "
            f"FROM ({side('INSERTED', 'AT_LO', 'AT_LO_AND_INSERTED')})"
        )
    else:
        before = side("CHANGED_AT_LO", "UNCHANGED", "AT_LO")
        after = side("CHANGED_AT_HI", "UNCHANGED", "AT_HI")

        def picked(this: str, other: str, action: str) -> str:
            values = ", ".join(f"{this}.{c}" for c in out)
            return (
                f"SELECT {values}, '{action}' {meta[0]}, {other}.__k IS NOT NULL {meta[1]}, {this}.__k {meta[2]} "
                f"FROM {this} LEFT JOIN {other} ON {this}.__k = {other}.__k"
            )

        delta = (
            f"WITH __vb AS ({before}), __va AS ({after}) "
            f"{picked('__vb', '__va', 'DELETE')} UNION ALL {picked('__va', '__vb', 'INSERT')}"
        )
    return f"SELECT * FROM ({initial}) WHERE {init} UNION ALL SELECT * FROM ({delta}) WHERE NOT {init}"


def _placeholder(k: int) -> str:
    return f"__snowsim_view_ref{k}"


def _rows(table: CatalogObject, kind: str, lo: str, hi: str) -> str:
    """The row versions of one table reference for one evaluation of the view (storage.py: the alive-at rule)."""
    from snowsim.emulator import streams

    cols = ", ".join([duck_ident(c) for c in table.column_names()] + ["__rid"])
    hist = history_table(table.name)
    if kind in ("INSERTED", "AT_LO_AND_INSERTED"):
        inserted = streams.inserted_sql(table, lo, hi, cols)
        if kind == "INSERTED":
            return f"({inserted})"
        return f"(SELECT {cols} FROM {hist} WHERE {alive_at(lo)} UNION ALL {inserted})"
    where = {
        "EMPTY": "FALSE",
        "UNCHANGED": f"__vfrom <= {lo} AND (__vto IS NULL OR __vto > {hi})",  # the same row version at LO and HI
        "CHANGED_AT_LO": f"__vfrom <= {lo} AND __vto > {lo} AND __vto <= {hi}",  # alive at LO, ended in (LO, HI]
        "CHANGED_AT_HI": f"__vfrom > {lo} AND __vfrom <= {hi} AND (__vto IS NULL OR __vto > {hi})",
        "AT_LO": alive_at(lo),
        "AT_HI": alive_at(hi),
    }[kind]
    return f"(SELECT {cols} FROM {hist} WHERE {where})"


def _first_select(query: exp.Expression) -> exp.Select:
    while not isinstance(query, exp.Select):
        query = query.this
    return query


def _references(tree: exp.Expression, tables: list[CatalogObject], statement: str) -> list[_Ref]:
    by_name = {(t.name.duck_schema, t.name.name): t for t in tables}
    refs: list[_Ref] = []
    for node in tree.find_all(exp.Table):
        table = by_name.get((node.args["db"].name if node.args.get("db") else "", node.name))
        if table is None:
            raise errors.not_supported(f"a stream on a view reading {node.sql(dialect='duckdb')}", statement)
        branches: dict[int, str] = {}
        child: exp.Expression = node
        while child.parent is not None:
            if isinstance(child.parent, exp.SetOperation):
                branches[id(child.parent)] = child.arg_key
            child = child.parent
        refs.append(_Ref(len(refs), table, node, branches))
    return refs


def _together(a: _Ref, b: _Ref) -> bool:
    """Two references can meet in one row of the view: no UNION ALL puts them in different branches."""
    return all(b.branches.get(op, side) == side for op, side in a.branches.items())


def _sources(select: exp.Select) -> list[exp.Expression]:
    return [select.args["from_"].this] + [j.this for j in select.args.get("joins") or []]


def _occurrences(query: exp.Expression, ks: dict[int, int]) -> list[int]:
    if isinstance(query, exp.Subquery):
        return _occurrences(query.this, ks)
    if isinstance(query, exp.SetOperation):
        return _occurrences(query.this, ks) + _occurrences(query.expression, ks)
    out = []
    for source in _sources(query):
        out += [ks[id(source)]] if isinstance(source, exp.Table) else _occurrences(source, ks)
    return out


def _project_row_ids(query: exp.Expression, ks: dict[int, int], wanted: list[int]) -> None:
    """Make every SELECT also return __r<k>: the __rid of reference k (NULL where k is in another branch)."""
    if isinstance(query, exp.Subquery):
        _project_row_ids(query.this, ks, wanted)
        return
    if isinstance(query, exp.SetOperation):
        _project_row_ids(query.this, ks, wanted)
        _project_row_ids(query.expression, ks, wanted)
        return
    mine: dict[int, exp.Expression] = {}
    for source in _sources(query):
        alias = source.args["alias"].this.copy()
        if isinstance(source, exp.Table):
            mine[ks[id(source)]] = exp.column(exp.to_identifier("__rid", quoted=True), table=alias)
        else:
            inner = _occurrences(source.this, ks)
            _project_row_ids(source.this, ks, inner)
            for k in inner:
                mine[k] = exp.column(exp.to_identifier(f"__r{k}", quoted=True), table=alias.copy())
    for k in wanted:
        value = mine.get(k) or exp.cast(exp.null(), exp.DataType.build("BIGINT"))
        query.append("expressions", exp.alias_(value, exp.to_identifier(f"__r{k}", quoted=True)))
