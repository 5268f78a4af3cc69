"""Fixtures shared by the emulator suites: each suite's conftest defines `conn`; `cur` is a cursor on it, `recorder`
records the SQL its statements send to DuckDB."""

import pytest


@pytest.fixture
def cur(conn):
    """A fresh cursor on the suite's `conn`."""
    return conn.cursor()


class DuckRecorder:
    """A connection's DuckDB connection, recording the SQL its plans send (tests of which text a run chose)."""

    def __init__(self, duck) -> None:
        self._duck = duck
        self.sent: list[str] = []

    def execute(self, sql, *args):
        self.sent.append(sql)
        return self._duck.execute(sql, *args)

    def __getattr__(self, name):
        return getattr(self._duck, name)


@pytest.fixture
def recorder(conn) -> DuckRecorder:
    """Records what the connection's statements send to DuckDB from now on."""
    conn.duck = DuckRecorder(conn.duck)
    return conn.duck
