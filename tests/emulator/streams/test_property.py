"""Property test: random DML, stream reads and consumptions against a pure-Python model of the documented semantics.

docs: user-guide/streams-intro (net delta, offsets, repeatable read, append-only), user-guide/streams-examples,
sql-reference/sql/create-stream. Two streams (standard S, append-only A) on one table T; statements run in autocommit
mode or inside explicit transactions that commit or roll back; some consumers read both streams in one statement, some
fail (division by zero) and must leave the offsets where they were. Every read and every consumed batch is compared
with the model, step by step.

The model keeps the committed table state per global version (every committed transaction that wrote anything gets
one, as in the emulator) and, per row, a row-version token that changes on every UPDATE: a standard stream pairs
DELETE+INSERT for a row present at both ends whose token changed, and shows one INSERT/DELETE for rows present at
one end only. An append-only stream shows the rows whose inserting transaction committed in (offset, read version],
with the values that transaction committed. METADATA$ROW_ID is checked for consistency only (one id per row, shared
by both streams), never for its value.

One connection and one model serve all examples, in sequence: each example starts from the state the previous one
left (table rows, unconsumed changes, stream offsets reaching back over earlier examples, which compaction must keep)
and ends by committing, then reading both streams in one SELECT and the whole table, both compared with the model.
After a failed example (hypothesis replays and shrinks failures) the next one starts afresh: both streams drained, the
table read; a failure that depends on the carried-in state can therefore be reported as flaky, with the example's
starting state in its notes. Ids are never reused. Consumers write batch numbers 1, 2, ... that restart in every
example (the sink is emptied at its end), so their statements' texts repeat and their translations are cached.

Examples: SNOWSIM_PROPERTY_EXAMPLES (default 2,500; a nightly soak can ask for 50,000).
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass, field

from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from snowsim.emulator import connect
from snowsim.emulator.errors import DataError, ProgrammingError

_IDS = itertools.count(1)
_TOKENS = itertools.count(1)
_ROW_IDS: dict[int, str] = {}
_STATE: dict = {}
EXAMPLES = int(os.environ.get("SNOWSIM_PROPERTY_EXAMPLES", "2500"))


def _conn():
    if "conn" not in _STATE:
        conn = connect(database="DB", schema="S")
        cur = conn.cursor()
        cur.execute("create table t (id int, val int)")
        cur.execute("create stream s on table t")
        cur.execute("create stream a on table t append_only = true")
        cur.execute("create table sink (id int, val int, action string, isupdate boolean, row_id string, batch int)")
        # the model as the previous example left it (None: start afresh); batch numbers used in this example
        _STATE["conn"], _STATE["model"], _STATE["batches"] = conn, None, 0
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

    def prune(self) -> None:
        """Forget the history no stream can read any more (the model lives across examples)."""
        lo = min(self.offsets.values())
        del self.history[: max(i for i, (v, _) in enumerate(self.history) if v <= lo)]
        self.inserted = {rid: v for rid, v in self.inserted.items() if v > self.offsets["A"]}


# ---- operations -----------------------------------------------------------------------------------------------------
ops = st.one_of(
    st.tuples(st.just("insert"), st.integers(1, 3)),
    st.tuples(st.just("update"), st.integers(2, 3), st.integers(0, 2)),
    st.tuples(st.just("delete"), st.integers(2, 4), st.integers(0, 3)),
    st.tuples(st.just("merge"), st.lists(st.tuples(st.integers(0, 5), st.booleans()), min_size=1, max_size=3)),
    st.tuples(st.just("truncate")),
    st.tuples(st.just("read"), st.sampled_from("SA")),
    # "SA": one statement reading both streams consumes both
    st.tuples(st.just("consume"), st.sampled_from(["S", "A", "SA"]), st.sampled_from(["all", "none", "fail"])),
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
        names, how = op[1], op[2]
        batches = {name: _batch() for name in names}
        expected = {name: model.delta(name) for name in names}
        where = " where 0 = 1" if how == "none" else ""
        value = "val / (id - id)" if how == "fail" else "val"  # fails on the first row, if there is one
        selects = " union all ".join(
            f"select {_consumed(name, batch, value)}{where}" for name, batch in batches.items()
        )
        try:
            cur.execute(f"insert into sink {selects}")
        except (DataError, ProgrammingError) as exc:
            assert how == "fail" and any(expected.values()), exc  # the statement rolled back alone: no offset move
            return
        assert not (how == "fail" and any(expected.values())), "a failing consumer succeeded"
        got = cur.execute(
            "select batch, id, val, action, isupdate, row_id from sink where batch >= %s", [min(batches.values())]
        ).fetchall()
        for name, batch in batches.items():
            _check_rows([r[1:] for r in got if r[0] == batch], [] if how == "none" else expected[name])

        def apply(txn: Txn) -> None:
            txn.consumed.update(names)

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


def _consumed(name: str, batch: int, value: str = "val") -> str:
    """The select list and FROM of a consumer of stream `name` writing batch `batch` into sink."""
    return f"id, {value}, metadata$action, metadata$isupdate, metadata$row_id, {batch} from {name}"


def _batch() -> int:
    _STATE["batches"] += 1
    return _STATE["batches"]


def _start(cur) -> Model:
    """The model of the emulator's state at the start of an example: as the previous example left it, or afresh."""
    model, _STATE["model"], _STATE["batches"] = _STATE["model"], None, 0  # model: unknown until this example passes
    if model is None:  # first example, or the previous one failed: drain both streams, read the table
        if _conn().txns.current is not None:
            cur.execute("rollback")
        cur.execute(
            f"insert into sink select {_consumed('s', 0)} where 0 = 1 union all select {_consumed('a', 0)} where 0 = 1"
        )
        cur.execute("truncate table sink")
        model = Model({rid: (val, next(_TOKENS)) for rid, val in cur.execute("select id, val from t").fetchall()})
    note(f"carried in: table {model.state_at(model.version)}, stream S {model.delta('S')}, stream A {model.delta('A')}")
    return model


def _finish(cur, model: Model) -> None:
    """Commit; read both streams in one statement and the whole table, and compare them with the model."""
    cur.execute("commit")
    model.commit()
    got = cur.execute(
        "select 'S', id, val, metadata$action, metadata$isupdate, metadata$row_id from s union all "
        "select 'A', id, val, metadata$action, metadata$isupdate, metadata$row_id from a"
    ).fetchall()
    for name in "SA":
        _check_rows([r[1:] for r in got if r[0] == name], model.delta(name))
    rows = {rid: val for rid, (val, _) in model.state_at(model.version).items()}
    assert dict(cur.execute("select id, val from t").fetchall()) == rows
    if _STATE["batches"]:
        cur.execute("truncate table sink")
    model.prune()
    _STATE["model"] = model


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=False)
@given(st.lists(ops, min_size=1, max_size=12))
def test_streams_match_the_model(program):
    """docs: user-guide/streams-intro - random programs; every read and consumed batch equals the model's delta."""
    cur = _conn().cursor()
    model = _start(cur)
    for op in program:
        run(cur, model, op)
    _finish(cur, model)
