"""Checks, named after Snowflake's data metric functions and dbt tests, computed in SQL on the target.

A failing check explains itself: the ground truth (which fault touched the events behind the keys at fault) is loaded
into a temporary table on the target and joined there, and a few offending rows come back as sample_rows.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from snowsim.simulator.durations import format_duration
from snowsim.simulator.latency import LatencyTracker
from snowsim.simulator.metrics import TaskWatcher
from snowsim.simulator.pipeline import Pipeline
from snowsim.simulator.results import CheckResult
from snowsim.simulator.scenario import (
    AcceptedValuesCheck,
    Check,
    DuplicateCountCheck,
    FreshnessCheck,
    LatencyCheck,
    NullCountCheck,
    ReconcileCheck,
    RowCountCheck,
    SqlCheck,
    StreamBacklogCheck,
    TaskFailuresCheck,
    UniqueCheck,
)
from snowsim.simulator.targets import DBError, Target, error_text
from snowsim.simulator.truth import BATCH_REJECTED, TRUTH_COLUMNS, TableTruth, load_table, truth_rows

SAMPLE_ROWS = 5
SAMPLE_KEYS = 5


@dataclass
class CheckContext:
    """What checks read: the target, the manifest, the ground truth, and the runner's observations."""

    target: Target
    pipeline: Pipeline
    truths: dict[str, TableTruth]
    now: datetime
    tracker: LatencyTracker | None = None
    watcher: TaskWatcher | None = None
    duplicated_event_ids: frozenset[str] = frozenset()  # event ids the duplicate fault delivered twice
    _loaded: dict[str, str] = field(default_factory=dict)

    def truth_table(self, table: str) -> str | None:
        """The ground-truth table of a final table on the target (loaded on first use), None if not final."""
        truth = self.truths.get(table.upper())
        if truth is None:
            return None
        if table.upper() not in self._loaded:
            name = "TRUTH_" + table.upper().replace(".", "_")
            self._loaded[table.upper()] = load_table(self.target, name, TRUTH_COLUMNS, truth_rows(truth))
        return self._loaded[table.upper()]


# ---------------------------------------------------------------- naming


def check_name(check: Check) -> str:
    """A readable, stable name for a check (sql checks carry their own)."""
    kind = check.type
    if isinstance(check, SqlCheck):
        return check.name
    if isinstance(check, (UniqueCheck, DuplicateCountCheck)):
        return f"{kind} {check.table}({', '.join(check.columns)})"
    if isinstance(check, (NullCountCheck, AcceptedValuesCheck, FreshnessCheck)):
        return f"{kind} {check.table}.{check.column}"
    if isinstance(check, ReconcileCheck):
        return f"{kind} {check.table}.{check.key}"
    if isinstance(check, TaskFailuresCheck):
        return f"{kind} {check.task or 'all tasks'}"
    if isinstance(check, StreamBacklogCheck):
        return f"{kind} {check.stream}"
    return f"{kind} {check.table}"


# ---------------------------------------------------------------- helpers


def jsonable(value: Any) -> Any:
    """A value as JSON can hold it (timestamps as ISO text, decimals as numbers, VARIANT text parsed)."""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _rows(target: Target, sql: str, params: Sequence[Any] | None = None, limit: int = SAMPLE_ROWS) -> list[dict]:
    return [{k: jsonable(v) for k, v in row.items()} for row in target.query_dicts(sql, params)[:limit]]


def _scalar(target: Target, sql: str, params: Sequence[Any] | None = None) -> Any:
    return target.query(sql, params)[0][0]


def _n(count: int, word: str) -> str:
    return f"{count:,} {word}" + ("" if count == 1 else "s")


def describe_cause(cause: str) -> str:
    """'late+duplicate|ORDER_CREATED' -> 'late, duplicate ORDER_CREATED'; untouched events say so."""
    faults, _, event_type = cause.partition("|")
    names = [f for f in faults.split("+") if f and f != BATCH_REJECTED]
    text = f"{', '.join(names)} {event_type}" if names else event_type
    if BATCH_REJECTED in faults:
        text += " (its batch was rejected by the landing table)"
    elif not names:
        text += " (untouched by any fault)"
    return text


