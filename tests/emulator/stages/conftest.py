"""Fixtures for stage / COPY tests: a connection on a virtual clock and a helper to write local files."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest

from snowsim.emulator import connect
from snowsim.emulator.clock import Clock


@pytest.fixture
def conn() -> Iterator:
    """An in-memory emulator connection (database DB, schema S) on a virtual clock."""
    c = connect(database="DB", schema="S", clock=Clock(datetime(2026, 1, 5, 8, 0, 0)))
    yield c
    c.close()



@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    """write(name, text | list-of-records) -> path of a local file (records become JSON Lines)."""

    def _write(name: str, content: str | list) -> Path:
        path = tmp_path / name
        if isinstance(content, list):
            content = "".join(json.dumps(r) + "\n" for r in content)
        path.write_text(content, encoding="utf-8")
        return path

    return _write


@pytest.fixture
def q(cur) -> Callable[[str], list[tuple]]:
    """q(sql) runs a statement and returns all rows."""

    def _q(sql: str) -> list[tuple]:
        cur.execute(sql)
        return cur.fetchall()

    return _q


@pytest.fixture
def qd(cur) -> Callable[[str], list[dict]]:
    """qd(sql) runs a statement and returns rows as dicts keyed by column name."""

    def _qd(sql: str) -> list[dict]:
        cur.execute(sql)
        names = [d.name for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    return _qd
