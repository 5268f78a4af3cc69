"""The task definition model: what CREATE TASK says, with Snowflake's defaults (docs: sql-reference/sql/create-task)."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from snowsim.emulator.tasks.schedule import Schedule

_BARE = re.compile(r"[A-Z_][A-Z0-9_$]*")


class OverlapPolicy(StrEnum):
    """OVERLAP_POLICY values (docs: create-task / alter-task; release notes 2026-03-13)."""

    NO_OVERLAP = "NO_OVERLAP"
    ALLOW_CHILD_OVERLAP = "ALLOW_CHILD_OVERLAP"
    ALLOW_ALL_OVERLAP = "ALLOW_ALL_OVERLAP"


@dataclass(frozen=True)
class TaskName:
    """An object name as written: unquoted parts already folded to UPPERCASE, quoted parts exact."""

    name: str
    schema: str | None = None
    database: str | None = None

    @property
    def parts(self) -> tuple[str, ...]:
        """The given parts, outermost first."""
        return tuple(p for p in (self.database, self.schema, self.name) if p is not None)

    def __str__(self) -> str:
        return ".".join(quote_identifier(p) for p in self.parts)


def quote_identifier(part: str) -> str:
    """SQL text for a stored name: bare when Snowflake would fold it to itself, double-quoted otherwise."""
    return part if _BARE.fullmatch(part) else '"' + part.replace('"', '""') + '"'


@dataclass(frozen=True)
class TaskDefinition:
    """One task as defined by CREATE TASK (and changed by ALTER TASK); defaults are Snowflake's."""

    name: str
    schema: str | None = None
    database: str | None = None
    warehouse: str | None = None  # None = serverless
    user_task_managed_initial_warehouse_size: str | None = None
    schedule: Schedule | None = None
    config: str | None = None  # JSON object text, verbatim
    overlap_policy: OverlapPolicy = OverlapPolicy.NO_OVERLAP
    session_parameters: dict[str, str] = field(default_factory=dict)  # any other NAME = value, names UPPERCASE
    user_task_timeout_ms: int = 3_600_000
    suspend_task_after_num_failures: int = 10
    error_integration: str | None = None
    success_integration: str | None = None
    comment: str | None = None
    finalize: TaskName | None = None  # the root task this finalizer belongs to
    task_auto_retry_attempts: int = 0
    user_task_minimum_trigger_interval_in_seconds: int = 30
    tags: dict[str, str] = field(default_factory=dict)
    after: tuple[TaskName, ...] = ()
    when: str | None = None  # the condition's SQL text, verbatim
    body: str = ""  # the SQL after AS, verbatim (a BEGIN ... END block included), without the final ';'

    @property
    def task_name(self) -> TaskName:
        """The name parts as a TaskName."""
        return TaskName(self.name, self.schema, self.database)


@dataclass(frozen=True)
class TaskProperties:
    """Parsed `NAME = value` pairs of CREATE TASK or ALTER TASK ... SET."""

    values: dict[str, Any] = field(default_factory=dict)  # TaskDefinition field name -> parsed value
    session_parameters: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)


# Property names (UPPERCASE) that map to a TaskDefinition field; anything else is a session/object parameter.
PROPERTY_FIELDS: dict[str, str] = {
    "WAREHOUSE": "warehouse",
    "USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE": "user_task_managed_initial_warehouse_size",
    "SCHEDULE": "schedule",
    "CONFIG": "config",
    "OVERLAP_POLICY": "overlap_policy",
    "ALLOW_OVERLAPPING_EXECUTION": "overlap_policy",  # deprecated spelling (docs: alter-task usage notes)
    "USER_TASK_TIMEOUT_MS": "user_task_timeout_ms",
    "SUSPEND_TASK_AFTER_NUM_FAILURES": "suspend_task_after_num_failures",
    "ERROR_INTEGRATION": "error_integration",
    "SUCCESS_INTEGRATION": "success_integration",
    "COMMENT": "comment",
    "FINALIZE": "finalize",
    "TASK_AUTO_RETRY_ATTEMPTS": "task_auto_retry_attempts",
    "USER_TASK_MINIMUM_TRIGGER_INTERVAL_IN_SECONDS": "user_task_minimum_trigger_interval_in_seconds",
}

_DEFAULTS = {f.name: f.default for f in dataclasses.fields(TaskDefinition) if f.default is not dataclasses.MISSING}


def apply_set(definition: TaskDefinition, properties: TaskProperties) -> TaskDefinition:
    """The definition after ALTER TASK ... SET (or SET TAG) with these properties."""
    return dataclasses.replace(
        definition,
        **properties.values,
        session_parameters={**definition.session_parameters, **properties.session_parameters},
        tags={**definition.tags, **properties.tags},
    )


def apply_unset(definition: TaskDefinition, names: tuple[str, ...]) -> TaskDefinition:
    """The definition after ALTER TASK ... UNSET names (UPPERCASE): each back to Snowflake's default."""
    values = {PROPERTY_FIELDS[n]: _DEFAULTS[PROPERTY_FIELDS[n]] for n in names if n in PROPERTY_FIELDS}
    session = {k: v for k, v in definition.session_parameters.items() if k not in names}
    return dataclasses.replace(definition, **values, session_parameters=session)


def apply_unset_tags(definition: TaskDefinition, tags: tuple[str, ...]) -> TaskDefinition:
    """The definition after ALTER TASK ... UNSET TAG tags."""
    return dataclasses.replace(definition, tags={k: v for k, v in definition.tags.items() if k not in tags})
