"""Scenario files: pydantic models for the YAML, loading by name or path, and readable validation errors."""

from __future__ import annotations

import difflib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    field_validator,
    model_validator,
)

from snowsim.simulator.durations import format_duration, parse_duration
from snowsim.simulator.events import EVENT_TYPES

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"
DEFAULT_START = datetime(2026, 1, 5, 8, 0, 0)


class ScenarioError(ValueError):
    """A scenario file or override is invalid; the message names the file, the field path and the problem."""


# ---------------------------------------------------------------- field types


def _duration(value: Any) -> timedelta:
    delta = parse_duration(value)
    if delta < timedelta(0):
        raise ValueError("must not be negative")
    return delta


def _positive(delta: timedelta) -> timedelta:
    if delta <= timedelta(0):
        raise ValueError("must be greater than 0")
    return delta


def _fraction(value: float) -> float:
    if not 0.0 <= value <= 1.0:
        raise ValueError("must be between 0 and 1")
    return value


def _pair(value: Any) -> Any:
    # A single duration means a fixed delay: "10m" == ["10m", "10m"].
    return (value, value) if isinstance(value, str | int | float | timedelta) else value


def _ordered(pair: tuple[timedelta, timedelta]) -> tuple[timedelta, timedelta]:
    if pair[0] > pair[1]:
        raise ValueError(f"minimum {format_duration(pair[0])} is greater than maximum {format_duration(pair[1])}")
    return pair


