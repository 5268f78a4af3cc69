"""Benchmark: a stream read costs what its pending delta costs, not what the table's history costs.

Run: python3 bench/streams.py. For each history size H (row versions already consumed) it times reading and
consuming a stream holding k pending changes, and one compaction. The history is bulk-loaded under real committed
versions (one per batch) so the stream's offset sits after it, as in a long simulation.
"""

from __future__ import annotations

import statistics
import time

from snowsim.emulator import connect
from snowsim.emulator.identifiers import ObjectName
from snowsim.emulator.storage import history_table


def _timed(fn, repeat: int = 7) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def run(history: int, pending: int) -> dict[str, float]:
    """Milliseconds to read / consume `pending` changes after `history` consumed row versions."""
    conn = connect(database="DB", schema="S")
    cur = conn.cursor()
    cur.execute("create table t (id int, v int)")
    cur.execute("create stream s on table t")
    cur.execute("create table sink (id int, v int)")
    name, batch = ObjectName("DB", "S", "T"), 100_000
    for start in range(0, history, batch):  # bulk history, each batch its own committed version
        with conn.txns.statement(True, conn.new_query_id()):
            version = conn.txns.write_version(name)
            conn.duck.execute(
                f"INSERT INTO {history_table(name)} (id, v, __vfrom) "
                f"SELECT range, 0, {version} FROM range({start}, {min(start + batch, history)})"
            )
    cur.execute("insert into sink select id, v from s where 0 = 1")  # the offset moves past the history
    for i in range(pending // 2):  # half updates of old rows, half inserts
        cur.execute("update t set v = v + 1 where id = %s", [i * 7])
        cur.execute("insert into t values (%s, 1)", [-i - 1])
    read = _timed(lambda: cur.execute("select count(*) from s").fetchall())
    consume = _timed(lambda: cur.execute("insert into sink select id, v from s where 0 = 1"), repeat=1)
    compact = _timed(lambda: conn.compact(), repeat=1)
    conn.close()
    return {"read_ms": read, "consume_ms": consume, "compact_ms": compact}


if __name__ == "__main__":
    print(f"{'history':>10} {'pending':>8} {'read ms':>8} {'consume ms':>11} {'compact ms':>11}")
    for history in (10_000, 1_000_000, 4_000_000):
        for pending in (10, 1_000):
            r = run(history, pending)
            print(f"{history:>10} {pending:>8} {r['read_ms']:>8.1f} {r['consume_ms']:>11.1f} {r['compact_ms']:>11.1f}")
