"""Fixtures for the function conformance suite: one emulator connection per module, helpers for values and errors."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from snowflake.connector import errors as sf

from snowsim.emulator import Clock, connect

START = datetime(2026, 1, 5, 8, 0)  # the virtual clock's start, naive UTC


@pytest.fixture(scope="module")
def conn():
    """A connection with a virtual clock, shared by a module's tests (they do not depend on each other's tables)."""
    connection = connect(database="DB", schema="S", clock=Clock(start=START))
    yield connection
    connection.close()



def row(cur, sql: str, params: Any = None) -> tuple:
    """The first row of a query."""
    return cur.execute(sql, params).fetchone()


def value(cur, sql: str, params: Any = None) -> Any:
    """The single value of a one-row, one-column query."""
    return row(cur, sql, params)[0]


def rows(cur, sql: str, params: Any = None) -> list[tuple]:
    """All rows of a query."""
    return cur.execute(sql, params).fetchall()


def variant(text: str | None) -> Any:
    """A VARIANT value as the connector returns it (JSON text) turned back into Python for comparison."""
    return None if text is None else json.loads(text)


def failure(cur, sql: str) -> sf.Error:
    """The connector error a statement raises."""
    with pytest.raises(sf.Error) as info:
        cur.execute(sql)
    return info.value
