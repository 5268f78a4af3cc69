"""Date and time functions and the connection clock (docs: sql-reference/functions/dateadd, datediff, date_trunc,
timeadd, timestampadd, convert_timezone, current_timestamp, sysdate, current_date, functions-date-time
"Supported date and time parts").

CURRENT_TIMESTAMP and friends read the DuckDB variable __now, set from the connection's (virtual) clock once before
each statement runs (connection.prepare_run), so every row of a statement sees the same instant (docs:
functions-context) and a cached translation stays valid.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from snowsim.emulator.conversion import convert
from snowsim.emulator.sqlfuncs import (
    DATE,
    LTZ,
    NTZ,
    NUMBER,
    STRING,
    TIME,
    VARIANT,
    call,
    cast,
    handles,
    handles_anonymous,
    kind,
    literal_value,
    not_supported,
    template,
    typed,
)  # fmt: skip

if TYPE_CHECKING:
    from snowsim.emulator.translate import Translator

NOW = "getvariable('__now')"  # TIMESTAMPTZ: the statement's instant

# sqlglot normalises Snowflake's date part spellings (yy, mons, hrs, mi, ...) to these names
_DATE_UNITS = {"YEAR", "QUARTER", "MONTH", "WEEK", "DAY"}
_TIME_UNITS = {"HOUR", "MINUTE", "SECOND", "MILLISECOND", "MICROSECOND", "NANOSECOND"}
_PART_ALIASES = {
    "YEARS": "YEAR", "Y": "YEAR", "YY": "YEAR", "YYY": "YEAR", "YYYY": "YEAR", "YR": "YEAR", "YRS": "YEAR",
    "QUARTERS": "QUARTER", "Q": "QUARTER", "QTR": "QUARTER", "QTRS": "QUARTER",
    "MONTHS": "MONTH", "MM": "MONTH", "MON": "MONTH", "MONS": "MONTH",
    "WEEKS": "WEEK", "W": "WEEK", "WK": "WEEK", "WEEKOFYEAR": "WEEK", "WOY": "WEEK", "WY": "WEEK",
    "DAYS": "DAY", "D": "DAY", "DD": "DAY", "DAYOFMONTH": "DAY",
    "HOURS": "HOUR", "H": "HOUR", "HH": "HOUR", "HR": "HOUR", "HRS": "HOUR",
    "MINUTES": "MINUTE", "M": "MINUTE", "MI": "MINUTE", "MIN": "MINUTE", "MINS": "MINUTE",
    "SECONDS": "SECOND", "S": "SECOND", "SEC": "SECOND", "SECS": "SECOND",
    "MILLISECONDS": "MILLISECOND", "MS": "MILLISECOND", "MSEC": "MILLISECOND", "MSECS": "MILLISECOND",
    "MICROSECONDS": "MICROSECOND", "US": "MICROSECOND", "USEC": "MICROSECOND", "USECS": "MICROSECOND",
    "NANOSECONDS": "NANOSECOND", "NS": "NANOSECOND", "NSEC": "NANOSECOND", "NANOSEC": "NANOSECOND",
    "NSECOND": "NANOSECOND", "NANOSECS": "NANOSECOND", "NSECONDS": "NANOSECOND",
}  # fmt: skip


def date_part(node: exp.Expression | None, tr: Translator) -> str:
    """The canonical name of a date/time part argument (DAY, HOUR, ...)."""
    text = literal_value(node)
    if text is None:
        raise not_supported(f"a non-constant date part ({node.sql('snowflake') if node else ''})", tr)
    part = text.upper()
    part = _PART_ALIASES.get(part, part)
    if part not in _DATE_UNITS | _TIME_UNITS:
        raise not_supported(f"the date part {text}", tr)
    return part


def _temporal(node: exp.Expression, tr: Translator) -> tuple[exp.Expression, str]:
    """A date/time argument: text and VARIANT values are read as TIMESTAMP_NTZ (implicit cast)."""
    k = kind(node)
    if k in (STRING, VARIANT):
        return convert(node, NTZ, tr), NTZ
    return node, k


# ---- DATEADD / TIMEADD / TIMESTAMPADD ---------------------------------------------------------------------------
@handles(exp.DateAdd, exp.TimeAdd, exp.TimestampAdd, exp.TsOrDsAdd)
def _dateadd(node: exp.Expression, tr: Translator) -> exp.Expression:
    part = date_part(node.args.get("unit") or exp.var("DAY"), tr)
    value, k = _temporal(node.this, tr)
    amount = node.expression
    if part == "NANOSECOND":  # DuckDB intervals stop at microseconds
        part, amount = "MICROSECOND", template("({0}) // 1000", amount)
    if part == "QUARTER":
        part, amount = "MONTH", template("({0}) * 3", amount)
    interval = exp.Interval(this=exp.Paren(this=amount), unit=exp.var(part))
    added = exp.Add(this=value, expression=interval)
    if k == DATE and part in _DATE_UNITS | {"MONTH"}:
        return cast(added, "DATE", DATE)  # DATEADD(day, 1, <date>) is a DATE (DuckDB gives a TIMESTAMP)
    if k == DATE:
        return typed(added, NTZ)
    return typed(added, k if k in (NTZ, LTZ, TIME) else NTZ)


# ---- DATEDIFF / TIMEDIFF / TIMESTAMPDIFF --------------------------------------------------------------------------
@handles(exp.DateDiff, exp.TimestampDiff, exp.TimeDiff)
def _datediff(node: exp.Expression, tr: Translator) -> exp.Expression:
    # DATEDIFF(part, start, end) counts part boundaries crossed, like DuckDB's date_diff (docs: datediff)
    part = date_part(node.args.get("unit") or exp.var("DAY"), tr)
    end, end_kind = _temporal(node.this, tr)
    start, start_kind = _temporal(node.expression, tr)
    if {start_kind, end_kind} == {DATE, NTZ}:
        start, end = cast(start, "TIMESTAMP", NTZ), cast(end, "TIMESTAMP", NTZ)
    if part == "NANOSECOND":
        return template("date_diff('microsecond', {0}, {1}) * 1000", start, end, sf_kind=NUMBER)
    return call("date_diff", part.lower(), start, end, sf_kind=NUMBER)


# ---- DATE_TRUNC ------------------------------------------------------------------------------------------------------
@handles(exp.TimestampTrunc, exp.DateTrunc)
def _date_trunc(node: exp.Expression, tr: Translator) -> exp.Expression:
    part = date_part(node.args.get("unit"), tr)
    value, k = _temporal(node.this, tr)
    if part == "NANOSECOND":
        return typed(value, k)
    truncated = call("date_trunc", part.lower(), value, sf_kind=k)
    if k == DATE:
        return cast(truncated, "DATE", DATE)  # same type as the input (docs: date_trunc)
    return truncated


# ---- CONVERT_TIMEZONE ------------------------------------------------------------------------------------------------
@handles(exp.ConvertTimezone)
def _convert_timezone(node: exp.ConvertTimezone, tr: Translator) -> exp.Expression:
    source, target, ts = node.args.get("source_tz"), node.args["target_tz"], node.args["timestamp"]
    if source is None:
        # 2 arguments: an instant, returned as TIMESTAMP_TZ; snowsim keeps the instant (shown in the session zone)
        value = ts if kind(ts) == LTZ else convert(ts, LTZ, tr)
        del target  # the instant does not depend on the zone it is displayed in
        return typed(value, LTZ)
    # 3 arguments: wall clock in source_tz -> wall clock in target_tz (TIMESTAMP_NTZ)
    value = ts if kind(ts) == NTZ else convert(ts, NTZ, tr)
    return call("timezone", target, call("timezone", source, value, sf_kind=LTZ), sf_kind=NTZ)


# ---- the clock --------------------------------------------------------------------------------------------------------
def _now(tr: Translator) -> exp.Expression:
    tr.uses_clock = True
    return template(f"CAST({NOW} AS TIMESTAMPTZ)", sf_kind=LTZ)


@handles(exp.CurrentTimestamp)
def _current_timestamp(node: exp.CurrentTimestamp, tr: Translator) -> exp.Expression:
    if node.args.get("sysdate"):
        # SYSDATE(): the current UTC time as TIMESTAMP_NTZ (docs: sysdate)
        return call("timezone", "UTC", _now(tr), sf_kind=NTZ)
    return _now(tr)  # TIMESTAMP_LTZ, shown in the session TIMEZONE (docs: current_timestamp)


@handles(exp.CurrentDate)
def _current_date(node: exp.CurrentDate, tr: Translator) -> exp.Expression:
    return cast(_now(tr), "DATE", DATE)  # the date in the session time zone


@handles(exp.CurrentTime, exp.Localtime)
def _current_time(node: exp.Expression, tr: Translator) -> exp.Expression:
    return cast(cast(_now(tr), "TIMESTAMP", NTZ), "TIME", TIME)


@handles(exp.CurrentDatetime, exp.Localtimestamp)
def _localtimestamp(node: exp.Expression, tr: Translator) -> exp.Expression:
    return _now(tr)


@handles_anonymous("SYSTIMESTAMP")
def _systimestamp(node: exp.Anonymous, tr: Translator) -> exp.Expression:
    return _now(tr)

