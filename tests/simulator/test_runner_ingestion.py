"""Ingestion on the emulator: INSERT batches (strict and lenient parsing) and staged files loaded by COPY INTO."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from snowsim.simulator.events import Event
from snowsim.simulator.ingestion import Batch, CopyLoader, Ingestion, InsertLoader
from snowsim.simulator.pipeline import Landing
from snowsim.simulator.targets import EmulatorTarget

T0 = datetime(2026, 1, 5, 8, 0, 0)
COLUMNS = {
    "EVENT_ID": "event_id",
    "EVENT_TS": "event_timestamp",
    "QTY": "payload.quantity",
    "DATA": "$json",
    "LINE": "$line",
    "LOADED": "$ingestion_time",
}


def _event(n: int, quantity, raw: str | None = None) -> Event:
    at = T0 + timedelta(seconds=n)
    return Event(f"e{n}", "ORDER_CREATED", at, at, 1, {"order_id": f"ORD-{n}", "quantity": quantity}, f"ORD-{n}",
                 ("malformed",) if raw else (), raw)


GOOD = [_event(1, 3), _event(2, "4")]
BROKEN = _event(3, 1, raw='{"event_id":"e3","payload":{"quant')


@pytest.fixture
def target():
    t = EmulatorTarget()
    t.open(T0)
    t.execute("CREATE DATABASE D")
    t.execute("CREATE SCHEMA D.RAW")
    t.execute("CREATE TABLE RAW.T (EVENT_ID VARCHAR, EVENT_TS TIMESTAMP_NTZ, QTY NUMBER(38, 0), DATA VARIANT, "
              "LINE VARCHAR, LOADED TIMESTAMP_NTZ, SOURCE VARCHAR)")
    yield t
    t.close()


def _landing(**fields) -> Landing:
    return Landing.model_validate({"table": "RAW.T", "mode": "insert", "columns": COLUMNS, **fields})


def test_a_strict_batch_lands_typed_rows_stamped_with_the_flush_instant(target):
    loader = InsertLoader(target, _landing(parse="strict"))
    flushed = T0 + timedelta(seconds=61, milliseconds=250)
    result = loader.deliver(Batch(0, flushed, GOOD))
    assert (result.sent, result.loaded, result.error) == (2, 2, None)
    rows = target.query("SELECT EVENT_ID, EVENT_TS, QTY, DATA:payload.quantity::VARCHAR, LOADED FROM RAW.T ORDER BY 1")
    assert rows == [("e1", T0 + timedelta(seconds=1), 3, "3", flushed), ("e2", T0 + timedelta(seconds=2), 4, "4",
                                                                           flushed)]
    # One statement per batch shape, bound parameters, PARSE_JSON over VALUES.
    assert "PARSE_JSON(SNOWSIM_LINE)" in loader.statement(2) and "FROM VALUES (%s), (%s)" in loader.statement(2)


def test_one_broken_line_fails_the_whole_strict_batch_with_100069(target):
    result = InsertLoader(target, _landing(parse="strict")).deliver(Batch(0, T0, [*GOOD, BROKEN]))
    assert result.loaded == 0 and result.error.startswith("100069")
    assert target.query("SELECT COUNT(*) FROM RAW.T") == [(0,)]


def test_a_lenient_batch_keeps_the_broken_line_with_nulls(target):
    text = _event(4, "3 bouteilles")  # a drifted quantity: TRY_CAST gives NULL instead of failing
    result = InsertLoader(target, _landing(parse="lenient")).deliver(Batch(0, T0, [*GOOD, BROKEN, text]))
    assert (result.loaded, result.error) == (4, None)
    rows = target.query("SELECT EVENT_ID, QTY, DATA IS NULL, LINE FROM RAW.T ORDER BY LINE")
    broken = next(r for r in rows if r[3] == BROKEN.raw)
    assert broken[0] is None and broken[2] is True  # unparsable: no id, no JSON, but the line is kept
    assert ("e4", None, False) in [r[:3] for r in rows]


def _copy_landing(on_error: str | None) -> Landing:
    option = f" ON_ERROR = {on_error}" if on_error else ""
    return Landing.model_validate({
        "table": "RAW.T",
        "mode": "copy",
        "stage": "RAW.S",
        "copy_statement": "COPY INTO RAW.T (DATA, SOURCE) FROM (SELECT $1, METADATA$FILENAME FROM @RAW.S) "
                          f"FILE_FORMAT = (TYPE = JSON){option}",
        "columns": {"DATA": "$json", "SOURCE": "$line"},
    })


def test_copy_loads_each_batch_as_a_staged_file(target):
    target.execute("CREATE STAGE RAW.S")
    ingestion = Ingestion(target, _copy_landing(None))
    first = ingestion.deliver(Batch(0, T0 + timedelta(minutes=1), GOOD))
    second = ingestion.deliver(Batch(1, T0 + timedelta(minutes=2), [_event(5, 1)]))
    assert (first.loaded, second.loaded) == (2, 1)  # load metadata: the first file is not loaded again
    sources = [r[0] for r in target.query("SELECT DISTINCT SOURCE FROM RAW.T ORDER BY 1")]
    assert sources == ["events_000000_20260105T080100.jsonl", "events_000001_20260105T080200.jsonl"]
    assert ingestion.summary()["rows_loaded"] == 3
    ingestion.close()


def test_copy_on_error_continue_skips_the_broken_line(target):
    target.execute("CREATE STAGE RAW.S")
    result = CopyLoader(target, _copy_landing("CONTINUE")).deliver(Batch(0, T0, [*GOOD, BROKEN]))
    assert (result.loaded, result.skipped) == (2, 1) and "events_000000" in result.error


def test_copy_abort_statement_stops_ingestion_on_the_bad_file(target):
    target.execute("CREATE STAGE RAW.S")
    ingestion = Ingestion(target, _copy_landing(None))
    bad = ingestion.deliver(Batch(0, T0, [*GOOD, BROKEN]))
    later = ingestion.deliver(Batch(1, T0 + timedelta(minutes=1), [_event(6, 1)]))
    assert bad.loaded == 0 and bad.error.startswith("100069")
    # The bad file stays on the stage unloaded: every later COPY meets it again and aborts.
    assert later.loaded == 0 and "events_000000" in later.error
    assert ingestion.summary()["failed_batches"] == 2
    assert target.query("SELECT COUNT(*) FROM RAW.T") == [(0,)]
