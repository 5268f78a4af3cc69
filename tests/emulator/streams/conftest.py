"""Fixtures for the stream tests: a fresh in-memory emulator per test."""

from __future__ import annotations

from datetime import datetime

import pytest

from snowsim.emulator import connect
from snowsim.emulator.clock import Clock


@pytest.fixture
def conn():
    """A connection on the system clock (time passes between statements, as time travel by timestamp needs)."""
    c = connect(database="DB", schema="S")
    yield c
    c.close()



@pytest.fixture
def vconn():
    """A connection on a virtual clock, for staleness and retention."""
    c = connect(database="DB", schema="S", clock=Clock(start=datetime(2026, 1, 5, 8, 0, 0)))
    yield c
    c.close()


def rows(cur, sql: str, params=None) -> list[tuple]:
    """All rows of a query."""
    return cur.execute(sql, params).fetchall()
