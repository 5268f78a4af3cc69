"""Session statements sqlglot misreads (UNSET, START TRANSACTION) and $variable references in queries.

sqlglot parses `UNSET x` as a column aliased x and `START TRANSACTION` as a column named start, so both are routed
here by their leading keywords (docs: sql-reference/sql/unset, sql-reference/sql/begin).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlglot import exp

from snowsim.emulator import errors
from snowsim.emulator.executor import command
from snowsim.emulator.identifiers import normalize
from snowsim.emulator.results import Result
from snowsim.emulator.translate import REWRITES, Translator

if TYPE_CHECKING:
    from snowsim.emulator.connection import Connection

_DONE = "Statement executed successfully."
_NAME = r'(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)'


@command(r"UNSET\b")
def unset(conn: Connection, sql: str) -> Result:
    """UNSET name | UNSET ( name [, ...] ): drop session variables (docs: sql-reference/sql/unset)."""
    body = sql.strip().rstrip(";")[len("UNSET") :].strip()
    if body.startswith("(") and body.endswith(")"):
        body = body[1:-1]
    names = [n.strip() for n in body.split(",")]
    if not names or not all(re.fullmatch(_NAME, n) for n in names):
        raise errors.syntax_error(1, len("UNSET "), body.split(",")[0].strip() or "<EOF>")
    for name in names:
        conn.session.unset_variable(normalize(name))
    return Result.message("status", _DONE)


@command(r"START\s+TRANSACTION\b")
def start_transaction(conn: Connection, sql: str) -> Result:
    """START TRANSACTION [NAME n]: a synonym of BEGIN (docs: sql-reference/sql/begin)."""
    conn.txns.begin()
    return Result.message("status", _DONE)


def _literal(value: Any) -> exp.Expression:
    """A session variable's value as a typed SQL literal."""
    if value is None:
        return exp.null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, (int, float, Decimal)):
        return exp.Literal.number(str(value))
    if isinstance(value, datetime):
        kind = "TIMESTAMPLTZ" if value.tzinfo is not None else "TIMESTAMP"
        return exp.cast(exp.Literal.string(value.isoformat(sep=" ")), kind)
    if isinstance(value, date):
        return exp.cast(exp.Literal.string(value.isoformat()), "DATE")
    return exp.Literal.string(str(value))


def session_variable(node: exp.Expression, tr: Translator) -> exp.Expression:
    """$name -> the variable's value; an unset one is 002211 (docs: sql-reference/session-variables)."""
    if not isinstance(node, exp.Parameter) or not isinstance(node.this, exp.Var):
        return node  # $1 (a staged file's column) is not a variable
    written = node.this.name
    name = normalize(written)
    if name not in tr.session.variables:
        line, position = errors.locate(tr.statement, "$" + written)
        raise errors.positioned_error(2211, "02000", line, position, f"Session variable '${name}' does not exist")
    return _literal(tr.session.variables[name])


# first, so later rewrites (functions, VARIANT) see the value rather than a parameter
session_variable.applies_to = (exp.Parameter,)
REWRITES.insert(0, session_variable)
