"""WHEN conditions: a fast path for the common `SYSTEM$STREAM_HAS_DATA(...)` [AND|OR|NOT ...] form, evaluated in
Python from the catalog, and the general path (a SELECT through the connection, in the task's session).

docs: sql-reference/sql/create-task (WHEN), functions/system_stream_has_data. An idle pipeline evaluates its WHEN every
minute; going through SQL would cost a DuckDB round trip or more per check. The fast path calls what the SQL
function calls (streams.stream_has_data), so answers, errors and the staleness reset are the same.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from snowsim.emulator import streams
from snowsim.emulator.identifiers import ObjectName, split_name

if TYPE_CHECKING:
    from snowsim.emulator.connection import Connection

Condition = Callable[[], bool]


def _has_data(conn: Connection, name: ObjectName) -> Condition:
    # streams.stream_has_data is the function itself: O(1), Snowflake's errors for a missing or stale stream, and a
    # FALSE answer resets the stream's staleness clock as the docs describe (an idle task keeps its stream fresh).
    return lambda: streams.stream_has_data(conn, name)


def compile_fast(conn: Connection, when: str, database: str, schema: str) -> Condition | None:
    """A Python predicate for a WHEN made only of SYSTEM$STREAM_HAS_DATA('<literal>'), AND, OR, NOT, TRUE, FALSE."""
    try:
        tree = sqlglot.parse_one(f"SELECT {when}", read="snowflake").expressions[0]
    except (ParseError, IndexError):
        return None

    def build(node: exp.Expression) -> Condition | None:
        if isinstance(node, exp.Paren):
            return build(node.this)
        if isinstance(node, exp.Boolean):
            value = bool(node.this)
            return lambda: value
        if isinstance(node, exp.Not):
            inner = build(node.this)
            return None if inner is None else (lambda: not inner())
        if isinstance(node, (exp.And, exp.Or)):
            left, right = build(node.this), build(node.expression)
            if left is None or right is None:
                return None
            if isinstance(node, exp.And):
                return lambda: left() and right()
            return lambda: left() or right()
        if isinstance(node, exp.Anonymous) and str(node.this).upper() == "SYSTEM$STREAM_HAS_DATA":
            args = node.expressions
            if len(args) != 1 or not (isinstance(args[0], exp.Literal) and args[0].is_string):
                return None
            parts = split_name(args[0].this)
            if len(parts) == 1:
                name = ObjectName(database, schema, parts[0])
            elif len(parts) == 2:
                name = ObjectName(database, parts[0], parts[1])
            else:
                name = ObjectName(*parts[-3:])
            return _has_data(conn, name)
        return None

    return build(tree)


def evaluate_sql(conn: Connection, when: str) -> bool:
    """Evaluate a WHEN through the connection (the caller has set up the task's session)."""
    cur = conn.cursor()
    cur.execute(f"SELECT ({when})")
    value = cur.fetchone()[0]
    return bool(value) if value is not None else False
