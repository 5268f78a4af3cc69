"""Fixtures shared by the emulator suites: each suite's conftest defines `conn`; `cur` is a cursor on it."""

import pytest


@pytest.fixture
def cur(conn):
    """A fresh cursor on the suite's `conn`."""
    return conn.cursor()
