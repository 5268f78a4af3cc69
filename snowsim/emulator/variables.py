"""Per-run values (the clock, stream bounds, the transaction version) that cached SQL reads via getvariable().

Binders describe each value as `SET VARIABLE name = <literal>`; plans substitute the literal into their SQL text at
run time. A getvariable() call is a bind-time constant in DuckDB anyway, so the result is the same, minus one
round trip per value.
"""

from __future__ import annotations

import re

SET_VARIABLE = re.compile(r"^\s*SET\s+VARIABLE\s+(\S+)\s*=\s*(.*)$", re.S | re.I)
_GET_VARIABLE = re.compile(r"getvariable\('([^']+)'\)", re.I)


def bind_sql(sql: str, values: dict[str, str]) -> str:
    """Substitute per-run literals for getvariable('name') reads."""
    if not values:
        return sql
    return _GET_VARIABLE.sub(lambda m: f"({values[m.group(1)]})" if m.group(1) in values else m.group(0), sql)
