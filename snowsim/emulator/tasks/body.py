"""Running a task body: one SQL statement, a CALL, or a Snowflake Scripting block of plain statements.

docs: sql-reference/sql/create-task (the body), developer-guide/snowflake-scripting/blocks, sql-reference/transactions.
A Scripting BEGIN ... END block is not a transaction: each statement commits alone (autocommit), BEGIN TRANSACTION /
COMMIT / ROLLBACK inside it work as usual, and earlier statements stay committed when a later one fails. A transaction
left open when the body ends (or fails) is rolled back, as when a session ends. Scripting constructs other than
nested blocks (DECLARE, LET, IF, FOR, EXCEPTION, ...) raise NotSupportedError naming the construct before anything
runs. Bodies run in their own session: the task's database and schema, Snowflake's default parameters plus the
task's session parameters, and none of the caller's variables or open transaction.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import TYPE_CHECKING

from snowsim.emulator import errors
from snowsim.emulator.session import Session
from snowsim.emulator.splitter import split_statements

if TYPE_CHECKING:
    from snowsim.emulator.connection import Connection
    from snowsim.emulator.tasks.model import TaskDefinition

_WORD = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_$]*)")
_NOT_A_BLOCK = {"TRANSACTION", "WORK", "NAME"}  # BEGIN TRANSACTION / BEGIN WORK / BEGIN NAME x are transactions
_SCRIPTING = {
    "DECLARE": "Snowflake Scripting DECLARE",
    "LET": "Snowflake Scripting LET",
    "IF": "Snowflake Scripting IF",
    "FOR": "Snowflake Scripting FOR loops",
    "WHILE": "Snowflake Scripting WHILE loops",
    "REPEAT": "Snowflake Scripting REPEAT loops",
    "LOOP": "Snowflake Scripting LOOP",
    "CASE": "Snowflake Scripting CASE statements",
    "RETURN": "Snowflake Scripting RETURN",
    "EXCEPTION": "Snowflake Scripting EXCEPTION handlers",
    "RAISE": "Snowflake Scripting RAISE",
    "BREAK": "Snowflake Scripting BREAK",
    "CONTINUE": "Snowflake Scripting CONTINUE",
    "OPEN": "Snowflake Scripting cursors",
    "FETCH": "Snowflake Scripting cursors",
    "CLOSE": "Snowflake Scripting cursors",
    "AWAIT": "Snowflake Scripting AWAIT",
    "CANCEL": "Snowflake Scripting CANCEL",
}
_ASSIGNMENT = re.compile(r"^\s*[A-Za-z_][A-Za-z0-9_$]*\s*:=")
_TASK_SESSION_GENERATION = 1 << 40  # far from any user session's generation: plan-cache keys never collide


def _words(text: str, count: int) -> list[str]:
    found, pos = [], 0
    while len(found) < count:
        match = _WORD.match(text, pos)
        if match is None:
            break
        found.append(match.group(1).upper())
        pos = match.end()
    return found


def _is_block(statement: str) -> bool:
    words = _words(statement, 2)
    return bool(words) and words[0] == "BEGIN" and (len(words) == 1 or words[1] not in _NOT_A_BLOCK) and (
        re.search(r"\bEND\s*;?\s*$", statement, re.I) is not None
    )


def _block_statements(block: str, body: str) -> list[str]:
    text = block.strip().rstrip(";").strip()
    inner = re.sub(r"^BEGIN\b", "", text, flags=re.I)
    inner = re.sub(r"\bEND$", "", inner.rstrip(), flags=re.I)
    out: list[str] = []
    for statement in split_statements(inner):
        out.extend(_checked(statement, body))
    return out


def _checked(statement: str, body: str) -> list[str]:
    if _is_block(statement):
        return _block_statements(statement, body)  # a nested block is no transaction either: flatten it
    words = _words(statement, 2)
    first = words[0] if words else ""
    if first in _SCRIPTING:
        raise errors.not_supported(_SCRIPTING[first], body)
    if first == "EXECUTE" and len(words) > 1 and words[1] == "IMMEDIATE":
        raise errors.not_supported("EXECUTE IMMEDIATE in task bodies", body)
    if _ASSIGNMENT.match(statement):
        raise errors.not_supported("Snowflake Scripting variable assignment", body)
    return [statement]


@lru_cache(maxsize=1024)
def statements(body: str) -> tuple[str, ...]:
    """The statements a body runs, in order (raises NotSupportedError for Scripting constructs)."""
    text = body.strip().rstrip(";").strip()
    if _words(text, 1) == ["DECLARE"]:
        raise errors.not_supported(_SCRIPTING["DECLARE"], body)
    return tuple(_checked(text, body))


class TaskSessions:
    """One Session per (database, schema, parameters): stable generations keep the plan cache warm across runs."""

    def __init__(self) -> None:
        self._sessions: dict[tuple, Session] = {}

    def session_for(self, definition: TaskDefinition, database: str, schema: str) -> Session:
        """The session a task's WHEN and body run in."""
        params = tuple(sorted(definition.session_parameters.items()))
        key = (database, schema, params)
        session = self._sessions.get(key)
        if session is None:
            session = Session(database=database, schema=schema)
            for name, value in params:
                if name != "AUTOCOMMIT":  # docs: AUTOCOMMIT = FALSE is not supported for tasks; bodies autocommit
                    session.parameters[name] = value
            session.generation = _TASK_SESSION_GENERATION + len(self._sessions)
            self._sessions[key] = session
        return session


@contextmanager
def in_session(conn: Connection, session: Session) -> Iterator[None]:
    """Run with `session` as the connection's session and no open transaction; restore both afterwards."""
    saved_session, saved_txn = conn.session, conn.txns.current
    zone_changes = session.parameters.get("TIMEZONE") != saved_session.parameters.get("TIMEZONE")
    conn.session, conn.txns.current = session, None
    if zone_changes:
        conn.apply_session_parameters()
    try:
        yield
    finally:
        try:
            if conn.txns.current is not None:
                conn.txns.rollback()  # a transaction the body left open ends with its session
        finally:
            conn.session, conn.txns.current = saved_session, saved_txn
            if zone_changes:
                conn.apply_session_parameters()


def run(conn: Connection, body: str) -> None:
    """Execute a body's statements in order through the connection (raises the first error)."""
    cursor = conn.cursor()
    for statement in statements(body):
        cursor.execute(statement)
