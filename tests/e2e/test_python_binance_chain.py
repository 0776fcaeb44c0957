"""python-binance-chain's signing clients against the real service and devnet processes."""

import asyncio
import json
from decimal import Decimal

import httpx
import pytest

binance_chain = pytest.importorskip("binance_chain", reason="python-binance-chain: run scripts/install-client.sh")

from binance_chain.constants import OrderSide, OrderType, TimeInForce, VoteOption  # noqa: E402
from binance_chain.exceptions import BinanceChainAPIException  # noqa: E402
from binance_chain.messages import (  # noqa: E402
    CancelOrderMsg,
    FreezeMsg,
    MultiTransferMsg,
    NewOrderMsg,
    Transfer,
    TransferMsg,
    UnFreezeMsg,
    VoteMsg,
)
from binance_chain.signing.http import AsyncHttpApiSigningClient, HttpApiSigningClient  # noqa: E402

from tests.api.payloads import verified  # noqa: E402
from tests.helpers import KEY_A, OTHER_ADDRESS, PASSWORDS, address_of, make_config, mnemonic_address  # noqa: E402

# The sync client posts with requests' json, which cannot serialize Decimal: its users pass floats
# (as its README does). The async client serializes with ujson, which takes Decimal.


def _order(number=float) -> NewOrderMsg:  # type: ignore[no-untyped-def]
    return NewOrderMsg(
        symbol="ANN-457_BNB",
        time_in_force=TimeInForce.GOOD_TILL_EXPIRE,
        order_type=OrderType.LIMIT,
        side=OrderSide.BUY,
        price=number("0.000396"),
        quantity=number("12"),
    )


def _messages(number=float) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {
        "transfer": TransferMsg(symbol="BNB", amount=1, to_address=OTHER_ADDRESS),
        "multi": MultiTransferMsg(
            [Transfer(amount=2, symbol="ANN-457"), Transfer(amount=1, symbol="BNB")], OTHER_ADDRESS
        ),
        "freeze": FreezeMsg(symbol="BNB", amount=number("10")),
        "unfreeze": UnFreezeMsg(symbol="BNB", amount=number("10")),
        "vote": VoteMsg(proposal_id=1, vote_option=VoteOption.YES),
    }


def _sequence(stack, address: str) -> int:  # type: ignore[no-untyped-def]
    return int(httpx.get(f"{stack.devnet_url}/api/v1/account/{address}/sequence").json()["sequence"])


def test_sync_client_signs_and_broadcasts_every_message(stack) -> None:
    client = HttpApiSigningClient(stack.service_url, "alice", PASSWORDS["alice"])
    wallet, address = "main", address_of(KEY_A)
    assert {w["name"] for w in client.wallet_info()} >= {"main", "seed"}
    assert client.wallet_info(wallet_name=wallet)["address"] == address
    start = _sequence(stack, address)

    signed = client.sign_order(_order(), wallet_name=wallet)
    assert verified(signed["signed_msg"]).msg.quantity == 12 * 10**8  # type: ignore[attr-defined]
    placed = client.broadcast_order(_order(), wallet_name=wallet)
    order_id = json.loads(placed[0]["data"])["order_id"]
    cancel = CancelOrderMsg(symbol="ANN-457_BNB", order_id=order_id)
    assert verified(client.sign_cancel_order(cancel, wallet_name=wallet)["signed_msg"]).msg.refid == order_id  # type: ignore[attr-defined]
    assert client.broadcast_cancel_order(cancel, wallet_name=wallet)[0]["ok"] is True

    signers = {"transfer": client.sign_transfer, "multi": client.sign_transfer, "freeze": client.sign_freeze}
    signers |= {"unfreeze": client.sign_unfreeze, "vote": client.sign_vote}
    broadcasters = {"transfer": client.broadcast_transfer, "multi": client.broadcast_transfer}
    broadcasters |= {
        "freeze": client.broadcast_freeze,
        "unfreeze": client.broadcast_unfreeze,
        "vote": client.broadcast_vote,
    }
    for name, msg in _messages().items():
        verified(signers[name](msg, wallet_name=wallet)["signed_msg"])
        answer = broadcasters[name](msg, wallet_name=wallet)
        assert answer[0]["ok"] is True, (name, answer)

    assert _sequence(stack, address) == start + 7  # every broadcast landed, in order
    resynced = client.wallet_resync(wallet_name=wallet)
    assert resynced["sequence"] == start + 7


def test_sync_client_sees_permission_errors_with_code_and_message(stack) -> None:
    client = HttpApiSigningClient(stack.service_url, "bob", PASSWORDS["bob"])
    with pytest.raises(BinanceChainAPIException) as caught:
        client.sign_transfer(TransferMsg(symbol="BNB", amount=1, to_address=OTHER_ADDRESS), wallet_name="main")
    assert caught.value.status_code == 403
    assert caught.value.code == 403 and "transfer" in caught.value.message


def test_sync_client_wrong_password_is_refused(stack) -> None:
    with pytest.raises(BinanceChainAPIException) as caught:
        HttpApiSigningClient(stack.service_url, "alice", "wrong")
    assert caught.value.status_code == 401


def test_async_client_signs_and_broadcasts_every_message(stack) -> None:
    async def scenario() -> None:
        client = await AsyncHttpApiSigningClient.create(stack.service_url, "alice", PASSWORDS["alice"])
        try:
            await client.authenticate()
            wallet, address = "seed", mnemonic_address(2)
            assert (await client.wallet_info(wallet_name=wallet))["address"] == address
            start = _sequence(stack, address)
            signed = await client.sign_order(_order(Decimal), wallet_name=wallet)
            assert verified(signed["signed_msg"]).msg.price == 39600  # type: ignore[attr-defined]
            placed = await client.broadcast_order(_order(Decimal), wallet_name=wallet)
            order_id = json.loads(placed[0]["data"])["order_id"]
            cancel = CancelOrderMsg(symbol="ANN-457_BNB", order_id=order_id)
            verified((await client.sign_cancel_order(cancel, wallet_name=wallet))["signed_msg"])
            assert (await client.broadcast_cancel_order(cancel, wallet_name=wallet))[0]["ok"] is True
            pairs = {
                "transfer": (client.sign_transfer, client.broadcast_transfer),
                "multi": (client.sign_transfer, client.broadcast_transfer),
                "freeze": (client.sign_freeze, client.broadcast_freeze),
                "unfreeze": (client.sign_unfreeze, client.broadcast_unfreeze),
                "vote": (client.sign_vote, client.broadcast_vote),
            }
            for name, msg in _messages(Decimal).items():
                sign, broadcast = pairs[name]
                verified((await sign(msg, wallet_name=wallet))["signed_msg"])
                assert (await broadcast(msg, wallet_name=wallet))[0]["ok"] is True, name
            assert _sequence(stack, address) == start + 7
            assert (await client.wallet_resync(wallet_name=wallet))["sequence"] == start + 7
        finally:
            await client.session.close()

    asyncio.run(scenario())


def test_logs_of_a_full_run_contain_no_secret(stack) -> None:
    """Runs last in this module: every log line the processes wrote is searched for secrets."""
    config = make_config()
    secrets = [config["secret_key"], *PASSWORDS.values()]
    secrets += [u["password_hash"] for u in config["users"]]
    for wallet in config["wallets"]:
        secret = wallet.get("private_key") or wallet.get("mnemonic")
        secrets += [secret, secret.split()[0] + " " + secret.split()[1]] if " " in secret else [secret]
    text = "".join(log.read_text(errors="replace") for log in stack.logs)
    assert text, "the processes logged nothing"
    for secret in secrets:
        assert secret not in text
