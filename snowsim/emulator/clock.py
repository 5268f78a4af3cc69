"""Clocks: the virtual clock a simulation advances by hand, and the system clock used by default."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def utc_naive(moment: datetime) -> datetime:
    """Normalise a datetime to naive UTC, the one representation used inside the emulator."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


class Clock:
    """A virtual clock (naive UTC) that only moves when told to, like Kafka Streams' TopologyTestDriver."""

    virtual = True

    def __init__(self, start: datetime | None = None) -> None:
        self._now = utc_naive(start or datetime(2026, 1, 5, 8, 0, 0))

    def now(self) -> datetime:
        """The current virtual time (naive UTC)."""
        return self._now

    def set(self, moment: datetime) -> None:
        """Move the clock to `moment`; time never goes backwards."""
        moment = utc_naive(moment)
        if moment < self._now:
            raise ValueError(f"the virtual clock cannot go back from {self._now} to {moment}")
        self._now = moment

    def advance(self, delta: timedelta) -> datetime:
        """Move the clock forward by `delta` and return the new time."""
        self.set(self._now + delta)
        return self._now

    def __repr__(self) -> str:
        return f"Clock({self._now.isoformat()})"


class SystemClock(Clock):
    """Wall-clock time; a connection without a virtual clock runs no task by itself."""

    virtual = False

    def __init__(self) -> None:
        pass

    def now(self) -> datetime:
        """The current wall-clock time (naive UTC)."""
        return datetime.now(UTC).replace(tzinfo=None)

    def set(self, moment: datetime) -> None:
        raise TypeError("the system clock cannot be set; pass connect(clock=Clock(start=...)) for virtual time")
