"""Per-event end-to-end latency: when does each delivered event show in the final layer?

After every tick the runner sends one read-only query: for each final table with events still pending, the rows of
the keys those events belong to (`key IN (%s, ...)`, bound). An event has
reached a table when its key's row reflects it: the row's event-time column is at least the event's time, or its
status is at least as far in the lifecycle, or (for tables with neither) the row exists. Each event is matched once,
so the Python work is proportional to events, not to ticks; events pending longer than `horizon` are only probed
on sample ticks so that a stalled table does not make every tick pay for its whole backlog.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from snowsim.simulator.events import Event
from snowsim.simulator.ingestion import column_types
from snowsim.simulator.targets import DBError, Pending, Target, error_text
from snowsim.simulator.truth import STATUS_RANK, TableTruth, type_rank

MAX_KEYS = 4096  # keys bound in one probe statement
STALL_AFTER = 3  # probes without progress before a table counts as stalled

_RANK_SQL = "CASE {col} " + " ".join(f"WHEN '{s}' THEN {r}" for s, r in STATUS_RANK.items()) + " END"


@dataclass(slots=True)
class _Pending:
    key: str
    event_id: str
    event_time: datetime
    arrival: datetime
    delivered: datetime
    rank: int | None
    done: bool = False


@dataclass(slots=True)
class _InFlight:
    """A submitted probe: its time, its statements (tables, rows to wait for), what it read."""

    now: datetime
    started: list[tuple[list[TableTruth], Pending]]
    probed: set[str]
    old_tables: set[str]


@dataclass(slots=True)
class Reached:
    """One event's journey to one final table."""

    table: str
    event_id: str
    event_time: datetime
    arrival: datetime
    seen: datetime

    @property
    def from_event(self) -> float:
        """Seconds from event time to the final table."""
        return (self.seen - self.event_time).total_seconds()

    @property
    def from_arrival(self) -> float:
        """Seconds from arrival at ingestion to the final table."""
        return (self.seen - self.arrival).total_seconds()


def _bucket(n: int) -> int:
    """The smallest of 8, 16, 32 ... MAX_KEYS that holds n."""
    size = 8
    while size < n:
        size *= 2
    return min(size, MAX_KEYS)


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..1) of a list, None when empty; math.inf values count as never."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


