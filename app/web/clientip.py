"""The client address a wallet's ip_whitelist is checked against, and the scheme the client used.

The direct peer (the TCP connection's address) is the client, unless that peer is one of
config.trusted_proxies: then X-Forwarded-For is walked from the right, skipping trusted proxies,
and the first untrusted address is the client (each proxy appends the address it saw, so only
the entries right of the last untrusted hop were written by proxies we trust). From any other
peer the header is ignored entirely: it can never change or erase the peer's address.

X-Real-IP and Forwarded are never read: any client can send them, and believing a second header
family would only add ways to disagree with the proxy's X-Forwarded-For. X-Forwarded-Proto is
believed from a trusted peer only (resolve_scheme): it makes the console's cookie Secure and adds HSTS.
"""

import ipaddress
from collections.abc import Sequence

from starlette.datastructures import Headers
from starlette.requests import HTTPConnection
from starlette.types import Scope

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
MAX_FORWARDED_HOPS = 32


def trusted_networks(entries: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    """config.trusted_proxies as networks; ValueError gives the index of the first entry that is not an address."""
    networks = []
    for index, entry in enumerate(entries):
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:  # the entry itself is never echoed
            raise ValueError(f"trusted_proxies: entry {index} is not an IP address or CIDR range") from None
    return tuple(networks)


def parse_ip(text: str) -> IPAddress | None:
    """An address from a peer or X-Forwarded-For entry ("1.2.3.4", "::1", "[::1]:80", "1.2.3.4:80"); else None."""
    text = text.strip()
    if text.startswith("["):  # [v6] or [v6]:port
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:  # v4:port (a bare IPv6 address has at least two colons)
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # ::ffff:10.0.0.1 is 10.0.0.1, for trust and for the whitelist alike
    if isinstance(address, ipaddress.IPv6Address) and address.scope_id:
        return None  # fe80::1%eth0: a zone id makes an address incomparable with a whitelist entry
    return address


def _is_trusted(address: IPAddress, networks: Sequence[IPNetwork]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def forwarded_hops(headers: Headers) -> list[str]:
    """Every X-Forwarded-For entry, left to right; several header lines read as one joined list."""
    return [hop.strip() for line in headers.getlist("x-forwarded-for") for hop in line.split(",")]


def resolve_client(
    peer: str | None, hops: list[str], trusted: Sequence[IPNetwork], *, peer_port: int | None = None
) -> str | None:
    """The client address as a string, or None when it cannot be known (the whitelist then refuses).

    peer and peer_port are the direct peer's, hops the X-Forwarded-For entries, trusted the
    trusted proxies. From an untrusted peer the header is ignored entirely; a malformed or long
    header never erases an address we know.
    """
    peer_ip = parse_ip(peer) if peer else None
    if peer_ip is None:
        return None
    if not _is_trusted(peer_ip, trusted):
        # Run as `uvicorn app.main:app` (proxy headers on by default, believed from 127.0.0.1),
        # uvicorn replaces the peer with an X-Forwarded-For entry and port 0 before we see it; no
        # TCP peer has port 0, so only that rewrite fires this, and then the real peer is lost:
        # name no client rather than a forged one (`python -m app serve` never rewrites).
        if peer_port == 0 and any(parse_ip(hop) == peer_ip for hop in hops):
            return None
        return str(peer_ip)
    known = peer_ip  # the nearest address a trusted proxy vouched for
    for hop in reversed(hops[-MAX_FORWARDED_HOPS:]):  # the rightmost hops only: bounded work
        address = parse_ip(hop)
        if address is None:
            return str(known)  # a garbled entry: nothing left of it can be believed
        if not _is_trusted(address, trusted):
            return str(address)
        known = address
    # No header, or every hop read is a trusted proxy: the leftmost one is the origin as far as we know.
    return str(known)


def client_address(connection: HTTPConnection, trusted: Sequence[IPNetwork]) -> str | None:
    """The client address of a request (see the module docstring)."""
    peer, port = (connection.client.host, connection.client.port) if connection.client else (None, None)
    return resolve_client(peer, forwarded_hops(connection.headers), trusted, peer_port=port)


_CLIENT_STATE = "client_ip"


def client_of_scope(scope: Scope, trusted: Sequence[IPNetwork]) -> str | None:
    """The client address of a request, resolved once and kept in its scope's state."""
    state = scope.setdefault("state", {})
    if _CLIENT_STATE not in state:
        state[_CLIENT_STATE] = client_address(HTTPConnection(scope), trusted)
    found: str | None = state[_CLIENT_STATE]
    return found


_SCHEME_STATE = "scheme"
_SCHEMES = ("http", "https")


def resolve_scheme(scheme: str, peer: str | None, protos: list[str], trusted: Sequence[IPNetwork]) -> str:
    """The scheme the client used: the connection's own, or the last X-Forwarded-Proto entry from a trusted proxy.

    A proxy that ends TLS (the ALB) forwards plain HTTP and says https in X-Forwarded-Proto. Only a
    trusted peer's header is believed, and only its last entry (the one the nearest proxy wrote): any
    client can send the header, and a forged "http" would strip the session cookie's Secure flag.
    """
    peer_ip = parse_ip(peer) if peer else None
    if not protos or peer_ip is None or not _is_trusted(peer_ip, trusted):
        return scheme
    claimed = protos[-1].lower()
    return claimed if claimed in _SCHEMES else scheme


def scheme_of_scope(scope: Scope, trusted: Sequence[IPNetwork]) -> str:
    """The scheme of a request as the client saw it (see resolve_scheme), resolved once and kept in its state."""
    state = scope.setdefault("state", {})
    if _SCHEME_STATE not in state:
        scheme = str(scope.get("scheme", "http"))
        client = scope.get("client")
        if trusted and client:  # no trusted proxy (the default): the header is never even read
            protos = [p.strip() for line in Headers(scope=scope).getlist("x-forwarded-proto") for p in line.split(",")]
            scheme = resolve_scheme(scheme, client[0], protos, trusted)
        state[_SCHEME_STATE] = scheme
    found: str = state[_SCHEME_STATE]
    return found