def _keys(rows: Sequence[Sequence[Any]], limit: int = SAMPLE_KEYS) -> str:
    keys = [str(r[0]) for r in rows[:limit]]
    return ", ".join(keys) + (", ..." if len(rows) > limit else "")


def _by_cause(groups: list[tuple], what: str) -> list[str]:
    """Lines 'N <cause> events <what>: K1, K2 ...' from (cause, count, sample keys json) groups."""
    lines = []
    for cause, count, sample in groups:
        keys = json.loads(sample) if isinstance(sample, str) else list(sample or [])
        shown = ", ".join(str(k) for k in keys[:SAMPLE_KEYS]) + (", ..." if count > SAMPLE_KEYS else "")
        lines.append(f"{_n(int(count), describe_cause(cause) + ' event')} {what}: {shown}")
    return lines


def _cause_groups(target: Target, sql_from_where: str, params: Sequence[Any] = (), column: str = "X.CAUSE") -> list:
    """(cause, count, first keys) grouped in SQL, most frequent first."""
    return target.query(
        f"SELECT {column} AS CAUSE, COUNT(*) AS N, ARRAY_AGG(X.KEY) WITHIN GROUP (ORDER BY X.KEY) AS KEYS "
        f"{sql_from_where} GROUP BY {column} ORDER BY N DESC, CAUSE",
        list(params),
    )


# ---------------------------------------------------------------- the checks


def _row_count(ctx: CheckContext, c: RowCountCheck) -> CheckResult:
    count = int(_scalar(ctx.target, f"SELECT COUNT(*) FROM {c.table}"))
    problems = []
    if c.equals is not None and count != c.equals:
        problems.append(f"expected exactly {c.equals:,}")
    if c.min is not None and count < c.min:
        problems.append(f"expected at least {c.min:,}")
    if c.max is not None and count > c.max:
        problems.append(f"expected at most {c.max:,}")
    verdict = "; ".join(problems) if problems else "within bounds"
    return _result(c, not problems, f"{c.table} has {_n(count, 'row')}: {verdict}", {"row_count": count})


def _null_count(ctx: CheckContext, c: NullCountCheck) -> CheckResult:
    nulls = int(_scalar(ctx.target, f"SELECT COUNT(*) FROM {c.table} WHERE {c.column} IS NULL"))
    passed = nulls <= c.max
    message = f"{c.table}.{c.column} has {_n(nulls, 'NULL')} (max {c.max})"
    result = _result(c, passed, message, {"null_count": nulls})
    if not passed:
        result.sample_rows = _rows(ctx.target, f"SELECT * FROM {c.table} WHERE {c.column} IS NULL LIMIT {SAMPLE_ROWS}")
        truth = ctx.truths.get(c.table.upper())
        x = ctx.truth_table(c.table)
        if truth is not None and x is not None:
            groups = _cause_groups(
                ctx.target,
                f"FROM {c.table} F JOIN {x} X ON TO_VARCHAR(F.{truth.key_column}) = X.KEY WHERE F.{c.column} IS NULL",
            )
            lines = _by_cause(groups, f"are behind a NULL {c.column}")
            result.message += "; by the first event of each key: " + "; ".join(lines)
            result.details["causes"] = {cause: int(n) for cause, n, _ in groups}
    return result


