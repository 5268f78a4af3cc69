"""Numbers as the screen prints them, and figures read from a run's samples."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from snowsim.simulator.durations import format_duration


def count(value: int | float | None) -> str:
    """1402 -> '1,402'; None -> '-'."""
    return "-" if value is None else f"{value:,.0f}"


def seconds(value: float | None) -> str:
    """A latency in seconds as '850ms', '42s', '3m12s'; None -> '-'."""
    if value is None:
        return "-"
    if value < 1:
        return f"{value * 1000:.0f}ms"
    if value < 60:
        return f"{value:.0f}s" if value >= 10 else f"{value:.1f}s"
    return format_duration(timedelta(seconds=round(value)))


def clock(at: datetime, start: datetime, end: datetime) -> str:
    """The virtual time: 'HH:MM' when the run stays within one day, 'MM-DD HH:MM' when it spans several."""
    return at.strftime("%H:%M") if start.date() == end.date() else at.strftime("%m-%d %H:%M")


def total(value: int | dict[str, int] | None) -> int:
    """A figure given either as a total or per object (task runs, failures)."""
    if value is None:
        return 0
    return sum(value.values()) if isinstance(value, dict) else int(value)


def of(value: Any, name: str) -> Any:
    """The figure of one object when the sample gives it per object, else None."""
    return value.get(name) if isinstance(value, dict) else None


def layer_rows(tables: Iterable[str], sample: Any) -> int | None:
    """Rows in a layer's tables, or None when the sample counts none of them."""
    rows = getattr(sample, "rows", None) or {}
    found = [rows[t] for t in tables if t in rows and rows[t] is not None]
    return sum(found) if found else None


def short_names(names: Iterable[str]) -> dict[str, str]:
    """SCHEMA.NAME -> NAME, except where two objects share a NAME (then both keep their schema)."""
    names = list(dict.fromkeys(names))
    bare = [n.rsplit(".", 1)[-1] for n in names]
    return {n: b if bare.count(b) == 1 else n for n, b in zip(names, bare, strict=True)}
