"""What the screen shows about a run, written by the run loop and read by the render thread."""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from dataclasses import dataclass
from typing import Any

MOMENTS_KEPT = 200


@dataclass(frozen=True)
class Snapshot:
    """A consistent copy of the state for one frame."""

    info: Any
    sample: Any
    previous: Any
    moments: list[Any]
    moment_counts: Counter[str]
    result: Any
    wall_seconds: float
    speed: float | None


class RunState:
    """The latest sample, the one before it, and the notable moments of a run: all a frame needs.

    It is itself a RunObserver: each on_* call only swaps a reference or appends to a deque.
    """

    def __init__(self, speed: float | None = None) -> None:
        self.speed = speed  # None: flat out; else simulated seconds per wall second
        self.info: Any = None
        self.sample: Any = None
        self.previous: Any = None
        self.result: Any = None
        self._moments: deque[Any] = deque(maxlen=MOMENTS_KEPT)
        self._counts: Counter[str] = Counter()
        self._started = time.monotonic()
        # The run thread appends moments while the render thread copies them: a deque raises if mutated mid-copy.
        self._lock = threading.Lock()

    def on_start(self, info: Any) -> None:
        """A run begins: remember its info and restart the wall clock."""
        self.info = info
        self._started = time.monotonic()

    def on_tick(self, sample: Any) -> None:
        """Keep the new sample (a reference swap: the renderer never sees half a sample)."""
        self.previous, self.sample = self.sample, sample

    def on_moment(self, moment: Any) -> None:
        """Record a notable moment."""
        with self._lock:
            self._moments.append(moment)
            self._counts[moment.kind] += 1

    def on_finish(self, result: Any) -> None:
        """The run is over: keep its result for the final frame."""
        self.result = result

    @property
    def wall_seconds(self) -> float:
        """Wall time since the run started."""
        return time.monotonic() - self._started

    def snapshot(self) -> Snapshot:
        """A copy for one frame."""
        with self._lock:
            moments, counts = list(self._moments), Counter(self._counts)
        return Snapshot(self.info, self.sample, self.previous, moments, counts, self.result, self.wall_seconds,
                        self.speed)
