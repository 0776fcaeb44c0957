"""Request body size and content type, enforced before any route reads or parses a body.

A pure ASGI middleware: it reads the whole body first (counting bytes as they arrive, so a
chunked body without Content-Length is capped too), answers 413 as soon as the limit is passed,
and only then hands the buffered body to the app. No route ever sees a partial or oversized body.
"""

from fastapi import FastAPI
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.web.errors import error_body

JSON_TYPE = "application/json"
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
# Routes that also take the OAuth2 password form (Swagger UI's Authorize button sends it).
FORM_PATHS = frozenset({"/api/auth/login"})
# The console's plain HTML forms (app/web/console/) post urlencoded bodies.
CONSOLE_FORM_PREFIX = "/console/"
CONSOLE_FORM_TYPE = "application/x-www-form-urlencoded"
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def _reply(status: int, message: str) -> JSONResponse:
    # Connection: close, since the rest of a refused body is never read.
    return JSONResponse(error_body(status, message), status, headers={"Connection": "close"})


def _content_length(headers: Headers) -> int | None:
    """The declared length; ValueError if it is malformed or given twice with different values."""
    values = {value.strip() for value in headers.getlist("content-length")}
    if not values:
        return None
    if len(values) > 1 or not all(v.isdigit() and v.isascii() for v in values):
        raise ValueError("invalid Content-Length")
    return int(values.pop())


def _content_type_error(headers: Headers, path: str) -> str | None:
    """Why the body's content type is refused on path, or None if it is accepted."""
    media_type, _, params = headers.get("content-type", "").partition(";")
    media_type = media_type.strip().lower()
    allowed = {JSON_TYPE} | (FORM_TYPES if path in FORM_PATHS else set())
    if path.startswith(CONSOLE_FORM_PREFIX):
        allowed = {CONSOLE_FORM_TYPE}
    if media_type not in allowed:
        return f"Content-Type must be {' or '.join(sorted(allowed))}"
    if media_type == JSON_TYPE:
        for param in params.split(";"):
            name, _, value = param.partition("=")
            # JSON is UTF-8 (RFC 8259); json.loads would otherwise guess UTF-16/32 from the bytes.
            if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in ("utf-8", "utf8"):
                return "JSON bodies must be UTF-8"
    return None


class BodyLimitMiddleware:
    """413 for bodies over max_body_bytes, 415 for a body of the wrong type, 400 for a bad Content-Length."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        try:
            declared = _content_length(headers)
        except ValueError as exc:
            await _reply(400, str(exc))(scope, receive, send)
            return
        too_large = f"request body is larger than {self.max_body_bytes} bytes"
        if declared is not None and declared > self.max_body_bytes:  # refused unread
            await _reply(413, too_large)(scope, receive, send)
            return
        announced = bool(declared) or "transfer-encoding" in headers
        if announced and scope["method"] in BODY_METHODS:
            if reason := _content_type_error(headers, scope["path"]):
                await _reply(415, reason)(scope, receive, send)
                return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client left: nobody to answer
            body += message.get("body", b"")
            if len(body) > self.max_body_bytes:  # counted as it arrives: chunked bodies too
                await _reply(413, too_large)(scope, receive, send)
                return
            if not message.get("more_body", False):
                break
        if body and not announced and scope["method"] in BODY_METHODS:
            if reason := _content_type_error(headers, scope["path"]):
                await _reply(415, reason)(scope, receive, send)
                return
        await self.app(scope, _replay(bytes(body), receive), send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive() that gives the buffered body once, then waits on the real one (for disconnects)."""
    pending = True

    async def replay() -> Message:
        nonlocal pending
        if pending:
            pending = False
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def install_limits(app: FastAPI, *, max_body_bytes: int) -> None:
    """Add the body limits to app."""
    app.add_middleware(BodyLimitMiddleware, max_body_bytes=max_body_bytes)
