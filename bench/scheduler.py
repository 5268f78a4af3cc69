"""Benchmark: 24 simulated hours of a task graph on the virtual clock.

Run: python3 bench/scheduler.py [hours]. Two cases, both a 1-minute root task `WHEN SYSTEM$STREAM_HAS_DATA(...)`
reading an append-only stream on RAW with one child task AFTER it:
  idle  - no data ever arrives: 1440 SKIPPED root runs a day, advanced in one advance(hours=24) call.
  busy  - one event a second: before each simulated minute the 60 rows that arrived during it are inserted with ONE
          INSERT ... SELECT FROM TABLE(GENERATOR(ROWCOUNT => 60)) (batched, so the benchmark measures the scheduler
          and the task bodies rather than 86,400 single-row INSERT statements), then advance(minutes=1); the root
          moves the rows to STAGING and the child aggregates them into PROD.
Wall time only; the clock never sleeps. Target: the idle day under 1 s.
"""

from __future__ import annotations

import sys
import time
from datetime import datetime

from snowsim.emulator import Clock, connect
from snowsim.emulator.tasks import body

START = datetime(2026, 1, 5, 0, 0)

SETUP = """
create table raw (id int, ts timestamp_ntz);
create table stg (id int, ts timestamp_ntz);
create table prod (minute_rows int);
create stream raw_s on table raw append_only = true;
create stream stg_s on table stg append_only = true;
create task load warehouse = wh schedule = '1 minute' when system$stream_has_data('raw_s')
  as insert into stg select id, ts from raw_s;
create task agg warehouse = wh after load as insert into prod select count(*) from stg_s;
alter task agg resume;
alter task load resume;
"""


def _connection():
    conn = connect(database="DB", schema="S", clock=Clock(start=START))
    conn.execute_string(SETUP)
    return conn


def idle(hours: int) -> tuple[float, int]:
    """(seconds, graph runs) for `hours` simulated hours in which no data arrives."""
    conn = _connection()
    began = time.perf_counter()
    runs = conn.advance(hours=hours)
    elapsed = time.perf_counter() - began
    assert all(r.state == "SKIPPED" for r in runs)
    cur = conn.cursor()
    cur.execute("select count(*) from table(information_schema.task_history(result_limit => 10000)) "
                "where state = 'SKIPPED'")
    assert cur.fetchone()[0] == len(runs)
    return elapsed, len(runs)


def busy(hours: int) -> dict[str, float]:
    """Wall seconds (total, inside advance(), inside task bodies' SQL) with one event a second, batched per minute."""
    conn = _connection()
    cur = conn.cursor()
    insert = (
        "insert into raw select seq4(), dateadd(second, seq4(), current_timestamp()::timestamp_ntz) "
        "from table(generator(rowcount => 60))"
    )
    spent = {"bodies": 0.0}
    real_run = body.run

    def timed_run(connection, text):  # the SQL of the task bodies, to tell it apart from the scheduler's own work
        began = time.perf_counter()
        try:
            real_run(connection, text)
        finally:
            spent["bodies"] += time.perf_counter() - began

    body.run = timed_run
    runs, advancing = 0, 0.0
    began = time.perf_counter()
    try:
        for _ in range(hours * 60):
            cur.execute(insert)
            step = time.perf_counter()
            runs += len(conn.advance(minutes=1))
            advancing += time.perf_counter() - step
    finally:
        body.run = real_run
    elapsed = time.perf_counter() - began
    cur.execute("select sum(minute_rows) from prod")
    return {"total": elapsed, "advance": advancing, "bodies": spent["bodies"], "runs": runs, "rows": cur.fetchone()[0]}


def main() -> None:
    """Print the numbers the README records."""
    hours = int(sys.argv[1]) if len(sys.argv) > 1 else 24
    seconds, runs = idle(hours)
    print(f"idle: {hours} simulated hours, {runs} graph runs (root SKIPPED) in {seconds:.3f} s wall")
    b = busy(hours)
    scheduler = b["advance"] - b["bodies"]
    print(f"busy: {hours} simulated hours, {b['runs']} graph runs, {b['rows']} events through RAW -> STG -> PROD in "
          f"{b['total']:.3f} s wall: {b['advance']:.3f} s in advance(), of which {b['bodies']:.3f} s in the task "
          f"bodies' SQL and {scheduler:.3f} s scheduler ({scheduler / max(b['runs'], 1) * 1000:.3f} ms per graph run)")


if __name__ == "__main__":
    main()
