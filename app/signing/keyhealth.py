"""Whether each HSM or KMS key answered its last check, for /ready: bounded in time and cached briefly."""

import asyncio
from dataclasses import dataclass

from app.clock import Clock
from app.keys import InProcessKey, KeyBackendUnavailable, KeySource
from app.signing.wallets import WalletRegistry

CHECK_TIMEOUT_SECONDS = 2.0
CACHE_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class KeyBackendStatus:
    """One remote key's last check; no wallet name or key id, since /ready needs no login."""

    kind: str
    ok: bool


class KeyHealth:
    """Checks the remote keys at most once per CACHE_SECONDS, all at once, each bounded."""

    def __init__(self, wallets: WalletRegistry, clock: Clock) -> None:
        self._keys = [w.key for w in wallets if not isinstance(w.key, InProcessKey)]
        self._clock = clock
        self._checked_at: float | None = None
        self._last: tuple[KeyBackendStatus, ...] = ()
        self._lock = asyncio.Lock()

    async def status(self) -> tuple[KeyBackendStatus, ...]:
        if not self._keys:
            return ()
        async with self._lock:  # one round of checks at a time; concurrent probes share it
            now = self._clock.monotonic()
            if self._checked_at is None or now - self._checked_at >= CACHE_SECONDS:
                results = await asyncio.gather(*(self._check(key) for key in self._keys))
                self._last = tuple(KeyBackendStatus(key.kind, ok) for key, ok in zip(self._keys, results, strict=True))
                self._checked_at = self._clock.monotonic()
            return self._last

    @staticmethod
    async def _check(key: KeySource) -> bool:
        try:
            await asyncio.wait_for(key.check(), CHECK_TIMEOUT_SECONDS)
        except (KeyBackendUnavailable, TimeoutError):
            return False
        return True
