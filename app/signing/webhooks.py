"""Approval webhooks: a signed POST of the request's JSON on every status change, never blocking a request.

Each POST carries X-Signature-SHA256: hex HMAC-SHA256(webhook_secret, body), so the receiver can
tell it came from this service. Failures are retried a few times with backoff, then logged and
counted; they are never fatal and never delay the API call that caused them.
"""

import asyncio
import hashlib
import hmac
import json
import logging
from typing import TYPE_CHECKING, Any

from app.observability.metrics import Metrics
from app.signing.settings import ApprovalsConfig

if TYPE_CHECKING:
    import httpx

log = logging.getLogger("app.webhooks")
ATTEMPTS = 3
BACKOFF_SECONDS = 0.5
TIMEOUT_SECONDS = 5.0


def signature(secret: bytes, body: bytes) -> str:
    """The X-Signature-SHA256 header value for body."""
    return hmac.new(secret, body, hashlib.sha256).hexdigest()


class Notifier:
    """Sends webhooks in background tasks owned by this instance (awaited or cancelled at close)."""

    def __init__(self, metrics: Metrics, *, transport: "httpx.AsyncBaseTransport | None" = None) -> None:
        self._metrics = metrics
        self._transport = transport
        self._client: httpx.AsyncClient | None = None  # made by the first webhook (most configs have none)
        self._tasks: set[asyncio.Task[None]] = set()

    def _http(self) -> "httpx.AsyncClient":
        if self._client is None:
            import httpx  # here, not at start-up: httpx, httpcore and a TLS context cost ~6 MB of idle RSS

            self._client = httpx.AsyncClient(timeout=TIMEOUT_SECONDS, transport=self._transport, follow_redirects=False)
        return self._client

    def send(self, rule: ApprovalsConfig, payload: dict[str, Any]) -> None:
        assert rule.webhook_url is not None and rule.webhook_secret is not None
        body = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Signature-SHA256": signature(rule.webhook_secret.get_secret_value().encode(), body),
        }
        task = asyncio.get_running_loop().create_task(self._deliver(rule.webhook_url, body, headers, payload))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver(self, url: str, body: bytes, headers: dict[str, str], payload: dict[str, Any]) -> None:
        client = self._http()
        import httpx  # loaded by _http() already; named here for the except clause

        for attempt in range(ATTEMPTS):
            try:
                response = await client.post(url, content=body, headers=headers)
                if response.status_code < 300:
                    self._metrics.webhook("delivered")
                    return
                problem = f"HTTP {response.status_code}"
            except httpx.HTTPError as exc:
                problem = type(exc).__name__
            if attempt + 1 < ATTEMPTS:
                await asyncio.sleep(BACKOFF_SECONDS * 2**attempt)  # backoff between retries (production delay)
        # The URL is config: the log names the request and the reason only.
        log.warning(
            "approval webhook failed: %s (approval %s, %s)", problem, payload.get("approval_id"), payload.get("status")
        )
        self._metrics.webhook("failed")

    async def drain(self) -> None:
        """Wait for the deliveries in flight (tests; shutdown)."""
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()
