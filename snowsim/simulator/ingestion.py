"""Ingestion: group arrived events into consumer-like batches and land them in the pipeline's landing table.

Two modes, chosen by the pipeline manifest (landing.mode), with the batch size and wait from the scenario:
- insert: one `INSERT INTO <landing> SELECT ... FROM (SELECT PARSE_JSON(line) ... FROM VALUES (%s), (%s) ...)` per
  batch, the way the seeds' Kafka consumers write micro-batches. parse: strict uses PARSE_JSON and hard casts, so
  one broken line fails the whole statement (100069) and the batch is lost; lenient uses TRY_PARSE_JSON and TRY_CAST.
- copy: each batch becomes a JSON Lines file PUT on the landing stage, then the manifest's COPY INTO runs; what a
  malformed line does is up to the COPY's ON_ERROR (ABORT_STATEMENT by default, CONTINUE, SKIP_FILE ...).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from snowsim.simulator.events import Event
from snowsim.simulator.pipeline import Landing
from snowsim.simulator.targets import DBError, Target, error_text

_JSON = "SNOWSIM_JSON"  # aliases of the parsed line and the raw line inside the INSERT's subquery
_LINE = "SNOWSIM_LINE"
_SEMI_STRUCTURED = ("VARIANT", "OBJECT", "ARRAY")


@dataclass(frozen=True, slots=True)
class Batch:
    """Events a consumer hands over at once, at the instant it flushes."""

    seq: int
    at: datetime
    events: list[Event]


@dataclass(frozen=True, slots=True)
class Delivery:
    """What the target did with one batch."""

    sent: int  # events in the batch
    loaded: int  # rows the statement reported loaded (COPY may load older files too)
    skipped: int = 0  # lines COPY skipped (ON_ERROR = CONTINUE)
    error: str | None = None  # the connector's error when the statement failed, or COPY's first error


def consumer_batches(
    events: Sequence[Event], max_events: int, max_wait: timedelta, until: datetime
) -> Iterator[Batch]:
    """Group events (sorted by arrival) like a consumer: flush at the max_events-th event or max_wait after the first.

    Events arriving at or after `until` are never delivered (the run is over); the last batch may flush after it.
    """
    batch: list[Event] = []
    deadline: datetime | None = None
    seq = 0
    for event in events:
        arrival = event.arrival_time
        if arrival >= until:
            break
        if deadline is not None and arrival >= deadline:
            # The timer fired before this event arrived.
            yield Batch(seq, deadline, batch)
            seq, batch, deadline = seq + 1, [], None
        if deadline is None:
            deadline = arrival + max_wait
        batch.append(event)
        if len(batch) >= max_events:
            yield Batch(seq, arrival, batch)
            seq, batch, deadline = seq + 1, [], None
    if batch and deadline is not None:
        yield Batch(seq, deadline, batch)


class InsertLoader:
    """Lands a batch with one multi-row INSERT ... SELECT over bound lines (strict or lenient parsing)."""

    def __init__(self, target: Target, landing: Landing) -> None:
        self.target = target
        self.landing = landing
        self.types = column_types(target, landing.table)
        self._select, self._time_suffixes = self._select_list()
        self._statements: dict[int, str] = {}

    def _select_list(self) -> tuple[str, list[str]]:
        lenient = self.landing.parse == "lenient"
        exprs, time_suffixes = [], []
        for column, source in self.landing.columns.items():
            sql_type = self.types.get(column, "VARCHAR")
            if source == "$json":
                exprs.append(_JSON if sql_type in _SEMI_STRUCTURED else f"TO_JSON({_JSON})")
            elif source == "$line":
                exprs.append(_LINE)
            elif source == "$ingestion_time":
                exprs.append(f"CAST(%s AS {sql_type})")
                # The clock is naive UTC: an NTZ column takes it as is, a zoned one needs the offset spelled out
                # (without it the text would be read in the session's time zone).
                time_suffixes.append(" +00:00" if sql_type.startswith(("TIMESTAMP_LTZ", "TIMESTAMP_TZ")) else "")
            else:
                path = f"{_JSON}:{source}"
                if sql_type == "VARIANT":
                    exprs.append(path)
                elif lenient and sql_type not in _SEMI_STRUCTURED:
                    # TRY_CAST takes only string input: TRY_CAST(v:x::STRING AS NUMBER) (docs: functions/try_cast).
                    exprs.append(f"TRY_CAST({path}::STRING AS {sql_type})")
                else:
                    exprs.append(f"{path}::{sql_type}")
        return ", ".join(exprs), time_suffixes

    def statement(self, rows: int) -> str:
        """The INSERT for a batch of `rows` lines (cached: a consumer sends the same few shapes all day)."""
        sql = self._statements.get(rows)
        if sql is None:
            parse = "TRY_PARSE_JSON" if self.landing.parse == "lenient" else "PARSE_JSON"
            columns = ", ".join(self.landing.columns)
            values = ", ".join(["(%s)"] * rows)
            sql = (
                f"INSERT INTO {self.landing.table} ({columns}) SELECT {self._select} "
                f"FROM (SELECT {parse}({_LINE}) AS {_JSON}, {_LINE} FROM VALUES {values} AS V({_LINE}))"
            )
            self._statements[rows] = sql
        return sql

    def deliver(self, batch: Batch) -> Delivery:
        """Insert the batch; a failed statement loses the whole batch, as it does for the consumer."""
        stamp = batch.at.isoformat(sep=" ", timespec="milliseconds")
        params = [stamp + suffix for suffix in self._time_suffixes] + [e.line() for e in batch.events]
        try:
            self.target.execute(self.statement(len(batch.events)), params)
        except DBError as exc:
            return Delivery(len(batch.events), 0, error=error_text(exc))
        return Delivery(len(batch.events), len(batch.events))


class CopyLoader:
    """Lands a batch as a JSON Lines file PUT on the landing stage, then runs the manifest's COPY INTO."""

    def __init__(self, target: Target, landing: Landing, workdir: Path | None = None) -> None:
        self.target = target
        self.landing = landing
        self._tmp = None if workdir else tempfile.TemporaryDirectory(prefix="snowsim-stage-")
        self.workdir = Path(workdir) if workdir else Path(self._tmp.name)

    def deliver(self, batch: Batch) -> Delivery:
        """PUT the batch's file and COPY; the COPY's per-file result says what was loaded or skipped."""
        name = f"events_{batch.seq:06d}_{batch.at:%Y%m%dT%H%M%S}.jsonl"
        path = self.workdir / name
        path.write_text("".join(e.line() + "\n" for e in batch.events), encoding="utf-8")
        try:
            self.target.execute(f"PUT 'file://{path.as_posix()}' @{self.landing.stage} AUTO_COMPRESS = FALSE")
            rows = self.target.query_dicts(self.landing.copy_statement)
        except DBError as exc:
            return Delivery(len(batch.events), 0, error=error_text(exc))
        finally:
            path.unlink(missing_ok=True)
        loaded = skipped = 0
        first_error = None
        for row in rows:
            row = {k.lower(): v for k, v in row.items()}
            loaded += int(row.get("rows_loaded") or 0)
            skipped += int(row.get("errors_seen") or 0)
            if row.get("first_error") and first_error is None:
                first_error = f"{row.get('file')}: {row['first_error']} (status {row.get('status')})"
        return Delivery(len(batch.events), loaded, skipped, first_error)

    def close(self) -> None:
        """Remove the local working folder."""
        if self._tmp is not None:
            self._tmp.cleanup()


