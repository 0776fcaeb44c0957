"""Node answers of the wrong shape are 502 naming the node; an unknown broadcast outcome re-reads the account."""

import httpx

from tests.api.fakenode import client_with_node, healthy_node_but
from tests.api.payloads import README_SHAPES
from tests.helpers import PASSWORDS


async def _headers(client: httpx.AsyncClient) -> dict[str, str]:
    login = await client.post("/api/auth/login", json={"username": "alice", "password": PASSWORDS["alice"]})
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


def _body() -> dict:
    return {"msg": README_SHAPES["transfer"], "wallet_name": "main"}


async def test_an_accepted_broadcast_with_an_answer_of_the_wrong_shape_is_502_and_re_reads_the_account(
    tmp_path,
) -> None:
    reads: list[str] = []

    def node(request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/api/v1/account/"):
            reads.append(request.url.path)
        return healthy_node_but(lambda r: httpx.Response(200, json={"code": 0, "hash": "AB"}))(request)

    async with client_with_node(node, tmp_path) as client:
        headers = await _headers(client)
        first = await client.post("/api/transfer/broadcast", json=_body(), headers=headers)
        assert first.status_code == 502
        assert "node http://devnet.test" in first.json()["message"]
        signed = await client.post("/api/transfer/sign", json=_body(), headers=headers)
    assert signed.status_code == 200
    assert len(reads) == 2  # the outcome was unknown: the account was marked stale and read again


async def test_a_chain_id_with_quotes_is_never_signed_into_a_tx(tmp_path) -> None:
    def node(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/node-info":
            return httpx.Response(200, json={"node_info": {"network": 'Binance-Dev","x":"1'}})
        return healthy_node_but(lambda r: httpx.Response(500))(request)

    async with client_with_node(node, tmp_path) as client:
        r = await client.post("/api/transfer/sign", json=_body(), headers=await _headers(client))
    assert r.status_code == 502
    assert "node http://devnet.test" in r.json()["message"] and "signed_msg" not in r.json()


async def test_resync_re_reads_the_chain_id(tmp_path) -> None:
    network = {"name": "Binance-Dev"}

    def node(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/node-info":
            return httpx.Response(200, json={"node_info": {"network": network["name"]}})
        return healthy_node_but(lambda r: httpx.Response(500))(request)

    async with client_with_node(node, tmp_path) as client:
        headers = await _headers(client)
        before = await client.post("/api/transfer/sign", json=_body(), headers=headers)
        network["name"] = "Binance-Dev-2"
        resync = await client.post("/api/wallet/resync", json={"wallet_name": "main"}, headers=headers)
        assert resync.status_code == 200
        after = await client.post("/api/transfer/sign", json=_body(), headers=headers)
        network["name"] = 'bad"id'
        refused = await client.post("/api/wallet/resync", json={"wallet_name": "main"}, headers=headers)
    assert (before.json()["chain_id"], after.json()["chain_id"]) == ("Binance-Dev", "Binance-Dev-2")
    assert refused.status_code == 502


async def test_a_sequence_at_the_end_of_int64_is_never_signed(tmp_path) -> None:
    def node(request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/api/v1/account/"):
            return httpx.Response(200, json={"account_number": 5, "sequence": 2**63 - 1})
        return healthy_node_but(lambda r: httpx.Response(500))(request)

    async with client_with_node(node, tmp_path) as client:
        headers = await _headers(client)
        answers = [await client.post("/api/transfer/sign", json=_body(), headers=headers) for _ in range(3)]
    assert [r.status_code for r in answers] == [409, 409, 409]
    assert "int64" in answers[0].json()["message"]
