"""--speed: 'max' runs flat out; 'Nx' keeps simulated time at N times wall time so a person can watch."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

_SPEED = re.compile(r"^\s*(?P<factor>\d+(?:\.\d+)?)\s*x?\s*$", re.IGNORECASE)


def parse_speed(text: str) -> float | None:
    """'max' -> None (no throttle); '60x' or '60' -> 60.0; anything else raises ValueError."""
    if text.strip().lower() == "max":
        return None
    match = _SPEED.match(text)
    if not match or float(match["factor"]) <= 0:
        raise ValueError(f"invalid speed {text!r}: use max or a positive multiple of real time like 60x")
    return float(match["factor"])


class Pacer:
    """A RunObserver that sleeps in on_tick until wall time catches up with simulated time / speed."""

    def __init__(self, speed: float, *, sleep: Callable[[float], None] = time.sleep,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.speed = speed
        self._sleep, self._monotonic = sleep, monotonic
        self._wall0 = 0.0
        self._start: Any = None

    def on_start(self, info: Any) -> None:
        """Start both clocks together."""
        self._start, self._wall0 = info.start, self._monotonic()

    def on_tick(self, sample: Any) -> None:
        """Sleep off any lead the simulation has over real time × speed."""
        due = (sample.at - self._start).total_seconds() / self.speed
        ahead = due - (self._monotonic() - self._wall0)
        if ahead > 0:
            self._sleep(ahead)

    def on_moment(self, moment: Any) -> None:
        """Moments do not pace the run."""

    def on_finish(self, result: Any) -> None:
        """Nothing to release."""
