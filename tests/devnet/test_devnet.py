"""The devnet behaves as the Binance Chain node's HTTP API did, for txs signed with app.chain."""

import asyncio
import base64
import dataclasses
import hashlib
import json
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI

from app.chain.keys import SigningKey
from app.chain.messages import (
    SIDE_BUY,
    SIDE_SELL,
    TIF_GTE,
    TIF_IOC,
    CancelOrder,
    Coin,
    InOut,
    Msg,
    NewOrder,
    Send,
    TokenFreeze,
    TokenUnfreeze,
    Vote,
)
from app.chain.node import AccountNotFound, NodeClient
from app.chain.tx import SignedTx, canonical_json, order_id, sign_bytes, sign_tx, tx_hash
from app.devnet import create_app
from app.devnet.cli import main as devnet_main
from app.devnet.state import Ledger

CHAIN_ID = "Binance-Dev"
HRP = "tbnb"
COIN = 10**8
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
pytestmark = pytest.mark.asyncio  # explicit, so the tests also run without asyncio_mode = auto
REPO_ROOT = Path(__file__).resolve().parents[2]


def _key(name: str) -> SigningKey:
    return SigningKey.from_hex(hashlib.sha256(name.encode()).hexdigest())


ALICE, BOB, CAROL = _key("alice"), _key("bob"), _key("carol")
A, B, C = (k.address(HRP) for k in (ALICE, BOB, CAROL))


@pytest.fixture
def app() -> FastAPI:
    """A devnet where alice (account 0) and bob (account 1) hold the default genesis coins."""
    return create_app(chain_id=CHAIN_ID, hrp=HRP, genesis=[A, B])


@pytest_asyncio.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://devnet") as http:
        yield http


# ---- helpers ----


def signed_hex(
    key: SigningKey,
    msg: Msg,
    *,
    account_number: int,
    sequence: int,
    memo: str = "",
    chain_id: str = CHAIN_ID,
) -> str:
    tx = sign_tx(key=key, msg=msg, chain_id=chain_id, account_number=account_number, sequence=sequence, memo=memo)
    return tx.encode().hex()


async def broadcast(client: httpx.AsyncClient, body: str | bytes) -> httpx.Response:
    return await client.post(
        "/api/v1/broadcast", params={"sync": "true"}, content=body, headers={"Content-Type": "text/plain"}
    )


async def account(client: httpx.AsyncClient, address: str) -> dict[str, Any]:
    response = await client.get(f"/api/v1/account/{address}")
    assert response.status_code == 200, response.text
    return response.json()


async def balance(client: httpx.AsyncClient, address: str, symbol: str) -> dict[str, str]:
    for entry in (await account(client, address))["balances"]:
        if entry["symbol"] == symbol:
            return entry
    return {"symbol": symbol, "free": "0.00000000", "locked": "0.00000000", "frozen": "0.00000000"}


def transfer(sender: str, to: str, amount: int, denom: str = "BNB") -> Send:
    return Send.simple(sender=sender, to=to, coins=[Coin(denom, amount)])


def assert_ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body = response.json()
    assert isinstance(body, list) and len(body) == 1
    result = body[0]
    assert result["code"] == 0 and result["ok"] is True and result["log"] == "Msg 0: "
    return result


