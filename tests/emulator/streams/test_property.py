"""Property test: random DML, stream reads and consumptions against a pure-Python model of the documented semantics.

docs: user-guide/streams-intro (net delta, offsets, repeatable read, append-only), user-guide/streams-examples,
sql-reference/sql/create-stream. Two streams (standard S, append-only A) on one table T; statements run in autocommit
mode or inside explicit transactions that commit or roll back; some consumers fail (division by zero) and must leave
the offset where it was. Every read and every consumed batch is compared with the model, step by step.

The model keeps the committed table state per global version (every committed transaction that wrote anything gets
one, as in the emulator) and, per row, a row-version token that changes on every UPDATE: a standard stream pairs
DELETE+INSERT for a row present at both ends whose token changed, and shows one INSERT/DELETE for rows present at
one end only. An append-only stream shows the rows whose inserting transaction committed in (offset, read version],
with the values that transaction committed. METADATA$ROW_ID is checked for consistency only (one id per row, shared
by both streams), never for its value.

One connection serves all examples: each example starts by draining both streams and reading the table, so the
model starts from the emulator's state; ids are never reused across examples.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from snowsim.emulator import connect
from snowsim.emulator.errors import DataError, ProgrammingError

_IDS = itertools.count(1)
_TOKENS = itertools.count(1)
_ROW_IDS: dict[int, str] = {}
_STATE: dict = {}


def _conn():
    if "conn" not in _STATE:
        conn = connect(database="DB", schema="S")
        cur = conn.cursor()
        cur.execute("create table t (id int, val int)")
        cur.execute("create stream s on table t")
        cur.execute("create stream a on table t append_only = true")
        cur.execute("create table sink (id int, val int, action string, isupdate boolean, batch int)")
        _STATE["conn"], _STATE["batch"] = conn, itertools.count(1)
    return _STATE["conn"]


@dataclass
class Txn:
    start: int
    rows: dict  # id -> (val, token): the transaction's view of T
    born: dict = field(default_factory=dict)  # id -> True for rows this transaction inserted
    consumed: set = field(default_factory=set)
    wrote: bool = False


class Model:
    """Committed history of T plus the two streams' offsets."""

    def __init__(self, rows: dict[int, tuple[int, int]]):
        self.version = 0
        self.history = [(0, dict(rows))]  # (version, state) whenever T changed
        self.inserted: dict[int, int] = {}  # id -> version its inserting transaction committed
        self.offsets = {"S": 0, "A": 0}
        self.txn: Txn | None = None

    def state_at(self, version: int) -> dict:
        return next(state for v, state in reversed(self.history) if v <= version)

    def begin(self, explicit: bool = True) -> Txn:
        if self.txn is None:
            self.txn = Txn(self.version, dict(self.state_at(self.version)))
        return self.txn

    def read_version(self) -> int:
        return self.txn.start if self.txn is not None else self.version

    def commit(self) -> None:
        txn, self.txn = self.txn, None
        if txn is None:
            return
        if txn.wrote:
            self.version += 1
            if txn.rows != self.state_at(self.version - 1):
                self.history.append((self.version, dict(txn.rows)))
            for rid in txn.born:
                if rid in txn.rows:
                    self.inserted[rid] = self.version
        for name in txn.consumed:
            self.offsets[name] = txn.start

    def rollback(self) -> None:
        self.txn = None

    def delta(self, name: str) -> list[tuple]:
        lo, hi = self.offsets[name], self.read_version()
        before, after = self.state_at(lo), self.state_at(hi)
        out = []
        if name == "A":
            for rid, version in self.inserted.items():
                if lo < version <= hi:
                    val = self.state_at(version)[rid][0]
                    out.append((rid, val, "INSERT", False))
            return sorted(out)
        for rid in set(before) | set(after):
            b, a = before.get(rid), after.get(rid)
            if b is not None and a is None:
                out.append((rid, b[0], "DELETE", False))
            elif a is not None and b is None:
                out.append((rid, a[0], "INSERT", False))
            elif a is not None and b is not None and a[1] != b[1]:
                out += [(rid, b[0], "DELETE", True), (rid, a[0], "INSERT", True)]
        return sorted(out)


# ---- operations -----------------------------------------------------------------------------------------------------
ops = st.one_of(
    st.tuples(st.just("insert"), st.integers(1, 3)),
    st.tuples(st.just("update"), st.integers(2, 3), st.integers(0, 2)),
    st.tuples(st.just("delete"), st.integers(2, 4), st.integers(0, 3)),
    st.tuples(st.just("merge"), st.lists(st.tuples(st.integers(0, 5), st.booleans()), min_size=1, max_size=3)),
    st.tuples(st.just("truncate")),
    st.tuples(st.just("read"), st.sampled_from("SA")),
    st.tuples(st.just("consume"), st.sampled_from("SA"), st.sampled_from(["all", "none", "fail"])),
    st.tuples(st.just("begin")),
    st.tuples(st.just("commit")),
    st.tuples(st.just("rollback")),
)


def _write(model: Model, fn) -> None:
    autocommit = model.txn is None
    txn = model.begin()
    fn(txn)
    txn.wrote = True
    if autocommit:
        model.commit()


