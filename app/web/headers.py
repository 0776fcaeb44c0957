"""Response headers every answer carries, added by the outermost middleware (so a 500 has them too)."""

NOSNIFF = (b"x-content-type-options", b"nosniff")  # a JSON answer is never sniffed into HTML or script
NO_STORE = (b"cache-control", b"no-store")  # tokens, signed txs and wallet data never sit in a cache
API_PREFIX = "/api/"


def with_security_headers(path: str, headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """headers plus nosniff, and no-store on the API unless the route set its own Cache-Control."""
    added = [NOSNIFF]
    if path.startswith(API_PREFIX) and not any(name.lower() == b"cache-control" for name, _ in headers):
        added.append(NO_STORE)
    return [*headers, *added]
