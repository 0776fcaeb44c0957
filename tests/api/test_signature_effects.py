"""Rules act on what the signed bytes can do on chain, not on the route that asked (every reading of them).

Reproduces the findings of a review: freeze, unfreeze, mint and burn sign the same JSON (the amino
prefix is not signed), a one-output multi_send is a transfer, transfer_out/htlt/deposit_htlt move
funds, a deposit pays the swap's parties, and a sign-only signature is a bearer instrument.
"""

from typing import Any

import httpx
import pytest

from app.chain.messages import Burn, TokenFreeze, decode_msg, encode_msg
from app.chain.tx import SignedTx
from tests.api.more import config_with_new_permissions, fresh_htlt, landed
from tests.api.payloads import verified
from tests.api.test_approvals import approvals_config, open_stack
from tests.helpers import HRP, KEY_A, OTHER_ADDRESS, address_of, mnemonic_address, password_hash

pytestmark = pytest.mark.timeout(60)
MAIN = address_of(KEY_A)
SEED = mnemonic_address(2)
FREEZE = {"msg": {"symbol": "ANN-457", "amount": "10"}, "wallet_name": "main"}


def with_user(data: dict[str, Any], name: str, permissions: list[str], wallet: str = "main") -> dict[str, Any]:
    grant = [{"wallet_name": wallet, "permissions": permissions}]
    data["users"].append({"username": name, "password_hash": password_hash(name), "wallet_permissions": grant})
    return data


async def test_a_freeze_only_user_cannot_sign_a_freeze_because_the_same_signature_is_a_burn(tmp_path) -> None:
    stack, client = await open_stack(with_user(config_with_new_permissions(), "dave", ["freeze"]), tmp_path)
    async with client:
        r = await stack.post("dave", "/api/freeze/sign", FREEZE)
        assert r.status_code == 403, r.text
        assert r.json()["message"] == (
            "permission 'issue' is not granted on wallet 'main' "
            "(the chain accepts the same signature as a message that needs it)"
        )
        denied = [e for e in await stack.audit() if e.get("outcome") == "denied"]
        assert denied[-1]["summary"]["also_valid_as"] == ["unfreeze", "mint", "burn"]
        signed = await stack.post("alice", "/api/freeze/sign", FREEZE)  # alice holds freeze and issue
        assert signed.status_code == 200, signed.text


async def test_the_devnet_accepts_a_freeze_signature_rewrapped_as_a_burn(tmp_path) -> None:
    """Why: the chain does, so the service must treat a freeze signature as a burn too."""
    stack, client = await open_stack(config_with_new_permissions(), tmp_path)
    async with client:
        signed = (await stack.post("alice", "/api/freeze/sign", FREEZE)).json()["signed_msg"]
        tx = verified(signed)
        freeze = decode_msg(encode_msg(tx.msg), HRP)
        assert isinstance(freeze, TokenFreeze)
        burn = Burn(from_=freeze.from_, symbol=freeze.symbol, amount=freeze.amount)
        rewrapped = SignedTx(
            msg=burn,
            public_key=tx.public_key,
            signature=tx.signature,
            account_number=tx.account_number,
            sequence=tx.sequence,
            memo=tx.memo,
            source=tx.source,
        )
        transport = httpx.ASGITransport(stack.devnet)
        async with httpx.AsyncClient(transport=transport, base_url="http://devnet.test") as node:
            answer = await node.post("/api/v1/broadcast?sync=true", content=rewrapped.encode().hex())
        assert answer.status_code == 200 and answer.json()[0]["code"] == 0, answer.text


async def test_a_mint_counts_against_a_burn_limit(tmp_path) -> None:
    data = config_with_new_permissions()
    main = next(w for w in data["wallets"] if w["name"] == "main")
    main["limits"] = {"max_per_tx": {"ANN-457": "1"}}
    stack, client = await open_stack(data, tmp_path)
    async with client:
        r = await stack.post(
            "alice", "/api/mint/sign", {"msg": {"symbol": "ANN-457", "amount": "250"}, "wallet_name": "main"}
        )
        assert r.status_code == 403, r.text
        assert r.json()["message"] == "wallet limit max_per_tx for ANN-457 is 1"