def _duplicates(ctx: CheckContext, c: DuplicateCountCheck | UniqueCheck, limit: int) -> CheckResult:
    cols = ", ".join(c.columns)
    not_null = " AND ".join(f"{col} IS NOT NULL" for col in c.columns)
    dup_sql = f"SELECT {cols}, COUNT(*) AS N FROM {c.table} WHERE {not_null} GROUP BY {cols} HAVING COUNT(*) > 1"
    keys, extra = ctx.target.query(f"SELECT COUNT(*), COALESCE(SUM(N - 1), 0) FROM ({dup_sql})")[0]
    keys, extra = int(keys), int(extra)
    passed = keys <= limit
    what = f"({cols})" if len(c.columns) > 1 else cols
    message = f"{c.table}: {_n(keys, 'duplicated ' + what + ' value')} ({extra:,} extra rows; max {limit})"
    result = _result(c, passed, message, {"duplicated_keys": keys, "extra_rows": extra})
    if passed:
        return result
    sample = ctx.target.query(f"{dup_sql} ORDER BY N DESC, {cols} LIMIT {SAMPLE_KEYS}")
    result.message += ", e.g. " + ", ".join(f"{'/'.join(str(v) for v in r[:-1])} x{r[-1]}" for r in sample)
    where = " AND ".join(f"{col} = %s" for col in c.columns)
    if sample:
        first = sample[0][:-1]
        result.sample_rows = _rows(ctx.target, f"SELECT * FROM {c.table} WHERE {where} LIMIT {SAMPLE_ROWS}", first)
    # Ground truth: which of the duplicated event ids the duplicate fault delivered twice.
    if len(c.columns) == 1 and c.columns[0].upper() == "EVENT_ID" and keys:
        ids = [r[0] for r in ctx.target.query(f"SELECT EVENT_ID FROM ({dup_sql}) LIMIT 100000")]
        redelivered = sum(1 for i in ids if str(i) in ctx.duplicated_event_ids)
        result.message += (
            f"; {redelivered:,} of them were delivered twice by the duplicate fault"
            if redelivered else "; none of them was redelivered by a fault: the pipeline itself duplicates rows"
        )
        result.details["redelivered"] = redelivered
    return result


def _accepted_values(ctx: CheckContext, c: AcceptedValuesCheck) -> CheckResult:
    marks = ", ".join(["%s"] * len(c.values))
    params = [str(v) for v in c.values]
    groups = ctx.target.query(
        f"SELECT TO_VARCHAR({c.column}) AS V, COUNT(*) FROM {c.table} "
        f"WHERE {c.column} IS NOT NULL AND TO_VARCHAR({c.column}) NOT IN ({marks}) GROUP BY 1 ORDER BY 2 DESC",
        params,
    )
    bad = sum(int(n) for _, n in groups)
    passed = bad == 0
    message = f"{c.table}.{c.column}: " + (
        "every value accepted" if passed
        else f"{_n(bad, 'row')} outside {c.values}: " + ", ".join(f"{v!r} x{n}" for v, n in groups[:SAMPLE_KEYS])
    )
    result = _result(c, passed, message, {"unexpected": {str(v): int(n) for v, n in groups}})
    if not passed:
        result.sample_rows = _rows(
            ctx.target, f"SELECT * FROM {c.table} WHERE TO_VARCHAR({c.column}) = %s LIMIT {SAMPLE_ROWS}", [groups[0][0]]
        )
    return result


def _freshness(ctx: CheckContext, c: FreshnessCheck) -> CheckResult:
    # Age against the target's clock at the end of the run. A TIMESTAMP_NTZ value is read in the session's time
    # zone (the NTZ -> LTZ cast), Snowflake's default like the tasks that stamp it with CURRENT_TIMESTAMP().
    newest, age = ctx.target.query(
        f"SELECT MAX({c.column}), DATEDIFF('second', MAX({c.column})::TIMESTAMP_LTZ, CURRENT_TIMESTAMP()) "
        f"FROM {c.table}"
    )[0]
    limit = c.max_age.total_seconds()
    if newest is None:
        return _result(c, False, f"{c.table}.{c.column} has no value at all (table empty?)", {"newest": None})
    passed = age is not None and age <= limit
    message = (
        f"{c.table}.{c.column}: newest {jsonable(newest)} is {_duration(age)} old "
        f"at {ctx.now:%Y-%m-%d %H:%M:%S} UTC (max {format_duration(c.max_age)})"
    )
    return _result(c, passed, message, {"newest": jsonable(newest), "age_s": age, "max_age_s": limit})


