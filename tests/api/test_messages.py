"""Every message type signs and broadcasts, in both request shapes, byte-exact with the chain."""

import asyncio
import hashlib
import json

import httpx
import pytest

from app.chain.messages import CancelOrder, Coin, NewOrder, Send, TokenFreeze, TokenUnfreeze, Vote
from app.chain.tx import order_id
from tests.api.payloads import CLIENT_SHAPES, MULTI_TRANSFER, ORDER_ID, README_SHAPES, verified
from tests.helpers import CHAIN_ID, KEY_A, OTHER_ADDRESS, address_of, mnemonic_address

MAIN = address_of(KEY_A)
MAIN_HEX = "7F756B1BE93AA2E2FDC3D7CB713ABC206F877802"
EXPECTED = {
    "order": lambda seq: NewOrder(
        sender=MAIN,
        id=f"{MAIN_HEX}-{seq + 1}",
        symbol="ANN-457_BNB",
        side=1,
        price=39600,
        quantity=10**9,
        timeinforce=1,
    ),
    "cancel_order": lambda seq: CancelOrder(sender=MAIN, symbol="ANN-457_BNB", refid=ORDER_ID),
    "transfer": lambda seq: Send.simple(sender=MAIN, to=OTHER_ADDRESS, coins=[Coin("BNB", 10**8)]),
    "freeze": lambda seq: TokenFreeze(from_=MAIN, symbol="BNB", amount=10**8),
    "unfreeze": lambda seq: TokenUnfreeze(from_=MAIN, symbol="BNB", amount=10**8),
    "vote": lambda seq: Vote(proposal_id=1, voter=MAIN, option=1),
}


