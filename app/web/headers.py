"""Security headers: nosniff (and no-store on the API) on every answer, and for the pages a browser
renders, the console (/console) and the API docs (/docs, /redoc), a strict CSP and friends.

The console runs no script at all, so its CSP allows none; the docs pages run the Swagger UI and
ReDoc bundles served from this origin, never an inline script. Neither may be framed, sniffed,
or leak its URL in a Referer.
"""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

NOSNIFF = (b"x-content-type-options", b"nosniff")  # a JSON answer is never sniffed into HTML or script
NO_STORE = (b"cache-control", b"no-store")  # tokens, signed txs and wallet data never sit in a cache
# On https answers only (browsers ignore it over http): a browser that once reached the service over
# TLS never again sends the console's cookie, a bearer token, over a downgraded connection.
HSTS = (b"strict-transport-security", b"max-age=31536000")
API_PREFIX = "/api/"

CONSOLE_PREFIX = "/console"
DOCS_PATHS = ("/docs", "/redoc")

CONSOLE_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
# Swagger UI and ReDoc set style attributes and inject <style> (hence 'unsafe-inline' for styles
# only), draw icons from data: URIs, and ReDoc searches in a blob: worker.
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
# nosniff is on every answer already (with_security_headers, below).
_COMMON = (
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),  # frame-ancestors for browsers that predate it
    (b"cross-origin-opener-policy", b"same-origin"),
)


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")


def headers_for(path: str) -> list[tuple[bytes, bytes]]:
    """The headers a response to path gets (none for the JSON API)."""
    if _under(path, CONSOLE_PREFIX):
        # no-store: a console page shows balances and audit rows; the browser must not keep them.
        return [(b"content-security-policy", CONSOLE_CSP.encode()), (b"cache-control", b"no-store"), *_COMMON]
    if any(_under(path, p) for p in DOCS_PATHS):
        return [(b"content-security-policy", DOCS_CSP.encode()), *_COMMON]
    return []


class SecurityHeaders:
    """Adds headers_for(path) to every answer, errors and redirects included, replacing any of the same name."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        extra = headers_for(scope["path"]) if scope["type"] == "http" else []
        if not extra:
            await self.app(scope, receive, send)
            return
        names = {name for name, _ in extra}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(n, v) for n, v in message.get("headers", ()) if n.lower() not in names]
                message = {**message, "headers": [*kept, *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def with_security_headers(path: str, headers: list[tuple[bytes, bytes]], *, https: bool) -> list[tuple[bytes, bytes]]:
    """headers plus nosniff, HSTS if the client's scheme is https, no-store on the API unless the route set its own."""
    added = [NOSNIFF, HSTS] if https else [NOSNIFF]
    if path.startswith(API_PREFIX) and not any(name.lower() == b"cache-control" for name, _ in headers):
        added.append(NO_STORE)
    return [*headers, *added]
