"""Request ids, one log line per request and request metrics, in one pure ASGI middleware.

It wraps the whole app, outside Starlette's ServerErrorMiddleware, so an unhandled error's 500
is logged, counted and carries its X-Request-ID like every other answer. It never reads or
buffers a body, so streaming responses pass through unchanged.
"""

import logging
import re
import time
import uuid
from functools import lru_cache
from typing import Any

from fastapi import FastAPI
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import metrics
from app.clientip import client_address
from app.logs import REQUEST_ID
from app.security import InvalidToken, decode_token

REQUEST_ID_HEADER = b"x-request-id"
# An incoming id is kept only if it is short and plain, so it cannot forge log lines or fields.
_REQUEST_ID_RE = re.compile(r"[A-Za-z0-9._-]{1,64}")
# Probes and scrapes: not counted in request metrics; logged at DEBUG unless they fail.
QUIET_PATHS = frozenset({"/health", "/ready", "/metrics"})
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

access_log = logging.getLogger("app.access")
_REQUEST_COUNTERS: dict[tuple[str, str, int], Any] = {}


def request_id_of(scope: Scope) -> str:
    """The request's X-Request-ID if it is valid (<= 64 of [A-Za-z0-9._-]), else a new uuid4 hex."""
    for name, value in scope["headers"]:
        if name == REQUEST_ID_HEADER:
            text = value.decode("latin-1")
            if _REQUEST_ID_RE.fullmatch(text):
                return text
            break
    return uuid.uuid4().hex


def route_of(scope: Scope) -> str:
    """The matched route's path template (e.g. /api/wallet/{wallet_name}), or 'unmatched'.

    A route included through a prefixed router knows only its own path (/wallet/{wallet_name}):
    the prefix is what the request path has before the route's part, which is a literal prefix.
    """
    template = getattr(scope.get("route"), "path_format", None)
    if not isinstance(template, str):
        return "unmatched"
    rendered = template
    for name, value in (scope.get("path_params") or {}).items():
        rendered = rendered.replace("{" + name + "}", str(value))
    path: str = scope["path"]
    if path != rendered and path.endswith(rendered):
        return path[: len(path) - len(rendered)] + template
    return template


def _services(scope: Scope) -> Any:
    app = scope.get("app")
    return getattr(app.state, "services", None) if app is not None else None


def client_of(scope: Scope, services: Any) -> str | None:
    """The client address the wallet whitelists see: the peer, or the one trusted proxies forwarded."""
    peer = scope["client"][0] if scope.get("client") else None
    if services is None or not services.config.trusted_proxies:
        return peer
    return client_address(HTTPConnection(scope), services.config.trusted_proxies) or peer


@lru_cache(maxsize=1024)
def _token_user(token: str, secret: str) -> tuple[str, int] | None:
    # Cached: verifying a JWT costs about 80 us, and a client reuses its token for many requests.
    try:
        claims = decode_token(token, secret=secret)
    except InvalidToken:
        return None
    return claims.username, claims.expires_at


def user_of(scope: Scope, services: Any) -> str | None:
    """The username of a valid, unexpired bearer token on the request, else None; for the log line only."""
    if services is None:
        return None
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() != "bearer" or not token:
                return None
            found = _token_user(token.strip(), services.config.secret_key.get_secret_value())
            return found[0] if found is not None and found[1] > time.time() else None
    return None


def _count(method: str, route: str, status: int) -> None:
    key = (method, route, status)
    child = _REQUEST_COUNTERS.get(key)
    if child is None:  # labels() takes a lock and validates: do it once per series
        child = _REQUEST_COUNTERS[key] = metrics.REQUESTS.labels(method, route, str(status))
    child.inc()


class ObservabilityMiddleware:
    """Sets the request id (context and X-Request-ID response header), counts and logs each request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope)
        header = (REQUEST_ID_HEADER, request_id.encode("ascii"))
        status = 500  # if no answer starts, the server sends a 500 (or the client has gone)
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", ()), header]}
            await send(message)

        context = REQUEST_ID.set(request_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            try:
                self._record(scope, status=status, seconds=time.perf_counter() - started, request_id=request_id)
            except Exception as exc:  # observability must never turn an answer into an error
                access_log.warning("request not recorded: %s", type(exc).__name__)
            REQUEST_ID.reset(context)

    @staticmethod
    def _record(scope: Scope, *, status: int, seconds: float, request_id: str) -> None:
        method = scope["method"] if scope["method"] in _METHODS else "other"
        route = route_of(scope)
        quiet = scope["path"] in QUIET_PATHS
        if not quiet:
            _count(method, route, status)
        level = logging.DEBUG if quiet and status < 400 else logging.INFO
        if not access_log.isEnabledFor(level):
            return
        services = _services(scope)
        fields = {
            "method": method,
            "route": route,
            "status": status,
            "duration_ms": round(seconds * 1000, 2),
            "request_id": request_id,
            "client": client_of(scope, services),
            "user": user_of(scope, services) if status != 401 else None,
        }
        access_log.log(level, "request", extra=fields)


def install_observability(app: FastAPI) -> None:
    """Wrap app's whole middleware stack (built on the first request) in ObservabilityMiddleware."""
    build = app.build_middleware_stack

    def build_with_observability() -> ASGIApp:
        return ObservabilityMiddleware(build())

    # add_middleware would place it inside ServerErrorMiddleware, where a 500 is never seen.
    app.build_middleware_stack = build_with_observability  # type: ignore[method-assign]
