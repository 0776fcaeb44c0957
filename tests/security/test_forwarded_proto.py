"""Behind a proxy that ends TLS (the ALB): X-Forwarded-Proto from a trusted proxy makes the cookie Secure, adds HSTS."""

import httpx
import pytest

from app.main import create_app
from app.web.clientip import resolve_scheme, trusted_networks
from tests.api.test_console import csrf_of
from tests.helpers import PASSWORDS, make_config

PROXY = "192.168.0.9"
HSTS = "max-age=31536000"


@pytest.fixture
def config_data() -> dict:
    return {**make_config(), "trusted_proxies": ["192.168.0.0/24"]}


def _cookie_flags(response: httpx.Response, name: str) -> set[str]:
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith(f"{name}="))
    return {part.strip().lower() for part in cookie.split(";")[1:]}


async def _console_login(client_from, peer: str, proto: str | None) -> tuple[httpx.Response, httpx.Response]:  # type: ignore[no-untyped-def]
    """The login form and the login's answer, as a browser behind the proxy gets them."""
    headers = {"X-Forwarded-Proto": proto} if proto is not None else {}
    async with client_from(peer) as client:
        client.headers.update(headers)
        form = await client.get("/console/login")
        # The test client speaks http to the service, so it keeps a Secure cookie to itself; the
        # browser, on https to the proxy, sends it back: so does this request.
        nonce = form.cookies["console_login"]
        body = {"username": "alice", "password": PASSWORDS["alice"], "csrf_token": csrf_of(form)}
        client.cookies.clear()
        answer = await client.post("/console/login", data=body, headers={"Cookie": f"console_login={nonce}"})
        return form, answer


async def test_the_alb_saying_https_makes_the_session_cookie_secure_and_adds_hsts(client_from) -> None:
    form, logged_in = await _console_login(client_from, PROXY, "https")
    assert logged_in.status_code == 303
    assert "secure" in _cookie_flags(logged_in, "console_session")
    assert "secure" in _cookie_flags(form, "console_login")
    assert form.headers["strict-transport-security"] == logged_in.headers["strict-transport-security"] == HSTS


async def test_api_answers_through_the_alb_carry_hsts_errors_included(client_from) -> None:
    async with client_from(PROXY) as client:
        client.headers["X-Forwarded-Proto"] = "https"
        answers = [await client.get("/health"), await client.get("/api/wallet/main"), await client.get("/nowhere")]
    assert [r.status_code for r in answers] == [200, 401, 404]
    assert all(r.headers.get("strict-transport-security") == HSTS for r in answers)


@pytest.mark.parametrize(
    ("peer", "proto"),
    [
        ("10.9.9.9", "https"),  # not a trusted proxy: anyone can send the header
        (PROXY, "http"),  # the ALB says the client came over plain http
        (PROXY, None),  # a trusted peer that says nothing: the connection's own scheme
        (PROXY, "ftp"),  # nonsense: the connection's own scheme
    ],
)
async def test_no_secure_flag_or_hsts_unless_a_trusted_proxy_says_https(client_from, peer, proto) -> None:
    form, logged_in = await _console_login(client_from, peer, proto)
    assert logged_in.status_code == 303
    assert "secure" not in _cookie_flags(logged_in, "console_session")
    assert "strict-transport-security" not in form.headers
    assert "strict-transport-security" not in logged_in.headers


async def test_hsts_is_sent_when_the_service_itself_is_reached_over_https(services) -> None:
    app = create_app(services.config, services=services)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="https://service.test") as client:
        r = await client.get("/health")
    assert r.headers["strict-transport-security"] == HSTS


@pytest.mark.parametrize(
    ("protos", "expected"),
    [
        (["https"], "https"),
        (["HTTPS"], "https"),
        (["http", "https"], "https"),  # the last entry is the nearest proxy's
        (["https", "http"], "http"),  # a client's own entry, left of the proxy's, is not believed
        ([], "http"),
        (["garbage"], "http"),
    ],
)
def test_the_last_forwarded_proto_entry_of_a_trusted_peer_is_the_scheme(protos, expected) -> None:
    trusted = trusted_networks(("192.168.0.0/24",))
    assert resolve_scheme("http", PROXY, protos, trusted) == expected
    assert resolve_scheme("http", "10.9.9.9", protos, trusted) == "http"  # an untrusted peer: never believed
