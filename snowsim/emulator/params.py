"""Client-side parameter styles of snowflake.connector (pyformat, format, qmark, numeric) mapped to `:__pN` markers.

Every placeholder becomes `:__pN`, N its value's position in the list handed to DuckDB. sqlglot reads the marker as
a named bind variable (also before `::TYPE`, where `?::` is one token to it), so a placeholder the translation copies
(a function expanding an argument twice, an alias expanded into WHERE) still names one value: sqlfuncs.py turns the
markers into DuckDB's `$N` once the rewrites are done. The name is not a number because sqlglot reads the name of a
`:1` as the integer 1 (TO_DATE(:1) is then a conversion of a number).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from snowsim.emulator.errors import ProgrammingError, positioned_error

ER_INVALID_VALUE = 251007  # the connector's errorcode for a bad argument

# One scan that skips string literals, quoted identifiers, $$ strings and comments, and finds placeholders.
_TOKEN = re.compile(
    r"""('(?:[^'\\]|\\.|'')*')|("(?:[^"]|"")*")|(\$\$.*?\$\$)|(--[^\n]*|//[^\n]*|/\*.*?\*/)"""
    r"""|(%%|%\((?P<name>[A-Za-z_][A-Za-z0-9_]*)\)s|%s|\?|:(?P<num>\d+))""",
    re.S,
)
CLIENT_SIDE = ("pyformat", "format")
_DICT_WITH_FORMAT = ("Dict parameters not supported with format paramstyle. Use pyformat paramstyle for named "
                     "parameters, or use a sequence.")
MARKER = ":__p"  # + the value's 1-based position (sqlfuncs.py reads it back)
ER_BIND_NOT_SET = 2049  # "Bind variable ? not set." (SQLSTATE 42601)
# Statements seen with positional parameters only: (sql, paramstyle) -> (rewritten text, number of parameters).
# The rewrite depends on the text alone, so a repeated statement skips the scan.
_POSITIONAL: dict[tuple[str, str], tuple[str, int]] = {}
_POSITIONAL_SIZE = 4096
_DICT_SERVER_SIDE = ("Named parameters (dict) not supported with qmark/numeric paramstyle. Use pyformat paramstyle for "
                     "named parameters.")


def to_qmark(sql: str, params: Sequence[Any] | Mapping[str, Any] | None,
             paramstyle: str = "pyformat") -> tuple[str, list[Any]]:
    """Rewrite the connector's placeholders for `paramstyle` to markers `:__p1`, `:__p2`... and return the parameters
    in that order.

    pyformat/format (the default) are client-side in the connector: Python `%` formatting of the whole text, so
    `%%` becomes `%` (inside literals too) and `?` / `:1` are plain text. qmark/numeric are bound by the server,
    which takes `?` and `:N`; `%s` is then plain text. (docs: developer-guide/python-connector/python-connector-example,
    "Binding data")
    """
    if params is None:
        return sql, []
    if type(params) is tuple or type(params) is list:
        # the common case, seen before: only positional placeholders, exactly as many as parameters
        known = _POSITIONAL.get((sql, paramstyle))
        if known is not None and known[1] == len(params):
            return known[0], list(params)
    client = paramstyle in CLIENT_SIDE
    if isinstance(params, Mapping) and not client:
        raise ProgrammingError(msg=_DICT_SERVER_SIDE, errno=ER_INVALID_VALUE)
    if isinstance(params, Mapping) and paramstyle == "format":
        raise ProgrammingError(msg=_DICT_WITH_FORMAT, errno=ER_INVALID_VALUE)
    if client and not isinstance(params, Mapping) and len(tuple(params)) == 0:
        return sql, []  # the connector skips interpolation for an empty sequence: the text goes out as written
    out: list[str] = []
    ordered: list[Any] = []
    positional = 0
    only_positional = True
    unset: re.Match[str] | None = None  # a `?` / `:N` left in a client-side text: the server would get it unbound
    last = 0
    for m in _TOKEN.finditer(sql):
        token = m.group(5)
        if token is None:
            if client and "%%" in m.group():  # Python formatting unescapes %% inside literals and comments too
                out.append(sql[last : m.start()])
                out.append(m.group().replace("%%", "%"))
                last = m.end()
            continue
        out.append(sql[last : m.start()])
        last = m.end()
        if client and token == "%%":
            out.append("%")
        elif client and token.startswith("%"):
            if m.group("name") is not None:
                only_positional = False
                if not isinstance(params, Mapping):
                    raise TypeError("format requires a mapping")
                ordered.append(params[m.group("name")])
            else:
                seq = _seq(params)
                if positional >= len(seq):
                    raise TypeError("not enough arguments for format string")
                ordered.append(seq[positional])
                positional += 1
            out.append(_numbered(len(ordered), sql, m.end()))
        elif not client and token == "?":
            ordered.append(_seq(params)[positional])
            positional += 1
            out.append(_numbered(len(ordered), sql, m.end()))
        elif not client and m.group("num") is not None:
            only_positional = False
            ordered.append(_seq(params)[int(m.group("num")) - 1])
            out.append(_numbered(len(ordered), sql, m.end()))
        else:
            if client and unset is None and (token == "?" or (token.startswith(":") and not _follows_value(sql, m.start()))):
                unset = m
            out.append(token)  # another style's placeholder: plain text for this paramstyle
    out.append(sql[last:])
    if client and not isinstance(params, Mapping) and positional < len(_seq(params)):
        raise TypeError("not all arguments converted during string formatting")
    if unset is not None:
        # The connector sends a client-side text without bindings; Snowflake refuses the placeholder left in it (the
        # position is in the text as written here, Snowflake's in the text with the values formatted in). Left in,
        # it would be DuckDB's next parameter: one of the values, silently.
        before = sql[: unset.start()]
        raise positioned_error(ER_BIND_NOT_SET, "42601", before.count("\n") + 1, len(before) - (before.rfind("\n") + 1),
                               f"Bind variable {unset.group(5)} not set.")
    text = "".join(out)
    if only_positional and positional and type(params) in (tuple, list) and positional == len(params):
        if len(_POSITIONAL) >= _POSITIONAL_SIZE:
            _POSITIONAL.clear()
        _POSITIONAL[sql, paramstyle] = (text, positional)
    return text, ordered


def _numbered(n: int, sql: str, end: int) -> str:
    # a space keeps a following digit or name out of the marker (`?1` is not `:__p11`)
    nxt = sql[end : end + 1]
    return f"{MARKER}{n} " if nxt.isalnum() or nxt == "_" else f"{MARKER}{n}"


def _follows_value(sql: str, start: int) -> bool:
    """Whether `:N` at `start` follows a value, making it a path step (v:1), not a bind variable."""
    before = sql[:start].rstrip()[-1:]
    return before.isalnum() or before in ("_", '"', "]", ")", "$", "'")


def _seq(params: Sequence[Any] | Mapping[str, Any]) -> Sequence[Any]:
    if isinstance(params, Mapping):
        raise TypeError("format requires a mapping")
    # like the connector's tuple(params): a str is a sequence of one-character parameters
    return tuple(params)
