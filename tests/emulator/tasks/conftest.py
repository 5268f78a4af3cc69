"""Fixtures for the task runtime tests: a connection on a virtual clock, and TASK_HISTORY in a handy shape."""

from __future__ import annotations

from datetime import datetime

import pytest

from snowsim.emulator import Clock, connect

START = datetime(2026, 1, 5, 8, 0)  # a Monday, naive UTC


class Sql:
    """Runs statements and reads TASK_HISTORY through one cursor."""

    def __init__(self, cur) -> None:
        self.cur = cur

    def __call__(self, *statements: str) -> list:
        """Execute statements in order; the rows of the last one (or [] when it returns none)."""
        for statement in statements:
            self.cur.execute(statement)
        try:
            return self.cur.fetchall()
        except Exception:  # pragma: no cover - a statement without a result
            return []

    def history(self, columns: str = "name, state", where: str = "true", args: str = "result_limit => 10000") -> list:
        """TASK_HISTORY rows, oldest first (the function returns newest first)."""
        self.cur.execute(f"select {columns} from table(information_schema.task_history({args})) where {where}")
        return list(reversed(self.cur.fetchall()))


@pytest.fixture
def start() -> datetime:
    return START


@pytest.fixture
def conn():
    connection = connect(database="DB", schema="S", clock=Clock(start=START))
    yield connection
    connection.close()



@pytest.fixture
def sql(cur) -> Sql:
    return Sql(cur)
