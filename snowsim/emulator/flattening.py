"""Merging a derived table that only projects and filters one stored table into the SELECT that reads it.

Every read of a stream is such a level: `(SELECT cols, 'INSERT' AS "METADATA$ACTION", ... FROM t$H WHERE __vfrom >
lo AND __vfrom <= hi) AS s`, and DuckDB binds each level of a statement, read or not, before its optimizer folds
them. Put in its reader, the caves_albert stream INSERT and ORDERS MERGE bind one level less each (~0.2 and ~0.4 ms,
lab). This works on the final DuckDB text of a hot plan (run_texts.texts): a stream's delta is matched there whole
first, to swap in its insert-only text.

A level is merged only when nothing can tell: it reads one stored table (no join, grouping, ordering, limit,
DISTINCT, window or CTE), its items are plain (pruning.pure: columns, constants, casts, comparisons: no call that
could be volatile or fail), and it holds no bound parameter (their order in the text is their binding order). The
reader has no join, no other nested query, no clause that names items by alias (GROUP BY, ORDER BY...), and reads
the level's columns by name; an unnamed item keeps its output name as an alias. DuckDB's own optimizer merges such
filters and projections too, so a condition's evaluation order is no more constrained than it was.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from snowsim.emulator.pruning import pure

# clauses of the reading SELECT that name items by alias or add a scope
_READER_BLOCKERS = ("joins", "laterals", "group", "having", "qualify", "order", "distinct", "windows", "with", "pivots")
# clauses of the merged SELECT that make it more than a projection and a filter of its table
_LEVEL_BLOCKERS = (*_READER_BLOCKERS, "limit", "offset", "sample", "connect", "prewhere", "into", "kind")
_KEEPS_PRECEDENCE = (exp.Column, exp.Literal, exp.Cast, exp.Boolean, exp.Null, exp.Paren)


@lru_cache(maxsize=1024)
def flattened(sql: str) -> str:
    """The DuckDB statement with its mergeable derived tables merged (the text itself when none is)."""
    try:
        tree = sqlglot.parse_one(sql, read="duckdb")
    except SqlglotError:
        return sql
    return tree.sql(dialect="duckdb") if flatten(tree) else sql


def flatten(tree: exp.Expression) -> bool:
    """Merge, in place, each mergeable derived table into the SELECT reading it, innermost first; whether any was."""
    changed = False
    for select in reversed(list(tree.find_all(exp.Select, bfs=False))):
        changed = _merge_into(select) or changed
    return changed


def _merge_into(reader: exp.Select) -> bool:
    from_ = reader.args.get("from_")
    if from_ is None or any(reader.args.get(k) for k in _READER_BLOCKERS):
        return False
    derived = from_.this
    alias = derived.args.get("alias") if isinstance(derived, exp.Subquery) else None
    if alias is None or not alias.name or alias.columns:
        return False
    level = derived.this
    table = _single_table(level)
    if table is None:
        return False
    items = _items(level)
    if items is None:
        return False
    reads = _reads(reader, derived)
    if reads is None or any(c.name.upper() not in items for c in reads):
        return False
    named = _named_items(reader)
    if named is None:
        return False
    name = alias.args["this"]
    # the level's columns name its one table (or nothing): they become columns of the table under the alias
    known = {table.name.upper(), table.alias_or_name.upper()}
    columns = [c for node in [*items.values(), level.args.get("where")] if node is not None
               for c in node.find_all(exp.Column)]
    if any(c.table and c.table.upper() not in known for c in columns):
        return False
    for column in columns:
        for part in ("db", "catalog"):
            column.set(part, None)
        column.set("table", name.copy())
    reader.set("expressions", named)
    for column in reads:
        _replace(column, items[column.name.upper()])
    merged = table.copy()
    merged.set("alias", exp.TableAlias(this=name.copy()))
    reader.set("from_", exp.From(this=merged))
    inner_where = level.args.get("where")
    if inner_where is not None:
        outer_where = reader.args.get("where")
        condition = inner_where.this if outer_where is None else exp.and_(
            exp.Paren(this=inner_where.this), exp.Paren(this=outer_where.this))
        reader.set("where", exp.Where(this=condition))
    return True


def _single_table(level: exp.Expression) -> exp.Table | None:
    # the one stored table a plain SELECT reads, or None
    if not isinstance(level, exp.Select) or any(level.args.get(k) for k in _LEVEL_BLOCKERS):
        return None
    from_ = level.args.get("from_")
    table = from_.this if from_ is not None else None
    if not isinstance(table, exp.Table) or not isinstance(table.this, exp.Identifier) or table.args.get("joins"):
        return None
    for node in level.walk():
        if isinstance(node, (exp.Placeholder, exp.Parameter)) or (node is not level and isinstance(node, exp.Query)):
            return None  # a bound parameter (the text's order is the binding order), or a nested query
    return table


def _items(level: exp.Select) -> dict[str, exp.Expression] | None:
    # output name (upper case) -> value, for a level of plain, distinctly named items
    out: dict[str, exp.Expression] = {}
    for item in level.expressions:
        if isinstance(item, exp.Star) or isinstance(item.this, exp.Star) or not pure(item):
            return None
        key = item.alias_or_name.upper()
        if not key or key in out:
            return None
        out[key] = item.unalias()
    return out


def _reads(reader: exp.Select, derived: exp.Subquery) -> list[exp.Column] | None:
    """The reader's columns of the derived table (its only source), or None when one cannot be followed."""
    alias = derived.alias.upper()
    found: list[exp.Column] = []
    for part in _clauses(reader):
        for node in part.walk():
            if isinstance(node, (exp.Query, exp.Subquery, exp.Lambda)):
                return None  # a nested query or a lambda: a bare name there may be its own
            if isinstance(node, exp.Star):
                if not isinstance(node.parent, exp.Count):
                    return None
            elif isinstance(node, exp.Column):
                if isinstance(node.this, exp.Star) or (node.table and node.table.upper() != alias):
                    return None
                found.append(node)
    return found


def _clauses(reader: exp.Select) -> Iterator[exp.Expression]:
    for key, value in reader.args.items():
        if key == "from_":
            continue
        for node in value if isinstance(value, list) else [value]:
            if isinstance(node, exp.Expression):
                yield node


def _named_items(reader: exp.Select) -> list[exp.Expression] | None:
    """The reader's items, a bare column (in parentheses or not) aliased by its name so that the result keeps its
    column names; None when an item's name could change (an INSERT's SELECT has no names to keep)."""
    if isinstance(reader.parent, exp.Insert):
        return reader.expressions
    out = []
    for item in reader.expressions:
        inner = item
        while isinstance(inner, exp.Paren):
            inner = inner.this
        if isinstance(item, exp.Alias):
            out.append(item)
        elif isinstance(inner, exp.Column) and isinstance(inner.this, exp.Identifier):
            out.append(exp.Alias(this=item, alias=inner.this.copy()))
        else:
            return None
    return out


def _replace(column: exp.Column, value: exp.Expression) -> None:
    new = value.copy()
    column.replace(new if isinstance(new, _KEEPS_PRECEDENCE) else exp.Paren(this=new))
