"""Parse human durations such as "90s", "1h30m", "15d" or "250ms" into timedeltas."""

from __future__ import annotations

import re
from datetime import timedelta

_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)")


def parse_duration(value: str | int | float | timedelta) -> timedelta:
    """Turn "1h30m", "15d", "90s", "250ms" (or a number of seconds, or a timedelta) into a timedelta."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool):  # bool is an int subclass; "true" is never a duration
        raise ValueError(f"invalid duration {value!r}")
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError(f"duration must not be negative, got {value!r}")
        return timedelta(seconds=value)
    if not isinstance(value, str):
        raise ValueError(f"invalid duration {value!r}: expected a string like '90s', '1h30m' or '15d'")
    text = value.strip().lower()
    if not text:
        raise ValueError("empty duration: expected a string like '90s', '1h30m' or '15d'")
    pos, seconds = 0, 0.0
    for match in _PART.finditer(text):
        # Every character must belong to a number+unit pair: "1h30" or "1x" are typos, not durations.
        if text[pos : match.start()].strip():
            break
        seconds += float(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    if pos == 0 or text[pos:].strip():
        raise ValueError(f"invalid duration {value!r}: expected a string like '90s', '1h30m' or '15d'")
    return timedelta(seconds=seconds)


def format_duration(delta: timedelta) -> str:
    """Render a timedelta compactly ("1d2h", "90s" -> "1m30s"), the inverse of parse_duration."""
    ms = round(delta.total_seconds() * 1000)
    if ms == 0:
        return "0s"
    sign, ms = ("-", -ms) if ms < 0 else ("", ms)
    parts = []
    for unit, size in (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)):
        count, ms = divmod(ms, size)
        if count:
            parts.append(f"{count}{unit}")
    return sign + "".join(parts)
