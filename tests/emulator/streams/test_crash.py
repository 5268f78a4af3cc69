"""Crash test: a process consuming a stream is killed with SIGKILL at a random moment; nothing is lost or doubled.

docs: user-guide/streams-intro - "the offset advances ... when the transaction commits": the offset and the consuming
DML commit in one DuckDB transaction, and a transaction that never committed is undone on reopen. After every kill the
reopened file must hold, for each id ever inserted into SRC, exactly one of: a row in TGT (consumed) or a pending
INSERT in the stream (unconsumed) - never both, never neither, never twice.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import pytest

from snowsim.emulator import connect

CHILD = r"""
import sys
from snowsim.emulator import connect

conn = connect(path=sys.argv[1], database="DB", schema="S")
cur = conn.cursor()
start = int(sys.argv[2])
i = 0
while True:
    base = start + i * 3
    cur.execute("insert into src values (%s), (%s), (%s)", [base, base + 1, base + 2])
    if i % 2:
        cur.execute("insert into tgt select id from s where metadata$action = 'INSERT'")  # autocommit consumer
    else:
        cur.execute("begin")  # an explicit transaction: two statements, the stream read twice
        cur.execute("insert into tgt select id from s where metadata$action = 'INSERT'")
        cur.execute("insert into audit select count(*) from s")
        cur.execute("commit")
    if i == 2:
        print("ready", flush=True)
    i += 1
"""


def _check(path: str) -> int:
    conn = connect(path=path, database="DB", schema="S")
    cur = conn.cursor()
    src = [r[0] for r in cur.execute("select id from src").fetchall()]
    tgt = [r[0] for r in cur.execute("select id from tgt").fetchall()]
    pending = cur.execute("select id, metadata$action from s").fetchall()
    conn.close()
    assert len(src) == len(set(src))
    assert len(tgt) == len(set(tgt)), "a change was consumed twice"
    assert all(action == "INSERT" for _, action in pending)
    stream_ids = {i for i, _ in pending}
    assert not (stream_ids & set(tgt)), "a consumed change is still pending"
    assert stream_ids | set(tgt) == set(src), "a change was lost"
    return max(src, default=0)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_sigkill_while_consuming_loses_and_doubles_nothing(tmp_path):
    """docs: user-guide/streams-intro - offsets move only with a committed consuming transaction, even across a crash."""
    path = str(tmp_path / "x.duckdb")
    conn = connect(path=path, database="DB", schema="S")
    cur = conn.cursor()
    cur.execute("create table src (id int)")
    cur.execute("create table tgt (id int)")
    cur.execute("create table audit (n int)")
    cur.execute("create stream s on table src")
    conn.close()
    rng = random.Random(os.getpid())
    top = 0
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    for _ in range(4):
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, path, str(top + 1)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
        )
        line = child.stdout.readline()
        assert line.strip() == b"ready", child.stderr.read().decode()
        time.sleep(rng.uniform(0.0, 0.4))
        child.send_signal(signal.SIGKILL)
        child.wait()
        top = max(top, _check(path)) + 10_000  # the next child inserts fresh ids
    assert top > 4 * 10_000
