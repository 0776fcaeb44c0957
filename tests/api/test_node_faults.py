"""A failing or unreachable node gives a 502/504 JSON error, never a 500 or a hang."""

import httpx
import pytest

from tests.api.fakenode import client_with_node, garbage, healthy_node_but, html_500, refused, timeout, wrong_shape
from tests.api.payloads import README_SHAPES
from tests.helpers import PASSWORDS


async def _sign(client: httpx.AsyncClient, route: str = "transfer/sign") -> httpx.Response:
    login = await client.post("/api/auth/login", json={"username": "alice", "password": PASSWORDS["alice"]})
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    return await client.post(
        f"/api/{route}", json={"msg": README_SHAPES["transfer"], "wallet_name": "main"}, headers=headers
    )


@pytest.mark.parametrize(
    ("handler", "status"),
    [(timeout, 504), (refused, 502), (html_500, 502), (garbage, 502), (wrong_shape, 502)],
    ids=["timeout", "refused", "5xx", "non_json", "wrong_shape"],
)
async def test_node_failure_on_sign_maps_to_gateway_errors(tmp_path, handler, status) -> None:
    async with client_with_node(handler, tmp_path) as client:
        r = await _sign(client)
    assert r.status_code == status
    assert r.json()["code"] == status and "signed_msg" not in r.json()


@pytest.mark.parametrize(("fail", "status"), [(timeout, 504), (refused, 502), (html_500, 502), (garbage, 502)])
async def test_node_failure_on_broadcast_maps_to_gateway_errors(tmp_path, fail, status) -> None:
    async with client_with_node(healthy_node_but(fail), tmp_path) as client:
        r = await _sign(client, "transfer/broadcast")
    assert r.status_code == status


async def test_signaturerefused_by_the_node_is_a_502_with_its_answer(tmp_path) -> None:
    refusal = {"code": 401, "failed_tx_index": 0, "message": "signature verification failed", "success_tx_results": []}
    handler = healthy_node_but(lambda request: httpx.Response(401, json=refusal))
    async with client_with_node(handler, tmp_path) as client:
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

    async with client_with_node(healthy_node_but(mismatch), tmp_path) as client:
        r = await _sign(client, "transfer/broadcast")
    assert r.status_code == 409
    assert "chain expects 9" in r.json()["message"]
    assert calls["broadcast"] == 4  # the first try and three re-reads


async def test_chain_id_is_read_once_from_node_info(tmp_path) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return healthy_node_but(refused)(request)

    async with client_with_node(handler, tmp_path) as client:
        for _ in range(3):
            assert (await _sign(client)).status_code == 200
    assert seen.count("/api/v1/node-info") == 1
    assert seen.count("/api/v1/account/" + seen[1].rsplit("/", 1)[-1]) == 1
