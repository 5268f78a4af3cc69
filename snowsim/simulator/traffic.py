"""When new entities appear: a seeded Poisson process shaped by a daily curve and burst windows."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta

from snowsim.simulator.scenario import Traffic

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS

# Relative order volume per hour of the day (UTC) for an online shop: night lows, a lunch bump, evening peak.
_ECOMMERCE = (0.30, 0.18, 0.12, 0.10, 0.10, 0.14, 0.28, 0.50, 0.75, 0.95, 1.05, 1.15,
              1.30, 1.20, 1.05, 1.00, 1.05, 1.25, 1.55, 1.85, 2.00, 1.80, 1.25, 0.70)  # fmt: skip


def hourly_weights(curve: str) -> tuple[float, ...]:
    """24 multipliers (one per hour, mean 1) so that `rate` stays the daily average whatever the curve."""
    if curve == "flat":
        return (1.0,) * 24
    if curve == "ecommerce":
        mean = sum(_ECOMMERCE) / 24
        return tuple(w / mean for w in _ECOMMERCE)
    raise ValueError(f"unknown traffic curve {curve!r}")


def arrivals(
    traffic: Traffic,
    start: datetime,
    duration: timedelta,
    rng: random.Random,
    bursts: Sequence[tuple[int, int, float]] = (),
) -> list[tuple[int, str]]:
    """(offset in ms from start, "orders" | "inventory") for each new entity, in time order.

    bursts are (from_ms, to_ms, multiplier) windows; overlapping windows multiply.
    """
    end_ms = int(duration.total_seconds() * 1000)
    if traffic.stop_after is not None:
        end_ms = min(end_ms, int(traffic.stop_after.total_seconds() * 1000))
    weights = hourly_weights(traffic.curve)
    day_offset = int((start - start.replace(hour=0, minute=0, second=0, microsecond=0)).total_seconds() * 1000)
    total = sum(traffic.mix.values())
    p_orders = traffic.mix.get("orders", 0.0) / total
    per_ms = traffic.rate / 1000.0
    expo, uniform = rng.expovariate, rng.random

    out: list[tuple[int, str]] = []
    t = 0.0
    while True:
        # Exponential gaps at the rate in force now: a Poisson process whose rate follows the curve.
        rate = per_ms * weights[((day_offset + int(t)) // HOUR_MS) % 24]
        for lo, hi, mult in bursts:
            if lo <= t < hi:
                rate *= mult
        t += expo(rate)
        if t >= end_ms:
            return out
        out.append((int(t), "orders" if uniform() < p_orders else "inventory"))
