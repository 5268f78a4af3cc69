"""Parity: one scenario, same seed, on two targets; what differs in the final tables and in the task runs.

Final tables are compared order-insensitively after type normalisation (Decimal, int and float as one number,
timestamps as UTC ISO text, VARIANT JSON text parsed and re-dumped with sorted keys), matched by the manifest's key
when the table has one. Columns the pipeline fills from the account's clock (CURRENT_TIMESTAMP() and friends, found
in its SQL) differ by construction between a virtual and a real clock: they are left out and listed as ignored.
Task runs are compared per task: counts of SUCCEEDED / FAILED / SKIPPED runs and of each error code.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from snowsim.simulator.controls import task_definitions
from snowsim.simulator.pipeline import Pipeline, load_pipeline
from snowsim.simulator.results import RunResult
from snowsim.simulator.scenario import Scenario, load_scenario
from snowsim.simulator.targets import EmulatorTarget, Target

RUNNER_OPTIONS = ("sample_every", "drain", "latency_horizon")  # run_scenario keywords that are not scenario fields
MAX_LISTED = 10_000  # differences listed per table in the JSON report; counts are always complete
TEXT_LISTED = 10  # per table in the text report
_CLOCK_FUNCTIONS = {"SYSDATE", "GETDATE", "LOCALTIMESTAMP", "SYSTIMESTAMP", "CURRENT_TIMESTAMP", "CURRENT_DATE",
                    "CURRENT_TIME", "LOCALTIME"}


# ---------------------------------------------------------------- normalisation


def normalise(value: Any) -> Any:
    """A hashable, type-independent form of a value as the connector returns it."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, (int, Decimal, float)):
        return _number(value)
    if isinstance(value, datetime):
        utc = value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
        return utc.isoformat(timespec="microseconds")
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).hex()
    if isinstance(value, (dict, list)):
        return json.dumps(_json(value), sort_keys=True, separators=(",", ":"))
    if isinstance(value, str):
        stripped = value.strip()
        if stripped[:1] in ("{", "[") or (stripped[:1] == '"' and stripped[-1:] == '"'):
            try:
                return json.dumps(_json(json.loads(stripped)), sort_keys=True, separators=(",", ":"))
            except ValueError:
                return value
        return value
    return str(value)


def _number(value: int | Decimal | float) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    if number == number.to_integral_value():
        return int(number)
    return float(f"{float(number):.12g}")


def _json(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json(v) for v in value]
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return _number(value)
    return value


# ---------------------------------------------------------------- clock-filled columns


def _has_clock(node: exp.Expression | None) -> bool:
    if node is None:
        return False
    for sub in node.walk():
        if isinstance(sub, (exp.CurrentTimestamp, exp.CurrentDate, exp.CurrentTime)):
            return True
        if isinstance(sub, (exp.Anonymous, exp.Func)) and str(getattr(sub, "name", "") or "").upper() in \
                _CLOCK_FUNCTIONS:
            return True
    return False


def _table_name(node: exp.Expression | None) -> str | None:
    table = node.find(exp.Table) if node is not None else None
    if table is None:
        return None
    return ".".join(p for p in (table.db, table.name) if p).upper()


def _insert_columns(table: str, schema: exp.Expression | None, values: Iterable[exp.Expression]) -> set[str]:
    columns = [c.name.upper() for c in schema.expressions] if isinstance(schema, exp.Schema) else []
    return {f"{table}.{col}" for col, value in zip(columns, values, strict=False) if _has_clock(value)}


