"""Window keys that may raise, computed one SELECT level down, where DuckDB accepts them.

DuckDB 2.0 refuses a volatile expression in a window's PARTITION BY or ORDER BY ("PARTITION BY window expressions
cannot be volatile"), and it counts error() as volatile: so every conversion macro that words Snowflake's errors
(macros.py), and every speculative stand-in (speculation.py), is refused there. Yet `QUALIFY ROW_NUMBER() OVER
(PARTITION BY v:id::STRING ORDER BY ts DESC) = 1` is how pipelines keep the latest event per key.

The keys are computed instead in a SELECT over the query's own source (under its own alias) and WHERE, and the window
reads them as columns: each row gets the key it had, computed once, only for the rows the WHERE keeps, so a key that
raises does so for the same rows as in place. Done for a SELECT with one source, no join, no GROUP BY and no aggregate
(a window over groups would need its keys after the grouping); any other keeps DuckDB's refusal, which the emulator
reports as a construct it does not support.
"""

from __future__ import annotations

from sqlglot import exp

KEY_PREFIX = "__wkey"


def _may_raise(node: exp.Expression) -> bool:
    """Whether an expression calls one of the emulator's macros (which may raise) or error() itself."""
    for call in node.find_all(exp.Anonymous):
        name = call.name.lower()
        if name.startswith("sf_") or name == "error":
            return True
    return False


def _own(select: exp.Select, cls: type) -> list:
    # the nodes of a kind that belong to this SELECT level, not to a query nested in it
    return [n for n in select.find_all(cls) if n.find_ancestor(exp.Select) is select]


def hoist_window_keys(tree: exp.Expression) -> exp.Expression:
    """Move window keys that may raise one level down (see the module's doc); the tree is changed in place."""
    for select in list(tree.find_all(exp.Select)):
        _hoist(select)
    return tree


def _hoist(select: exp.Select) -> None:
    keys = []
    for window in _own(select, exp.Window):
        order = window.args.get("order")
        candidates = list(window.args.get("partition_by") or []) + (
            [o.this for o in order.expressions] if order is not None else [])
        keys += [k for k in candidates if _may_raise(k)]
    if not keys:
        return
    source = select.args.get("from_")
    source = source.this if source is not None else None
    alias = source.alias if source is not None else ""
    if (not alias or select.args.get("joins") or select.args.get("group") or select.args.get("having")
            or any(not agg.find_ancestor(exp.Window) for agg in _own(select, exp.AggFunc))
            or any(k.find(exp.Subquery, exp.Select) for k in keys)
            or any(c.table and c.table != alias for k in keys for c in k.find_all(exp.Column))):
        return
    names: dict[str, str] = {}  # a key's SQL -> its column
    items: list[exp.Expression] = [exp.Column(this=exp.Star(), table=exp.to_identifier(alias, quoted=True))]
    for key in keys:
        sql = key.sql(dialect="duckdb")
        if sql not in names:
            names[sql] = f"{KEY_PREFIX}{len(names) + 1}"
            items.append(exp.alias_(key.copy(), names[sql], quoted=True))
        key.replace(exp.column(names[sql], table=alias, quoted=True))
    inner = exp.Select(expressions=items)
    inner.set("from_", exp.From(this=source.copy()))
    where = select.args.get("where")
    if where is not None:
        inner.set("where", where.copy())
        select.set("where", None)
    select.set("from_", exp.From(this=exp.Subquery(
        this=inner, alias=exp.TableAlias(this=exp.to_identifier(alias, quoted=True)))))