def _check_rows(got: list[tuple], expected: list[tuple]) -> None:
    assert sorted(r[:4] for r in got) == expected
    for r in got:  # one ROW_ID per row, shared by both streams and stable over time
        assert _ROW_IDS.setdefault(r[0], r[4]) == r[4]
    pairs = {}
    for r in got:
        pairs.setdefault(r[0], set()).add(r[4])
    assert all(len(v) == 1 for v in pairs.values())


def run(cur, model: Model, op: tuple) -> None:
    kind = op[0]
    if kind == "insert":
        # one statement per row: several statements in one transaction exercise its intra-transaction history
        for val in range(op[1]):
            rid = next(_IDS)
            cur.execute("insert into t values (%s, %s)", [rid, val])

            def apply(txn: Txn, rid: int = rid, val: int = val) -> None:
                txn.rows[rid] = (val, next(_TOKENS))
                txn.born[rid] = True

            _write(model, apply)
    elif kind == "update":
        m, r = op[1], op[2]
        cur.execute("update t set val = val + 1 where mod(id, %s) = %s", [m, r])

        def apply(txn: Txn) -> None:
            for rid, (val, _) in list(txn.rows.items()):
                if rid % m == r:
                    txn.rows[rid] = (val + 1, next(_TOKENS))

        _write(model, apply)
    elif kind == "delete":
        m, r = op[1], op[2]
        cur.execute("delete from t where mod(id, %s) = %s", [m, r])

        def apply(txn: Txn) -> None:
            for rid in [rid for rid in txn.rows if rid % m == r]:
                del txn.rows[rid]

        _write(model, apply)
    elif kind == "truncate":
        cur.execute("truncate table t")
        _write(model, lambda txn: txn.rows.clear())
    elif kind == "merge":
        current = sorted((model.txn.rows if model.txn else model.state_at(model.version)).keys())
        source = {}
        for pick, delete in op[1]:
            # pick < 3 targets an existing row (if any), otherwise a new id: a source row per target row at most
            rid = current[pick % len(current)] if pick < 3 and current else next(_IDS)
            source[rid] = delete
        selects = " union all ".join(["select %s as id, %s as d"] * len(source))
        cur.execute(
            f"merge into t using ({selects}) src on t.id = src.id "
            "when matched and src.d then delete when matched then update set val = t.val * 10 "
            "when not matched and not src.d then insert (id, val) values (src.id, 7)",
            [x for rid, d in source.items() for x in (rid, d)],
        )

        def apply(txn: Txn) -> None:
            for rid, delete in source.items():
                if rid in txn.rows:
                    if delete:
                        del txn.rows[rid]
                    else:
                        txn.rows[rid] = (txn.rows[rid][0] * 10, next(_TOKENS))
                elif not delete:
                    txn.rows[rid] = (7, next(_TOKENS))
                    txn.born[rid] = True

        _write(model, apply)
    elif kind == "read":
        name = op[1]
        got = cur.execute(f"select id, val, metadata$action, metadata$isupdate, metadata$row_id from {name}").fetchall()
        _check_rows(got, model.delta(name))
    elif kind == "consume":
        name, how = op[1], op[2]
        batch = next(_STATE["batch"])
        expected = model.delta(name)
        where = {"all": "", "none": " where 0 = 1", "fail": ""}[how]
        value = "val / (id - id)" if how == "fail" else "val"  # fails on the first row, if there is one
        sql = (f"insert into sink select id, {value}, metadata$action, metadata$isupdate, {batch} from {name}{where}")
        try:
            cur.execute(sql)
        except (DataError, ProgrammingError) as exc:
            assert how == "fail" and expected, exc  # the statement rolled back alone: no offset move
            return
        assert not (how == "fail" and expected), "a failing consumer succeeded"
        got = cur.execute("select id, val, action, isupdate from sink where batch = %s", [batch]).fetchall()
        assert sorted(got) == ([] if how == "none" else expected)

        def apply(txn: Txn) -> None:
            txn.consumed.add(name)

        _write(model, apply)
    elif kind == "begin":
        cur.execute("begin")
        model.begin()
    elif kind == "commit":
        cur.execute("commit")
        model.commit()
    elif kind == "rollback":
        cur.execute("rollback")
        model.rollback()


@settings(max_examples=800, deadline=None, suppress_health_check=list(HealthCheck), derandomize=False)
@given(st.lists(ops, min_size=1, max_size=12))
def test_streams_match_the_model(program):
    """docs: user-guide/streams-intro - random programs; every read and consumed batch equals the model's delta."""
    conn = _conn()
    cur = conn.cursor()
    if conn.txns.current is not None:
        cur.execute("rollback")
    for name in "SA":  # start each example with empty streams and the table as the emulator has it
        cur.execute(f"insert into sink select id, val, metadata$action, metadata$isupdate, 0 from {name} where 0 = 1")
    model = Model({rid: (val, next(_TOKENS)) for rid, val in cur.execute("select id, val from t").fetchall()})
    model.offsets = {"S": 0, "A": 0}
    for op in program:
        run(cur, model, op)
    cur.execute("commit")
    model.commit()
    for name in "SA":
        got = cur.execute(f"select id, val, metadata$action, metadata$isupdate, metadata$row_id from {name}").fetchall()
        _check_rows(got, model.delta(name))
