"""GET /metrics: Prometheus counters and histograms after signs, denials, logins and node failures."""

import dataclasses
from collections.abc import AsyncIterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from app.main import create_app
from app.services import Services
from tests.api.fakenode import (
    client_with_node,
    garbage,
    healthy_node_but,
    refused,
    rejected,
    sequence_mismatch,
    timeout,
)
from tests.api.payloads import README_SHAPES
from tests.helpers import PASSWORDS, make_config

METRICS_TOKEN = "metrics-token-for-the-tests-0123456789"


@pytest.fixture
def config_data() -> dict:
    """The shared test config, with a per-transaction limit on wallet seed (for policy denials)."""
    data = make_config()
    for wallet in data["wallets"]:
        if wallet["name"] == "seed":
            wallet["limits"] = {"max_per_tx": {"BNB": "1"}}
    return data


@pytest.fixture
async def protected_client(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    """The app with metrics_token set, on the same store and node."""
    config = services.config.model_copy(update={"metrics_token": SecretStr(METRICS_TOKEN)})
    app = create_app(config, services=dataclasses.replace(services, config=config))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://service.test") as c:
        yield c


async def metric(client: httpx.AsyncClient, name: str, **labels: str) -> float:
    """The sum of the samples called name whose labels include labels (0 if there is none)."""
    response = await client.get("/metrics")
    assert response.status_code == 200, response.text
    return sum(
        sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
        if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items())
    )


async def _sign(client: httpx.AsyncClient, headers: dict[str, str], *, wallet: str, msg_type: str = "transfer",
                msg: dict | None = None, action: str = "sign") -> httpx.Response:  # fmt: skip
    body = {"msg": msg or README_SHAPES[msg_type], "wallet_name": wallet}
    return await client.post(f"/api/{msg_type}/{action}", json=body, headers=headers)


async def test_metrics_are_served_in_prometheus_text_format_without_token_by_default(client) -> None:
    r = await client.get("/metrics")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    assert "# TYPE signing_http_requests_total counter" in r.text
    assert "# TYPE signing_sign_seconds histogram" in r.text


async def test_metrics_count_a_signature_with_its_wallet_type_and_latency(client, auth) -> None:
    headers = await auth("alice")
    signatures = await metric(client, "signing_signatures_total", wallet="main", message_type="order", action="sign")
    timed = await metric(client, "signing_sign_seconds_count", message_type="order")
    assert (await _sign(client, headers, wallet="main", msg_type="order")).status_code == 200
    assert (
        await metric(client, "signing_signatures_total", wallet="main", message_type="order", action="sign")
        == signatures + 1
    )
    assert await metric(client, "signing_sign_seconds_count", message_type="order") == timed + 1


async def test_metrics_count_a_broadcast_and_time_it(client, auth) -> None:
    headers = await auth("alice")
    before = await metric(client, "signing_broadcast_seconds_count", message_type="transfer")
    r = await _sign(client, headers, wallet="main", action="broadcast")
    assert r.status_code == 200, r.text
    assert await metric(client, "signing_broadcast_seconds_count", message_type="transfer") == before + 1
    assert await metric(client, "signing_signatures_total", wallet="main", action="broadcast") >= 1


async def test_metrics_count_requests_by_route_template_not_raw_path(client, auth) -> None:
    headers = await auth("alice")
    route = "/api/wallet/{wallet_name}"
    before = await metric(client, "signing_http_requests_total", method="GET", route=route, status="200")
    assert (await client.get("/api/wallet/main", headers=headers)).status_code == 200
    assert (await client.get("/api/wallet/seed", headers=headers)).status_code == 200
    after = await metric(client, "signing_http_requests_total", method="GET", route=route, status="200")
    assert after == before + 2
    text = (await client.get("/metrics")).text
    assert 'route="/api/wallet/main"' not in text
    assert 'route="/api/auth/login"' in text


async def test_metrics_label_unknown_paths_unmatched_and_skip_probes(client) -> None:
    unmatched = await metric(client, "signing_http_requests_total", route="unmatched", status="404")
    assert (await client.get("/no/such/path/12345")).status_code == 404
    assert (await client.get("/health")).status_code == 200
    assert await metric(client, "signing_http_requests_total", route="unmatched", status="404") == unmatched + 1
    assert "/no/such/path/12345" not in (await client.get("/metrics")).text
    assert await metric(client, "signing_http_requests_total", route="/health") == 0
    assert await metric(client, "signing_http_requests_total", route="/metrics") == 0


async def test_metrics_count_unusual_methods_as_other(client) -> None:
    before = await metric(client, "signing_http_requests_total", method="other")
    await client.request("PROPFIND", "/api/wallet")
    assert await metric(client, "signing_http_requests_total", method="other") == before + 1


