"""Fair bcrypt slots: a few hashes at a time for the whole app, at most one at a time per client address.

bcrypt is slow on purpose, so the number of hashes in flight is bounded (they run in worker
threads, off the event loop). A single shared queue would let one address that sends many
logins at once push everyone else's behind its own; here each address has one place in the
shared queue at a time (its other logins wait in its own line), so another address waits for at
most one hash per busy address. Per-address lines exist only while they are used, so memory is
bounded by the logins in flight.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio


class _Line:
    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = anyio.Lock()  # FIFO: an address's own logins keep their order
        self.users = 0


class FairSlots:
    """`async with slots.take(address)`: one hash slot, shared fairly by address."""

    def __init__(self, total: int) -> None:
        self.limiter = anyio.CapacityLimiter(total)  # for anyio.to_thread.run_sync
        self._shared = anyio.CapacityLimiter(total)
        self._lines: dict[str, _Line] = {}

    @asynccontextmanager
    async def take(self, address: str) -> AsyncIterator[None]:
        """Wait for the address's turn, then for a shared slot."""
        line = self._lines.get(address)
        if line is None:
            line = self._lines[address] = _Line()
        line.users += 1
        try:
            async with line.lock, self._shared:
                yield
        finally:
            line.users -= 1
            if line.users == 0:
                del self._lines[address]

    @property
    def addresses_waiting(self) -> int:
        """How many addresses have logins in flight (bounded by the logins in flight)."""
        return len(self._lines)
