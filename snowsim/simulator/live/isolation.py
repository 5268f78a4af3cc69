"""Scratch databases: one per live run, refused when it already exists, dropped at the end only if this run made it."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from snowsim.simulator.live.config import LiveConfigError

PREFIX = "SNOWSIM"
_IDENT = re.compile(r"^[A-Z_][A-Z0-9_$]*$")
MAX_IDENTIFIER = 255  # docs: identifier requirements


class IsolationError(LiveConfigError):
    """The run would touch a database it did not create (exit 2, like any configuration problem)."""


def new_run_id(now: datetime | None = None) -> str:
    """A sortable, unique run id: UTC time to the second plus 6 random hex digits (20261122T063000_3FA2C1)."""
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%dT%H%M%S}_{secrets.token_hex(3).upper()}"


def scratch_name(pipeline: str, run_id: str) -> str:
    """SNOWSIM_<PIPELINE>_<RUN_ID>, uppercase, a valid unquoted identifier."""
    return database_name(f"{PREFIX}_{pipeline}_{run_id}")


def database_name(name: str) -> str:
    """An unquoted identifier in upper case, or IsolationError saying why not."""
    upper = name.upper()
    if not _IDENT.match(upper) or len(upper) > MAX_IDENTIFIER:
        raise IsolationError(f"database name {name!r} is not an unquoted Snowflake identifier (letters, digits, _)")
    return upper


@dataclass
class Isolation:
    """What the run may do with its database: created by it (dropped at the end unless kept) or explicitly reused."""

    database: str
    allow_existing: bool = False
    keep: bool = False
    existed: bool = False  # SHOW DATABASES found it before deploying
    created: bool = False  # this run's CREATE DATABASE made it
    dropped: bool = False

    def check(self, names: Callable[[str], Sequence[Any]]) -> None:
        """SHOW DATABASES LIKE <name> (names() runs it and returns the name column): refuse an existing database."""
        # LIKE treats '_' as a wildcard, so the pattern can match other names: compare the names exactly.
        found = names(f"SHOW DATABASES LIKE '{self.database}'")
        self.existed = any(str(name).upper() == self.database for name in found)
        if self.existed and not self.allow_existing:
            raise IsolationError(
                f"database {self.database} already exists and this run did not create it: refusing to deploy into "
                "it (give --database NAME --allow-existing to use it; it is then never dropped)"
            )

    def deployed_database_statement(self) -> None:
        """Called once the pipeline's CREATE DATABASE ran: the run owns the database if it did not exist before."""
        if not self.existed:
            self.created = True

    def should_drop(self) -> bool:
        """Drop only what this run created, and only without keep."""
        return self.created and not self.keep and not self.dropped

    def drop_statement(self) -> str:
        """The teardown statement."""
        return f"DROP DATABASE IF EXISTS {self.database}"

    def outcome(self) -> str:
        """One line for the report: what happened to the database."""
        if self.dropped:
            return f"database {self.database} dropped"
        if self.created and self.keep:
            return f"database {self.database} kept (--keep): drop it with DROP DATABASE {self.database}"
        if self.created:
            return f"database {self.database} NOT dropped: drop it by hand with DROP DATABASE {self.database}"
        if self.existed:
            return f"database {self.database} existed before the run and was left in place"
        return f"database {self.database} was never created"