def _reconcile(ctx: CheckContext, c: ReconcileCheck) -> CheckResult:
    table, k = c.table.upper(), c.key
    truth = ctx.truths.get(table)
    if truth is None:
        finals = ", ".join(ctx.truths) or "none"
        return _result(c, False, f"{c.table} is not a final table of pipeline {ctx.pipeline.name} "
                       f"(final_tables: {finals}); nothing to reconcile against", {})
    x = ctx.truth_table(table)
    s = c.status_column
    e = truth.event_time_column
    fkey = f"TO_VARCHAR(F.{k})"
    present = f"SELECT DISTINCT TO_VARCHAR({k}) AS K FROM {c.table} WHERE {k} IS NOT NULL"
    missing_where = f"FROM {x} X WHERE X.EXPECTED AND X.KEY NOT IN ({present})"
    status_where = f"FROM {x} X JOIN {c.table} F ON {fkey} = X.KEY WHERE X.EXPECTED AND F.{s} IS DISTINCT FROM X.STATUS"
    time_where = (
        f"FROM {x} X JOIN {c.table} F ON {fkey} = X.KEY WHERE X.EXPECTED AND F.{e} IS DISTINCT FROM X.LAST_TS"
    )
    counts = ctx.target.query_dicts(
        "SELECT "
        f"(SELECT COUNT(*) FROM {x} WHERE EXPECTED) AS EXPECTED, "
        f"(SELECT COUNT(*) {missing_where}) AS MISSING, "
        f"(SELECT COUNT(*) FROM (SELECT {k} FROM {c.table} WHERE {k} IS NOT NULL GROUP BY {k} HAVING COUNT(*) > 1))"
        " AS DUPLICATED, "
        f"(SELECT COUNT(*) FROM {c.table} WHERE {k} IS NULL) AS NULL_KEYS, "
        f"(SELECT COUNT(*) FROM ({present}) P WHERE P.K NOT IN (SELECT KEY FROM {x})) AS UNKNOWN, "
        f"(SELECT COUNT(*) FROM ({present}) P JOIN {x} X ON X.KEY = P.K WHERE NOT X.EXPECTED) AS NOT_EXPECTED"
        + (f", (SELECT COUNT(DISTINCT X.KEY) {status_where}) AS WRONG_STATUS" if s else "")
        + (f", (SELECT COUNT(DISTINCT X.KEY) {time_where}) AS WRONG_TIME" if e else "")
    )[0]
    n = {key.upper(): int(v or 0) for key, v in counts.items()}
    problems, lines, sample_keys = [], [], []
    if n["MISSING"]:
        problems.append(f"{n['MISSING']:,} never arrived")
        groups = _cause_groups(ctx.target, missing_where)
        lines += _by_cause(groups, f"never reached {c.table}")
        sample_keys += [json.loads(g[2])[0] if isinstance(g[2], str) else g[2][0] for g in groups[:2]]
    if n["DUPLICATED"]:
        problems.append(f"{n['DUPLICATED']:,} appear more than once")
        dups = ctx.target.query(
            f"SELECT {k}, COUNT(*) FROM {c.table} WHERE {k} IS NOT NULL GROUP BY {k} HAVING COUNT(*) > 1 "
            f"ORDER BY 2 DESC, 1 LIMIT {SAMPLE_KEYS + 1}"
        )
        lines.append(f"{_n(n['DUPLICATED'], k)} held by several rows: {_keys(dups)}")
        sample_keys.append(dups[0][0])
    if n["NULL_KEYS"]:
        problems.append(f"{_n(n['NULL_KEYS'], 'row')} with a NULL {k}")
    if n["UNKNOWN"]:
        problems.append(f"{n['UNKNOWN']:,} keys the generator never produced")
        unknown = ctx.target.query(f"SELECT K FROM ({present}) P WHERE P.K NOT IN (SELECT KEY FROM {x}) "
                                   f"ORDER BY K LIMIT {SAMPLE_KEYS + 1}")
        lines.append(f"{_n(n['UNKNOWN'], 'unknown ' + k)} (not produced by the generator): {_keys(unknown)}")
        sample_keys.append(unknown[0][0])
    if n.get("WRONG_STATUS"):
        problems.append(f"{n['WRONG_STATUS']:,} with a stale {s}")
        groups = _cause_groups(ctx.target, status_where, column="X.LAST_CAUSE")
        lines += _by_cause(groups, f"are not reflected in {s} (expected status differs)")
        detail = ctx.target.query(
            f"SELECT X.KEY, X.STATUS, F.{s} {status_where} ORDER BY X.KEY LIMIT {SAMPLE_KEYS}"
        )
        lines.append("e.g. " + ", ".join(f"{key} expected {exp} found {got}" for key, exp, got in detail))
        sample_keys.append(detail[0][0])
    if n.get("WRONG_TIME"):
        problems.append(f"{n['WRONG_TIME']:,} not at their latest event ({e})")
        groups = _cause_groups(ctx.target, time_where, column="X.LAST_CAUSE")
        lines += _by_cause(groups, f"are not the latest applied ({e} differs)")
        detail = ctx.target.query(f"SELECT X.KEY, X.LAST_TS, F.{e} {time_where} ORDER BY X.KEY LIMIT {SAMPLE_KEYS}")
        lines.append("e.g. " + ", ".join(f"{key} expected {jsonable(a)} found {jsonable(b)}" for key, a, b in detail))
        sample_keys.append(detail[0][0])
    passed = not problems
    head = f"{c.table}: {n['EXPECTED']:,} expected {k}s"
    message = head + (" all present once with their latest state" if passed else "; " + ", ".join(problems))
    if lines:
        message += ". " + ". ".join(lines)
    if n["MISSING"] and ctx.watcher is not None:
        failing = [f"{task} ({info['failed']} failed runs, last {info['last_state']})"
                   for task, info in ctx.watcher.summary().items() if info["failed"]]
        if failing:
            message += ". Meanwhile: " + "; ".join(failing)
    if n["NOT_EXPECTED"]:
        message += (f". Note: {_n(n['NOT_EXPECTED'], k)} whose first event never arrived well-formed "
                    "are present anyway (built from later events)")
    result = _result(c, passed, message, n)
    if sample_keys:
        keys = list(dict.fromkeys(str(key) for key in sample_keys))[:SAMPLE_ROWS]
        marks = ", ".join(["%s"] * len(keys))
        result.sample_rows = _rows(
            ctx.target, f"SELECT * FROM {c.table} WHERE TO_VARCHAR({k}) IN ({marks}) ORDER BY {k}", keys
        )
    return result