class LatencyTracker:
    """Follows every delivered event to each final table it should reach."""

    def __init__(self, target: Target, truths: Iterable[TableTruth], horizon: timedelta = timedelta(minutes=30)):
        self.target = target
        self.truths = list(truths)
        self.horizon = horizon
        self.pending: dict[str, dict[str, list[_Pending]]] = {t.table: {} for t in self.truths}
        # Pending events of the last `horizon`, in delivery order: what a tick probes, without scanning the backlog.
        self.recent_pending: dict[str, deque[_Pending]] = {t.table: deque() for t in self.truths}
        self._dirty: set[str] = set()  # tables written since their long-pending keys were last read
        self.reached: dict[str, list[Reached]] = {t.table: [] for t in self.truths}
        self.recent: list[Reached] = []  # reached since the last window() call
        self.errors: dict[str, str] = {}  # table -> why it cannot be probed (first error)
        # Keys pending longer than the horizon are re-read on full probes only, less and less often while nothing
        # reaches the table (a stalled table must not cost a full read every sample).
        self._old_next: dict[str, datetime] = {}
        self._old_every: dict[str, timedelta] = {}
        # A table whose last STALL_AFTER probes found nothing is stalled: between samples, only the keys delivered
        # since its last probe are read (a healthy table makes progress nearly every tick).
        self._misses: dict[str, int] = {}
        self._last_probe: dict[str, datetime] = {}
        self._types: dict[str, dict[str, str]] = {}  # table -> column -> type (see _is_text)
        self._in_flight: _InFlight | None = None  # a probe submitted and not settled yet

    def add(self, events: Sequence[Event], delivered: datetime) -> None:
        """Register events handed to the landing table at `delivered`."""
        # Table by table (each table's lists keep the events' order), with its lookups hoisted: this runs for every
        # delivered event of every final table (~260,000 times a day).
        for t in self.truths:
            key_of, pending, recent = t.key_of, self.pending[t.table], self.recent_pending[t.table]
            ranked = bool(t.status_column)
            for event in events:
                key = key_of(event)
                if key is None:
                    continue
                rank = type_rank(event.event_type) if ranked else None
                p = _Pending(key, event.event_id, event.event_time, event.arrival_time, delivered, rank)
                pending.setdefault(key, []).append(p)
                recent.append(p)

    def pending_count(self) -> int:
        """Events delivered that have not reached their final tables yet."""
        return sum(len(v) for keys in self.pending.values() for v in keys.values())

    def probe(self, now: datetime, full: bool = False, tables: Collection[str] | None = None) -> int:
        """Read the final tables written since the last probe (all when `tables` is None); returns how many events
        reached a table. full (on sample ticks) also re-reads long-pending keys, with a backoff per table."""
        self.submit(now, full, tables)
        return self.settle()

    def submit(self, now: datetime, full: bool = False, tables: Collection[str] | None = None) -> None:
        """Start probe(now)'s reads (Target.submit: they see the tables as they are now); settle() matches what
        they find. A probe still in flight is settled first, so the tracker's state moves exactly as probe()'s."""
        self.settle()
        oldest = now - self.horizon
        touched = set(self.pending) if tables is None else set(tables) & set(self.pending)
        self._dirty |= touched
        parts: list[tuple[TableTruth, list[str]]] = []
        old_tables = set()
        for t in self.truths:
            pending, recent = self.pending[t.table], self.recent_pending[t.table]
            while recent and (recent[0].delivered < oldest or recent[0].done):
                recent.popleft()
            if not pending or t.table in self.errors:
                continue
            if full and t.table in self._dirty and now >= self._old_next.get(t.table, now):
                keys = list(pending)
                old_tables.add(t.table)
            elif t.table in touched:
                stalled = self._misses.get(t.table, 0) >= STALL_AFTER
                since = self._last_probe[t.table] if stalled else oldest
                keys = list(dict.fromkeys(p.key for p in _since(recent, since) if not p.done))
            else:
                continue
            for start in range(0, len(keys), MAX_KEYS):
                parts.append((t, keys[start : start + MAX_KEYS]))
        probed = {t.table for t, _ in parts}
        started = []
        while parts:
            # As few statements as the parameter budget allows (one per tick in a healthy run).
            batch, budget = [], MAX_KEYS
            while parts and (not batch or len(parts[0][1]) <= budget):
                t, keys = parts.pop(0)
                batch.append((t, keys))
                budget -= len(keys)
            started.append(self._start(batch))
        self._in_flight = _InFlight(now, started, probed, old_tables)

    def settle(self) -> int:
        """Match the rows of the probe in flight, if any; returns how many events reached a table."""
        flight, self._in_flight = self._in_flight, None
        if flight is None:
            return 0
        now, probed, old_tables = flight.now, flight.probed, flight.old_tables
        before = {t: len(v) for t, v in self.reached.items()}
        reached = sum(self._finish(tables, rows, now) for tables, rows in flight.started)
        for table in probed:
            progress = len(self.reached[table]) > before[table]
            self._misses[table] = 0 if progress else self._misses.get(table, 0) + 1
            self._last_probe[table] = now
        for table in old_tables:
            self._dirty.discard(table)
            every = self._old_every.get(table, self.horizon / 2)
            # Back off while nothing of the table arrives; read again at the normal pace once something does.
            every = self.horizon / 2 if len(self.reached[table]) > before[table] else min(every * 2, timedelta(hours=12))
            self._old_every[table], self._old_next[table] = every, now + every
        return reached

    def _start(self, batch: list[tuple[TableTruth, list[str]]]) -> tuple[list[TableTruth], Pending]:
        selects, params, tables = [], [], []
        for t, keys in batch:
            # Pad the key list to a bucket size so that the statement text repeats and the target's plan cache
            # hits; a repeated key in IN changes nothing.
            size = _bucket(len(keys))
            keys = keys + [keys[-1]] * (size - len(keys))
            rank, status = self._status_sql(t)
            etc = t.event_time_column or "NULL"
            # A text key is matched against a VALUES list, which the emulator binds as one list parameter (64 keys
            # of 60,000 rows: 3.4 -> 2.6 ms); a NUMBER or DATE key keeps the IN list, whose conversion of the text
            # keys is the long-standing path on both targets.
            keys_sql = (f"SELECT column1 FROM VALUES {', '.join(['(%s)'] * size)}" if self._is_text(t, t.key_column)
                        else ", ".join(["%s"] * size))
            selects.append(
                f"SELECT {len(tables)} AS T, TO_VARCHAR({t.key_column}) AS K, {rank} AS R, {status} AS S, {etc} AS E "
                f"FROM {t.table} WHERE {t.key_column} IN ({keys_sql})"
            )
            params.extend(keys)
            tables.append(t)
        return tables, self.target.submit(" UNION ALL ".join(selects), params)

    def _finish(self, tables: list[TableTruth], pending: Pending, now: datetime) -> int:
        try:
            rows = pending.rows()
        except DBError as exc:
            # Find the table that cannot be read, and carry on without it.
            for t in tables:
                try:
                    self.target.query(f"SELECT {t.key_column} FROM {t.table} LIMIT 1")
                except DBError as inner:
                    self.errors[t.table] = error_text(inner)
            if not any(t.table in self.errors for t in tables):
                self.errors[tables[0].table] = error_text(exc)
            return 0
        return self._match(rows, tables, now)

    def _status_sql(self, t: TableTruth) -> tuple[str, str]:
        """(R, S) select items: the status rank in SQL (R), or the status itself (S) when Python can rank it."""
        if not t.status_column:
            return "NULL", "NULL"
        if self._is_text(t, t.status_column):
            # Ranked in _match instead: binding the CASE was a fifth of the probe (caves_albert ORDERS probe,
            # 64 keys: 2.36 -> 1.86 ms through the emulator, 1.44 -> 1.22 ms in DuckDB; medians of 9, interleaved).
            return "NULL", t.status_column
        return _RANK_SQL.format(col=t.status_column), "NULL"

    def _is_text(self, t: TableTruth, column: str) -> bool:
        """Whether a column of the table is a plain VARCHAR (DESCRIBE TABLE once per table; False when it cannot tell)."""
        # Only then is `CASE col WHEN 'PAID' ...` the same as STATUS_RANK.get(value): a collation, a VARIANT or a
        # number compares otherwise or fails the probe, so those keep the CASE (and the key its IN list).
        types = self._types.get(t.table)
        if types is None:
            try:
                types = column_types(self.target, t.table)
            except DBError:
                types = {}
            self._types[t.table] = types
        return types.get(column.upper()) == "VARCHAR"

    def _match(self, rows: list[tuple], tables: list[TableTruth], now: datetime) -> int:
        reached = 0
        for index, key, rank, status, etc in rows:
            t = tables[index]
            waiting = self.pending[t.table].get(key)
            if not waiting:
                continue
            if status is not None:
                rank = STATUS_RANK.get(status)
            keep = []
            for p in waiting:
                if p.delivered > now:  # delivered after the probe was sent (probe in flight meanwhile): not seen
                    keep.append(p)
                    continue
                ok = (t.event_time_column is None or (etc is not None and _naive(etc) >= p.event_time)) and (
                    t.event_time_column is not None or p.rank is None or rank is None or rank >= p.rank
                )
                if ok:
                    p.done = True
                    # A row that already reflected the event before it was delivered (an older, late event) counts
                    # from the first probe after its delivery: `now`.
                    r = Reached(t.table, p.event_id, p.event_time, p.arrival, now)
                    self.reached[t.table].append(r)
                    self.recent.append(r)
                    reached += 1
                else:
                    keep.append(p)
            if keep:
                self.pending[t.table][key] = keep
            else:
                del self.pending[t.table][key]
        return reached

    def window(self, now: datetime) -> tuple[float | None, float | None]:
        """p50/p95 seconds (event time -> final layer) of events reached since the last call plus those still
        pending (counted at their age now, so that a stall shows as growing latency)."""
        values = [r.from_event for r in self.recent]
        self.recent = []
        oldest = now - self.horizon
        for recent in self.recent_pending.values():
            # (delivered after `now`: a window computed once the next tick's deliveries are in: runner._finish_sample)
            values.extend((now - p.event_time).total_seconds() for p in recent
                          if not p.done and oldest <= p.delivered <= now)
        return percentile(values, 0.5), percentile(values, 0.95)

    def table_stats(self, table: str, now: datetime) -> dict[str, Any]:
        """Latency figures of one final table: percentiles from event time and from arrival; pending events
        count as never arrived (math.inf) in the percentiles."""
        reached = self.reached.get(table, [])
        pending = [p for v in self.pending.get(table, {}).values() for p in v]
        never = [math.inf] * len(pending)
        from_event = [r.from_event for r in reached] + never
        from_arrival = [r.from_arrival for r in reached] + never
        return {
            "reached": len(reached),
            "pending": len(pending),
            "p50_s": percentile(from_event, 0.5),
            "p95_s": percentile(from_event, 0.95),
            "max_s": max(from_event) if from_event else None,
            "arrival_p50_s": percentile(from_arrival, 0.5),
            "arrival_p95_s": percentile(from_arrival, 0.95),
            "arrival_max_s": max(from_arrival) if from_arrival else None,
            "error": self.errors.get(table),
        }

    def pending_sample(self, table: str, limit: int = 5) -> list[dict[str, Any]]:
        """A few events still pending for a table (oldest first), for explanations."""
        pending = sorted(
            ((key, p) for key, v in self.pending.get(table, {}).items() for p in v), key=lambda kp: kp[1].event_time
        )
        return [
            {"key": key, "event_id": p.event_id, "event_time": p.event_time.isoformat(sep=" "),
             "delivered": p.delivered.isoformat(sep=" ")}
            for key, p in pending[:limit]
        ]


def _since(recent: deque[_Pending], since: datetime) -> list[_Pending]:
    """The entries of a delivery-ordered deque delivered at or after `since` (read from the right)."""
    out = []
    for p in reversed(recent):
        if p.delivered < since:
            break
        out.append(p)
    out.reverse()
    return out


def _naive(value: Any) -> datetime:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value
