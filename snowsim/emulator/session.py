"""Per-connection session state: current database and schema, session parameters, SQL variables."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Session parameters snowsim reads, with Snowflake's defaults (docs: sql-reference/parameters).
DEFAULT_PARAMETERS: dict[str, Any] = {
    "TIMEZONE": "America/Los_Angeles",
    "ERROR_ON_NONDETERMINISTIC_MERGE": True,
    "ERROR_ON_NONDETERMINISTIC_UPDATE": False,
    "TIMESTAMP_TYPE_MAPPING": "TIMESTAMP_NTZ",
    "AUTOCOMMIT": True,
    "QUERY_TAG": "",
    "DATA_RETENTION_TIME_IN_DAYS": 1,
    "MAX_DATA_EXTENSION_TIME_IN_DAYS": 14,
    "MULTI_STATEMENT_COUNT": 1,
}


@dataclass
class Session:
    """What a statement's meaning depends on besides its text."""

    database: str | None = None
    schema: str | None = None
    parameters: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_PARAMETERS))
    variables: dict[str, Any] = field(default_factory=dict)
    warehouse: str | None = None  # accepted like the connector's argument; CURRENT_WAREHOUSE() reports it
    generation: int = 0  # bumps when anything above changes; part of the translation cache key

    def set_parameter(self, name: str, value: Any) -> None:
        """ALTER SESSION SET name = value."""
        self.parameters[name.upper()] = value
        self.generation += 1

    def unset_parameter(self, name: str) -> None:
        """ALTER SESSION UNSET name."""
        self.parameters[name.upper()] = DEFAULT_PARAMETERS.get(name.upper())
        self.generation += 1

    def set_variable(self, name: str, value: Any) -> None:
        """SET name = value (a new value changes the meaning of statements that read $name)."""
        self.variables[name] = value
        self.generation += 1

    def unset_variable(self, name: str) -> None:
        """UNSET name; unsetting a variable that is not set is a no-op here (the docs do not say what Snowflake does)."""
        self.variables.pop(name, None)
        self.generation += 1

    def use(self, database: str | None = None, schema: str | None = None) -> None:
        """USE DATABASE / USE SCHEMA."""
        if database is not None:
            self.database = database
        self.schema = schema
        self.generation += 1

    def flag(self, name: str) -> bool:
        """A boolean parameter, accepting Snowflake's TRUE/FALSE spellings."""
        value = self.parameters.get(name)
        if isinstance(value, str):
            return value.strip().upper() in ("TRUE", "1", "YES", "ON")
        return bool(value)