def clock_columns(pipeline: Pipeline) -> dict[str, str]:
    """TABLE.COLUMN -> why it is ignored, for every column the pipeline's SQL fills from the account's clock."""
    found: set[str] = set()
    bodies = [s.sql for s in pipeline.statements()] + [t.body for t in task_definitions(pipeline).values()]
    for sql in bodies:
        try:
            trees = sqlglot.parse(sql, read="snowflake")
        except SqlglotError:
            continue
        for tree in trees:
            if tree is None:
                continue
            for create in tree.find_all(exp.Create):
                table = _table_name(create.this)
                for col in create.find_all(exp.ColumnDef):
                    if table and any(_has_clock(c) for c in col.find_all(exp.DefaultColumnConstraint)):
                        found.add(f"{table}.{col.name.upper()}")
            for insert in tree.find_all(exp.Insert):
                table = _table_name(insert.this)
                source = insert.expression
                if table and isinstance(source, exp.Select):
                    found |= _insert_columns(table, insert.this, source.expressions)
                elif table and isinstance(source, exp.Values) and source.expressions:
                    found |= _insert_columns(table, insert.this, source.expressions[0].expressions)
            for merge in tree.find_all(exp.Merge):
                table = _table_name(merge.this)
                for when in merge.find_all(exp.When):
                    then = when.args.get("then")
                    if isinstance(then, exp.Update):
                        found |= {f"{table}.{eq.this.name.upper()}" for eq in then.expressions
                                  if isinstance(eq, exp.EQ) and _has_clock(eq.expression)}
                    elif isinstance(then, exp.Insert):
                        values = then.expression.expressions if isinstance(then.expression, exp.Tuple) else []
                        found |= _insert_columns(table, then.this, values)
            for update in tree.find_all(exp.Update):
                table = _table_name(update.this)
                if table:
                    found |= {f"{table}.{eq.this.name.upper()}" for eq in update.expressions
                              if isinstance(eq, exp.EQ) and _has_clock(eq.expression)}
    return {name: "filled from the account's clock (CURRENT_TIMESTAMP and the like)" for name in sorted(found)}


# ---------------------------------------------------------------- snapshots


@dataclass
class TableSnapshot:
    """A table's columns and normalised rows at the end of a run (or why it could not be read)."""

    columns: list[str]
    rows: list[tuple]
    error: str | None = None


def snapshot(target: Target, tables: Iterable[str]) -> dict[str, TableSnapshot]:
    """Read every table whole (final tables are small in a test run) and normalise the values."""
    from snowsim.simulator.targets import DBError, error_text  # noqa: PLC0415

    out = {}
    for table in tables:
        try:
            cur = target.execute(f"SELECT * FROM {table}")
            columns = [d[0].upper() for d in cur.description]
            rows = [tuple(normalise(v) for v in row) for row in cur.fetchall()]
            out[table.upper()] = TableSnapshot(columns, rows)
        except DBError as exc:
            out[table.upper()] = TableSnapshot([], [], error_text(exc))
    return out


