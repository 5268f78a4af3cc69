"""Fixtures for the conformance suite: one fresh emulator connection per test (database DB, schema S)."""

from collections.abc import Iterator

import pytest
from snowflake.connector import DictCursor

from snowsim.emulator import connect
from snowsim.emulator.connection import Connection
from snowsim.emulator.cursor import Cursor


@pytest.fixture
def conn() -> Iterator[Connection]:
    c = connect(database="DB", schema="S")
    yield c
    c.close()



@pytest.fixture
def dcur(conn: Connection) -> Cursor:
    return conn.cursor(DictCursor)


@pytest.fixture
def qmark() -> Iterator[Cursor]:
    """A cursor on a connection binding qmark parameters (server-side, as Snowflake compiles them)."""
    c = connect(database="DB", schema="S", paramstyle="qmark")
    yield c.cursor()
    c.close()
