"""The live run screen: a RunObserver that only stores state, and a rich Live that renders it from its own thread."""

from __future__ import annotations

from types import TracebackType
from typing import Any

from rich.console import Console
from rich.live import Live

from snowsim.tui.screen import RunScreen
from snowsim.tui.state import RunState

# Frames per second: smooth enough for a person, and rendering a frame (a few ms) stays a small share of a core.
REFRESH_PER_SECOND = 4


class LiveDisplay:
    """A RunObserver for a terminal. on_* calls only swap references; rich's refresh thread draws the frames."""

    def __init__(self, console: Console, *, state: RunState | None = None,
                 refresh_per_second: float = REFRESH_PER_SECOND, transient: bool = False,
                 show_checks: bool = True) -> None:
        self.console = console
        self.state = state or RunState()
        self.show_checks = show_checks
        self._live = Live(console=console, get_renderable=self.frame, auto_refresh=True,
                          refresh_per_second=refresh_per_second, transient=transient, redirect_stdout=True,
                          redirect_stderr=True)

    def frame(self) -> RunScreen:
        """The frame for the current state (called by rich's refresh thread)."""
        return RunScreen(self.state.snapshot(), show_checks=self.show_checks)

    def on_start(self, info: Any) -> None:
        """Remember the run and start drawing."""
        self.state.on_start(info)
        if not self._live.is_started:
            self._live.start()

    def on_tick(self, sample: Any) -> None:
        """Keep the latest sample; the next frame shows it."""
        self.state.on_tick(sample)

    def on_moment(self, moment: Any) -> None:
        """Add a moment to the log."""
        self.state.on_moment(moment)

    def on_finish(self, result: Any) -> None:
        """Draw the final frame in full (taller than the terminal if need be) and stop."""
        self.state.on_finish(result)
        self.close()

    def close(self) -> None:
        """Stop drawing; safe to call twice or before the run started."""
        if self._live.is_started:
            # The final frame may be taller than the screen: print it whole instead of cutting it with an ellipsis.
            self._live.vertical_overflow = "visible"
            self._live.stop()

    def __enter__(self) -> LiveDisplay:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
