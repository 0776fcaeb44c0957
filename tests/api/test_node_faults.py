"""A failing or unreachable node gives a 502/504 JSON error, never a 500 or a hang."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest

from app.chain.node import NodeClient
from app.config import parse_config
from app.main import create_app
from app.services import Services
from tests.api.payloads import README_SHAPES
from tests.helpers import PASSWORDS, make_config


@asynccontextmanager
async def _client_for(handler, tmp_path) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    """The app with a node answered by handler (an httpx.MockTransport)."""
    config = parse_config(make_config(), base_dir=tmp_path)
    services = await Services.open(
        config, node_factory=lambda env: NodeClient(env.api_url, timeout=1, transport=httpx.MockTransport(handler))
    )
    app = create_app(config, services=services)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://service.test") as client:
        yield client
    await services.close()


async def _sign(client: httpx.AsyncClient, route: str = "transfer/sign") -> httpx.Response:
    login = await client.post("/api/auth/login", json={"username": "alice", "password": PASSWORDS["alice"]})
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    return await client.post(
        f"/api/{route}", json={"msg": README_SHAPES["transfer"], "wallet_name": "main"}, headers=headers
    )


def _timeout(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("slow", request=request)


def _refused(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("refused", request=request)


def _html_500(request: httpx.Request) -> httpx.Response:
    return httpx.Response(500, text="<html>oops</html>")


def _garbage_200(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, text="not json")


def _wrong_shape(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"unexpected": True})


@pytest.mark.parametrize(
    ("handler", "status"),
    [(_timeout, 504), (_refused, 502), (_html_500, 502), (_garbage_200, 502), (_wrong_shape, 502)],
    ids=["timeout", "refused", "5xx", "non_json", "wrong_shape"],
)
async def test_node_failure_on_sign_maps_to_gateway_errors(tmp_path, handler, status) -> None:
    async with _client_for(handler, tmp_path) as client:
        r = await _sign(client)
    assert r.status_code == status
    assert r.json()["code"] == status and "signed_msg" not in r.json()


def _node_then_broadcast_fails(fail):  # type: ignore[no-untyped-def]
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/node-info"):
            return httpx.Response(200, json={"node_info": {"network": "Binance-Dev"}})
        if "/account/" in request.url.path:
            return httpx.Response(200, json={"account_number": 5, "sequence": 7})
        return fail(request)

    return handler


@pytest.mark.parametrize(("fail", "status"), [(_timeout, 504), (_refused, 502), (_html_500, 502), (_garbage_200, 502)])
async def test_node_failure_on_broadcast_maps_to_gateway_errors(tmp_path, fail, status) -> None:
    async with _client_for(_node_then_broadcast_fails(fail), tmp_path) as client:
        r = await _sign(client, "transfer/broadcast")
    assert r.status_code == status


async def test_signature_refused_by_the_node_is_a_502_with_its_answer(tmp_path) -> None:
    refusal = {"code": 401, "failed_tx_index": 0, "message": "signature verification failed", "success_tx_results": []}
    handler = _node_then_broadcast_fails(lambda request: httpx.Response(401, json=refusal))
    async with _client_for(handler, tmp_path) as client:
        r = await _sign(client, "transfer/broadcast")
    assert r.status_code == 502
    assert r.json()["node_response"] == refusal


async def test_persistent_sequence_mismatch_gives_409_naming_the_expected_value(tmp_path) -> None:
    calls = {"broadcast": 0}

    def mismatch(request: httpx.Request) -> httpx.Response:
        calls["broadcast"] += 1
        message = "Invalid sequence. Got 7, expected 9"
        return httpx.Response(
            403, json={"code": 403, "failed_tx_index": 0, "message": message, "success_tx_results": []}
        )

    async with _client_for(_node_then_broadcast_fails(mismatch), tmp_path) as client:
        r = await _sign(client, "transfer/broadcast")
    assert r.status_code == 409
    assert "chain expects 9" in r.json()["message"]
    assert calls["broadcast"] == 4  # the first try and three re-reads


async def test_chain_id_is_read_once_from_node_info(tmp_path) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return _node_then_broadcast_fails(_refused)(request)

    async with _client_for(handler, tmp_path) as client:
        for _ in range(3):
            assert (await _sign(client)).status_code == 200
    assert seen.count("/api/v1/node-info") == 1
    assert seen.count("/api/v1/account/" + seen[1].rsplit("/", 1)[-1]) == 1