class SnapshotEmulatorTarget(EmulatorTarget):
    """The emulator target, reading the final tables just before it closes."""

    def __init__(self, tables: list[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.tables = tables
        self.snapshot: dict[str, TableSnapshot] = {}

    def close(self) -> None:
        """Snapshot, then close."""
        if self.conn is not None and not self.snapshot:
            self.snapshot = snapshot(self, self.tables)
        super().close()


# ---------------------------------------------------------------- diffs


@dataclass
class Difference:
    """One thing the two runs disagree on."""

    kind: str  # column_only_in | row_only_in | value | key_only_in | duplicate_key | unreadable | task_count | error
    where: str  # table or task
    detail: dict[str, Any]

    def text(self, left: str, right: str) -> str:
        """One readable line."""
        d = self.detail
        if self.kind == "value":
            return f"{self.where} key {d['key']}: {d['column']} {left}={d['left']!r} {right}={d['right']!r}"
        if self.kind in ("row_only_in", "key_only_in"):
            side = left if d["side"] == "left" else right
            what = f"key {d['key']}" if self.kind == "key_only_in" else f"row {d['row']}"
            return f"{self.where}: {what} only in {side} (x{d.get('count', 1)})"
        if self.kind == "task_count":
            return f"{self.where}: {d['what']} {left}={d['left']} {right}={d['right']}"
        return f"{self.where}: {self.kind} {json.dumps(d, default=str, ensure_ascii=False)}"


def _key_index(snap: TableSnapshot, key: str) -> dict[Any, list[tuple]] | None:
    if key not in snap.columns:
        return None
    i = snap.columns.index(key)
    index: dict[Any, list[tuple]] = {}
    for row in snap.rows:
        index.setdefault(row[i], []).append(row)
    return index


def diff_table(table: str, left: TableSnapshot, right: TableSnapshot, key: str | None,
               ignore: set[str]) -> tuple[list[Difference], int]:
    """Every difference between two snapshots of one table (listed up to MAX_LISTED), and the full count."""
    if left.error or right.error:
        if left.error == right.error:
            return [], 0
        return [Difference("unreadable", table, {"left": left.error, "right": right.error})], 1
    diffs: list[Difference] = []
    for side, cols, other in (("left", left.columns, right.columns), ("right", right.columns, left.columns)):
        for col in cols:
            if col not in other and f"{table}.{col}" not in ignore:
                diffs.append(Difference("column_only_in", table, {"side": side, "column": col}))
    common = [c for c in left.columns if c in right.columns and f"{table}.{c}" not in ignore]

    def project(snap: TableSnapshot) -> list[tuple]:
        idx = [snap.columns.index(c) for c in common]
        return [tuple(row[i] for i in idx) for row in snap.rows]

    total = len(diffs)
    lrows, rrows = project(left), project(right)
    lkeys = _key_index(TableSnapshot(common, lrows), key) if key else None
    rkeys = _key_index(TableSnapshot(common, rrows), key) if key else None
    if lkeys is not None and rkeys is not None:
        for k in sorted(set(lkeys) | set(rkeys), key=lambda v: (v is None, str(v))):
            a, b = lkeys.get(k, []), rkeys.get(k, [])
            if not a or not b:
                total += 1
                if len(diffs) < MAX_LISTED:
                    diffs.append(Difference("key_only_in", table, {"side": "left" if a else "right", "key": k,
                                                                  "count": len(a or b)}))
            elif len(a) == 1 and len(b) == 1:
                for col, x, y in zip(common, a[0], b[0], strict=True):
                    if x != y:
                        total += 1
                        if len(diffs) < MAX_LISTED:
                            diffs.append(Difference("value", table, {"key": k, "column": col, "left": x, "right": y}))
            elif Counter(a) != Counter(b):
                total += 1
                if len(diffs) < MAX_LISTED:
                    diffs.append(Difference("duplicate_key", table, {"key": k, "left_rows": len(a),
                                                                    "right_rows": len(b)}))
        return diffs, total
    only_left, only_right = Counter(lrows) - Counter(rrows), Counter(rrows) - Counter(lrows)
    for side, rows in (("left", only_left), ("right", only_right)):
        for row, count in sorted(rows.items(), key=lambda kv: str(kv[0])):
            total += 1
            if len(diffs) < MAX_LISTED:
                diffs.append(Difference("row_only_in", table, {"side": side, "row": dict(zip(common, row,
                                                                                            strict=True)),
                                                               "count": count}))
    return diffs, total


_CODE = re.compile(r"^\s*(\d{3,7})\b")


def task_outcomes(result: RunResult) -> dict[str, dict[str, int]]:
    """Task -> {SUCCEEDED, FAILED, SKIPPED, CANCELLED, error:<code>} counts, from a run's task summary."""
    out: dict[str, dict[str, int]] = {}
    for task, s in result.task_summary.items():
        counts = {"SUCCEEDED": s.get("succeeded", 0), "FAILED": s.get("failed", 0), "SKIPPED": s.get("skipped", 0),
                  "CANCELLED": s.get("cancelled", 0)}
        for error, n in (s.get("errors") or {}).items():
            match = _CODE.match(str(error))
            name = f"error {match.group(1) if match else 'without code'}"
            counts[name] = counts.get(name, 0) + n
        out[task] = counts
    return out


def outcomes_from_graph_runs(runs: Iterable[Any]) -> dict[str, dict[str, int]]:
    """The same counts from the graph runs a live target drove (its own TASK_HISTORY reads, every task row)."""
    out: dict[str, dict[str, int]] = {}
    for graph in runs:
        for row in graph.tasks:
            counts = out.setdefault(row.task, {"SUCCEEDED": 0, "FAILED": 0, "SKIPPED": 0, "CANCELLED": 0})
            state = "FAILED" if row.state == "FAILED_AND_AUTO_SUSPENDED" else row.state
            counts[state] = counts.get(state, 0) + 1
            if state == "FAILED":
                name = f"error {row.error_code or 'without code'}"
                counts[name] = counts.get(name, 0) + 1
    return dict(sorted(out.items()))


def diff_tasks(left: dict[str, dict[str, int]], right: dict[str, dict[str, int]]) -> list[Difference]:
    """Per task and per outcome, every count that differs."""
    diffs = []
    for task in sorted(set(left) | set(right)):
        a, b = left.get(task, {}), right.get(task, {})
        for what in sorted(set(a) | set(b)):
            if a.get(what, 0) != b.get(what, 0):
                diffs.append(Difference("task_count", task, {"what": what, "left": a.get(what, 0),
                                                             "right": b.get(what, 0)}))
    return diffs


# ---------------------------------------------------------------- the report


@dataclass
class ParityReport:
    """What two runs of one scenario disagree on; empty when they agree."""

    scenario: str
    pipeline: str
    seed: int
    left: str
    right: str
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)  # table -> rows each side, differences
    tasks: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)  # side -> task -> outcome counts
    differences: list[Difference] = field(default_factory=list)
    ignored_columns: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # side -> why that run did not finish

    @property
    def empty(self) -> bool:
        """True when nothing differs."""
        return not self.differences and not self.errors

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict of the whole report."""
        return json.loads(json.dumps({
            "scenario": self.scenario, "pipeline": self.pipeline, "seed": self.seed,
            "left": self.left, "right": self.right, "identical": self.empty,
            "differences_total": sum(t["differences"] for t in self.tables.values())
            + sum(1 for d in self.differences if d.kind == "task_count"),
            "tables": self.tables, "tasks": self.tasks, "ignored_columns": self.ignored_columns,
            "errors": self.errors,
            "differences": [{"kind": d.kind, "where": d.where, **d.detail} for d in self.differences],
        }, default=str))

    def write_json(self, path: str | Path) -> Path:
        """Write to_json() to a file."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return path

    def text(self) -> str:
        """A readable report: verdict, per-table and per-task differences."""
        verdict = "identical" if self.empty else f"{len(self.differences)} difference(s) listed"
        lines = [f"parity: scenario {self.scenario} on pipeline {self.pipeline}, seed {self.seed}: "
                 f"{self.left} vs {self.right}: {verdict}"]
        for side, error in self.errors.items():
            lines.append(f"  {side} run failed: {error}")
        for table, info in self.tables.items():
            mark = "same" if not info["differences"] else f"{info['differences']:,} difference(s)"
            lines.append(f"  {table}: {self.left} {info['left_rows']:,} rows, {self.right} {info['right_rows']:,} "
                         f"rows: {mark}")
            for d in [d for d in self.differences if d.where == table][:TEXT_LISTED]:
                lines.append("    " + d.text(self.left, self.right)[:300])
        task_diffs = [d for d in self.differences if d.kind == "task_count"]
        lines.append(f"  task runs: {'same' if not task_diffs else f'{len(task_diffs)} difference(s)'}")
        for d in task_diffs:
            lines.append("    " + d.text(self.left, self.right))
        if self.ignored_columns:
            lines.append(f"  ignored columns: {', '.join(self.ignored_columns)} (filled from the account's clock)")
        return "\n".join(lines)


