"""/health and /ready, X-Request-ID on every answer, and the one JSON log line per request."""

import asyncio
import json
import logging
import shutil
from collections.abc import AsyncIterator, Callable, Iterator

import httpx
import pytest

from app.chain.node import NodeClient
from app.config import parse_config
from app.main import create_app
from app.observability.logs import JsonFormatter, RedactingFilter
from app.services import Services
from app.store.database import Database
from app.web.routes import health
from tests.helpers import CHAIN_ID, PASSWORDS

REQUEST_ID_CHARS = set("0123456789abcdef")


@pytest.fixture
async def unstarted_client(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    """The app before its lifespan has opened the store: no services on app.state."""
    app = create_app(services.config)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://service.test") as c:
        yield c


@pytest.fixture
async def lenient_client(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    """A client that gets the 500 answer of an unhandled error instead of the exception."""
    app = create_app(services.config, services=services)
    transport = httpx.ASGITransport(app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://service.test") as c:
        yield c


@pytest.fixture
def access_log(caplog: pytest.LogCaptureFixture) -> Callable[[str], list[logging.LogRecord]]:
    """access_log(request_id) -> the app.access records of that request, as the middleware wrote them."""
    caplog.set_level(logging.DEBUG, logger="app.access")

    def records(request_id: str) -> list[logging.LogRecord]:
        return [r for r in caplog.records if r.name == "app.access" and getattr(r, "request_id", None) == request_id]

    return records


@pytest.fixture
def root_output() -> Iterator[list[str]]:
    """Every formatted line the root handler would write in production (JSON format, redacting filter)."""
    lines: list[str] = []

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    handler = Capture(logging.DEBUG)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield lines
    root.removeHandler(handler)
    root.setLevel(previous)


# ---- /health and /ready ----


async def test_health_answers_ok_without_a_token(client) -> None:
    r = await client.get("/health")
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}


async def test_health_answers_even_before_the_store_is_open(unstarted_client) -> None:
    assert (await unstarted_client.get("/health")).json() == {"status": "ok"}


async def test_ready_answers_ready_when_the_store_answers(client) -> None:
    r = await client.get("/ready")
    assert r.status_code == 200
    assert r.json() == {"status": "ready"}


async def test_ready_answers_503_when_the_store_cannot_be_reached(client, services, monkeypatch, tmp_path) -> None:
    folder = tmp_path / "nonexistent-directory"
    folder.mkdir()
    broken = await Database.open(f"sqlite:///{folder / 'signer.db'}")
    shutil.rmtree(folder)  # before its first read: the reader cannot open the file
    monkeypatch.setattr(services.store, "db", broken)
    try:
        r = await client.get("/ready")
    finally:
        await broken.close()
    assert r.status_code == 503
    assert r.json() == {"code": 503, "message": "store unreachable", "detail": "store unreachable"}
    assert "nonexistent-directory" not in r.text


async def test_ready_answers_503_when_the_store_hangs(client, services, monkeypatch) -> None:
    async def hang() -> None:
        await asyncio.sleep(60)

    monkeypatch.setattr(services.store, "ping", hang)
    monkeypatch.setattr(health, "READY_TIMEOUT_SECONDS", 0.05)
    r = await client.get("/ready")
    assert r.status_code == 503


async def test_ready_answers_503_before_the_service_has_started(unstarted_client) -> None:
    r = await unstarted_client.get("/ready")
    assert r.status_code == 503
    assert r.json()["code"] == 503


async def test_health_routes_are_documented_outside_api(client) -> None:
    paths = (await client.get("/api/openapi.json")).json()["paths"]
    for path in ("/health", "/ready", "/metrics"):
        assert "get" in paths[path]
    assert "503" in paths["/ready"]["get"]["responses"]
    assert not any(p.startswith("/api/health") for p in paths)


# ---- X-Request-ID ----


async def test_a_valid_incoming_request_id_is_echoed(client) -> None:
    r = await client.get("/health", headers={"X-Request-ID": "req-42.abc_DEF"})
    assert r.headers["x-request-id"] == "req-42.abc_DEF"


async def test_a_request_id_is_generated_when_none_is_sent(client) -> None:
    first = (await client.get("/health")).headers["x-request-id"]
    second = (await client.get("/health")).headers["x-request-id"]
    assert len(first) == 32 and set(first) <= REQUEST_ID_CHARS
    assert first != second


@pytest.mark.parametrize("bad", ["x" * 65, "has space", "new\tline", 'quote"d', "semi;colon", "ünï", ""])
async def test_a_bad_incoming_request_id_is_replaced(client, bad) -> None:
    r = await client.get("/health", headers={"X-Request-ID": bad.encode("utf-8")})
    echoed = r.headers["x-request-id"]
    assert echoed != bad
    assert len(echoed) == 32 and set(echoed) <= REQUEST_ID_CHARS


async def test_a_request_id_of_64_characters_is_kept(client) -> None:
    rid = "a" * 64
    assert (await client.get("/health", headers={"X-Request-ID": rid})).headers["x-request-id"] == rid


async def test_error_answers_carry_the_request_id(client, auth) -> None:
    headers = {"X-Request-ID": "err-1"}
    user = {**headers, **await auth("alice")}
    answers = [
        await client.get("/api/wallet", headers=headers),
        await client.get("/nowhere", headers=headers),
        await client.post("/api/order/sign", json={}, headers=user),
        await client.post("/api/order/sign", json={"msg": {}, "wallet_name": "nope"}, headers=user),
        await client.post(
            "/api/order/sign", content=b"x" * 200_000, headers={**user, "Content-Type": "application/json"}
        ),
        await client.post("/api/order/sign", content=b"<xml/>", headers={**user, "Content-Type": "text/xml"}),
    ]
    assert [r.status_code for r in answers] == [401, 404, 422, 422, 413, 415]
    for r in answers:
        assert r.headers["x-request-id"] == "err-1"
        assert set(r.json()) >= {"code", "message", "detail"}


async def test_an_unhandled_error_answers_500_with_the_request_id(lenient_client, services, monkeypatch) -> None:
    async def explode(username: str, password: str) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(services.users, "authenticate", explode)
    r = await lenient_client.post(
        "/api/auth/login", json={"username": "alice", "password": "x"}, headers={"X-Request-ID": "boom-1"}
    )
    assert r.status_code == 500
    assert r.json()["code"] == 500
    assert r.headers["x-request-id"] == "boom-1"


# ---- the access log ----


async def test_each_request_logs_one_line_with_its_fields(client, auth, access_log) -> None:
    headers = await auth("alice")
    r = await client.get("/api/wallet/main", headers={**headers, "X-Request-ID": "trace-7"})
    assert r.status_code == 200
    (line,) = access_log("trace-7")
    entry = json.loads(JsonFormatter().format(line))
    assert entry["level"] == "INFO"
    assert entry["logger"] == "app.access"
    assert entry["message"] == "request"
    assert entry["method"] == "GET"
    assert entry["route"] == "/api/wallet/{wallet_name}"
    assert entry["status"] == 200
    assert isinstance(entry["duration_ms"], float) and entry["duration_ms"] >= 0
    assert entry["request_id"] == "trace-7"
    assert entry["client"] == "127.0.0.1"
    assert entry["user"] == "alice"


async def test_the_log_line_names_no_user_for_a_bad_token(client, access_log) -> None:
    await client.get("/api/wallet", headers={"Authorization": "Bearer not-a-token", "X-Request-ID": "bad-token"})
    (line,) = access_log("bad-token")
    assert line.user is None  # type: ignore[attr-defined]
    assert line.status == 401  # type: ignore[attr-defined]


async def test_an_unhandled_error_is_logged_with_status_500(lenient_client, services, monkeypatch, access_log) -> None:
    async def explode(username: str, password: str) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(services.users, "authenticate", explode)
    await lenient_client.post("/api/auth/login", json={"username": "a", "password": "x"}, headers={"X-Request-ID": "e"})
    (line,) = access_log("e")
    assert line.status == 500  # type: ignore[attr-defined]
    assert line.route == "/api/auth/login"  # type: ignore[attr-defined]


async def test_probes_are_logged_at_debug_level(client, access_log) -> None:
    await client.get("/health", headers={"X-Request-ID": "probe"})
    (line,) = access_log("probe")
    assert line.levelno == logging.DEBUG


async def _log_in_and_out(client: httpx.AsyncClient, request_id: str) -> str:
    """Requests that carry secrets: logins (JSON and form, right and wrong) and a token; returns the token."""
    rid = {"X-Request-ID": request_id}
    login = await client.post(
        "/api/auth/login", json={"username": "alice", "password": PASSWORDS["alice"]}, headers=rid
    )
    token: str = login.json()["access_token"]
    await client.get("/api/wallet", headers={**rid, "Authorization": f"Bearer {token}"})
    await client.post("/api/auth/login", json={"username": "alice", "password": "a-wrong-password-123"}, headers=rid)
    await client.post("/api/auth/login", data={"username": "bob", "password": PASSWORDS["bob"]}, headers=rid)
    return token


SECRETS = (PASSWORDS["alice"], PASSWORDS["bob"], "a-wrong-password-123")


async def test_the_access_log_never_holds_a_token_or_a_password(client, access_log) -> None:
    token = await _log_in_and_out(client, "secrets")
    lines = access_log("secrets")
    assert len(lines) == 4
    for line in lines:
        text = JsonFormatter().format(line) + repr(line.__dict__)
        for secret in (token, *SECRETS):
            assert secret not in text


async def test_no_token_or_password_reaches_the_log_output(client, root_output) -> None:
    token = await _log_in_and_out(client, "printed")
    printed = "\n".join(root_output)
    assert '"request_id": "printed"' in printed
    for secret in (token, *SECRETS):
        assert secret not in printed


async def _ready_with_node(config_data: dict, tmp_path, node: httpx.MockTransport) -> httpx.Response:  # type: ignore[no-untyped-def]
    """GET /ready of a service whose every node is the fake peer node."""
    config = parse_config(config_data, base_dir=tmp_path)
    services = await Services.open(config, node_factory=lambda env: NodeClient(env.api_url, transport=node))
    try:
        app = create_app(config, services=services)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://service.test") as client:
            return await client.get("/ready")
    finally:
        await services.close()


async def test_ready_answers_503_while_the_node_answers_404_to_node_info(config_data, tmp_path) -> None:
    # What `python3 -m http.server` on the devnet's port answers.
    not_a_node = httpx.MockTransport(lambda request: httpx.Response(404, text="File not found"))
    r = await _ready_with_node(config_data, tmp_path, not_a_node)
    assert r.status_code == 503
    message = "no wallet's node answers node-info"
    assert r.json() == {"code": 503, "message": message, "detail": message}


async def test_ready_answers_ready_when_the_node_answers_node_info(config_data, tmp_path) -> None:
    r = await _ready_with_node(config_data, tmp_path, httpx.MockTransport(_devnet_node_info))
    assert r.status_code == 200, r.text


async def test_ready_answers_503_while_the_node_is_on_another_chain(config_data, tmp_path) -> None:
    for env in config_data["environments"].values():
        env["chain_id"] = "Binance-Elsewhere"
    r = await _ready_with_node(config_data, tmp_path, httpx.MockTransport(_devnet_node_info))
    assert r.status_code == 503


def _devnet_node_info(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"node_info": {"network": CHAIN_ID}, "sync_info": {}})
