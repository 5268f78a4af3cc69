"""Ground truth per final table: which keys should be there, with which latest state, and why one might be missing.

Built in one pass over the replay's events from the pipeline manifest's final_tables (event_key, event_types), with
the generator's own rules for what a correct pipeline holds (faults.ExpectedState: an order counts once its
ORDER_CREATED was delivered well-formed, its status is the latest by event time). The checks load it into a
temporary table on the target and compare there, so a pipeline table is never pulled into Python.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cache
from operator import attrgetter
from pathlib import Path
from typing import Any

from snowsim.simulator.events import Event
from snowsim.simulator.faults import GroundTruth
from snowsim.simulator.pipeline import FinalTable
from snowsim.simulator.targets import DBError, Target

# Lifecycle rank of an order status, to decide whether a row already reflects an event (a SHIPPED row reflects PAID).
STATUS_RANK = {"CREATED": 0, "PAID": 1, "SHIPPED": 2, "DELIVERED": 3, "CANCELLED": 3, "REFUNDED": 4}
BATCH_REJECTED = "batch_rejected"  # pseudo-fault: the event was in a batch the landing refused as a whole
SCHEMA = "SNOWSIM"  # where the runner keeps its own tables on the target


@cache  # one parse per path, not one per event (it runs for every event of every final table)
def envelope_getter(path: str) -> Callable[[Event], Any]:
    """A function giving an event's value at an envelope path (event_id, payload.order_id ...), None when absent."""
    if path in ("event_id", "event_type", "schema_version"):
        return attrgetter(path)
    parts = path.split(".")
    if parts[0] != "payload":
        return lambda event: None
    rest = tuple(parts[1:])
    if len(rest) == 1:  # payload.order_id: one dict lookup, the common case
        (name,) = rest

        def one(event: Event) -> Any:
            payload = event.payload
            return payload.get(name) if isinstance(payload, dict) else None

        return one

    def walk(event: Event) -> Any:
        value: Any = event.payload
        for part in rest:
            if not isinstance(value, dict):
                return None
            value = value.get(part)
        return value

    return walk


def event_status(event: Event) -> str:
    """The order status an event leads to (ORDER_PAID -> PAID)."""
    return event.event_type.removeprefix("ORDER_")


@cache
def type_rank(event_type: str) -> int | None:
    """STATUS_RANK of the status an event type leads to (None when it is no order status), computed once per type."""
    return STATUS_RANK.get(event_type.removeprefix("ORDER_"))


@dataclass
class KeyTruth:
    """What the generator knows about one key of a final table."""

    key: str
    expected: bool = False  # should be in the table at the end of the run
    status: str | None = None  # expected latest status (status_column)
    last_event_time: datetime | None = None  # expected latest event time (event_time_column)
    first_event: Event | None = field(default=None, repr=False)  # explains why the key may never have arrived
    last_event: Event | None = field(default=None, repr=False)  # its latest delivered event: why it may be stale
    _first: tuple = field(default=(), repr=False)
    _last: tuple = field(default=(), repr=False)


@dataclass
class TableTruth:
    """The ground truth of one final table, and which delivered events should show in it."""

    table: str
    key_column: str
    event_key: str
    event_types: frozenset[str]
    status_column: str | None
    event_time_column: str | None
    keys: dict[str, KeyTruth]
    lost: set[str] = field(default_factory=set)  # event ids of batches the landing rejected (filled during the run)
    readable: frozenset[str] = frozenset()  # broken-looking lines the target parses anyway (see build)

    def cause(self, event: Event | None) -> str:
        """'faults|EVENT_TYPE' of an event ('+'-joined faults, batch_rejected when its batch was refused)."""
        if event is None:
            return ""
        if not event.faults and event.event_id not in self.lost:
            return "|" + event.event_type  # most events: no list, no join (runs for every key of every final table)
        faults = list(dict.fromkeys(event.faults))
        if event.event_id in self.lost:
            faults.append(BATCH_REJECTED)
        return "+".join(faults) + "|" + event.event_type

    def key_of(self, event: Event) -> str | None:
        """The key a delivered event should show under in this table, or None when it should not show."""
        if (event.raw is not None and event.event_id not in self.readable) or event.event_type not in self.event_types:
            return None
        key = envelope_getter(self.event_key)(event)
        if key is None:
            return None
        truth = self.keys.get(str(key))
        return truth.key if truth is not None and truth.expected else None

    @property
    def expected_count(self) -> int:
        """How many keys should be in the table."""
        return sum(1 for k in self.keys.values() if k.expected)


