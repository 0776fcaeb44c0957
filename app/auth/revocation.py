"""Whether a token was revoked (logout), asked of the store at most once a second per token.

Every authenticated request must honour a logout made on any replica, but a read of the store per
request halved signing throughput. So a "not revoked" answer is kept for CACHE_SECONDS: a logout
takes effect at once on the replica that served it, and within CACHE_SECONDS on the others.
"""

import asyncio
from collections import OrderedDict

from app.clock import Clock
from app.store import Store

CACHE_SECONDS = 1.0
CACHE_ENTRIES = 4096  # token ids are 32 hex characters: a few hundred kB at most


class RevocationCheck:
    """Revoke tokens and ask about them, for one app."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        self._not_revoked: OrderedDict[str, float] = OrderedDict()  # token id -> when the store said so
        self._asking: dict[str, asyncio.Task[bool]] = {}  # token id -> the store read in flight

    async def is_revoked(self, token_id: str) -> bool:
        now = self._clock.monotonic()
        checked = self._not_revoked.get(token_id)
        if checked is not None and now - checked < CACHE_SECONDS:
            return False
        asking = self._asking.get(token_id)
        if asking is None:  # a bot's 32 connections share one read when the answer expires, not 32
            asking = asyncio.create_task(self._ask(token_id, now))
            self._asking[token_id] = asking
            asking.add_done_callback(lambda done: self._settled(token_id, done))
        return await asyncio.shield(asking)  # one caller going away does not cancel the others' read

    def _settled(self, token_id: str, done: "asyncio.Task[bool]") -> None:
        del self._asking[token_id]
        if not done.cancelled():
            done.exception()  # retrieved here too: every waiter may have gone away

    async def _ask(self, token_id: str, now: float) -> bool:
        if await self._store.revocations.is_revoked(token_id):
            self._not_revoked.pop(token_id, None)
            return True
        self._not_revoked[token_id] = now
        self._not_revoked.move_to_end(token_id)
        if len(self._not_revoked) > CACHE_ENTRIES:
            self._not_revoked.popitem(last=False)
        return False

    async def revoke(self, *, token_id: str, expires_at: float) -> None:
        """Refuse token_id from now on, here at once and on every replica within CACHE_SECONDS."""
        self._not_revoked.pop(token_id, None)
        await self._store.revocations.revoke(token_id=token_id, expires_at=expires_at, now=self._clock.now())
