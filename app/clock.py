"""Time, injected: every part that reads the time takes a Clock, so tests move it instead of sleeping."""

import time
from typing import Protocol


class Clock(Protocol):
    """Wall-clock seconds since the epoch (for stored times) and a monotonic clock (for durations)."""

    def now(self) -> float: ...

    def monotonic(self) -> float: ...


class SystemClock:
    """The real clock."""

    def now(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.perf_counter()


class FakeClock:
    """A clock that moves only when told to (tests)."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self._now = start
        self._mono = 0.0

    def now(self) -> float:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    def advance(self, seconds: float) -> None:
        self._now += seconds
        self._mono += seconds
