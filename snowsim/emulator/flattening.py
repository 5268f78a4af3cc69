"""Merging a derived table that only projects and filters one stored table into the SELECT that reads it.

Every read of a stream is such a level: `(SELECT cols, 'INSERT' AS "METADATA$ACTION", ... FROM t$H WHERE __vfrom >
lo AND __vfrom <= hi) AS s`, and DuckDB binds each level of a statement, read or not, before its optimizer folds
them. Put in its reader, the caves_albert stream INSERT and ORDERS MERGE bind one level less each (~0.2 and ~0.4 ms,
lab). This works on the final DuckDB text of a hot plan (run_texts.texts): a stream's delta is matched there whole
first, to swap in its insert-only text.

A level is merged only when nothing can tell: it reads one stored table (no join, grouping, ordering, limit,
DISTINCT, window or CTE), its items are plain (pruning.pure: columns, constants, casts, comparisons: no call that
could be volatile or fail), and it holds no bound parameter (their order in the text is their binding order). The
reader has at most one join (not FULL, USING or NATURAL), no other nested query, no clause that names items by alias
(GROUP BY, ORDER BY...), and reads the level's columns by name (qualified, beside a join); an unnamed item keeps its
output name as an alias. A level on the null-supplying side of an outer join puts its filter in the ON and is merged
only when every item read is a column (an unmatched row must still read NULL). DuckDB's own optimizer merges such
filters and projections too, so a condition's evaluation order is no more constrained than it was.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
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


@dataclass
class _Level:
    """A derived table that can be merged into its reader."""

    holder: exp.Expression  # the reader's From or Join that holds it
    name: exp.Identifier  # its alias, which the table takes
    table: exp.Table
    items: dict[str, exp.Expression]  # output name (upper case) -> value
    where: exp.Expression | None
    nullable: bool  # the null-supplying side of an outer join: its filter joins the ON, a read item must be a column


def _merge_into(reader: exp.Select) -> bool:
    from_ = reader.args.get("from_")
    joins = reader.args.get("joins") or []
    if from_ is None or len(joins) > 1 or any(reader.args.get(k) for k in _READER_BLOCKERS if k != "joins"):
        return False
    join = joins[0] if joins else None
    side = "" if join is None else (join.side or "").upper()
    if join is not None and (join.args.get("using") or join.args.get("method") or side not in ("", "LEFT", "RIGHT")
                             or (join.kind or "").upper() not in ("", "INNER", "OUTER", "CROSS")):
        return False  # USING and NATURAL read columns by bare name; a FULL join has no side a filter can join
    levels: dict[str, _Level] = {}
    for holder, nullable in [(from_, side == "RIGHT")] + ([(join, side == "LEFT")] if join is not None else []):
        level = _level(holder, nullable)
        if level is not None:
            levels[level.name.name.upper()] = level
    if not levels:
        return False
    reads = _reads(reader)
    if reads is None:
        return False
    placed: list[tuple[exp.Column, _Level]] = []
    for column in reads:
        if column.table:
            level = levels.get(column.table.upper())
            if level is None:
                continue  # a column of the other side, a stored table
        elif join is None:
            level = next(iter(levels.values()))  # the only source
        else:
            return False  # a bare name beside a join: which side's cannot be told here
        value = level.items.get(column.name.upper())
        if value is None or (level.nullable and not isinstance(value, exp.Column)):
            return False  # (a constant of an unmatched outer-join row must read NULL, as the derived table gave)
        placed.append((column, level))
    named = _named_items(reader)
    if named is None:
        return False
    requalified = []
    for level in levels.values():
        # the level's columns name its one table (or nothing): they become columns of the table under the alias
        known = {level.table.name.upper(), level.table.alias_or_name.upper()}
        columns = [c for node in [*level.items.values(), level.where] if node is not None
                   for c in node.find_all(exp.Column)]
        if any(c.table and c.table.upper() not in known for c in columns):
            return False
        requalified.append((level, columns))
    for level, columns in requalified:
        for column in columns:
            for part in ("db", "catalog"):
                column.set(part, None)
            column.set("table", level.name.copy())
    reader.set("expressions", named)
    for column, level in placed:
        _replace(column, level.items[column.name.upper()])
    for level in levels.values():
        merged = level.table.copy()
        merged.set("alias", exp.TableAlias(this=level.name.copy()))
        level.holder.set("this", merged)
        if level.where is None:
            continue
        if level.nullable:  # (A LEFT JOIN (SELECT ... WHERE f) b ON c) is (A LEFT JOIN b ON f AND c)
            join.set("on", _and(join.args.get("on"), level.where))
        else:  # a preserved or inner side: its rows are filtered before the join or after it alike
            outer = reader.args.get("where")
            reader.set("where", exp.Where(this=_and(outer.this if outer is not None else None, level.where)))
    return True


def _and(first: exp.Expression | None, then: exp.Expression) -> exp.Expression:
    # `then` (a merged level's filter) goes first: it is the filter of the rows the rest reads
    return then if first is None else exp.and_(exp.Paren(this=then), exp.Paren(this=first))


def _level(holder: exp.Expression, nullable: bool) -> _Level | None:
    derived = holder.this
    alias = derived.args.get("alias") if isinstance(derived, exp.Subquery) else None
    if alias is None or not alias.name or alias.columns:
        return None
    table = _single_table(derived.this)
    items = _items(derived.this) if table is not None else None
    if items is None:
        return None
    where = derived.this.args.get("where")
    return _Level(holder, alias.args["this"], table, items, where.this if where is not None else None, nullable)


def _single_table(level: exp.Expression) -> exp.Table | None:
    # the one stored table a plain SELECT reads, or None
    if not isinstance(level, exp.Select) or any(level.args.get(k) for k in _LEVEL_BLOCKERS):
        return None
    from_ = level.args.get("from_")
    table = from_.this if from_ is not None else None
    if not isinstance(table, exp.Table) or not isinstance(table.this, exp.Identifier):
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


def _reads(reader: exp.Select) -> list[exp.Column] | None:
    """The columns in the reader's own clauses (its items, filters, join condition), or None when one cannot be
    followed (a nested query or a lambda, where a bare name may be its own; a `*` but COUNT(*))."""
    found: list[exp.Column] = []
    for part in _clauses(reader):
        for node in part.walk():
            if isinstance(node, (exp.Query, exp.Subquery, exp.Lambda)):
                return None
            if isinstance(node, exp.Star):
                if not isinstance(node.parent, exp.Count):
                    return None
            elif isinstance(node, exp.Column):
                if isinstance(node.this, exp.Star):
                    return None
                found.append(node)
    return found


def _clauses(reader: exp.Select) -> Iterator[exp.Expression]:
    for key, value in reader.args.items():
        if key == "from_":
            continue
        if key == "joins":
            yield from (j.args["on"] for j in value if j.args.get("on") is not None)
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
