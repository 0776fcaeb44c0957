"""Policy limits on issue-16 messages: what they spend, and their destinations (bech32 and 0x)."""

import pytest

from tests.api.more import config_with_new_permissions, fresh_htlt, landed, post
from tests.helpers import OTHER_ADDRESS, address_of

ALLOWED = address_of("33" * 32)
BSC_ALLOWED = "0x7F756b1be93AA2e2Fdc3d7cb713abC206F877802"
BSC_OTHER = "0x" + "11" * 20


@pytest.fixture
def config_data() -> dict:
    data = config_with_new_permissions()
    main, seed = data["wallets"][0], data["wallets"][2]
    main["limits"] = {"max_per_tx": {"BNB": "2"}, "max_per_day": {"BNB": "3"}}
    # Lower case in the config, EIP-55 in requests: the same destination.
    seed["limits"] = {"allowed_destinations": [ALLOWED, BSC_ALLOWED.lower()]}
    return data


def _multi(*outputs: tuple[str, str]) -> dict:
    return {"outputs": [{"to_address": to, "coins": [{"denom": "BNB", "amount": amount}]} for to, amount in outputs]}


def _transfer_out(to: str, amount: str = "1") -> dict:
    return {"to": to, "amount": amount, "symbol": "BNB", "expire_time": 4102444800}


async def test_multi_send_counts_the_sum_of_its_outputs_against_max_per_tx(client, auth) -> None:
    headers = await auth("alice")
    r = await post(client, headers, "multi_send/sign", _multi((OTHER_ADDRESS, "1.5"), (ALLOWED, "1")))
    assert r.status_code == 403
    assert "max_per_tx for BNB is 2" in r.json()["message"]
    ok = await post(client, headers, "multi_send/sign", _multi((OTHER_ADDRESS, "1"), (ALLOWED, "1")))
    assert ok.status_code == 200, ok.text


async def test_max_per_day_adds_up_multi_send_transfer_out_and_htlt(client, auth) -> None:
    headers = await auth("alice")
    await landed(client, headers, "multi_send", _multi((OTHER_ADDRESS, "0.5"), (ALLOWED, "0.5")))
    await landed(client, headers, "transfer_out", _transfer_out(BSC_OTHER, "1"))
    r = await post(client, headers, "htlt/broadcast", fresh_htlt(OTHER_ADDRESS, amount="1.5"))
    assert r.status_code == 403
    assert "max_per_day BNB is 3; 2 already used" in r.json()["message"]
    await landed(client, headers, "htlt", fresh_htlt(OTHER_ADDRESS, amount="1"))


async def test_transfer_out_and_htlt_over_max_per_tx_are_refused(client, auth) -> None:
    headers = await auth("alice")
    over = await post(client, headers, "transfer_out/sign", _transfer_out(BSC_OTHER, "2.1"))
    assert over.status_code == 403
    htlt = await post(client, headers, "htlt/sign", fresh_htlt(OTHER_ADDRESS, amount="2.1"))
    assert htlt.status_code == 403
    assert "max_per_tx for BNB is 2" in htlt.json()["message"]


async def test_multi_send_needs_every_output_in_allowed_destinations(client, auth) -> None:
    headers = await auth("alice")
    r = await post(client, headers, "multi_send/sign", _multi((ALLOWED, "1"), (OTHER_ADDRESS, "1")), wallet="seed")
    assert r.status_code == 403
    assert "allowed_destinations" in r.json()["message"]
    ok = await post(client, headers, "multi_send/sign", _multi((ALLOWED, "1"), (ALLOWED.upper(), "1")), wallet="seed")
    assert ok.status_code == 200, ok.text


async def test_transfer_out_destination_is_the_0x_address(client, auth) -> None:
    headers = await auth("alice")
    denied = await post(client, headers, "transfer_out/sign", _transfer_out(BSC_OTHER), wallet="seed")
    assert denied.status_code == 403
    assert "allowed_destinations" in denied.json()["message"]
    await landed(client, headers, "transfer_out", _transfer_out(BSC_ALLOWED), wallet="seed")


async def test_htlt_recipient_must_be_an_allowed_destination(client, auth) -> None:
    headers = await auth("alice")
    denied = await post(client, headers, "htlt/sign", fresh_htlt(OTHER_ADDRESS), wallet="seed")
    assert denied.status_code == 403
    ok = await post(client, headers, "htlt/sign", fresh_htlt(ALLOWED), wallet="seed")
    assert ok.status_code == 200, ok.text


async def test_refused_spend_is_audited_as_denied(client, auth, services) -> None:
    await post(client, await auth("alice"), "transfer_out/sign", _transfer_out(BSC_OTHER), wallet="seed")
    [entry] = [e async for e in services.signing.audit.entries()]
    assert (entry["outcome"], entry["action"]) == ("denied", "transfer_out/sign")
