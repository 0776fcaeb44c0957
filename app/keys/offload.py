"""Blocking backend calls run on a small, bounded thread pool, each under a deadline."""

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from app.keys.base import Cause, KeyBackendUnavailable

T = TypeVar("T")


def unavailable(wallet_name: str, reason: str, *, cause: Cause) -> KeyBackendUnavailable:
    """The one wording of a sign-time failure (the web layer turns it into 503), with its cause class."""
    return KeyBackendUnavailable(f"key backend for wallet '{wallet_name}' unavailable: {reason}", cause=cause)


class Offload:
    """One wallet's worker threads: a slow backend never runs on, or holds up, the event loop.

    The pool is per wallet and bounded, so a hung HSM or KMS ties up at most `workers` threads and
    never the other wallets' signatures.
    """

    def __init__(self, *, wallet_name: str, workers: int, timeout: float, prefix: str) -> None:
        self.wallet_name = wallet_name
        self.timeout = timeout
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"{prefix}-{wallet_name}")

    async def call(self, fn: Callable[[], T]) -> T:
        """fn() on a worker thread; KeyBackendUnavailable if it is not done within the timeout.

        A call that times out keeps its thread until the backend returns (a C call cannot be
        interrupted), but the caller is answered at the deadline; queued calls count their wait.
        """
        limit = self.timeout
        loop = asyncio.get_running_loop()
        try:
            future = loop.run_in_executor(self._executor, fn)
        except RuntimeError:  # the executor was shut down by aclose()
            raise unavailable(self.wallet_name, "the key source is closed", cause="closed") from None
        try:
            return await asyncio.wait_for(future, limit)
        except TimeoutError:
            raise unavailable(self.wallet_name, f"no answer within {limit:g} s", cause="timeout") from None

    def shutdown(self) -> None:
        """Stop taking calls; queued ones are cancelled, running ones finish on their own."""
        self._executor.shutdown(wait=False, cancel_futures=True)
