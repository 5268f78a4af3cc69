"""COPY INTO throughput: a 100k-line JSON Lines file PUT on an internal stage, loaded three ways, plus the
runner's small-batch pattern (PUT one 20-line file, COPY, repeat) and the cost of bad rows in a transformation.

Run: python3 bench/copy_into.py
"""

from __future__ import annotations

import json
import random
import tempfile
import time
from pathlib import Path

from snowsim.emulator import connect

LINES = 100_000


def _events(path: Path, n: int, bad_every: int = 0) -> None:
    rng = random.Random(7)
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            amount = "oops" if bad_every and i % bad_every == 0 else round(rng.random() * 100, 2)
            fh.write(json.dumps({"event_id": f"e{i}", "type": rng.choice(["ORDER_CREATED", "ORDER_PAID"]),
                                 "amount": amount, "customer": {"id": i % 977}}) + "\n")


def _timed(cur, sql: str) -> tuple[float, list]:
    t0 = time.perf_counter()
    cur.execute(sql)
    rows = cur.fetchall()
    return time.perf_counter() - t0, rows


def main() -> dict[str, float]:
    """Rows per second for each load shape, and milliseconds per small batch."""
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "events.jsonl"
        _events(big, LINES)
        conn = connect(database="DB", schema="S")
        cur = conn.cursor()
        cur.execute("create stage st file_format = (type = json)")
        cur.execute(f"put file://{big} @st")
        cur.execute("create table raw (v variant)")
        seconds, _ = _timed(cur, "copy into raw from @st")
        out["plain VARIANT load, rows/s"] = LINES / seconds
        cur.execute("create table typed (event_id string, type string, amount number(10,2), cust int, f string, "
                    "rn int, loaded_at timestamp_ltz)")
        seconds, _ = _timed(cur, "copy into typed from (select $1:event_id::string, $1:type::string, $1:amount, "
                                 "$1:customer.id::int, metadata$filename, metadata$file_row_number, "
                                 "current_timestamp() from @st)")
        out["transformation, rows/s"] = LINES / seconds

        bad = Path(tmp) / "bad.jsonl"
        _events(bad, LINES, bad_every=1000)
        cur.execute(f"put file://{bad} @st/bad")
        cur.execute("create table typed_bad (event_id string, amount number(10,2))")
        seconds, rows = _timed(cur, "copy into typed_bad from (select $1:event_id::string, $1:amount from @st/bad) "
                                    "on_error = continue")
        assert rows[0][5] == LINES // 1000, rows
        out["transformation with 0.1% bad rows (ON_ERROR = CONTINUE), rows/s"] = LINES / seconds

        copy = ("COPY INTO raw FROM (SELECT $1 FROM @st/batches) FILE_FORMAT = (TYPE = JSON)")
        samples = []
        for b in range(200):
            small = Path(tmp) / f"events_{b:06d}.jsonl"
            _events(small, 20)
            t0 = time.perf_counter()
            cur.execute(f"put 'file://{small}' @st/batches auto_compress = false")
            cur.execute(copy)
            samples.append(time.perf_counter() - t0)
        out["runner pattern (PUT 20 lines + COPY), ms per batch (last 100)"] = sum(samples[100:]) / 100 * 1000
        conn.close()
    return out


if __name__ == "__main__":
    for name, value in main().items():
        print(f"{name}: {value:,.0f}")