def _listify(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


_as_text = PlainSerializer(format_duration, return_type=str, when_used="json")
Duration = Annotated[timedelta, BeforeValidator(_duration), _as_text]
PositiveDuration = Annotated[timedelta, BeforeValidator(_duration), AfterValidator(_positive), _as_text]
DurationRange = Annotated[tuple[Duration, Duration], BeforeValidator(_pair), AfterValidator(_ordered)]
Fraction = Annotated[float, AfterValidator(_fraction)]
Name = Annotated[str, Field(min_length=1)]
Columns = Annotated[list[Name], BeforeValidator(_listify), Field(min_length=1)]
EventType = Literal[EVENT_TYPES]


class _Model(BaseModel):
    # extra="forbid": a typo in a YAML key must fail loudly, not be silently ignored.
    model_config = ConfigDict(extra="forbid", frozen=True)


# ---------------------------------------------------------------- traffic and ingestion


class Lifecycle(_Model):
    """How created orders move on: delays between steps and how many are cancelled or refunded."""

    enabled: bool = True  # False: only ORDER_CREATED, like the seeds' producer
    step_delay: DurationRange = (timedelta(minutes=2), timedelta(minutes=20))
    cancel: Fraction = 0.08  # share of orders cancelled before shipping
    refund: Fraction = 0.05  # share of delivered orders refunded


class Traffic(_Model):
    """Arrival process of new entities (orders created, inventory adjustments); lifecycle events come on top."""

    rate: float = Field(1.0, gt=0)  # new entities per second, averaged over a day
    curve: Literal["flat", "ecommerce"] = "flat"
    mix: dict[Literal["orders", "inventory"], Annotated[float, Field(ge=0)]] = {"orders": 0.7, "inventory": 0.3}
    stop_after: PositiveDuration | None = None  # no new entities after start + stop_after
    lifecycle: Lifecycle = Lifecycle()

    @field_validator("mix")
    @classmethod
    def _mix_not_empty(cls, mix: dict[str, float]) -> dict[str, float]:
        if sum(mix.values()) <= 0:
            raise ValueError("at least one weight must be greater than 0")
        return mix


class Ingestion(_Model):
    """How the runner hands arrived events to RAW: insert batches (like the seeds' consumers) or staged files."""

    mode: Literal["batch", "stage"] = "batch"
    max_events: int = Field(50, gt=0)
    max_wait: PositiveDuration = timedelta(seconds=60)


# ---------------------------------------------------------------- faults


class LateFault(_Model):
    """A fraction of events arrives a delay after their event time."""

    type: Literal["late"]
    fraction: Fraction
    delay: DurationRange = (timedelta(minutes=5), timedelta(minutes=30))
    event_types: list[EventType] | None = None


class DuplicateFault(_Model):
    """A fraction of events is delivered twice (same event_id), in the same batch or after a delay."""

    type: Literal["duplicate"]
    fraction: Fraction
    delay: DurationRange = (timedelta(0), timedelta(minutes=5))
    same_batch: bool = False
    event_types: list[EventType] | None = None


class OutOfOrderFault(_Model):
    """A fraction of orders has its lifecycle events arrive in a shuffled order (e.g. PAID before CREATED)."""

    type: Literal["out_of_order"]
    fraction: Fraction
    # Spacing between reordered arrivals: longer than an ingestion batch (60 s) so that PAID and CREATED
    # land in different batches, which is what breaks a pipeline that assumes CREATED comes first.
    gap: PositiveDuration = timedelta(minutes=2)


class AddField(_Model):
    """Schema drift: a new field appears."""

    op: Literal["add_field"]
    field: Name
    value: Any = None


class RemoveField(_Model):
    """Schema drift: a field disappears."""

    op: Literal["remove_field"]
    field: Name


class RenameField(_Model):
    """Schema drift: a field is renamed (quantity -> qty)."""

    op: Literal["rename_field"]
    field: Name
    to: Name


class ChangeType(_Model):
    """Schema drift: a field changes type (quantity 3 -> "3" or "3 units")."""

    op: Literal["change_type"]
    field: Name
    to: Literal["string", "string_with_unit", "float", "int"]
    unit: str = "units"


class Flatten(_Model):
    """Schema drift: a nested object is flattened (shipping_address.city -> shipping_address_city)."""

    op: Literal["flatten"]
    field: Name
    prefix: str | None = None  # default "<field>_"


class Nest(_Model):
    """Schema drift: fields move into an object (unit_price, currency -> price {unit, currency})."""

    op: Literal["nest"]
    into: Name
    fields: dict[Name, Name] = Field(min_length=1)  # old top-level name -> name inside the new object


Change = Annotated[AddField | RemoveField | RenameField | ChangeType | Flatten | Nest, Field(discriminator="op")]


class SchemaDriftFault(_Model):
    """From `at` on (by event time), the producer emits a changed payload and a bumped schema_version."""

    type: Literal["schema_drift"]
    at: Duration
    changes: list[Change] = Field(min_length=1)
    schema_version: int | None = Field(None, ge=2)  # default: previous version + 1
    event_types: list[EventType] | None = None


class MalformedFault(_Model):
    """A fraction of events is delivered as broken JSON lines."""

    type: Literal["malformed"]
    fraction: Fraction
    kinds: list[Literal["truncated", "trailing_comma", "unquoted_key"]] = Field(
        ["truncated", "trailing_comma", "unquoted_key"], min_length=1
    )
    event_types: list[EventType] | None = None


class BurstFault(_Model):
    """For a window starting at `at`, new entities arrive `multiplier` times faster."""

    type: Literal["burst"]
    at: Duration
    window: PositiveDuration
    multiplier: float = Field(gt=0)


class TaskFailureFault(_Model):
    """A task fails every run from `at` for `duration` (a control fault: events are untouched)."""

    type: Literal["task_failure"]
    task: Name
    at: Duration
    duration: PositiveDuration
    error: str = "Simulated task failure"


class PauseTasksFault(_Model):
    """Tasks are suspended at `at` and resumed after `duration` (days make streams stale)."""

    type: Literal["pause_tasks"]
    tasks: Columns
    at: Duration
    duration: PositiveDuration


Fault = Annotated[
    LateFault
    | DuplicateFault
    | OutOfOrderFault
    | SchemaDriftFault
    | MalformedFault
    | BurstFault
    | TaskFailureFault
    | PauseTasksFault,
    Field(discriminator="type"),
]


# ---------------------------------------------------------------- checks


class RowCountCheck(_Model):
    """The table's row count is within [min, max] or equals a value."""

    type: Literal["row_count"]
    table: Name
    min: int | None = Field(None, ge=0)
    max: int | None = Field(None, ge=0)
    equals: int | None = Field(None, ge=0)

    @model_validator(mode="after")
    def _bounded(self) -> RowCountCheck:
        if self.min is None and self.max is None and self.equals is None:
            raise ValueError("give at least one of min, max, equals")
        return self


class NullCountCheck(_Model):
    """At most `max` NULLs in a column."""

    type: Literal["null_count"]
    table: Name
    column: Name
    max: int = Field(0, ge=0)


class DuplicateCountCheck(_Model):
    """At most `max` duplicated keys over the columns."""

    type: Literal["duplicate_count"]
    table: Name
    columns: Columns
    max: int = Field(0, ge=0)


class UniqueCheck(_Model):
    """The columns form a unique key."""

    type: Literal["unique"]
    table: Name
    columns: Columns


class AcceptedValuesCheck(_Model):
    """Every value of a column is in a list."""

    type: Literal["accepted_values"]
    table: Name
    column: Name
    values: list[Any] = Field(min_length=1)


class FreshnessCheck(_Model):
    """The newest value of a timestamp column is at most max_age old at the end of the run."""

    type: Literal["freshness"]
    table: Name
    column: Name
    max_age: PositiveDuration


class ReconcileCheck(_Model):
    """The table's keys (and optionally statuses) match the ground truth."""

    type: Literal["reconcile"]
    table: Name
    key: Name
    status_column: Name | None = None


class LatencyCheck(_Model):
    """Arrival-to-table latency stays below bounds."""

    type: Literal["latency"]
    table: Name
    p95_max: PositiveDuration
    max: PositiveDuration | None = None


class TaskFailuresCheck(_Model):
    """At most `max` failed task runs (of one task, or of all)."""

    type: Literal["task_failures"]
    max: int = Field(0, ge=0)
    task: Name | None = None


class StreamBacklogCheck(_Model):
    """At most `max` unconsumed rows left in a stream at the end."""

    type: Literal["stream_backlog"]
    stream: Name
    max: int = Field(0, ge=0)


class SqlCheck(_Model):
    """A custom query: it returns no rows, some rows, or a single value equal to `value`."""

    type: Literal["sql"]
    name: Name
    query: Name
    expect: Literal["zero_rows", "nonzero", "equals"] = "zero_rows"
    value: Any = None

    @model_validator(mode="after")
    def _value_for_equals(self) -> SqlCheck:
        if self.expect == "equals" and self.value is None:
            raise ValueError("expect: equals needs a value")
        return self


Check = Annotated[
    RowCountCheck
    | NullCountCheck
    | DuplicateCountCheck
    | UniqueCheck
    | AcceptedValuesCheck
    | FreshnessCheck
    | ReconcileCheck
    | LatencyCheck
    | TaskFailuresCheck
    | StreamBacklogCheck
    | SqlCheck,
    Field(discriminator="type"),
]


# ---------------------------------------------------------------- scenario


class Scenario(_Model):
    """A replayable test: traffic on a virtual clock, the faults to inject and the checks to run afterwards."""

    name: Name
    description: str = ""
    pipeline: Name = "caves_albert"
    duration: PositiveDuration = timedelta(hours=1)
    seed: int = 0
    start: datetime = DEFAULT_START  # naive UTC
    tick: PositiveDuration = timedelta(minutes=1)
    traffic: Traffic = Traffic()
    ingestion: Ingestion = Ingestion()
    faults: list[Fault] = []
    checks: list[Check] = []

    @field_validator("start")
    @classmethod
    def _naive_utc(cls, value: datetime) -> datetime:
        # Everything downstream is naive UTC (TIMESTAMP_NTZ); convert an explicit zone instead of dropping it.
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value

    @model_validator(mode="after")
    def _offsets_inside_run(self) -> Scenario:
        if self.tick > self.duration:
            raise ValueError(f"tick: {format_duration(self.tick)} is longer than the duration")
        for i, fault in enumerate(self.faults):
            at = getattr(fault, "at", None)
            if at is not None and at >= self.duration:
                raise ValueError(
                    f"faults[{i}].at: {format_duration(at)} is not before the end of the run "
                    f"(duration {format_duration(self.duration)})"
                )
        return self

    @property
    def end(self) -> datetime:
        """The instant the run stops generating events (start + duration)."""
        return self.start + self.duration

    def with_overrides(self, **overrides: Any) -> Scenario:
        """A validated copy with top-level fields replaced (dicts are merged: traffic={"rate": 5})."""
        if not overrides:
            return self
        return _validate(_merge(self.model_dump(), overrides), f"scenario {self.name!r}")


# ---------------------------------------------------------------- loading


def list_scenarios() -> list[str]:
    """Names of the shipped scenarios (snowsim/scenarios/*.yaml)."""
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))