def assert_rejected(response: httpx.Response, *, status: int, abci_code: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == status
    assert body["abci_code"] == abci_code
    assert body["failed_tx_index"] == 0 and body["success_tx_results"] == []
    return body["message"]


# ---- queries ----


async def test_node_info_reports_chain_id_and_height(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/node-info")
    assert response.status_code == 200
    info = response.json()
    assert info["node_info"]["network"] == CHAIN_ID
    assert info["node_info"]["moniker"] == "devnet"
    assert info["sync_info"]["latest_block_height"] == 0
    assert_ok(await broadcast(client, signed_hex(ALICE, transfer(A, B, COIN), account_number=0, sequence=0)))
    assert (await client.get("/api/v1/node-info")).json()["sync_info"]["latest_block_height"] == 1


async def test_genesis_accounts_are_numbered_in_order_and_funded(client: httpx.AsyncClient) -> None:
    alice, bob = await account(client, A), await account(client, B)
    assert (alice["account_number"], alice["sequence"]) == (0, 0)
    assert (bob["account_number"], bob["sequence"]) == (1, 0)
    assert alice["address"] == A and alice["flags"] == 0 and alice["public_key"] is None
    assert alice["balances"] == [
        {"symbol": "ANN-457", "free": "1000000.00000000", "locked": "0.00000000", "frozen": "0.00000000"},
        {"symbol": "BNB", "free": "1000000.00000000", "locked": "0.00000000", "frozen": "0.00000000"},
    ]
    assert (await client.get(f"/api/v1/account/{A}/sequence")).json() == {"sequence": 0}


async def test_genesis_coins_are_a_parameter() -> None:
    ledger = Ledger(chain_id=CHAIN_ID, hrp=HRP, genesis=[A], genesis_coins={"BNB": 5, "XYZ-123": 7})
    alice = ledger.account(A)
    assert alice is not None
    assert {s: b.free for s, b in alice.balances.items()} == {"BNB": 5, "XYZ-123": 7}
    assert ledger.pairs == {"ANN-457_BNB", "XYZ-123_BNB"}


async def test_a_genesis_address_listed_twice_is_funded_once() -> None:
    ledger = Ledger(chain_id=CHAIN_ID, hrp=HRP, genesis=[A, A.upper(), B], genesis_coins={"BNB": 5})
    alice, bob = ledger.account(A), ledger.account(B)
    assert alice is not None and bob is not None
    assert (alice.account_number, alice.balances["BNB"].free, bob.account_number) == (0, 5, 1)


async def test_unknown_or_invalid_account_is_404_json(client: httpx.AsyncClient) -> None:
    for address in (C, "tbnb1notanaddress", "bnb1" + A[5:], "x"):
        for path in (f"/api/v1/account/{address}", f"/api/v1/account/{address}/sequence"):
            response = await client.get(path)
            assert response.status_code == 404
            assert response.json() == {"code": 404, "message": "account not found"}


async def test_unknown_route_and_tx_are_404_json(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/nope")
    assert response.status_code == 404 and response.json()["code"] == 404
    response = await client.get("/api/v1/tx/" + "AB" * 32, params={"format": "json"})
    assert response.status_code == 404 and response.json()["code"] == 404


async def test_wrong_method_is_405_json(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/broadcast")
    assert response.status_code == 405 and response.json()["code"] == 405


async def test_open_orders_without_address_is_400_json(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/orders/open")
    assert response.status_code == 400 and response.json()["code"] == 400


# ---- accepted txs and their effects ----


async def test_first_genesis_account_signs_with_account_number_0_and_sequence_0(client: httpx.AsyncClient) -> None:
    raw = signed_hex(ALICE, transfer(A, B, 2 * COIN), account_number=0, sequence=0)
    result = assert_ok(await broadcast(client, raw))
    assert result["hash"] == tx_hash(bytes.fromhex(raw)) and result["data"] == ""
    alice = await account(client, A)
    assert alice["sequence"] == 1
    assert alice["public_key"] == list(ALICE.public_key)
    assert (await balance(client, A, "BNB"))["free"] == "999998.00000000"
    assert (await balance(client, B, "BNB"))["free"] == "1000002.00000000"


async def test_committed_tx_can_be_looked_up_by_hash(client: httpx.AsyncClient) -> None:
    msg = transfer(A, B, 1)
    result = assert_ok(await broadcast(client, signed_hex(ALICE, msg, account_number=0, sequence=0, memo="hi </x>")))
    response = await client.get(f"/api/v1/tx/{result['hash'].lower()}", params={"format": "json"})
    assert response.status_code == 200
    body = response.json()
    assert body["hash"] == result["hash"] and body["height"] == 1 and body["code"] == 0
    assert body["tx"]["msgs"] == [msg.sign_dict()] and body["tx"]["memo"] == "hi </x>"


async def test_transfer_to_unknown_address_creates_account(client: httpx.AsyncClient) -> None:
    assert (await client.get(f"/api/v1/account/{C}")).status_code == 404
    assert_ok(await broadcast(client, signed_hex(BOB, transfer(B, C, 3 * COIN), account_number=1, sequence=0)))
    carol = await account(client, C)
    assert (carol["account_number"], carol["sequence"]) == (2, 0)
    assert carol["balances"] == [
        {"symbol": "BNB", "free": "3.00000000", "locked": "0.00000000", "frozen": "0.00000000"}
    ]
    # The new account can spend at once, with account number 2 and sequence 0.
    assert_ok(await broadcast(client, signed_hex(CAROL, transfer(C, A, COIN), account_number=2, sequence=0)))
    assert (await balance(client, C, "BNB"))["free"] == "2.00000000"


async def test_transfer_of_several_coins_moves_each(client: httpx.AsyncClient) -> None:
    msg = Send.simple(sender=A, to=C, coins=[Coin("BNB", 5), Coin("ANN-457", 7)])
    assert_ok(await broadcast(client, signed_hex(ALICE, msg, account_number=0, sequence=0)))
    assert (await balance(client, C, "BNB"))["free"] == "0.00000005"
    assert (await balance(client, C, "ANN-457"))["free"] == "0.00000007"


async def test_transfer_memo_of_100_bytes_is_accepted(client: httpx.AsyncClient) -> None:
    raw = signed_hex(ALICE, transfer(A, B, 1), account_number=0, sequence=0, memo="m" * 100)
    assert_ok(await broadcast(client, raw))


async def test_buy_order_locks_quote_and_rests_on_the_book(client: httpx.AsyncClient) -> None:
    oid = order_id(ALICE.account_id, 0)
    msg = NewOrder(
        sender=A, id=oid, symbol="ANN-457_BNB", side=SIDE_BUY, price=2 * COIN, quantity=3 * COIN, timeinforce=TIF_GTE
    )
    result = assert_ok(await broadcast(client, signed_hex(ALICE, msg, account_number=0, sequence=0)))
    assert json.loads(result["data"]) == {"order_id": oid}
    bnb = await balance(client, A, "BNB")
    assert (bnb["free"], bnb["locked"]) == ("999994.00000000", "6.00000000")
    orders = (await client.get("/api/v1/orders/open", params={"address": A})).json()
    assert orders["total"] == 1 and orders["order"][0]["orderId"] == oid
    assert (await account(client, A))["sequence"] == 1


async def test_sell_order_locks_base(client: httpx.AsyncClient) -> None:
    oid = order_id(ALICE.account_id, 0)
    msg = NewOrder(sender=A, id=oid, symbol="ANN-457_BNB", side=SIDE_SELL, price=1, quantity=4 * COIN, timeinforce=1)
    assert_ok(await broadcast(client, signed_hex(ALICE, msg, account_number=0, sequence=0)))
    ann = await balance(client, A, "ANN-457")
    assert (ann["free"], ann["locked"]) == ("999996.00000000", "4.00000000")


async def test_ioc_order_expires_at_once_and_releases_its_lock(client: httpx.AsyncClient) -> None:
    oid = order_id(ALICE.account_id, 0)
    msg = NewOrder(
        sender=A, id=oid, symbol="ANN-457_BNB", side=SIDE_SELL, price=COIN, quantity=COIN, timeinforce=TIF_IOC
    )
    result = assert_ok(await broadcast(client, signed_hex(ALICE, msg, account_number=0, sequence=0)))
    assert json.loads(result["data"]) == {"order_id": oid}
    ann = await balance(client, A, "ANN-457")
    assert (ann["free"], ann["locked"]) == ("1000000.00000000", "0.00000000")
    assert (await client.get("/api/v1/orders/open", params={"address": A})).json()["total"] == 0
    assert (await account(client, A))["sequence"] == 1


async def test_cancel_order_releases_the_lock(client: httpx.AsyncClient) -> None:
    oid = order_id(ALICE.account_id, 0)
    order = NewOrder(sender=A, id=oid, symbol="ANN-457_BNB", side=SIDE_BUY, price=COIN, quantity=COIN, timeinforce=1)
    assert_ok(await broadcast(client, signed_hex(ALICE, order, account_number=0, sequence=0)))
    cancel = CancelOrder(sender=A, symbol="ANN-457_BNB", refid=oid)
    assert_ok(await broadcast(client, signed_hex(ALICE, cancel, account_number=0, sequence=1)))
    bnb = await balance(client, A, "BNB")
    assert (bnb["free"], bnb["locked"]) == ("1000000.00000000", "0.00000000")
    assert (await client.get("/api/v1/orders/open", params={"address": A})).json()["total"] == 0
    assert (await account(client, A))["sequence"] == 2


async def test_freeze_then_unfreeze_moves_between_free_and_frozen(client: httpx.AsyncClient) -> None:
    freeze = TokenFreeze(from_=A, symbol="ANN-457", amount=10 * COIN)
    assert_ok(await broadcast(client, signed_hex(ALICE, freeze, account_number=0, sequence=0)))
    ann = await balance(client, A, "ANN-457")
    assert (ann["free"], ann["frozen"]) == ("999990.00000000", "10.00000000")
    unfreeze = TokenUnfreeze(from_=A, symbol="ANN-457", amount=4 * COIN)
    assert_ok(await broadcast(client, signed_hex(ALICE, unfreeze, account_number=0, sequence=1)))
    ann = await balance(client, A, "ANN-457")
    assert (ann["free"], ann["frozen"]) == ("999994.00000000", "6.00000000")


async def test_vote_is_recorded_and_a_second_vote_replaces_it(app: FastAPI, client: httpx.AsyncClient) -> None:
    ledger: Ledger = app.state.ledger
    assert_ok(
        await broadcast(client, signed_hex(ALICE, Vote(proposal_id=1, voter=A, option=1), account_number=0, sequence=0))
    )
    assert ledger.vote(1, A) == 1
    assert_ok(
        await broadcast(client, signed_hex(ALICE, Vote(proposal_id=1, voter=A, option=4), account_number=0, sequence=1))
    )
    assert ledger.vote(1, A) == 4


async def test_the_chain_node_client_works_against_the_devnet(app: FastAPI) -> None:
    node = NodeClient("http://devnet", transport=httpx.ASGITransport(app=app))
    try:
        assert await node.chain_id() == CHAIN_ID
        state = await node.account(A)
        assert (state.account_number, state.sequence) == (0, 0)
        with pytest.raises(AccountNotFound):
            await node.account(C)
        result = await node.broadcast(signed_hex(ALICE, transfer(A, C, 1), account_number=0, sequence=0))
        assert result.ok and result.body[0]["ok"] is True
    finally:
        await node.aclose()


# ---- refused txs: ante handler ----


async def test_sequence_mismatch_is_403_with_expected_sequence(client: httpx.AsyncClient) -> None:
    response = await broadcast(client, signed_hex(ALICE, transfer(A, B, 1), account_number=0, sequence=5))
    message = assert_rejected(response, status=403, abci_code=65539)
    assert message == "Invalid sequence. Got 5, expected 0"


async def test_replayed_tx_is_refused_as_a_stale_sequence(client: httpx.AsyncClient) -> None:
    raw = signed_hex(ALICE, transfer(A, B, COIN), account_number=0, sequence=0)
    assert_ok(await broadcast(client, raw))
    message = assert_rejected(await broadcast(client, raw), status=403, abci_code=65539)
    assert message == "Invalid sequence. Got 0, expected 1"
    assert (await balance(client, B, "BNB"))["free"] == "1000001.00000000"


async def test_account_number_mismatch_is_403(client: httpx.AsyncClient) -> None:
    response = await broadcast(client, signed_hex(BOB, transfer(B, A, 1), account_number=0, sequence=0))
    message = assert_rejected(response, status=403, abci_code=65539)
    assert message == "Invalid account number. Got 0, expected 1"


async def test_tx_signed_for_another_chain_fails_signature_verification(client: httpx.AsyncClient) -> None:
    raw = signed_hex(ALICE, transfer(A, B, 1), account_number=0, sequence=0, chain_id="Binance-Chain-Tigris")
    message = assert_rejected(await broadcast(client, raw), status=401, abci_code=65540)
    assert message == "signature verification failed"


async def test_tampered_signature_is_401(client: httpx.AsyncClient) -> None:
    tx = sign_tx(key=ALICE, msg=transfer(A, B, 1), chain_id=CHAIN_ID, account_number=0, sequence=0)
    flipped = bytes([tx.signature[0] ^ 1]) + tx.signature[1:]
    raw = dataclasses.replace(tx, signature=flipped).encode().hex()
    assert_rejected(await broadcast(client, raw), status=401, abci_code=65540)


async def test_high_s_twin_of_a_valid_signature_is_401(client: httpx.AsyncClient) -> None:
    tx = sign_tx(key=ALICE, msg=transfer(A, B, 1), chain_id=CHAIN_ID, account_number=0, sequence=0)
    s = int.from_bytes(tx.signature[32:], "big")
    high_s = tx.signature[:32] + (SECP256K1_N - s).to_bytes(32, "big")
    raw = dataclasses.replace(tx, signature=high_s).encode().hex()
    assert_rejected(await broadcast(client, raw), status=401, abci_code=65540)


async def test_tx_body_edited_after_signing_is_401(client: httpx.AsyncClient) -> None:
    tx = sign_tx(key=ALICE, msg=transfer(A, B, 1), chain_id=CHAIN_ID, account_number=0, sequence=0)
    raw = dataclasses.replace(tx, msg=transfer(A, B, 1000)).encode().hex()
    assert_rejected(await broadcast(client, raw), status=401, abci_code=65540)


async def test_data_field_added_after_signing_is_401(client: httpx.AsyncClient) -> None:
    tx = sign_tx(key=ALICE, msg=transfer(A, B, 1), chain_id=CHAIN_ID, account_number=0, sequence=0)
    raw = dataclasses.replace(tx, data=b"extra").encode().hex()
    assert_rejected(await broadcast(client, raw), status=401, abci_code=65540)


async def test_data_field_signed_as_base64_is_accepted(client: httpx.AsyncClient) -> None:
    msg = transfer(A, B, 1)
    doc = json.loads(sign_bytes(msg=msg, chain_id=CHAIN_ID, account_number=0, sequence=0))
    doc["data"] = base64.b64encode(b"extra").decode()
    signature = ALICE.sign(canonical_json(doc))
    tx = SignedTx(
        msg=msg, public_key=ALICE.public_key, signature=signature, account_number=0, sequence=0, data=b"extra"
    )
    assert_ok(await broadcast(client, tx.encode().hex()))


async def test_tx_signed_by_another_key_claiming_the_sender_is_401(client: httpx.AsyncClient) -> None:
    response = await broadcast(client, signed_hex(BOB, transfer(A, B, COIN), account_number=0, sequence=0))
    message = assert_rejected(response, status=401, abci_code=65544)
    assert message == "pubkey does not match signer address"


async def test_never_funded_signer_is_refused_as_unknown_address(client: httpx.AsyncClient) -> None:
    response = await broadcast(client, signed_hex(CAROL, transfer(C, A, 1), account_number=0, sequence=0))
    message = assert_rejected(response, status=400, abci_code=65545)
    assert C in message


async def test_refused_tx_changes_nothing(client: httpx.AsyncClient) -> None:
    before = await account(client, A)
    await broadcast(client, signed_hex(ALICE, transfer(A, B, 10**7 * COIN), account_number=0, sequence=0))
    await broadcast(client, signed_hex(ALICE, transfer(A, B, 1), account_number=0, sequence=0, chain_id="x"))
    assert await account(client, A) == before
    assert (await client.get("/api/v1/node-info")).json()["sync_info"]["latest_block_height"] == 0


@pytest.mark.parametrize(
    "body",
    [b"", b"   ", b"zz", b"abc", b"00", b"0x00", b"\xff\xfe", "é".encode(), b"deadbeef" * 8, b"{}"],
)
async def test_garbage_bodies_are_400_tx_parse_error(client: httpx.AsyncClient, body: bytes) -> None:
    message = assert_rejected(await broadcast(client, body), status=400, abci_code=65538)
    assert message == "tx parse error"


async def test_truncated_or_padded_tx_is_400_tx_parse_error(client: httpx.AsyncClient) -> None:
    raw = signed_hex(ALICE, transfer(A, B, 1), account_number=0, sequence=0)
    for body in (raw[:-2], raw + "00", raw[2:], "ff" * 11):
        assert_rejected(await broadcast(client, body), status=400, abci_code=65538)


async def test_broadcast_accepts_any_content_type_and_surrounding_whitespace(client: httpx.AsyncClient) -> None:
    raw = signed_hex(ALICE, transfer(A, B, 1), account_number=0, sequence=0)
    response = await client.post("/api/v1/broadcast?sync=true", content=f"\n{raw.upper()}\n")
    assert_ok(response)


async def test_the_same_tx_broadcast_concurrently_is_applied_once(client: httpx.AsyncClient) -> None:
    raw = signed_hex(ALICE, transfer(A, B, COIN), account_number=0, sequence=0)
    responses = await asyncio.gather(*(broadcast(client, raw) for _ in range(10)))
    assert sorted(r.status_code for r in responses) == [200] + [403] * 9
    assert (await balance(client, B, "BNB"))["free"] == "1000001.00000000"


# ---- refused txs: message rules ----


async def test_transfer_beyond_free_balance_is_insufficient_funds(client: httpx.AsyncClient) -> None:
    response = await broadcast(
        client, signed_hex(ALICE, transfer(A, B, 10**6 * COIN + 1), account_number=0, sequence=0)
    )
    message = assert_rejected(response, status=400, abci_code=65546)
    assert message.startswith("insufficient funds")
    assert (await account(client, A))["sequence"] == 0


async def test_order_beyond_free_balance_is_insufficient_funds(client: httpx.AsyncClient) -> None:
    oid = order_id(ALICE.account_id, 0)
    msg = NewOrder(
        sender=A, id=oid, symbol="ANN-457_BNB", side=SIDE_BUY, price=2 * COIN, quantity=10**6 * COIN, timeinforce=1
    )
    assert_rejected(
        await broadcast(client, signed_hex(ALICE, msg, account_number=0, sequence=0)), status=400, abci_code=65546
    )


async def test_freeze_and_unfreeze_beyond_balance_are_insufficient_funds(client: httpx.AsyncClient) -> None:
    freeze = TokenFreeze(from_=A, symbol="BNB", amount=10**6 * COIN + 1)
    response = await broadcast(client, signed_hex(ALICE, freeze, account_number=0, sequence=0))
    assert_rejected(response, status=400, abci_code=65546)
    unfreeze = TokenUnfreeze(from_=A, symbol="BNB", amount=1)
    response = await broadcast(client, signed_hex(ALICE, unfreeze, account_number=0, sequence=0))
    assert_rejected(response, status=400, abci_code=65546)


async def test_order_with_wrong_id_is_refused(client: httpx.AsyncClient) -> None:
    wrong = order_id(ALICE.account_id, 1)  # id for the next sequence, not this one
    msg = NewOrder(sender=A, id=wrong, symbol="ANN-457_BNB", side=SIDE_BUY, price=COIN, quantity=COIN, timeinforce=1)
    response = await broadcast(client, signed_hex(ALICE, msg, account_number=0, sequence=0))
    message = assert_rejected(response, status=400, abci_code=393617)
    assert message.startswith("invalid order id") and order_id(ALICE.account_id, 0) in message


async def test_order_on_unlisted_pair_is_refused(client: httpx.AsyncClient) -> None:
    oid = order_id(ALICE.account_id, 0)
    msg = NewOrder(sender=A, id=oid, symbol="XYZ-000_BNB", side=SIDE_BUY, price=COIN, quantity=COIN, timeinforce=1)
    assert_rejected(
        await broadcast(client, signed_hex(ALICE, msg, account_number=0, sequence=0)), status=400, abci_code=393617
    )


async def test_order_with_bad_time_in_force_is_refused(client: httpx.AsyncClient) -> None:
    oid = order_id(ALICE.account_id, 0)
    msg = NewOrder(sender=A, id=oid, symbol="ANN-457_BNB", side=SIDE_BUY, price=COIN, quantity=COIN, timeinforce=2)
    assert_rejected(
        await broadcast(client, signed_hex(ALICE, msg, account_number=0, sequence=0)), status=400, abci_code=393617
    )


async def test_cancel_of_unknown_order_is_refused(client: httpx.AsyncClient) -> None:
    cancel = CancelOrder(sender=A, symbol="ANN-457_BNB", refid=order_id(ALICE.account_id, 41))
    response = await broadcast(client, signed_hex(ALICE, cancel, account_number=0, sequence=0))
    message = assert_rejected(response, status=400, abci_code=393621)
    assert message.startswith("Failed to find order")
    assert (await account(client, A))["sequence"] == 0


async def test_cancel_of_someone_elses_order_is_refused(client: httpx.AsyncClient) -> None:
    oid = order_id(ALICE.account_id, 0)
    order = NewOrder(sender=A, id=oid, symbol="ANN-457_BNB", side=SIDE_BUY, price=COIN, quantity=COIN, timeinforce=1)
    assert_ok(await broadcast(client, signed_hex(ALICE, order, account_number=0, sequence=0)))
    cancel = CancelOrder(sender=B, symbol="ANN-457_BNB", refid=oid)
    response = await broadcast(client, signed_hex(BOB, cancel, account_number=1, sequence=0))
    assert "does not belong" in assert_rejected(response, status=400, abci_code=393621)


async def test_vote_on_unknown_proposal_is_refused(client: httpx.AsyncClient) -> None:
    for proposal_id in (0, 11):
        vote = Vote(proposal_id=proposal_id, voter=A, option=1)
        response = await broadcast(client, signed_hex(ALICE, vote, account_number=0, sequence=0))
        assert f"Unknown proposal with id {proposal_id}" == assert_rejected(response, status=400, abci_code=327681)


async def test_memo_over_100_bytes_is_refused(client: httpx.AsyncClient) -> None:
    raw = signed_hex(ALICE, transfer(A, B, 1), account_number=0, sequence=0, memo="m" * 101)
    assert_rejected(await broadcast(client, raw), status=400, abci_code=65548)
    raw = signed_hex(ALICE, transfer(A, B, 1), account_number=0, sequence=0, memo="é" * 51)  # 102 UTF-8 bytes
    assert_rejected(await broadcast(client, raw), status=400, abci_code=65548)


async def test_memo_on_a_non_transfer_is_refused(client: httpx.AsyncClient) -> None:
    freeze = TokenFreeze(from_=A, symbol="BNB", amount=1)
    raw = signed_hex(ALICE, freeze, account_number=0, sequence=0, memo="hello")
    assert_rejected(await broadcast(client, raw), status=400, abci_code=65552)


async def test_transfer_with_unsorted_or_zero_or_unbalanced_coins_is_refused(client: httpx.AsyncClient) -> None:
    unsorted = (Coin("BNB", 1), Coin("ANN-457", 1))
    zero = (Coin("BNB", 0),)
    cases = [
        Send(inputs=(InOut(A, unsorted),), outputs=(InOut(B, unsorted),)),
        Send(inputs=(InOut(A, zero),), outputs=(InOut(B, zero),)),
        Send(inputs=(InOut(A, (Coin("BNB", 2),)),), outputs=(InOut(B, (Coin("BNB", 1),)),)),
        Send(inputs=(InOut(A, (Coin("BNB", 1),)),), outputs=()),
    ]
    for msg in cases:
        response = await broadcast(client, signed_hex(ALICE, msg, account_number=0, sequence=0))
        assert response.status_code == 400 and response.json()["abci_code"] in (65547, 131174), response.text
    assert (await account(client, A))["sequence"] == 0


async def test_transfer_split_over_two_outputs_is_accepted(client: httpx.AsyncClient) -> None:
    msg = Send(
        inputs=(InOut(A, (Coin("BNB", 3),)),), outputs=(InOut(B, (Coin("BNB", 1),)), InOut(C, (Coin("BNB", 2),)))
    )
    assert_ok(await broadcast(client, signed_hex(ALICE, msg, account_number=0, sequence=0)))
    assert (await balance(client, C, "BNB"))["free"] == "0.00000002"


async def test_transfer_with_two_inputs_needs_two_signers(client: httpx.AsyncClient) -> None:
    coins = (Coin("BNB", 1),)
    msg = Send(inputs=(InOut(A, coins), InOut(B, coins)), outputs=(InOut(C, (Coin("BNB", 2),)),))
    response = await broadcast(client, signed_hex(ALICE, msg, account_number=0, sequence=0))
    assert_rejected(response, status=401, abci_code=65540)


# ---- command line ----


async def test_cli_refuses_an_address_of_another_network(capsys: pytest.CaptureFixture[str]) -> None:
    mainnet = ALICE.address("bnb")
    with pytest.raises(SystemExit) as exit_info:
        devnet_main(["--port", "1", "--fund", mainnet])
    assert exit_info.value.code == 2
    assert "tbnb1" in capsys.readouterr().err


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_cli_runs_a_real_node_that_serves_the_api() -> None:
    port = _free_port()
    args = ["--port", str(port), "--chain-id", "Binance-E2E", "--fund", A, "--fund", A, "--proposals", "2"]
    code = f"from app.devnet.cli import main; main({args!r}, extra_fund=[{B!r}])"
    process = subprocess.Popen(
        [sys.executable, "-c", code], cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=2) as http:
            info = await _wait_for_node(http, process)
            assert info["node_info"]["network"] == "Binance-E2E"
            assert (await account(http, B))["account_number"] == 1
            raw = signed_hex(ALICE, transfer(A, C, COIN), account_number=0, sequence=0, chain_id="Binance-E2E")
            assert_ok(await broadcast(http, raw))
            assert (await balance(http, C, "BNB"))["free"] == "1.00000000"
    finally:
        process.terminate()
        out, _ = process.communicate(timeout=10)
    assert f"http://127.0.0.1:{port}" in out and f"{A}, {B}" in out


async def _wait_for_node(http: httpx.AsyncClient, process: subprocess.Popen[str]) -> dict[str, Any]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"devnet exited early: {process.communicate()[1]}")
        try:
            return (await http.get("/api/v1/node-info")).json()
        except httpx.TransportError:
            await asyncio.sleep(0.1)
    pytest.fail("devnet did not answer node-info within 10 s")