def compare(scenario: str, pipeline: Pipeline, seed: int, sides: dict[str, tuple[RunResult | None,
            dict[str, TableSnapshot], str | None]], ignore: dict[str, str],
            outcomes: dict[str, dict[str, dict[str, int]]] | None = None) -> ParityReport:
    """A report from two finished runs: (result, snapshots, error) per side label, left first.

    outcomes overrides a side's task counts (a live target's own graph runs rather than the runner's watcher).
    """
    outcomes = outcomes or {}
    (lname, (lres, lsnap, lerr)), (rname, (rres, rsnap, rerr)) = list(sides.items())
    report = ParityReport(scenario, pipeline.name, seed, lname, rname, ignored_columns=dict(ignore))
    for name, err in ((lname, lerr), (rname, rerr)):
        if err:
            report.errors[name] = err
    keys = {f.table.upper(): f.key for f in pipeline.final_tables}
    for table in keys:
        a, b = lsnap.get(table), rsnap.get(table)
        if a is None or b is None:
            continue
        diffs, total = diff_table(table, a, b, keys[table], set(ignore))
        report.tables[table] = {"left_rows": len(a.rows), "right_rows": len(b.rows), "differences": total,
                                "listed": len(diffs), "key": keys[table]}
        report.differences.extend(diffs)
    if lres is not None and rres is not None:
        report.tasks = {lname: outcomes.get(lname) or task_outcomes(lres),
                        rname: outcomes.get(rname) or task_outcomes(rres)}
        report.differences.extend(diff_tasks(report.tasks[lname], report.tasks[rname]))
    return report