def scenario_path(path_or_name: str | Path) -> Path:
    """Resolve a bare name to the shipped file; anything that looks like a path is taken as a path."""
    text = str(path_or_name)
    if isinstance(path_or_name, Path) or text.endswith((".yaml", ".yml")) or "/" in text or "\\" in text:
        return Path(path_or_name)
    path = SCENARIO_DIR / f"{text}.yaml"
    if not path.exists():
        raise ScenarioError(f"no scenario named {text!r}; shipped scenarios: {', '.join(list_scenarios())}")
    return path


def load_scenario(path_or_name: str | Path, **overrides: Any) -> Scenario:
    """Load and validate a scenario by name ("late_events") or path; overrides replace top-level fields."""
    path = scenario_path(path_or_name)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError(f"{path}: file not found") from None
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError(f"{path}: invalid YAML{where}: {problem}") from None
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: expected a mapping of scenario fields, got {type(data).__name__}")
    data.setdefault("name", path.stem)
    return _validate(_merge(data, overrides), str(path))


def _merge(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _validate(data: dict[str, Any], source: str) -> Scenario:
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        lines = []
        for err in exc.errors(include_url=False):
            # Whole-model checks carry no location: their message already starts with the field path.
            where = _field_path(err["loc"])
            lines.append(f"{source}: {where}: {_problem(err)}" if where else f"{source}: {_problem(err)}")
        raise ScenarioError("\n".join(lines)) from None


def _tags() -> set[str]:
    tags = set()
    for union in (Fault, Change, Check):
        for model in union.__origin__.__args__:  # Annotated[Union[...], Field] -> the members
            for name in ("type", "op"):
                field = model.model_fields.get(name)
                if field is not None:
                    tags.update(field.annotation.__args__)
    return tags


_TAGS = _tags()


def _field_path(loc: tuple[Any, ...]) -> str:
    """('faults', 1, 'late', 'fraction') -> 'faults[1].fraction' (the union tag is noise to a YAML author)."""
    out = ""
    previous: Any = None
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif not (isinstance(previous, int) and part in _TAGS):
            out += f".{part}" if out else str(part)
        previous = part
    return out


def _all_field_names() -> set[str]:
    return {name for model in _Model.__subclasses__() for name in model.model_fields}


def _problem(err: dict[str, Any]) -> str:
    kind, ctx, value = err["type"], err.get("ctx") or {}, err.get("input")
    discriminator = str(ctx.get("discriminator", "type")).strip("'")
    if kind == "extra_forbidden":
        key = str(err["loc"][-1])
        close = difflib.get_close_matches(key, sorted(_all_field_names()), n=1, cutoff=0.75)
        return "unknown field" + (f" (did you mean {close[0]!r}?)" if close else "")
    if kind == "missing":
        return "field required"
    if kind == "union_tag_invalid":
        expected = ctx.get("expected_tags", "")
        return f"unknown {discriminator} {ctx.get('tag')!r} (expected one of {expected})"
    if kind == "union_tag_not_found":
        return f"field {discriminator!r} required"
    msg = str(err["msg"]).removeprefix("Value error, ")
    if isinstance(value, str | int | float | bool) and repr(value) not in msg:
        msg += f" (got {value!r})"
    return msg