@pytest.mark.parametrize(
    ("user", "wallet", "reason"),
    [
        ("bob", "main", "permission"),  # bob may trade on main, not transfer
        ("alice", "nope", "unknown_wallet"),
        ("bob", "trader", "unknown_wallet"),  # no effective permission answers 404 like an unknown wallet
        ("alice", "fenced", "ip"),
    ],
)
async def test_metrics_count_a_denied_request_by_reason(client, auth, user, wallet, reason) -> None:
    headers = await auth(user)
    before = await metric(client, "signing_denials_total", reason=reason)
    msg_type = "order" if wallet == "fenced" else "transfer"
    r = await _sign(client, headers, wallet=wallet, msg_type=msg_type)
    assert r.status_code == (404 if reason == "unknown_wallet" else 403), r.text
    assert await metric(client, "signing_denials_total", reason=reason) == before + 1


async def test_metrics_count_a_policy_denial(client, auth) -> None:
    headers = await auth("alice")
    before = await metric(client, "signing_denials_total", reason="policy")
    msg = {**README_SHAPES["transfer"], "amount": 2}
    r = await _sign(client, headers, wallet="seed", msg=msg)
    assert r.status_code == 403, r.text
    assert await metric(client, "signing_denials_total", reason="policy") == before + 1


async def test_metrics_count_failed_logins_but_not_successful_ones(client, auth) -> None:
    before = await metric(client, "signing_login_failures_total")
    r = await client.post("/api/auth/login", json={"username": "alice", "password": "wrong-password"})
    assert r.status_code == 401
    r = await client.post("/api/auth/login", json={"username": "nobody", "password": "whatever"})
    assert r.status_code == 401
    await auth("alice")
    assert await metric(client, "signing_login_failures_total") == before + 2


async def test_metrics_count_an_explicit_resync(client, auth) -> None:
    headers = await auth("alice")
    before = await metric(client, "signing_sequence_resyncs_total", trigger="explicit")
    r = await client.post("/api/wallet/resync", json={"wallet_name": "main"}, headers=headers)
    assert r.status_code == 200, r.text
    assert await metric(client, "signing_sequence_resyncs_total", trigger="explicit") == before + 1


# ---- node failures, with a node played by httpx.MockTransport ----


@pytest.mark.parametrize(
    ("broadcast", "kind"),
    [(timeout, "timeout"), (refused, "unreachable"), (garbage, "bad_answer"), (rejected, "rejected")],
)
async def test_metrics_count_node_errors_by_kind(tmp_path, broadcast, kind) -> None:
    async with client_with_node(healthy_node_but(broadcast), tmp_path) as client:
        before = await metric(client, "signing_node_errors_total", kind=kind)
        login = await client.post("/api/auth/login", json={"username": "alice", "password": PASSWORDS["alice"]})
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        r = await _sign(client, headers, wallet="main", action="broadcast")
        assert r.status_code == {"timeout": 504, "unreachable": 502, "bad_answer": 502, "rejected": 400}[kind], r.text
        assert await metric(client, "signing_node_errors_total", kind=kind) == before + 1


async def test_metrics_count_automatic_resyncs_after_a_sequence_mismatch(tmp_path) -> None:
    async with client_with_node(healthy_node_but(sequence_mismatch), tmp_path) as client:
        before = await metric(client, "signing_sequence_resyncs_total", trigger="mismatch")
        login = await client.post("/api/auth/login", json={"username": "alice", "password": PASSWORDS["alice"]})
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        r = await _sign(client, headers, wallet="main", action="broadcast")
        assert r.status_code == 409, r.text
        assert await metric(client, "signing_sequence_resyncs_total", trigger="mismatch") > before


# ---- metrics_token ----


async def test_metrics_need_the_token_when_metrics_token_is_set(protected_client) -> None:
    r = await protected_client.get("/metrics")
    assert r.status_code == 401
    assert r.json() == {
        "code": 401,
        "message": "missing or wrong metrics token",
        "detail": "missing or wrong metrics token",
    }
    assert r.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "authorization",
    [f"Bearer {METRICS_TOKEN}x", f"Bearer {METRICS_TOKEN[:-1]}", "Bearer ", f"Basic {METRICS_TOKEN}", METRICS_TOKEN],
)
async def test_metrics_refuse_a_wrong_token(protected_client, authorization) -> None:
    r = await protected_client.get("/metrics", headers={"Authorization": authorization})
    assert r.status_code == 401


async def test_metrics_accept_the_right_token(protected_client) -> None:
    r = await protected_client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert r.status_code == 200
    assert "signing_http_requests_total" in r.text


async def test_metrics_do_not_accept_a_user_token_instead_of_the_metrics_token(protected_client) -> None:
    login = await protected_client.post("/api/auth/login", json={"username": "alice", "password": PASSWORDS["alice"]})
    r = await protected_client.get("/metrics", headers={"Authorization": f"Bearer {login.json()['access_token']}"})
    assert r.status_code == 401


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/api/openapi.json"])
async def test_metrics_label_the_docs_routes_by_their_path(client, path) -> None:
    before = await metric(client, "signing_http_requests_total", method="GET", route=path, status="200")
    assert (await client.get(path)).status_code == 200
    assert await metric(client, "signing_http_requests_total", method="GET", route=path, status="200") == before + 1