# ---------------------------------------------------------------- running both




def run_parity(
    scenario: str | Path | Scenario,
    *,
    pipeline: str | Path | Pipeline | None = None,
    seed: int | None = None,
    right: Callable[[Callable[[Any], None]], Target] | None = None,
    right_name: str = "snowflake",
    left_pipeline: str | Path | Pipeline | None = None,
    right_seed: int | None = None,
    ignore_columns: Iterable[str] = (),
    **overrides: Any,
) -> ParityReport:
    """Run the scenario on the emulator (left) and on `right` (default: the live target) with the same seed; diff.

    right(snap) builds the right-hand target and must call snap(target) before its teardown (SnowflakeTarget's
    before_teardown); without it, a SnowflakeTarget from the default configuration is used. left_pipeline runs a
    different pipeline on the left (to see how two designs differ on the same traffic); right_seed gives the right
    run other traffic (a deliberately different run, to see what a report of differences looks like).
    """
    from snowsim.simulator.runner import run_scenario  # noqa: PLC0415

    # The runner's own options go to run_scenario; the rest override scenario fields.
    options = {k: overrides.pop(k) for k in RUNNER_OPTIONS if k in overrides}
    scn = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    scn = scn.with_overrides(**overrides)
    pipe = pipeline if isinstance(pipeline, Pipeline) else load_pipeline(pipeline or scn.pipeline)
    lpipe = left_pipeline if isinstance(left_pipeline, Pipeline) else (
        load_pipeline(left_pipeline) if left_pipeline else pipe)
    tables = [f.table.upper() for f in pipe.final_tables]
    ignore = {**clock_columns(pipe), **clock_columns(lpipe),
              **{c.upper(): "ignored on request" for c in ignore_columns}}

    left = SnapshotEmulatorTarget([f.table.upper() for f in lpipe.final_tables])
    sides: dict[str, tuple[RunResult | None, dict[str, TableSnapshot], str | None]] = {}
    lres, lerr = _run(run_scenario, scn, left, lpipe, seed, options)
    sides["emulator"] = (lres, left.snapshot, lerr)

    taken: dict[str, TableSnapshot] = {}

    def snap(target: Target) -> None:
        taken.update(snapshot(target, tables))

    if right is None:
        from snowsim.simulator.live.target import SnowflakeTarget  # noqa: PLC0415

        rtarget: Target = SnowflakeTarget(before_teardown=snap)
    else:
        rtarget = right(snap)
    rres, rerr = _run(run_scenario, scn, rtarget, pipe, seed if right_seed is None else right_seed, options)
    rname = right_name if right_name != "emulator" else "emulator (2)"
    sides[rname] = (rres, taken, rerr)
    # A live target read every task row of every graph run it started: count those, on the account's own terms.
    runs = getattr(rtarget, "graph_runs", None)
    outcomes = {rname: outcomes_from_graph_runs(runs)} if runs else {}
    used_seed = (lres or rres).seed if (lres or rres) else scn.seed
    return compare(scn.name, pipe, used_seed, sides, ignore, outcomes)


def _run(run: Callable[..., RunResult], scn: Scenario, target: Target, pipe: Pipeline,
         seed: int | None, options: dict[str, Any]) -> tuple[RunResult | None, str | None]:
    from snowsim.simulator.results import RunConfigError  # noqa: PLC0415
    from snowsim.simulator.runner import TargetError  # noqa: PLC0415

    try:
        return run(scn, target=target, pipeline=pipe, seed=seed, **options), None
    except RunConfigError:
        raise  # bad configuration: nothing to compare, say so at once
    except TargetError as exc:
        return None, str(exc)