def column_types(target: Target, table: str) -> dict[str, str]:
    """Column -> Snowflake type of a table, from DESCRIBE TABLE (VARCHAR's length dropped for shorter SQL)."""
    rows = target.query_dicts(f"DESCRIBE TABLE {table}")
    types = {}
    for row in rows:
        row = {k.lower(): v for k, v in row.items()}
        if str(row.get("kind", "COLUMN")).upper() != "COLUMN":
            continue
        types[str(row["name"]).upper()] = re.sub(r"^(VARCHAR|TEXT|STRING)\(\d+\)$", "VARCHAR", str(row["type"]).upper())
    return types


class Ingestion:
    """Delivers batches through the pipeline's loader and keeps the counts the report shows."""

    def __init__(self, target: Target, landing: Landing) -> None:
        self.loader: Any = CopyLoader(target, landing) if landing.mode == "copy" else InsertLoader(target, landing)
        self.mode = landing.mode
        self.batches = 0
        self.failed_batches = 0
        self.events_sent = 0
        self.rows_loaded = 0
        self.lines_skipped = 0

    def deliver(self, batch: Batch) -> Delivery:
        """Hand one batch to the target and count what happened."""
        result = self.loader.deliver(batch)
        self.batches += 1
        self.events_sent += result.sent
        self.rows_loaded += result.loaded
        self.lines_skipped += result.skipped
        if result.error is not None and result.loaded == 0 and result.skipped == 0:
            self.failed_batches += 1
        return result

    def summary(self) -> dict[str, Any]:
        """Counts for the report."""
        return {
            "mode": self.mode,
            "batches": self.batches,
            "failed_batches": self.failed_batches,
            "events_sent": self.events_sent,
            "rows_loaded": self.rows_loaded,
            "lines_skipped": self.lines_skipped,
        }

    def close(self) -> None:
        """Release the loader's resources."""
        close = getattr(self.loader, "close", None)
        if close is not None:
            close()
