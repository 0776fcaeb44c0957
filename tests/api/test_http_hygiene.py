"""Answers carry nosniff (and no-store on the API), slashes are never redirected, abandoned requests count as 499."""

import pytest

from app.main import create_app
from tests.api.payloads import README_SHAPES
from tests.api.test_metrics import metric
from tests.helpers import PASSWORDS


async def test_the_login_answer_is_never_stored(client) -> None:
    r = await client.post("/api/auth/login", json={"username": "alice", "password": PASSWORDS["alice"]})
    assert r.status_code == 200
    assert r.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(("method", "path"), [("GET", "/health"), ("GET", "/nowhere"), ("POST", "/api/auth/login")])
async def test_every_answer_says_nosniff(client, method, path) -> None:
    r = await client.request(method, path, json={})
    assert r.headers["x-content-type-options"] == "nosniff"


async def test_a_trailing_slash_is_not_redirected_to_the_host_header(client, auth) -> None:
    body = {"msg": README_SHAPES["vote"], "wallet_name": "main"}
    headers = {**(await auth("alice")), "Host": "evil.example"}
    r = await client.post("/api/vote/sign/", json=body, headers=headers)
    assert r.status_code == 404
    assert "location" not in r.headers


async def test_an_abandoned_request_is_counted_as_499(client, services) -> None:
    app = create_app(services.config, services=services)
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.disconnect"}  # the client left before sending its body

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/auth/login",
        "raw_path": b"/api/auth/login",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"service.test"), (b"content-type", b"application/json"), (b"content-length", b"40")],
        "client": ("127.0.0.1", 5000),
        "server": ("service.test", 80),
        "state": {},
    }
    await app(scope, receive, send)  # type: ignore[arg-type]
    assert await metric(client, "signing_http_requests_total", status="499") == 1
    assert await metric(client, "signing_http_requests_total", status="500") == 0
