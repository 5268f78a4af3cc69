"""The sampler's counts: rows per table and stream backlogs, read in one statement when they can share it."""

from __future__ import annotations

from datetime import datetime

import pytest

from snowsim.simulator.metrics import Sampler
from snowsim.simulator.targets import EmulatorTarget

TABLES = ["S.A", "S.B"]
STREAMS = ["S.A_STREAM", "S.B_STREAM"]


class Counting(EmulatorTarget):
    """The emulator target, counting the statements the sampler sends."""

    def __init__(self) -> None:
        super().__init__()
        self.sent = 0

    def query(self, sql, params=None):
        self.sent += 1
        return super().query(sql, params)

    def submit(self, sql, params=None):  # the runner's counts start in the background
        self.sent += 1
        return super().submit(sql, params)


@pytest.fixture
def target():
    t = Counting()
    t.open(datetime(2026, 1, 5, 8, 0))
    for sql in ("CREATE DATABASE D", "USE DATABASE D", "CREATE SCHEMA S", "USE SCHEMA S",
                "CREATE TABLE S.A (X INT)", "CREATE TABLE S.B (X INT)",
                "CREATE STREAM S.A_STREAM ON TABLE S.A", "CREATE STREAM S.B_STREAM ON TABLE S.B",
                "INSERT INTO S.A VALUES (1), (2), (3)", "INSERT INTO S.B VALUES (4)"):
        t.execute(sql)
    yield t
    t.close()


def test_rows_and_backlog_in_one_statement_equal_the_separate_reads(target):
    sampler = Sampler(target, TABLES, STREAMS)
    target.sent = 0
    rows, backlog = sampler.rows_and_backlog()
    assert target.sent == 1
    assert (rows, backlog) == (sampler.rows(), sampler.backlog())
    assert rows == {"S.A": 3, "S.B": 1} and backlog == {"S.A_STREAM": 3, "S.B_STREAM": 1}


def test_a_stale_stream_is_minus_one_and_the_rest_still_count(target):
    target.execute("CREATE OR REPLACE TABLE S.B (X INT)")  # S.B_STREAM is stale now (docs: streams-intro)
    sampler = Sampler(target, TABLES, STREAMS)
    rows, backlog = sampler.rows_and_backlog()
    assert rows == {"S.A": 3, "S.B": 0}
    assert backlog == {"S.A_STREAM": 3, "S.B_STREAM": -1}
    assert "S.B_STREAM" in sampler.unreadable
    target.sent = 0
    assert sampler.rows_and_backlog() == (rows, backlog)
    assert target.sent == 1  # the stale stream is no longer in the statement


def test_submitted_counts_are_the_counts_at_submission(target):
    """The runner's counts run in the background while the next tick's work goes on: what they return is what
    was there when they started, also when an unreadable object makes them count one object at a time."""
    sampler = Sampler(target, TABLES, STREAMS)
    sampler.submit()
    target.execute("INSERT INTO S.A VALUES (9)")
    assert sampler.settle() == ({"S.A": 3, "S.B": 1}, {"S.A_STREAM": 3, "S.B_STREAM": 1})
    target.execute("CREATE OR REPLACE TABLE S.B (X INT)")  # S.B_STREAM stale: found when the statement starts
    sampler.submit()
    target.execute("INSERT INTO S.A VALUES (10)")
    assert sampler.settle() == ({"S.A": 4, "S.B": 0}, {"S.A_STREAM": 4, "S.B_STREAM": -1})
    sampler.submit(rows=False)
    assert sampler.settle() == ({}, {"S.A_STREAM": 5, "S.B_STREAM": -1})
