"""Whether the wallets' nodes answer node-info as a chain node, for /ready: bounded in time and cached briefly."""

import asyncio

from app.clock import Clock
from app.errors import ServiceError
from app.signing.node import Nodes
from app.signing.wallets import Environment, WalletRegistry

CHECK_TIMEOUT_SECONDS = 2.0
CACHE_SECONDS = 5.0  # the public nodes allow about 1 request a second: probes share one answer


class NodeHealth:
    """Asks each wallet's node for node-info at most once per CACHE_SECONDS, all at once, each bounded."""

    def __init__(self, *, wallets: WalletRegistry, nodes: Nodes, clock: Clock) -> None:
        by_url = {wallet.environment.api_url: wallet.environment for wallet in wallets}
        self._environments = list(by_url.values())
        self._nodes = nodes
        self._clock = clock
        self._checked_at: float | None = None
        self._answering = 0
        self._lock = asyncio.Lock()

    async def any_answers(self) -> bool:
        """True if no wallet needs a node, or at least one wallet's node answers node-info for its chain."""
        if not self._environments:
            return True
        async with self._lock:  # one round of checks at a time; concurrent probes share it
            now = self._clock.monotonic()
            if self._checked_at is None or now - self._checked_at >= CACHE_SECONDS:
                results = await asyncio.gather(*(self._check(env) for env in self._environments))
                self._answering = sum(results)
                self._checked_at = self._clock.monotonic()
            return self._answering > 0

    async def _check(self, env: Environment) -> bool:
        try:
            network = await asyncio.wait_for(self._nodes.node_info(env), CHECK_TIMEOUT_SECONDS)
        except (ServiceError, TimeoutError):
            return False  # an HTTP server that is not a chain node (a 404 on node-info) fails here too
        return env.chain_id is None or network == env.chain_id