def _latency(ctx: CheckContext, c: LatencyCheck) -> CheckResult:
    table = c.table.upper()
    if ctx.tracker is None or table not in ctx.tracker.reached:
        return _result(c, False, f"{c.table} is not a final table of pipeline {ctx.pipeline.name}; "
                       "latency is measured on final tables only", {})
    stats = ctx.tracker.table_stats(table, ctx.now)
    if stats["error"]:
        return _result(c, False, f"{c.table} could not be observed: {stats['error']}", stats)
    p95, worst = stats["arrival_p95_s"], stats["arrival_max_s"]
    problems = []
    if p95 is None:
        return _result(c, True, f"{c.table}: no event to measure", stats)
    if p95 > c.p95_max.total_seconds():
        problems.append(f"p95 {_duration(p95)} > {format_duration(c.p95_max)}")
    if c.max is not None and worst is not None and worst > c.max.total_seconds():
        problems.append(f"max {_duration(worst)} > {format_duration(c.max)}")
    message = (
        f"{c.table}: arrival -> table p50 {_duration(stats['arrival_p50_s'])}, p95 {_duration(p95)}, "
        f"max {_duration(worst)} over {_n(stats['reached'] + stats['pending'], 'event')}"
        f" (from event time: p95 {_duration(stats['p95_s'])})"
    )
    if problems:
        message += "; " + ", ".join(problems)
    if stats["pending"]:
        message += f"; {_n(stats['pending'], 'event')} never reached it (counted as infinitely late)"
    result = _result(c, not problems, message, stats)
    if stats["pending"] and problems:
        result.sample_rows = ctx.tracker.pending_sample(table)
    return result


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "n/a"
    if math.isinf(seconds):
        return "never"
    if seconds < 0:
        return "-" + format_duration(timedelta(seconds=round(-seconds)))
    return format_duration(timedelta(seconds=round(seconds)))