async def test_a_rule_on_burn_holds_a_freeze(tmp_path) -> None:
    stack, client = await open_stack(approvals_config(message_types=["burn"], above={"ANN-457": "5"}), tmp_path)
    async with client:
        r = await stack.post("alice", "/api/freeze/sign", FREEZE)
        assert r.status_code == 202, r.text


async def test_a_rule_on_transfer_holds_a_one_output_multi_send(tmp_path) -> None:
    stack, client = await open_stack(approvals_config(message_types=["transfer"]), tmp_path)
    body = {"msg": {"outputs": [{"to_address": OTHER_ADDRESS, "coins": [{"denom": "BNB", "amount": "10"}]}]}}
    async with client:
        r = await stack.post("alice", "/api/multi_send/broadcast", {**body, "wallet_name": "main"})
        assert r.status_code == 202, r.text
        assert r.json()["message_type"] == "multi_send"


@pytest.mark.parametrize(
    ("route", "msg"),
    [
        (
            "transfer_out",
            {
                "to": "0x7F756b1be93AA2e2Fdc3d7cb713abC206F877802",
                "amount": "10",
                "symbol": "BNB",
                "expire_time": 4102444800,
            },
        ),
        ("htlt", fresh_htlt(OTHER_ADDRESS, amount="10")),
    ],
)
async def test_a_default_rule_covers_every_type_that_moves_funds(tmp_path, route: str, msg: dict[str, Any]) -> None:
    data = approvals_config()  # no message_types
    main = next(w for w in data["wallets"] if w["name"] == "main")
    main["permissions"] = [*main["permissions"], "swap"]
    for user in data["users"]:
        if user["username"] == "alice":
            user["wallet_permissions"][0]["permissions"] = [*user["wallet_permissions"][0]["permissions"], "swap"]
    stack, client = await open_stack(data, tmp_path)
    async with client:
        r = await stack.post("alice", f"/api/{route}/sign", {"msg": msg, "wallet_name": "main"})
        assert r.status_code == 202, r.text


async def test_only_the_requester_sees_an_approved_signature(tmp_path) -> None:
    stack, client = await open_stack(approvals_config(), tmp_path)
    big = {"msg": {"to_address": OTHER_ADDRESS, "amount": "10", "symbol": "BNB"}, "wallet_name": "main"}
    async with client:
        pending = (await stack.post("alice", "/api/transfer/sign", big)).json()
        path = f"/api/approvals/{pending['approval_id']}"
        assert (await stack.post("bob", f"{path}/approve")).status_code == 200
        done = await stack.post("carol", f"{path}/approve")
        assert done.json()["status"] == "executed"
        assert "signed_msg" not in done.json()["result"] and done.json()["result"]["tx_hash"]
        assert "signed_msg" not in (await stack.get("carol", path)).json()["result"]
        mine = (await stack.get("alice", path)).json()["result"]
        assert verified(mine["signed_msg"]).sequence == mine["sequence"]


async def test_allowed_destinations_hold_for_a_deposit_into_someone_elses_swap(tmp_path) -> None:
    data = config_with_new_permissions()
    seed = next(w for w in data["wallets"] if w["name"] == "seed")
    seed["limits"] = {"allowed_destinations": [OTHER_ADDRESS]}
    stack, client = await open_stack(data, tmp_path)
    async with client:
        headers = await stack.as_("alice")
        swap = await landed(client, headers, "htlt", fresh_htlt(SEED, amount="4", expected_income="1000000000:ANN-457"))
        deposit = {"msg": {"swap_id": swap, "amount": [{"denom": "ANN-457", "amount": "10"}]}, "wallet_name": "seed"}
        r = await stack.post("alice", "/api/deposit_htlt/sign", deposit)  # main created it: main would be paid
        assert r.status_code == 403, r.text
        assert r.json()["message"] == "wallet limit allowed_destinations does not include this address"
        unknown = {"msg": {**deposit["msg"], "swap_id": "ab" * 32}, "wallet_name": "seed"}
        r = await stack.post("alice", "/api/deposit_htlt/sign", unknown)
        assert r.status_code == 403, r.text
        assert (
            r.json()["message"]
            == "wallet limit allowed_destinations: the swap this deposit pays into is not on the chain"
        )