@pytest.mark.parametrize("shape", [README_SHAPES, CLIENT_SHAPES], ids=["readme_shape", "client_shape"])
@pytest.mark.parametrize("route", list(EXPECTED))
async def test_sign_returns_a_verifiable_tx_with_the_expected_message(client, auth, route, shape) -> None:
    headers = await auth("alice")
    r = await client.post(f"/api/{route}/sign", json={"msg": shape[route], "wallet_name": "main"}, headers=headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert "message" not in body and "code" not in body
    tx = verified(body["signed_msg"])
    assert tx.msg == EXPECTED[route](tx.sequence)
    assert (body["sequence"], body["account_number"], body["chain_id"]) == (tx.sequence, tx.account_number, CHAIN_ID)
    assert tx.account_number == 0  # the first genesis account: amino omits the zero field
    assert body["tx_hash"] == hashlib.sha256(bytes.fromhex(body["signed_msg"])).hexdigest().upper()
    assert ("order_id" in body) == (route == "order")


async def test_signing_reserves_consecutive_sequences_and_order_ids(client, auth) -> None:
    headers = await auth("alice")
    sequences = []
    for _ in range(3):
        r = await client.post(
            "/api/order/sign", json={"msg": README_SHAPES["order"], "wallet_name": "main"}, headers=headers
        )
        body = r.json()
        sequences.append(body["sequence"])
        assert body["order_id"] == order_id(bytes.fromhex(MAIN_HEX), body["sequence"])
    assert sequences == [0, 1, 2]


async def test_wallets_sharing_a_key_share_one_sequence(client, auth) -> None:
    headers = await auth("alice")
    first = await client.post(
        "/api/transfer/sign", json={"msg": README_SHAPES["transfer"], "wallet_name": "main"}, headers=headers
    )
    second = await client.post(
        "/api/transfer/sign", json={"msg": README_SHAPES["transfer"], "wallet_name": "main_alias"}, headers=headers
    )
    assert (first.json()["sequence"], second.json()["sequence"]) == (0, 1)


async def test_multi_coin_transfer_sorts_coins_and_keeps_exact_amounts(client, auth) -> None:
    headers = await auth("alice")
    r = await client.post("/api/transfer/sign", json={"msg": MULTI_TRANSFER, "wallet_name": "main"}, headers=headers)
    assert r.status_code == 200, r.text
    tx = verified(r.json()["signed_msg"])
    assert tx.msg == Send.simple(
        sender=MAIN, to=OTHER_ADDRESS, coins=[Coin("ANN-457", 2 * 10**8), Coin("BNB", 150_000_000)]
    )


async def test_memo_with_html_characters_and_slash_signs_as_the_node_rebuilds_it(client, auth) -> None:
    headers = await auth("alice")
    msg = {**README_SHAPES["transfer"], "memo": "a/b & <c> ünï"}
    r = await client.post("/api/transfer/sign", json={"msg": msg, "wallet_name": "main"}, headers=headers)
    assert r.status_code == 200, r.text
    assert verified(r.json()["signed_msg"]).memo == "a/b & <c> ünï"


async def test_mnemonic_wallet_signs_with_its_derived_key(client, auth) -> None:
    headers = await auth("alice")
    r = await client.post(
        "/api/freeze/sign", json={"msg": CLIENT_SHAPES["freeze"], "wallet_name": "seed"}, headers=headers
    )
    assert r.status_code == 200, r.text
    assert verified(r.json()["signed_msg"]).msg.from_ == mnemonic_address(2)  # type: ignore[attr-defined]


@pytest.mark.parametrize("amount_json", ['"12345678901.12345678"', "12345678901.12345678"], ids=["string", "number"])
async def test_amounts_in_strings_and_json_numbers_are_exact(client, auth, amount_json) -> None:
    headers = {**(await auth("alice")), "Content-Type": "application/json"}
    msg = f'{{"symbol": "BNB", "amount": {amount_json}, "to_address": "{OTHER_ADDRESS}"}}'
    content = f'{{"msg": {msg}, "wallet_name": "main"}}'
    r = await client.post("/api/transfer/sign", content=content, headers=headers)
    assert r.status_code == 200, r.text
    coins = verified(r.json()["signed_msg"]).msg.inputs[0].coins  # type: ignore[attr-defined]
    assert coins == (Coin("BNB", 1234567890112345678),)


@pytest.mark.parametrize("route", list(EXPECTED))
async def test_broadcast_is_accepted_by_the_node_and_returns_its_answer(client, auth, devnet_client, route) -> None:
    headers = await auth("alice")
    r = await client.post(
        f"/api/{route}/broadcast", json={"msg": CLIENT_SHAPES[route], "wallet_name": "main"}, headers=headers
    )
    if route == "cancel_order":  # no such order on the chain: the node's refusal is passed on
        assert r.status_code == 400, r.text
        assert r.json()["node_response"]["failed_tx_index"] == 0
        return
    if route == "unfreeze":  # nothing frozen yet
        assert r.status_code == 400, r.text
        return
    assert r.status_code == 200, r.text
    answer = r.json()
    assert isinstance(answer, list) and answer[0]["ok"] is True and answer[0]["code"] == 0
    tx = await devnet_client.get(f"/api/v1/tx/{answer[0]['hash']}", params={"format": "json"})
    assert tx.status_code == 200


async def test_order_then_cancel_then_freeze_unfreeze_all_land_with_contiguous_sequences(
    client, auth, devnet_client
) -> None:
    headers = await auth("alice")
    order = await client.post(
        "/api/order/broadcast", json={"msg": README_SHAPES["order"], "wallet_name": "main"}, headers=headers
    )
    assert order.status_code == 200, order.text
    placed_id = json.loads(order.json()[0]["data"])["order_id"]
    assert placed_id == f"{MAIN_HEX}-1"
    cancel = await client.post(
        "/api/order/cancel/broadcast",
        json={"msg": {"refid": placed_id, "symbol": "ANN-457_BNB"}, "wallet_name": "main"},
        headers=headers,
    )
    assert cancel.status_code == 200, cancel.text
    for route in ("freeze", "unfreeze"):
        r = await client.post(
            f"/api/{route}/broadcast", json={"msg": README_SHAPES[route], "wallet_name": "main"}, headers=headers
        )
        assert r.status_code == 200, r.text
    account = (await devnet_client.get(f"/api/v1/account/{MAIN}")).json()
    assert account["sequence"] == 4


async def test_signed_but_not_broadcast_sequence_is_refused_then_reconciled(client, auth, devnet_client) -> None:
    """A sign reserves a sequence; a later broadcast finds the gap, re-reads the node and lands."""
    headers = await auth("alice")
    await client.post(
        "/api/transfer/sign", json={"msg": README_SHAPES["transfer"], "wallet_name": "main"}, headers=headers
    )
    r = await client.post(
        "/api/transfer/broadcast", json={"msg": README_SHAPES["transfer"], "wallet_name": "main"}, headers=headers
    )
    assert r.status_code == 200, r.text
    assert (await devnet_client.get(f"/api/v1/account/{MAIN}/sequence")).json()["sequence"] == 1


async def test_unfunded_wallet_gets_409_with_the_reason(client, auth) -> None:
    headers = await auth("alice")
    r = await client.post(
        "/api/transfer/sign", json={"msg": README_SHAPES["transfer"], "wallet_name": "empty"}, headers=headers
    )
    assert r.status_code == 409
    assert "never funded" in r.json()["message"]


async def test_broadcast_with_insufficient_funds_passes_the_node_answer_and_burns_no_sequence(client, auth) -> None:
    headers = await auth("alice")
    msg = {"symbol": "BNB", "amount": "90000000000", "to_address": OTHER_ADDRESS}
    r = await client.post("/api/transfer/broadcast", json={"msg": msg, "wallet_name": "main"}, headers=headers)
    assert r.status_code == 400
    assert r.json()["node_status"] == 400
    ok = await client.post(
        "/api/transfer/broadcast", json={"msg": README_SHAPES["transfer"], "wallet_name": "main"}, headers=headers
    )
    assert ok.status_code == 200, ok.text


async def test_concurrent_broadcasts_on_one_wallet_all_land(client, auth, devnet_client) -> None:
    headers = await auth("alice")

    async def send() -> httpx.Response:
        return await client.post(
            "/api/transfer/broadcast", json={"msg": README_SHAPES["transfer"], "wallet_name": "main"}, headers=headers
        )

    results = await asyncio.gather(*(send() for _ in range(30)))
    assert [r.status_code for r in results] == [200] * 30
    assert (await devnet_client.get(f"/api/v1/account/{MAIN}/sequence")).json()["sequence"] == 30
