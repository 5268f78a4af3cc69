"""Dropping the unread columns of derived tables in a translated (DuckDB) SELECT.

DuckDB binds every item of a derived table's SELECT list whether the query reads it or not, before its optimizer
drops the unused ones: a MERGE joining its target's current rows (all 18 columns) with a stream's delta (every column
plus METADATA$...) binds ~30 columns it never reads. Removing them from the text is ~0.6 ms of the caves_albert ORDERS
MERGE (lab, medians of 150 interleaved runs).

Only what cannot change a result is removed: items of a plain SELECT (no DISTINCT, grouping or ORDER BY, no `*`)
whose value is a column, a constant, a cast, or AND/OR/NOT/=/<>/IS of them - no function call (an aggregate, a window,
a set-returning or volatile function, `error()`). A derived table whose columns are read in a way that cannot be
followed (an unqualified column, a `*`, USING) keeps all of them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

KEEP_ITEMS = "snowsim_keep_items"  # meta flag of a derived table whose text must stay as generated

# Expression kinds whose value depends on nothing but the row's own columns, and which never fail on a row.
# A CAST may fail (text to number), but DuckDB's optimizer drops an unread item before it reaches a row anyway.
_PURE = (
    exp.Alias, exp.Column, exp.Identifier, exp.Literal, exp.Boolean, exp.Null, exp.Paren, exp.And, exp.Or, exp.Not,
    exp.EQ, exp.NEQ, exp.Is, exp.DataType, exp.Var, exp.Cast,
)  # fmt: skip
_PURE_FUNCTIONS = {"GETVARIABLE"}  # a session variable: one constant per statement


def pure(node: exp.Expression) -> bool:
    """Whether the expression is plain: columns, constants, casts and comparisons, no call but getvariable()."""
    for sub in node.walk():
        if isinstance(sub, exp.Anonymous):
            if str(sub.this).upper() not in _PURE_FUNCTIONS:
                return False
        elif not isinstance(sub, _PURE):
            return False
    return True


def derived_tables(select: exp.Select) -> list[exp.Subquery]:
    """The aliased subqueries in a SELECT's FROM and JOINs."""
    from_ = select.args.get("from_")
    sources = ([from_.this] if from_ is not None else []) + [j.this for j in select.args.get("joins") or []]
    return [s for s in sources if isinstance(s, exp.Subquery) and isinstance(s.this, exp.Select) and s.alias]


@dataclass(frozen=True)
class Read:
    """A column reference in a SELECT: where it sits relative to the SELECT's derived tables and items."""

    column: exp.Column
    inside: int | None  # id() of the derived table it is in, if any
    nested: bool  # inside a nested query (not the SELECT's own clauses)
    item: int | None  # id() of the SELECT item it is in, if any


def reads(select: exp.Select) -> list[Read]:
    """Every column (and `*`) under the SELECT, placed: one walk of the tree, then a short climb per column."""
    derived = {id(t) for t in derived_tables(select)}
    items = {id(e) for e in select.expressions}
    out = []
    for node in select.find_all(exp.Column, exp.Star):
        inside = item = None
        nested = False
        up = node
        while up is not select and up is not None:
            if id(up) in derived:
                inside = id(up)
            elif id(up) in items:
                item = id(up)
            elif isinstance(up, exp.Query) and inside is None:
                nested = True
            up = up.parent
        out.append(Read(node, inside, nested, item))
    return out


def read_columns(select: exp.Select, table: exp.Subquery, found: list[Read],
                 items: list[exp.Expression] | None = None) -> set[str] | None:
    """The names (upper case) of `table`'s columns that `select` reads outside `table` itself (`found`: reads()),
    with only `items` of its SELECT list when given; None when that cannot be told (an unqualified column or a `*`
    in `select`'s own clauses: in a nested query, one names a column of that query's own tables)."""
    alias = table.alias
    if any(j.args.get("using") or j.args.get("method") for j in select.args.get("joins") or []):
        return None  # USING (col) and NATURAL joins read columns by bare name
    kept = None if items is None else {id(e) for e in items}
    read: set[str] = set()
    for r in found:
        if r.inside == id(table) or (kept is not None and r.item is not None and r.item not in kept):
            continue
        node = r.column
        if isinstance(node, exp.Star):
            if not r.nested and r.inside is None:
                return None
            continue
        if not node.table:
            if r.nested or r.inside is not None:
                continue
            return None
        if node.table == alias:
            if isinstance(node.this, exp.Star):
                return None
            read.add(node.name.upper())
    return read


# Clauses that may name a SELECT item by alias or position (ORDER BY 1), or that make each item matter (DISTINCT).
_NAMING = ("distinct", "group", "having", "qualify", "order", "windows")


def droppable(table: exp.Subquery) -> bool:
    """Whether items of the derived table's SELECT list may be dropped at all."""
    inner = table.this
    alias = table.args.get("alias")
    if alias is not None and alias.columns:  # `AS f(a, b)` names the items by position
        return False
    if table.meta.get(KEEP_ITEMS) or any(inner.args.get(k) for k in _NAMING):
        return False
    return not any(isinstance(e, exp.Star) or isinstance(e.this, exp.Star) for e in inner.expressions)


def narrow(table: exp.Subquery, read: set[str]) -> bool:
    """Drop the table's pure items that are not read (one is always kept); whether any was dropped."""
    inner = table.this
    kept = [e for e in inner.expressions if e.alias_or_name.upper() in read or not pure(e)]
    if not kept:
        kept = inner.expressions[:1]
    if len(kept) == len(inner.expressions):
        return False
    inner.set("expressions", kept)
    return True


def prune(query: exp.Expression) -> None:
    """Drop, in place, the items of the query's derived tables (and theirs, recursively) that nothing reads."""
    if isinstance(query, exp.SetOperation):  # each branch's own derived tables (a branch's items are positional)
        prune(query.this)
        prune(query.expression)
        return
    if not isinstance(query, exp.Select):
        return
    select = query
    found: list[Read] | None = None
    for table in derived_tables(select):
        if table.meta.get(KEEP_ITEMS):
            continue  # nor the tables inside it
        if droppable(table):
            found = reads(select) if found is None else found
            read = read_columns(select, table, found)
            if read is not None:
                narrow(table, read)
        prune(table.this)
