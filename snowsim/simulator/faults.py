"""Fault injection: deterministic transforms of the event timeline, control actions, and the ground truth they imply."""

from __future__ import annotations

import copy
import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from operator import attrgetter
from typing import Any

from snowsim.simulator.durations import format_duration
from snowsim.simulator.events import ORDER_EVENT_TYPES, Event, format_timestamp, gc_paused
from snowsim.simulator.scenario import (
    AddField,
    BurstFault,
    ChangeType,
    DuplicateFault,
    Fault,
    Flatten,
    LateFault,
    MalformedFault,
    Nest,
    OutOfOrderFault,
    PauseTasksFault,
    RemoveField,
    RenameField,
    SchemaDriftFault,
    TaskFailureFault,
)

# Fixed application order, whatever the YAML order: drift and malformed change what is sent, late and
# out_of_order change when, and duplicate goes last so a copy is identical to what its original became.
FAULT_ORDER = ("burst", "schema_drift", "malformed", "late", "out_of_order", "duplicate", "task_failure", "pause_tasks")

_STATUS_RANK = {"CREATED": 0, "PAID": 1, "SHIPPED": 2, "DELIVERED": 3, "CANCELLED": 3, "REFUNDED": 4}


@dataclass(frozen=True)
class ControlAction:
    """Something a runner does to the pipeline at a virtual instant (fail_task, recover_task, suspend_task, resume_task)."""

    at: datetime
    kind: str
    target: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ExpectedState:
    """What a correct pipeline holds once every delivered, well-formed event is processed.

    keys maps a key column to its expected key set: "event_id" (distinct well-formed events), "order_id"
    (orders whose ORDER_CREATED is well-formed: it carries the order's data), "adjustment_id", "product_id"
    (products with at least one adjustment). order_status is the last status by *event time*, not arrival;
    stock is each product's new_stock_level of its latest adjustment by event time.
    """

    keys: dict[str, frozenset[str]]
    order_status: dict[str, str]
    stock: dict[str, int]


