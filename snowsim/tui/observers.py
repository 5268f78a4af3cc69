"""Several RunObservers behind the one observer the runner accepts."""

from __future__ import annotations

from typing import Any


class Fanout:
    """Forwards every event to each observer, in order (e.g. the pacer, then the display)."""

    def __init__(self, *observers: Any) -> None:
        self.observers = [o for o in observers if o is not None]

    def on_start(self, info: Any) -> None:
        """Forward on_start."""
        for observer in self.observers:
            observer.on_start(info)

    def on_tick(self, sample: Any) -> None:
        """Forward on_tick."""
        for observer in self.observers:
            observer.on_tick(sample)

    def on_moment(self, moment: Any) -> None:
        """Forward on_moment."""
        for observer in self.observers:
            observer.on_moment(moment)

    def on_finish(self, result: Any) -> None:
        """Forward on_finish."""
        for observer in self.observers:
            observer.on_finish(result)
