"""Short IN lists of constants as OR-ed comparisons, in the DuckDB SQL of hot plans.

DuckDB's optimizer turns `x IN (c1, ..., cn)` with five or more constants into a join against the list (its
in_clause rewrite), which pays off on large inputs but costs ~0.35 ms to plan: a fifth of the caves_albert stream
INSERT whose `EVENT_TYPE IN (six event types)` reads the few rows a stream returns (lab, medians of 150 interleaved
runs). `x = c1 OR ... OR x = cn` is the same predicate in three-valued logic (Snowflake documents IN as that
disjunction) and plans without the join. Up to MAX_ITEMS constants the comparisons also run no slower than the
join on 100,000 rows (bench figures in the README); longer lists keep DuckDB's join.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlglot import exp

from snowsim.emulator.pruning import KEEP_ITEMS

MIN_ITEMS = 5  # below this DuckDB keeps IN as an expression itself
MAX_ITEMS = 10  # above this the join beats a chain of comparisons on large inputs


def _same_kind_constants(items: list[exp.Expression]) -> bool:
    # All strings or all numbers: each comparison then casts as the whole list would (no mixed-type promotion).
    if not all(isinstance(i, exp.Literal) for i in items):
        return False
    return len({i.is_string for i in items}) == 1


def expand_in_lists(tree: exp.Expression) -> None:
    """Rewrite, in place, every `x IN (5..10 constants of one kind)` whose x is a column as OR-ed equalities
    (not inside a stream's delta, whose text must stay as generated)."""
    for node in list(tree.find_all(exp.In)):
        items = node.expressions
        subject = node.this
        if not (MIN_ITEMS <= len(items) <= MAX_ITEMS) or not isinstance(subject, exp.Column):
            continue
        if node.args.get("query") or node.args.get("unnest") or not _same_kind_constants(items):
            continue
        if any(a.meta.get(KEEP_ITEMS) for a in _ancestors(node)):
            continue  # a stream's delta: its text is matched whole later (run_texts)
        disjunction = exp.or_(*(exp.EQ(this=subject.copy(), expression=item.copy()) for item in items))
        node.replace(exp.Paren(this=disjunction))


def _ancestors(node: exp.Expression) -> Iterator[exp.Expression]:
    parent = node.parent
    while parent is not None:
        yield parent
        parent = parent.parent