@dataclass
class GroundTruth:
    """What the faults did (touched: fault -> event ids; details: one summary per fault) and the expected end state."""

    touched: dict[str, list[str]]
    details: dict[str, list[dict[str, Any]]]
    events: list[Event] = field(repr=False, compare=False, default_factory=list)
    # (product_id, new_stock_level) of adjustments whose payload schema drift rewrote, taken before the rewrite.
    stock_facts: dict[str, tuple[str, int]] = field(repr=False, default_factory=dict)

    @cached_property
    def expected(self) -> ExpectedState:
        """Expected end state once every event has arrived (computed on first use: a full pass over the events)."""
        return expected_state(self.events, self.stock_facts)

    def expected_by(self, events: Iterable[Event], arrived_by: datetime) -> ExpectedState:
        """The expected state if only events arriving before arrived_by are delivered (a runner that stops early)."""
        return expected_state(events, self.stock_facts, arrived_by)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly view (sets sorted) for reports."""
        return {
            "touched": self.touched,
            "details": self.details,
            "expected": {
                "keys": {k: sorted(v) for k, v in self.expected.keys.items()},
                "order_status": self.expected.order_status,
                "stock": self.expected.stock,
            },
        }


def expected_state(
    events: Iterable[Event], facts: Mapping[str, tuple[str, int]] | None = None, arrived_by: datetime | None = None
) -> ExpectedState:
    """Derive the expected end state from delivered well-formed events (see ExpectedState for the rules)."""
    with gc_paused():
        return _expected_state(events, facts, arrived_by)


def _expected_state(
    events: Iterable[Event], facts: Mapping[str, tuple[str, int]] | None, arrived_by: datetime | None
) -> ExpectedState:
    event_ids: set[str] = set()
    created: set[str] = set()
    adjustments: set[str] = set()
    last: dict[str, tuple[datetime, int, str]] = {}
    stock: dict[str, tuple[datetime, int]] = {}
    for e in events:
        if e.raw is not None or (arrived_by is not None and e.arrival_time >= arrived_by):
            continue
        event_ids.add(e.event_id)
        if e.event_type == "INVENTORY_ADJUSTED":
            adjustments.add(e.entity_key)
            fact = facts.get(e.event_id) if facts else None
            product_id, level = fact or (e.payload["product_id"], e.payload["new_stock_level"])
            if product_id not in stock or e.event_time >= stock[product_id][0]:
                stock[product_id] = (e.event_time, level)
            continue
        status = e.event_type.removeprefix("ORDER_")
        if status == "CREATED":
            created.add(e.entity_key)
        rank = (e.event_time, _STATUS_RANK[status], status)
        if e.entity_key not in last or rank > last[e.entity_key]:
            last[e.entity_key] = rank
    return ExpectedState(
        keys={
            "event_id": frozenset(event_ids),
            "order_id": frozenset(created),
            "adjustment_id": frozenset(adjustments),
            "product_id": frozenset(stock),
        },
        order_status={k: v[2] for k, v in sorted(last.items()) if k in created},
        stock={k: v[1] for k, v in sorted(stock.items())},
    )


def apply_faults(
    events: list[Event], faults: Sequence[Fault], seed: int, start: datetime
) -> tuple[list[Event], list[ControlAction], GroundTruth]:
    """Apply faults in FAULT_ORDER; return events sorted by arrival (ties: generation order), controls, ground truth."""
    facts: dict[str, tuple[str, int]] = {}
    events = list(events)
    touched: dict[str, list[str]] = {}
    details: dict[str, list[dict[str, Any]]] = {}
    controls: list[ControlAction] = []
    context = _Context(start, controls, facts)
    for kind in FAULT_ORDER:
        for ordinal, fault in enumerate(f for f in faults if f.type == kind):
            # One Random per fault instance, keyed by its type and rank among faults of that type: adding a fault
            # of another type, or listing faults in another order, never changes what this one does.
            rng = random.Random(f"{seed}:{kind}:{ordinal}")
            ids, detail = _APPLY[kind](events, fault, rng, context)
            touched.setdefault(kind, []).extend(ids)
            details.setdefault(kind, []).append(detail)
    # Stable sort on arrival alone: ties keep generation order (event time order, copies after originals),
    # which is deterministic, and sorting the already nearly sorted list is close to linear.
    events.sort(key=attrgetter("arrival_time"))
    controls.sort(key=attrgetter("at"))
    return events, controls, GroundTruth(touched, details, events, facts)


@dataclass
class _Context:
    start: datetime
    controls: list[ControlAction]
    facts: dict[str, tuple[str, int]]
    schema_version: int = 1  # the producer's current version: each drift without an explicit one bumps it


def _touch(
    e: Event,
    fault: str,
    *,
    arrival_time: datetime | None = None,
    payload: dict[str, Any] | None = None,
    schema_version: int | None = None,
    raw: str | None = None,
) -> Event:
    # A copy with some fields changed and the fault recorded; spelled out because dataclasses.replace costs
    # four times as much, and schema drift alone may rewrite half a million events.
    return Event(
        e.event_id,
        e.event_type,
        e.event_time,
        e.arrival_time if arrival_time is None else arrival_time,
        e.schema_version if schema_version is None else schema_version,
        e.payload if payload is None else payload,
        e.entity_key,
        (*e.faults, fault),
        e.raw if raw is None else raw,
    )


def _pick(events: list[Event], fraction: float, types: list[str] | None, rng: random.Random) -> list[int]:
    # An exact count (not a coin flip per event) so that "5%" means 5% and tests can assert it.
    pool = range(len(events)) if types is None else [i for i, e in enumerate(events) if e.event_type in types]
    return sorted(rng.sample(pool, round(fraction * len(pool))))


def _delay(rng: random.Random, bounds: tuple[timedelta, timedelta]) -> timedelta:
    lo, hi = (round(b.total_seconds() * 1000) for b in bounds)
    return timedelta(milliseconds=rng.randint(lo, hi))


def _late(events: list[Event], fault: LateFault, rng: random.Random, ctx: _Context) -> tuple:
    ids = []
    for i in _pick(events, fault.fraction, fault.event_types, rng):
        e = events[i]
        # Never earlier than it already was (another fault may have delayed it more).
        events[i] = _touch(e, "late", arrival_time=max(e.arrival_time, e.event_time + _delay(rng, fault.delay)))
        ids.append(e.event_id)
    return ids, {"fraction": fault.fraction, "delay": [format_duration(d) for d in fault.delay], "count": len(ids)}


def _duplicate(events: list[Event], fault: DuplicateFault, rng: random.Random, ctx: _Context) -> tuple:
    ids = []
    for i in _pick(events, fault.fraction, fault.event_types, rng):
        e = events[i]
        delay = timedelta(0) if fault.same_batch else _delay(rng, fault.delay)
        events.append(_touch(e, "duplicate", arrival_time=e.arrival_time + delay))
        ids.append(e.event_id)
    return ids, {"fraction": fault.fraction, "same_batch": fault.same_batch, "count": len(ids)}


def _out_of_order(events: list[Event], fault: OutOfOrderFault, rng: random.Random, ctx: _Context) -> tuple:
    groups: defaultdict[str, list[int]] = defaultdict(list)
    for i, e in enumerate(events):
        if e.event_type in ORDER_EVENT_TYPES:
            groups[e.entity_key].append(i)
    candidates = [key for key, members in groups.items() if len(members) > 1]
    chosen = sorted(rng.sample(candidates, round(fault.fraction * len(candidates))))
    ids = []
    for key in chosen:
        members = sorted(groups[key], key=lambda i: events[i].event_time)
        order = members[:]
        rng.shuffle(order)
        if order == members:  # a shuffle may change nothing; out of order must mean out of order
            order.reverse()
        previous: datetime | None = None
        for i in order:
            e = events[i]
            # Arrive in the shuffled order, never before the event happened or before its current arrival.
            arrival = e.arrival_time if previous is None else max(e.arrival_time, previous + fault.gap)
            events[i] = _touch(e, "out_of_order", arrival_time=arrival)
            previous = arrival
            ids.append(e.event_id)
    return ids, {
        "fraction": fault.fraction,
        "gap": format_duration(fault.gap),
        "orders": len(chosen),
        "count": len(ids),
    }


def _drift_payload(payload: dict[str, Any], changes: Sequence[Any]) -> dict[str, Any]:
    p = dict(payload)  # shallow: nested objects are replaced, never mutated
    for c in changes:
        if isinstance(c, AddField):
            p[c.field] = copy.deepcopy(c.value) if isinstance(c.value, dict | list) else c.value
        elif isinstance(c, RemoveField):
            p.pop(c.field, None)
        elif isinstance(c, RenameField):
            if c.field in p:
                p[c.to] = p.pop(c.field)
        elif isinstance(c, ChangeType):
            if c.field in p and p[c.field] is not None:
                p[c.field] = _convert(p[c.field], c)
        elif isinstance(c, Flatten):
            if isinstance(p.get(c.field), dict):
                prefix = f"{c.field}_" if c.prefix is None else c.prefix
                for key, value in p.pop(c.field).items():
                    p[prefix + key] = value
        elif isinstance(c, Nest):
            moved = {inner: p.pop(name) for name, inner in c.fields.items() if name in p}
            if moved:
                p[c.into] = moved
    return p


def _convert(value: Any, change: ChangeType) -> Any:
    try:
        if change.to == "string":
            return str(value)
        if change.to == "string_with_unit":
            return f"{value} {change.unit}"
        if change.to == "float":
            return float(value)
        return int(float(value))
    except (TypeError, ValueError):
        return value  # a value that cannot take the new type keeps its old one


def _schema_drift(events: list[Event], fault: SchemaDriftFault, rng: random.Random, ctx: _Context) -> tuple:
    since = ctx.start + fault.at
    version = fault.schema_version or ctx.schema_version + 1
    ctx.schema_version = version
    ids = []
    for i, e in enumerate(events):
        if e.event_time >= since and (fault.event_types is None or e.event_type in fault.event_types):
            if e.event_type == "INVENTORY_ADJUSTED" and e.event_id not in ctx.facts:
                ctx.facts[e.event_id] = (e.payload["product_id"], e.payload["new_stock_level"])
            events[i] = _touch(
                e, "schema_drift", payload=_drift_payload(e.payload, fault.changes), schema_version=version
            )
            ids.append(e.event_id)
    detail = {
        "since": format_timestamp(since),
        "schema_version": version,
        "changes": [c.model_dump(mode="json") for c in fault.changes],
        "count": len(ids),
    }
    return ids, detail


def _break(line: str, kind: str, rng: random.Random) -> str:
    if kind == "truncated":
        # Any strict prefix of a JSON object is invalid: the closing brace is missing.
        return line[: rng.randint(len(line) // 4, 3 * len(line) // 4)]
    if kind == "trailing_comma":
        return line[:-1] + ",}"
    return line.replace('"event_id":', "event_id:", 1)  # unquoted_key


def _malformed(events: list[Event], fault: MalformedFault, rng: random.Random, ctx: _Context) -> tuple:
    ids = []
    kinds: dict[str, int] = {}
    for i in _pick(events, fault.fraction, fault.event_types, rng):
        e = events[i]
        kind = rng.choice(fault.kinds)
        kinds[kind] = kinds.get(kind, 0) + 1
        events[i] = _touch(e, "malformed", raw=_break(e.to_json(), kind, rng))
        ids.append(e.event_id)
    return ids, {"fraction": fault.fraction, "kinds": kinds, "count": len(ids)}


def _burst(events: list[Event], fault: BurstFault, rng: random.Random, ctx: _Context) -> tuple:
    # The extra traffic was generated upstream (traffic.arrivals); record what fell in the window.
    lo, hi = ctx.start + fault.at, ctx.start + fault.at + fault.window
    ids = [e.event_id for e in events if lo <= e.event_time < hi]
    return ids, {
        "from": format_timestamp(lo),
        "to": format_timestamp(hi),
        "multiplier": fault.multiplier,
        "count": len(ids),
    }


def _task_failure(events: list[Event], fault: TaskFailureFault, rng: random.Random, ctx: _Context) -> tuple:
    at = ctx.start + fault.at
    params = {"duration_seconds": fault.duration.total_seconds(), "error": fault.error}
    ctx.controls.append(ControlAction(at, "fail_task", fault.task, params))
    ctx.controls.append(ControlAction(at + fault.duration, "recover_task", fault.task, {}))
    return [], {"task": fault.task, "from": format_timestamp(at), "to": format_timestamp(at + fault.duration)}


def _pause_tasks(events: list[Event], fault: PauseTasksFault, rng: random.Random, ctx: _Context) -> tuple:
    at = ctx.start + fault.at
    for task in fault.tasks:
        ctx.controls.append(
            ControlAction(at, "suspend_task", task, {"duration_seconds": fault.duration.total_seconds()})
        )
        ctx.controls.append(ControlAction(at + fault.duration, "resume_task", task, {}))
    return [], {"tasks": list(fault.tasks), "from": format_timestamp(at), "to": format_timestamp(at + fault.duration)}


_APPLY: dict[str, Callable[..., tuple[list[str], dict[str, Any]]]] = {
    "burst": _burst,
    "schema_drift": _schema_drift,
    "malformed": _malformed,
    "late": _late,
    "out_of_order": _out_of_order,
    "duplicate": _duplicate,
    "task_failure": _task_failure,
    "pause_tasks": _pause_tasks,
}