def _task_failures(ctx: CheckContext, c: TaskFailuresCheck) -> CheckResult:
    watcher = ctx.watcher
    if watcher is None or watcher.error:
        reason = watcher.error if watcher else "no task history"
        return _result(c, False, f"cannot read TASK_HISTORY: {reason}", {})
    wanted = c.task.upper() if c.task else None

    def match(task: str) -> bool:
        return wanted is None or task == wanted or task.endswith("." + wanted)

    runs = [r for r in watcher.failed_runs if match(r.task)]
    passed = len(runs) <= c.max
    scope = c.task or "all tasks"
    if not runs:
        return _result(c, passed, f"{scope}: no failed run", {"failed": 0})
    per_task: dict[str, dict[str, int]] = {}
    for r in runs:
        per_task.setdefault(r.task, {}).setdefault(r.error, 0)
        per_task[r.task][r.error] += 1
    parts = []
    for task, errors in per_task.items():
        total = sum(errors.values())
        top = max(errors, key=errors.get)
        parts.append(f"{task} failed {_n(total, 'time')}, mostly with {top}")
    suspended = [t for t, s in watcher.summary().items() if match(t) and s["last_state"] == "FAILED_AND_AUTO_SUSPENDED"]
    message = f"{scope}: {_n(len(runs), 'failed run')} (max {c.max}): " + "; ".join(parts)
    if suspended:
        message += f"; auto-suspended: {', '.join(suspended)}"
    result = _result(c, passed, message, {"failed": len(runs), "per_task": per_task})
    result.sample_rows = [
        {"task": r.task, "state": r.state, "scheduled_time": jsonable(r.scheduled), "error": r.error}
        for r in runs[:SAMPLE_ROWS]
    ]
    return result


def _stream_backlog(ctx: CheckContext, c: StreamBacklogCheck) -> CheckResult:
    try:
        backlog = int(_scalar(ctx.target, f"SELECT COUNT(*) FROM {c.stream}"))
    except DBError as exc:
        return _result(c, False, f"{c.stream} cannot be read: {error_text(exc)}", {"error": error_text(exc)})
    passed = backlog <= c.max
    return _result(c, passed, f"{c.stream} holds {_n(backlog, 'unconsumed row')} at the end (max {c.max:,})",
                   {"backlog": backlog})


def _sql(ctx: CheckContext, c: SqlCheck) -> CheckResult:
    cur = ctx.target.execute(c.query)
    names = [d[0] for d in cur.description]
    rows = cur.fetchall()
    sample = [{k: jsonable(v) for k, v in zip(names, r, strict=True)} for r in rows[:SAMPLE_ROWS]]
    if c.expect == "zero_rows":
        passed = not rows
        message = "no row returned" if passed else f"{_n(len(rows), 'row')} returned where none was expected"
    elif c.expect == "nonzero":
        passed = bool(rows)
        message = f"{_n(len(rows), 'row')} returned" if passed else "no row returned where some were expected"
    else:
        value = rows[0][0] if rows else None
        passed = value == c.value or (value is not None and str(jsonable(value)) == str(c.value))
        message = f"returned {jsonable(value)!r}, expected {c.value!r}"
    result = _result(c, passed, message, {"rows": len(rows)})
    if not passed:
        result.sample_rows = sample
    return result


def _result(c: Check, passed: bool, message: str, details: dict[str, Any]) -> CheckResult:
    return CheckResult(check_name(c), c.type, passed, message, details)


_RUNNERS: dict[str, Callable[[CheckContext, Any], CheckResult]] = {
    "row_count": _row_count,
    "null_count": _null_count,
    "duplicate_count": lambda ctx, c: _duplicates(ctx, c, c.max),
    "unique": lambda ctx, c: _duplicates(ctx, c, 0),
    "accepted_values": _accepted_values,
    "freshness": _freshness,
    "reconcile": _reconcile,
    "latency": _latency,
    "task_failures": _task_failures,
    "stream_backlog": _stream_backlog,
    "sql": _sql,
}


def run_check(ctx: CheckContext, check: Check) -> CheckResult:
    """Run one check; an error from the target fails the check with the error as its explanation."""
    try:
        return _RUNNERS[check.type](ctx, check)
    except DBError as exc:
        return CheckResult(check_name(check), check.type, False, f"the check's query failed: {error_text(exc)}",
                           {"error": error_text(exc)})


def run_checks(ctx: CheckContext, checks: Sequence[Check]) -> list[CheckResult]:
    """Run every check in order; names made unique (a second identical check gets ' #2')."""
    results, seen = [], {}
    for check in checks:
        result = run_check(ctx, check)
        seen[result.name] = seen.get(result.name, 0) + 1
        if seen[result.name] > 1:
            result.name = f"{result.name} #{seen[result.name]}"
        results.append(result)
    return results
