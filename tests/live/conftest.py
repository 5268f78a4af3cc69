"""The network replacement for live-target tests: an emulator 'account' that hands out sessions.

Only the network is replaced: SnowflakeTarget's code runs unchanged, and `EmulatorAccount.connect` stands where
snowflake.connector.connect would. Every session shares one snowsim.emulator connection (one account, many
sessions), so a test can look at the account after the target closed its own session, and a teardown on a new
session sees what the dead one created. Faults: a session can die on its Nth statement (OperationalError, as the
connector raises when the network goes), and EXECUTE TASK can be accepted but never run (a graph that never finishes).
"""

from __future__ import annotations

from typing import Any

import pytest
from snowflake.connector.errors import OperationalError

from snowsim.emulator import connect
from snowsim.simulator.live.config import ConnectionSettings
from snowsim.simulator.live.driver import PollPolicy

# Small, fast scenarios: one minute of traffic and a two-minute drain (three graph runs per root).
FAST = {"duration": "1m", "drain": "2m", "traffic": {"rate": 0.3}}


class FakeClock:
    """monotonic() and sleep() for the driver: sleeping advances the clock, nothing waits."""

    def __init__(self) -> None:
        self.t = 0.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.t += seconds


class _Cursor:
    def __init__(self, cursor: Any, session: Session) -> None:
        self._cursor, self._session = cursor, session

    def execute(self, sql: str, params: Any = None, *args: Any, **kwargs: Any) -> Any:
        self._session.before(sql)
        if self._session.account.never_run_tasks and sql.lstrip().upper().startswith("EXECUTE TASK"):
            return self  # accepted, never run: the graph run never shows up in TASK_HISTORY
        self._cursor.execute(sql, params, *args, **kwargs)
        return self

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


class Session:
    """One connection to the account; closing it leaves the account alone."""

    def __init__(self, account: EmulatorAccount, fail_on: int | None) -> None:
        self.account, self.fail_on = account, fail_on
        self.statements = 0
        self.closed = False

    def before(self, sql: str) -> None:
        if self.closed:
            raise OperationalError(msg="Connection is closed", errno=250002)
        self.statements += 1
        if self.fail_on is not None and self.statements >= self.fail_on:
            raise OperationalError(msg="Failed to connect to DB: the network is unreachable", errno=250001)

    def cursor(self, *args: Any, **kwargs: Any) -> _Cursor:
        return _Cursor(self.account.engine.cursor(*args, **kwargs), self)

    def close(self) -> None:
        self.closed = True


class EmulatorAccount:
    """snowsim.emulator.connect behind a connect(**kwargs) with the connector's signature."""

    def __init__(self, fail_first_session_on: int | None = None, never_run_tasks: bool = False) -> None:
        self.engine = connect()
        self.fail_first_session_on = fail_first_session_on
        self.never_run_tasks = never_run_tasks
        self.connect_kwargs: list[dict[str, Any]] = []
        self.sessions: list[Session] = []

    def connect(self, **kwargs: Any) -> Session:
        self.connect_kwargs.append(kwargs)
        session = Session(self, self.fail_first_session_on if not self.sessions else None)
        self.sessions.append(session)
        return session

    def databases(self) -> set[str]:
        cur = self.engine.cursor()
        cur.execute("SHOW DATABASES")
        names = [d[0] for d in cur.description]
        return {str(dict(zip(names, row, strict=True))["name"]) for row in cur.fetchall()}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fast_poll() -> PollPolicy:
    return PollPolicy(first=0.5, factor=2.0, max_interval=4.0, timeout=30.0)


def _settings() -> ConnectionSettings:
    return ConnectionSettings("test account", {"account": "xy12345", "user": "ALICE", "warehouse": "SIM_WH"},
                              {"account": "xy12345", "user": "ALICE", "warehouse": "SIM_WH"})


@pytest.fixture(scope="session")
def make_account() -> type[EmulatorAccount]:
    """The EmulatorAccount class (tests build one per scenario of faults)."""
    return EmulatorAccount


@pytest.fixture(scope="session")
def fast() -> dict[str, Any]:
    """Scenario overrides for short runs."""
    return dict(FAST)


@pytest.fixture(scope="session")
def settings() -> Any:
    """A function returning plain test connection settings (no secret)."""
    return _settings