def build(
    finals: Sequence[FinalTable],
    events: Iterable[Event],
    truth: GroundTruth,
    cutoff: datetime,
    lost: set[str] | None = None,
    readable: Iterable[str] = (),
) -> dict[str, TableTruth]:
    """Table -> ground truth for the events delivered before `cutoff`.

    lost: the (shared, growing) set of event ids whose batch the landing table rejected, used in explanations.
    readable: ids of malformed events whose line the target parses anyway (a trailing comma, say, is tolerated by
    some JSON readers): they reach the pipeline like well-formed ones, so the ground truth counts them.
    """
    readable = frozenset(readable)
    events = [replace(e, raw=None) if e.raw is not None and e.event_id in readable else e for e in events]
    lost = set() if lost is None else lost
    expected = truth.expected_by(events, cutoff)
    tables = {
        f.table: TableTruth(f.table, f.key, f.event_key, frozenset(f.event_types), f.status_column,
                            f.event_time_column, {}, lost, readable)
        for f in finals
    }
    for t in tables.values():
        keyset = expected.keys.get(t.event_key.rsplit(".", 1)[-1])
        # Per-event work below runs tables x events times (~260,000 for a day): lookups hoisted out of the loop.
        value_of, types, keys = envelope_getter(t.event_key), t.event_types, t.keys
        for e in events:
            if e.event_type not in types:
                continue
            raw_key = value_of(e)
            if raw_key is None:
                continue
            key = str(raw_key)
            k = keys.get(key)
            if k is None:
                k = keys[key] = KeyTruth(key)
            rank = (e.event_time, type_rank(e.event_type) or 0)
            if not k._first or rank < k._first:
                k._first, k.first_event = rank, e
            delivered = e.raw is None and e.arrival_time < cutoff
            if not delivered:
                continue
            if keyset is None or key in keyset:
                k.expected = True
            if not k._last or rank >= k._last:
                k._last, k.last_event, k.last_event_time = rank, e, e.event_time
                k.status = event_status(e)
        if t.event_key.endswith("order_id"):
            # The generator's rule (ExpectedState.order_status), which breaks event-time ties by lifecycle rank.
            for key, status in expected.order_status.items():
                if key in t.keys:
                    t.keys[key].status = status
    return tables


TRUTH_COLUMNS = (
    ("KEY", "VARCHAR"),
    ("EXPECTED", "BOOLEAN"),
    ("STATUS", "VARCHAR"),
    ("LAST_TS", "TIMESTAMP_NTZ"),
    ("CAUSE", "VARCHAR"),
    ("LAST_CAUSE", "VARCHAR"),
)


def truth_rows(t: TableTruth) -> list[tuple]:
    """The rows of a TableTruth as TRUTH_COLUMNS tuples (timestamps as text)."""
    return [
        (
            k.key,
            k.expected,
            k.status,
            k.last_event_time.isoformat(sep=" ", timespec="milliseconds") if k.last_event_time else None,
            t.cause(k.first_event),
            t.cause(k.last_event),
        )
        for k in t.keys.values()
    ]


def load_table(
    target: Target,
    name: str,
    columns: Sequence[tuple[str, str]],
    rows: Sequence[Sequence[Any]],
    chunk: int = 500,
    staged: bool | None = None,
) -> str:
    """Create SNOWSIM.<name> as a temporary table on the target and fill it; returns its qualified name.

    Large tables go through a temporary stage (PUT a JSON Lines file, COPY INTO: one bulk load), small ones, or a
    target without stages, through multi-row INSERT ... SELECT ... FROM VALUES statements (staged forces either).
    """
    qualified = f"{SCHEMA}.{name}"
    target.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    ddl = ", ".join(f"{c} {t}" for c, t in columns)
    target.execute(f"CREATE OR REPLACE TEMPORARY TABLE {qualified} ({ddl})")
    use_stage = len(rows) > STAGE_ABOVE if staged is None else staged
    if use_stage and _load_staged(target, qualified, columns, rows):
        return qualified
    names = ", ".join(c for c, _ in columns)
    aliases = ", ".join(f"C{i}" for i in range(len(columns)))
    select = ", ".join(f"CAST(C{i} AS {t})" for i, (_, t) in enumerate(columns))
    row_params = "(" + ", ".join(["%s"] * len(columns)) + ")"
    for start in range(0, len(rows), chunk):
        part = rows[start : start + chunk]
        values = ", ".join([row_params] * len(part))
        # One multi-row statement per chunk; CAST because VALUES of bound text would otherwise stay VARCHAR.
        target.execute(
            f"INSERT INTO {qualified} ({names}) SELECT {select} FROM VALUES {values} AS V({aliases})",
            [_text(v) for row in part for v in row],
        )
    return qualified


STAGE_ABOVE = 100  # rows above which a stage beats INSERT statements (PUT + COPY cost two statements)
_STAGE = f"{SCHEMA}.SNOWSIM_TRUTH_STAGE"


def _load_staged(target: Target, qualified: str, columns: Sequence[tuple[str, str]], rows: Sequence[Sequence[Any]]
                 ) -> bool:
    """PUT the rows as one JSON Lines file (one array per row) and COPY it; False if the target refused."""
    file_name = qualified.replace(".", "_").lower() + ".jsonl"
    select = ", ".join(f"$1[{i}]::{t}" for i, (_, t) in enumerate(columns))
    encode = json.JSONEncoder(separators=(",", ":")).encode  # json.dumps' encoder, built once for all the rows
    with tempfile.TemporaryDirectory(prefix="snowsim-truth-") as folder:
        path = Path(folder) / file_name
        with path.open("w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(encode(list(row)) + "\n")
        try:
            target.execute(f"CREATE TEMPORARY STAGE IF NOT EXISTS {_STAGE}")
            target.execute(f"PUT 'file://{path.as_posix()}' @{_STAGE} AUTO_COMPRESS = FALSE OVERWRITE = TRUE")
            result = target.query(
                f"COPY INTO {qualified} FROM (SELECT {select} FROM @{_STAGE}) FILE_FORMAT = (TYPE = JSON) "
                f"FILES = ('{file_name}') FORCE = TRUE"
            )
        except DBError:
            return False
    loaded = sum(int(r[3] or 0) for r in result if len(r) > 3)
    if loaded != len(rows):
        target.execute(f"TRUNCATE TABLE {qualified}")
        return False
    return True


def _text(value: Any) -> Any:
    # Booleans bind as text so that every VALUES column has one type whatever the row (NULLs included).
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return value
