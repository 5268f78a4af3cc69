"""A helper of the tests of hot-plan rewrites (pruning.py, in_lists.py): apply one to DuckDB SQL."""

from collections.abc import Callable

import sqlglot
from sqlglot import exp

from snowsim.emulator.pruning import KEEP_ITEMS


def rewritten(rewrite: Callable[[exp.Expression], None], sql: str, keep: str | None = None) -> str:
    """The DuckDB SQL after `rewrite` ran on its tree in place; `keep`: the alias of a subquery flagged as a stream's
    delta, whose text must stay as generated."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    if keep is not None:
        for sub in tree.find_all(exp.Subquery):
            if sub.alias == keep:
                sub.meta[KEEP_ITEMS] = True
    rewrite(tree)
    return tree.sql(dialect="duckdb")
