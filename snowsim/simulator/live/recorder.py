"""A DB-API connection wrapper that records every statement sent: the plan's source and the run's query counts."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

# Statement kinds. Writes change the account and do not depend on what it answered, so a plan predicts them
# exactly; reads (samples, checks, TASK_HISTORY polls) depend on the data and on how fast Snowflake runs the tasks.
DEPLOY, LOAD, EXECUTE, TEARDOWN, POLL, READ = "deploy", "load", "execute_task", "teardown", "poll", "read"
WITHHELD = "withheld"
WRITES = (DEPLOY, LOAD, EXECUTE, TEARDOWN)
_LEADING_COMMENTS = re.compile(r"^(\s*(--[^\n]*\n|/\*.*?\*/))*\s*", re.DOTALL)
_LOAD = ("INSERT", "PUT", "COPY", "MERGE", "UPDATE", "DELETE", "TRUNCATE")
_DDL = ("CREATE", "ALTER", "DROP", "USE", "GRANT", "REVOKE", "COMMENT", "UNDROP")


def first_word(sql: str) -> str:
    """The statement's first keyword, upper case, after any leading comments."""
    text = _LEADING_COMMENTS.sub("", sql, count=1)
    match = re.match(r"[A-Za-z]+", text)
    return match.group(0).upper() if match else ""


def statement_kind(sql: str) -> str:
    """deploy | load | execute_task | teardown | poll | read, from the statement text alone."""
    word = first_word(sql)
    if word == "EXECUTE" and re.match(r"\s*EXECUTE\s+TASK\b", _LEADING_COMMENTS.sub("", sql, count=1), re.I):
        return EXECUTE
    if word == "DROP" and re.match(r"\s*DROP\s+DATABASE\b", _LEADING_COMMENTS.sub("", sql, count=1), re.I):
        return TEARDOWN
    if word in _LOAD:
        return LOAD
    if word in _DDL:
        return DEPLOY
    upper = sql.upper()
    if "TASK_HISTORY(" in upper or "COMPLETE_TASK_GRAPHS(" in upper:
        return POLL
    return READ


@dataclass(frozen=True, slots=True)
class Sent:
    """One statement as sent: the virtual instant, its kind, the text and how many values were bound."""

    at: datetime | None
    kind: str
    sql: str
    params: int = 0
    note: str = ""  # why a statement was withheld
    digest: str = ""  # of the bound values: two runs sent the same data iff their digests match

    def line(self) -> str:
        """The statement as the plan prints it: time, text on one line, bound values counted, note."""
        when = f"{self.at:%Y-%m-%d %H:%M:%S}" if self.at else "-" * 19
        text = " ".join(self.sql.split())
        if self.kind == WITHHELD:
            return f"{when}  -- not sent: {text};  -- {self.note}"
        bound = f"  -- {self.params} bound values" if self.params else ""
        note = f"  -- {self.note}" if self.note else ""
        return f"{when}  {text};{bound}{note}"


class Recorder:
    """The list of statements a connection sent, with counts by kind."""

    def __init__(self, clock: Callable[[], datetime | None] | None = None) -> None:
        self.clock = clock or (lambda: None)
        self.entries: list[Sent] = []  # everything, in order: sent statements and withheld ones (kind WITHHELD)

    @property
    def sent(self) -> list[Sent]:
        """The statements sent, in order."""
        return [s for s in self.entries if s.kind != WITHHELD]

    @property
    def withheld(self) -> list[Sent]:
        """The statements the live target decided not to send (a root's RESUME/SUSPEND), in order."""
        return [s for s in self.entries if s.kind == WITHHELD]

    def record(self, sql: str, params: Sequence[Any] | dict | None) -> None:
        """Remember one statement."""
        count = len(params) if params else 0
        digest = hashlib.sha1(repr(params).encode(), usedforsecurity=False).hexdigest()[:16] if params else ""
        self.entries.append(Sent(self.clock(), statement_kind(sql), sql, count, "", digest))

    def withhold(self, sql: str, note: str) -> None:
        """Remember a statement that was deliberately not sent."""
        self.entries.append(Sent(self.clock(), WITHHELD, sql, 0, note))

    def counts(self) -> dict[str, int]:
        """Statements sent, by kind, plus 'total'."""
        counts = Counter(s.kind for s in self.sent)  # withheld statements are not counted: nothing was sent
        return {**{k: counts.get(k, 0) for k in (*WRITES, POLL, READ)}, "total": len(self.sent)}

    def writes(self) -> list[Sent]:
        """The statements that change the account, in order."""
        return [s for s in self.sent if s.kind in WRITES]


class RecordingCursor:
    """A cursor that records each statement before running it (a failed statement was still sent)."""

    def __init__(self, cursor: Any, recorder: Recorder) -> None:
        self._cursor = cursor
        self._recorder = recorder

    def execute(self, sql: str, params: Sequence[Any] | dict | None = None, *args: Any, **kwargs: Any) -> Any:
        """Record, then execute on the wrapped cursor; returns this cursor like the connector does."""
        self._recorder.record(sql, params)
        self._cursor.execute(sql, params, *args, **kwargs)
        return self

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)

    def __iter__(self) -> Any:
        return iter(self._cursor)


class RecordingConnection:
    """Wraps a DB-API connection; every cursor it hands out records into `recorder`."""

    def __init__(self, connection: Any, recorder: Recorder) -> None:
        self.connection = connection
        self.recorder = recorder

    def cursor(self, *args: Any, **kwargs: Any) -> RecordingCursor:
        """A recording cursor over the wrapped connection's cursor."""
        return RecordingCursor(self.connection.cursor(*args, **kwargs), self.recorder)

    def close(self) -> None:
        """Close the wrapped connection."""
        self.connection.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.connection, name)
