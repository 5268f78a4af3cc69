"""Per-run values (the clock, stream bounds, the transaction version) that cached SQL reads via getvariable().

Binders describe each value as `SET VARIABLE name = <literal>`; plans substitute the literal into their SQL text at
run time. A getvariable() call is a bind-time constant in DuckDB anyway, so the result is the same, minus one
round trip per value.
"""

from __future__ import annotations

import re
from functools import lru_cache

SET_VARIABLE = re.compile(r"^\s*SET\s+VARIABLE\s+(\S+)\s*=\s*(.*)$", re.S | re.I)
_GET_VARIABLE = re.compile(r"getvariable\('([^']+)'\)", re.I)


def bind_sql(sql: str, values: dict[str, str]) -> str:
    """Substitute per-run literals for getvariable('name') reads."""
    if not values:
        return sql
    pieces = _pieces(sql)
    if len(pieces) == 1:
        return sql
    out = list(pieces)
    for i in range(1, len(pieces), 2):  # odd pieces are (name, the call as written)
        name, call = pieces[i]
        out[i] = f"({values[name]})" if name in values else call
    return "".join(out)


@lru_cache(maxsize=4096)
def _pieces(sql: str) -> tuple:
    # a cached SQL text split around its getvariable() calls: a run joins the pieces instead of running a regex over
    # the whole text (~40 -> ~5 us for a 4 KB MERGE step, several per task run)
    pieces: list = []
    pos = 0
    for m in _GET_VARIABLE.finditer(sql):
        pieces.extend((sql[pos:m.start()], (m.group(1), m.group(0))))
        pos = m.end()
    pieces.append(sql[pos:])
    return tuple(pieces)
