"""Fault injection for the devnet: make the node slow, failing, lying or silent on purpose, for tests.

Only present when the devnet runs with faults enabled (`create_app(faults_enabled=True)`, CLI flag
`--enable-faults`). Tests queue faults through the admin API (POST /admin/faults); each later
request to the node's API takes the oldest pending fault whose endpoint matches it, and that fault
decides how the request is answered:

- latency: wait delay_ms, then let the node handle the request and answer normally.
- http_error: answer `status` (default 500) with a plain-text body, as a proxy would; the node never sees it.
- garbage: answer 200 with an HTML body that is not JSON; the node never sees the request.
- timeout: never answer; the node never sees the request (a broadcast tx is NOT applied).
- drop_after_apply: let the node handle the request (a broadcast tx IS applied: the sequence moves),
  then withhold the answer, so the client times out although the tx landed.

A withheld answer ends when the client gives up (disconnects) or after HANG_SECONDS; the request
never gets an answer either way. Admin routes are never faulted.
"""

import asyncio
import http
import itertools
from collections import deque
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ADMIN_PREFIX = "/admin/"
HANG_SECONDS = 3600.0  # far longer than any client timeout: the client's own timeout ends the wait
MAX_DELAY_MS = 600_000
MAX_COUNT = 1_000_000
GARBAGE_BODY = b"<html>garbage</html>"


class FaultKind(StrEnum):
    """What an injected fault does to a request."""

    LATENCY = "latency"
    HTTP_ERROR = "http_error"
    GARBAGE = "garbage"
    TIMEOUT = "timeout"
    DROP_AFTER_APPLY = "drop_after_apply"


class Endpoint(StrEnum):
    """Which requests a fault applies to."""

    BROADCAST = "broadcast"  # POST /api/v1/broadcast
    ACCOUNT = "account"  # GET /api/v1/account/{address} and /api/v1/account/{address}/sequence
    NODE_INFO = "node-info"  # GET /api/v1/node-info
    ANY = "any"  # every request except the admin routes


class FaultSpec(BaseModel):
    """The body of POST /admin/faults."""

    model_config = ConfigDict(extra="forbid")

    kind: FaultKind
    endpoint: Endpoint = Endpoint.ANY
    count: int = Field(default=1, ge=1, le=MAX_COUNT, description="how many upcoming matching requests it affects")
    delay_ms: int | None = Field(default=None, ge=0, le=MAX_DELAY_MS, description="latency only (required)")
    status: int | None = Field(default=None, ge=400, le=599, description="http_error only (default 500)")

    @model_validator(mode="after")
    def _fields_fit_kind(self) -> Self:
        if self.kind is FaultKind.LATENCY and self.delay_ms is None:
            raise ValueError("delay_ms is required for a latency fault")
        if self.kind is not FaultKind.LATENCY and self.delay_ms is not None:
            raise ValueError("delay_ms only applies to a latency fault")
        if self.kind is not FaultKind.HTTP_ERROR and self.status is not None:
            raise ValueError("status only applies to an http_error fault")
        return self


@dataclass(slots=True)
class Fault:
    """A pending fault; `count` is how many more matching requests it will affect."""

    id: int
    kind: FaultKind
    endpoint: Endpoint
    count: int
    delay_ms: int | None = None
    status: int | None = None

    def as_json(self) -> dict[str, Any]:
        """The fault as the admin API shows it."""
        return {key: str(value) if isinstance(value, StrEnum) else value for key, value in asdict(self).items()}


def endpoint_of(path: str) -> Endpoint | None:
    """The named endpoint a request path belongs to, or None for a path only `any` matches."""
    path = path.rstrip("/")
    if path == "/api/v1/broadcast":
        return Endpoint.BROADCAST
    if path == "/api/v1/node-info":
        return Endpoint.NODE_INFO
    if path.startswith("/api/v1/account/"):
        return Endpoint.ACCOUNT
    return None


class FaultQueue:
    """Pending faults in the order they were added.

    Methods are synchronous: on the devnet's single event loop, taking a fault (find, decrement,
    remove) happens in one go, so two concurrent requests never consume the same unit of count.
    """

    def __init__(self) -> None:
        self._faults: deque[Fault] = deque()
        self._ids = itertools.count(1)

    def add(self, spec: FaultSpec) -> Fault:
        """Queue a fault behind those already pending; return it with its id."""
        status = spec.status
        if spec.kind is FaultKind.HTTP_ERROR and status is None:
            status = 500
        fault = Fault(
            id=next(self._ids),
            kind=spec.kind,
            endpoint=spec.endpoint,
            count=spec.count,
            delay_ms=spec.delay_ms,
            status=status,
        )
        self._faults.append(fault)
        return fault

    def pending(self) -> list[Fault]:
        """Pending faults, oldest first."""
        return list(self._faults)

    def clear(self) -> int:
        """Drop every pending fault; return how many there were."""
        dropped = len(self._faults)
        self._faults.clear()
        return dropped

    def take(self, endpoint: Endpoint | None) -> Fault | None:
        """Consume one unit of the oldest fault matching a request to endpoint; None if none matches.

        Returns a snapshot of the fault as it applies to this request (the queued one counts down).
        """
        for fault in self._faults:
            if fault.endpoint is Endpoint.ANY or fault.endpoint is endpoint:
                fault.count -= 1
                if fault.count <= 0:
                    self._faults.remove(fault)
                return Fault(
                    id=fault.id,
                    kind=fault.kind,
                    endpoint=fault.endpoint,
                    count=1,
                    delay_ms=fault.delay_ms,
                    status=fault.status,
                )
        return None


class FaultMiddleware:
    """ASGI middleware that applies the queued faults to every request outside the admin routes."""

    def __init__(self, app: ASGIApp, faults: FaultQueue, *, hang_seconds: float = HANG_SECONDS) -> None:
        self.app = app
        self.faults = faults
        self.hang_seconds = hang_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Apply the oldest matching fault, if any, to this request."""
        if scope["type"] != "http" or scope["path"].startswith(ADMIN_PREFIX):
            await self.app(scope, receive, send)
            return
        fault = self.faults.take(endpoint_of(scope["path"]))  # synchronous: no other request runs meanwhile
        if fault is None:
            await self.app(scope, receive, send)
        elif fault.kind is FaultKind.LATENCY:
            await asyncio.sleep((fault.delay_ms or 0) / 1000)
            await self.app(scope, receive, send)
        elif fault.kind is FaultKind.HTTP_ERROR:
            status = fault.status or 500
            text = "internal error" if status == 500 else http.HTTPStatus(status).phrase.lower()
            await _answer(send, status, text.encode(), b"text/plain; charset=utf-8")
        elif fault.kind is FaultKind.GARBAGE:
            await _answer(send, 200, GARBAGE_BODY, b"text/html; charset=utf-8")
        elif fault.kind is FaultKind.TIMEOUT:
            await self._hang(receive)
        else:  # DROP_AFTER_APPLY: the node handles the request; its answer is thrown away
            await self.app(scope, receive, _discard)
            await self._hang(receive)

    async def _hang(self, receive: Receive) -> None:
        """Send nothing until the client disconnects or hang_seconds pass."""
        try:
            async with asyncio.timeout(self.hang_seconds):
                while (await receive())["type"] != "http.disconnect":
                    pass  # drain an unread request body
        except TimeoutError:
            pass


async def _answer(send: Send, status: int, body: bytes, content_type: bytes) -> None:
    headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _discard(_: Message) -> None:
    """A send that drops the node's answer."""
