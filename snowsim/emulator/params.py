"""Client-side parameter styles of snowflake.connector (pyformat, format, qmark, numeric) mapped to DuckDB's `?`."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

# One scan that skips string literals, quoted identifiers, $$ strings and comments, and finds placeholders.
_TOKEN = re.compile(
    r"""('(?:[^'\\]|\\.|'')*')|("(?:[^"]|"")*")|(\$\$.*?\$\$)|(--[^\n]*|//[^\n]*|/\*.*?\*/)"""
    r"""|(%\((?P<name>[A-Za-z_][A-Za-z0-9_]*)\)s|%s|\?|:(?P<num>\d+))""",
    re.S,
)


def to_qmark(sql: str, params: Sequence[Any] | Mapping[str, Any] | None) -> tuple[str, list[Any]]:
    """Rewrite the connector's placeholders to `?` and return the parameters in positional order."""
    if params is None:
        return sql, []
    out: list[str] = []
    ordered: list[Any] = []
    last = 0
    for m in _TOKEN.finditer(sql):
        if m.group(5) is None:
            continue
        out.append(sql[last : m.start()])
        out.append("?")
        last = m.end()
        if m.group("name") is not None:
            if not isinstance(params, Mapping):
                raise TypeError(f"%({m.group('name')})s needs a dict of parameters")
            ordered.append(params[m.group("name")])
        elif m.group("num") is not None:
            ordered.append(_seq(params)[int(m.group("num")) - 1])
        else:
            ordered.append(_seq(params)[len(ordered)])
    out.append(sql[last:])
    return "".join(out), ordered


def _seq(params: Sequence[Any] | Mapping[str, Any]) -> Sequence[Any]:
    if isinstance(params, Mapping):
        raise TypeError("positional placeholders need a sequence of parameters")
    if isinstance(params, (str, bytes)):
        return [params]
    return params
