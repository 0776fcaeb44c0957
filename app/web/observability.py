"""Request ids, one log line per request and request metrics, in one pure ASGI middleware.

It wraps the whole app, outside Starlette's ServerErrorMiddleware, so an unhandled error's 500
is logged, counted and carries its X-Request-ID like every other answer. It never reads or
buffers a body, so streaming responses pass through unchanged.
"""

import logging
import re
import uuid
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.clock import Clock
from app.observability.logs import REQUEST_ID
from app.web.clientip import client_of_scope, scheme_of_scope
from app.web.deps import USER_STATE
from app.web.headers import with_security_headers

REQUEST_ID_HEADER = b"x-request-id"
CLIENT_CLOSED = 499  # nginx's status for a request the client abandoned before its answer began
# An incoming id is kept only if it is short and plain, so it cannot forge log lines or fields.
_REQUEST_ID_RE = re.compile(r"[A-Za-z0-9._-]{1,64}")
# Probes and scrapes: not counted in request metrics; logged at DEBUG unless they fail.
QUIET_PATHS = frozenset({"/health", "/ready", "/metrics"})
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

access_log = logging.getLogger("app.access")


def request_id_of(scope: Scope) -> str:
    """The request's X-Request-ID if it is valid (<= 64 of [A-Za-z0-9._-]), else a new uuid4 hex."""
    for name, value in scope["headers"]:
        if name == REQUEST_ID_HEADER:
            text: str = value.decode("latin-1")
            if _REQUEST_ID_RE.fullmatch(text):
                return text
            break
    return uuid.uuid4().hex


def _plain_route(scope: Scope) -> str:
    """The path of a plain Starlette route (FastAPI's /docs, /redoc, the OpenAPI document), or 'unmatched'.

    Only FastAPI's own routes put themselves in the scope; a plain route leaves its endpoint there.
    """
    endpoint, app = scope.get("endpoint"), scope.get("app")
    if endpoint is not None and app is not None:
        for route in getattr(app, "routes", ()):
            if getattr(route, "endpoint", None) is endpoint and isinstance(getattr(route, "path", None), str):
                path: str = route.path
                return path
    return "unmatched"


def route_of(scope: Scope) -> str:
    """The matched route's path template (e.g. /api/wallet/{wallet_name}), or 'unmatched'.

    A route included through a prefixed router knows only its own path (/wallet/{wallet_name}):
    the prefix is what the request path has before the route's part, which is a literal prefix.
    """
    template = getattr(scope.get("route"), "path_format", None)
    if not isinstance(template, str):
        return _plain_route(scope)
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


def user_of(scope: Scope) -> str | None:
    """The user of the request's verified token, as the auth dependency recorded it; for the log line only."""
    state = scope.get("state") or {}
    user = state.get(USER_STATE)
    return user if isinstance(user, str) else None


def _trusted(scope: Scope) -> Any:
    app = scope.get("app")
    return getattr(app.state, "trusted_networks", ()) if app is not None else ()


class ObservabilityMiddleware:
    """Sets the request id (context and X-Request-ID response header), counts and logs each request."""

    def __init__(self, app: ASGIApp, *, clock: Clock) -> None:
        self.app = app
        self._clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope)
        header = (REQUEST_ID_HEADER, request_id.encode("ascii"))
        status = 500  # if no answer starts, the server sends a 500 (or the client has gone)
        started = self._clock.monotonic()
        answered = left = False

        async def receive_noting_disconnect() -> Message:
            nonlocal left
            message = await receive()
            if message["type"] == "http.disconnect" and not answered:
                left = True  # whatever is sent from now on reaches nobody: counted as 499, not as an error
            return message

        async def send_with_id(message: Message) -> None:
            nonlocal status, answered
            if message["type"] == "http.response.start":
                answered = True
                status = message["status"]
                https = scheme_of_scope(scope, _trusted(scope)) == "https"
                headers = with_security_headers(scope["path"], [*message.get("headers", ()), header], https=https)
                message = {**message, "headers": headers}
            await send(message)

        context = REQUEST_ID.set(request_id)
        try:
            await self.app(scope, receive_noting_disconnect, send_with_id)
        finally:
            if left:
                status = CLIENT_CLOSED
            try:
                self._record(scope, status=status, seconds=self._clock.monotonic() - started, request_id=request_id)
            except Exception as exc:  # observability must never turn an answer into an error
                access_log.warning("request not recorded: %s", type(exc).__name__)
            REQUEST_ID.reset(context)

    @staticmethod
    def _record(scope: Scope, *, status: int, seconds: float, request_id: str) -> None:
        method = scope["method"] if scope["method"] in _METHODS else "other"
        route = route_of(scope)
        quiet = scope["path"] in QUIET_PATHS
        services = _services(scope)
        if not quiet and services is not None:
            services.metrics.request(method, route, status)
        level = logging.DEBUG if quiet and status < 400 else logging.INFO
        if not access_log.isEnabledFor(level):
            return
        trusted = _trusted(scope)
        fields = {
            "method": method,
            "route": route,
            "status": status,
            "duration_ms": round(seconds * 1000, 2),
            "request_id": request_id,
            "client": client_of_scope(scope, trusted) if scope.get("client") else None,
            "user": user_of(scope) if status != 401 else None,
        }
        access_log.log(level, "request", extra=fields)


def install_observability(app: FastAPI, *, clock: Clock) -> None:
    """Wrap app's whole middleware stack (built on the first request) in ObservabilityMiddleware."""
    build = app.build_middleware_stack

    def build_with_observability() -> ASGIApp:
        return ObservabilityMiddleware(build(), clock=clock)

    # add_middleware would place it inside ServerErrorMiddleware, where a 500 is never seen.
    app.build_middleware_stack = build_with_observability  # type: ignore[method-assign]  # wraps, as documented above
