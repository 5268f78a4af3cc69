"""Snowflake semantics on DuckDB: `from snowsim.emulator import connect, Clock`."""

from snowsim.emulator.clock import Clock, SystemClock
from snowsim.emulator.connection import Connection, connect
from snowsim.emulator.errors import NotSupportedError

__all__ = ["Clock", "Connection", "NotSupportedError", "SystemClock", "connect"]
