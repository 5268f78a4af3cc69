"""Progress without a live display (CI logs, pipes, --no-tui): one short line per interval of simulated time."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from rich.console import Console
from rich.markup import escape

from snowsim.simulator.durations import format_duration
from snowsim.tui import figures

PROGRESS_EVERY = timedelta(minutes=10)
# The runner already reports a failing task once per streak (and when its error changes), but a day of a flapping
# pipeline still makes hundreds of moments: past this many lines the log keeps only the count.
MAX_MOMENT_LINES = 50


class PlainProgress:
    """A RunObserver that prints `[08:10] 1,402 events  RAW 1,402 ... tasks 20 ok 0 failed` lines and moments."""

    def __init__(self, console: Console, every: timedelta = PROGRESS_EVERY) -> None:
        self.console = console
        self.every = every
        self.info: Any = None
        self._next_at: Any = None
        self._last: Any = None
        self._printed_last = False
        self._moment_lines = 0
        self._hidden = 0

    def on_start(self, info: Any) -> None:
        """Print what runs, where, and for how long."""
        self.info = info
        self._next_at = info.start + self.every
        span = format_duration(info.end - info.start)
        self._print(
            f"snowsim: {_name(info.scenario)} on {_name(info.pipeline)} ({info.target}, seed {info.seed}) "
            f"{info.start:%Y-%m-%d %H:%M} + {span}, {figures.count(info.total_events)} events planned"
        )

    def on_tick(self, sample: Any) -> None:
        """Print a progress line each time simulated time crosses the next interval."""
        self._last, self._printed_last = sample, False
        if sample.at >= self._next_at:
            self._print(self.line(sample))
            self._printed_last = True
            while self._next_at <= sample.at:
                self._next_at += self.every

    def on_moment(self, moment: Any) -> None:
        """Print a notable moment as one line, up to MAX_MOMENT_LINES of them."""
        if self._moment_lines >= MAX_MOMENT_LINES:
            self._hidden += 1
            return
        self._moment_lines += 1
        at = figures.clock(moment.at, self.info.start, self.info.end)
        self._print(f"[{at}] {moment.kind.upper().replace('_', ' ')}: {' '.join(str(moment.text).split())}")

    def on_finish(self, result: Any) -> None:
        """Print the last sample's line if the interval did not, and how many moments were left out."""
        if self._last is not None and not self._printed_last:
            self._print(self.line(self._last))
        if self._hidden:
            self._print(f"({self._hidden:,} more moments not shown; --json has them all)")

    def line(self, sample: Any) -> str:
        """`[08:10] 1,402 events  RAW 1,402  STAGING 980  PROD 640  tasks 20 ok 0 failed`."""
        info = self.info
        at = figures.clock(sample.at, info.start, info.end)
        parts = [f"[{at}] {figures.count(sample.events_delivered)} events"]
        for layer in info.pipeline.layers:
            rows = figures.layer_rows(layer.tables, sample)
            if rows is not None:
                parts.append(f"{layer.name} {figures.count(rows)}")
        runs, failed = figures.total(sample.task_runs), figures.total(sample.failures)
        parts.append(f"tasks {max(runs - failed, 0):,} ok {failed:,} failed")
        return "  ".join(parts)

    def _print(self, text: str) -> None:
        # soft_wrap: CI logs are wider than rich's 80-column default for non-terminals; never break a line.
        self.console.print(escape(text), soft_wrap=True, highlight=False)


def _name(value: Any) -> str:
    return str(getattr(value, "name", value))
