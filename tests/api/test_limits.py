"""Policy limits on wallets and on a user's use of a wallet."""

import asyncio

import pytest

from tests.api.payloads import README_SHAPES
from tests.helpers import OTHER_ADDRESS, address_of, make_config

ALLOWED = address_of("33" * 32)


@pytest.fixture
def config_data() -> dict:
    data = make_config()
    main = data["wallets"][0]
    main["limits"] = {
        "max_per_tx": {"BNB": "10"},
        "max_per_day": {"BNB": "100"},
        "allowed_symbols": ["BNB", "ANN-457_BNB"],
        "max_orders_per_minute": 3,
    }
    seed = data["wallets"][2]
    seed["limits"] = {"allowed_destinations": [ALLOWED]}
    data["users"][1]["wallet_permissions"][0]["limits"] = {"max_orders_per_minute": 1}  # bob on main
    return data


def _transfer(amount: str, to: str = OTHER_ADDRESS, symbol: str = "BNB", wallet: str = "main") -> dict:
    return {"msg": {"to_address": to, "amount": amount, "symbol": symbol}, "wallet_name": wallet}


async def test_amount_over_max_per_tx_is_refused_with_the_limit_named(client, auth, services) -> None:
    r = await client.post("/api/transfer/sign", json=_transfer("10.00000001"), headers=await auth("alice"))
    assert r.status_code == 403
    assert "max_per_tx for BNB is 10" in r.json()["message"]
    [entry] = [e async for e in services.signing.audit.entries()]
    assert entry["outcome"] == "denied" and "max_per_tx" in entry["reason"]


async def test_concurrent_transfers_cannot_overshoot_the_daily_cap(client, auth) -> None:
    headers = await auth("alice")
    results = await asyncio.gather(
        *(client.post("/api/transfer/sign", json=_transfer("10"), headers=headers) for _ in range(20))
    )
    statuses = sorted(r.status_code for r in results)
    assert statuses == [200] * 10 + [403] * 10
    refused = next(r for r in results if r.status_code == 403)
    assert "max_per_day BNB is 100" in refused.json()["message"]
    sequences = sorted(r.json()["sequence"] for r in results if r.status_code == 200)
    assert sequences == list(range(10))  # refusals reserved no sequence


async def test_symbols_outside_allowed_symbols_are_refused(client, auth) -> None:
    headers = await auth("alice")
    r = await client.post("/api/transfer/sign", json=_transfer("1", symbol="ANN-457"), headers=headers)
    assert r.status_code == 403 and "allowed_symbols" in r.json()["message"]
    ok = await client.post(
        "/api/order/sign", json={"msg": README_SHAPES["order"], "wallet_name": "main"}, headers=headers
    )
    assert ok.status_code == 200


async def test_destinations_outside_allowed_destinations_are_refused(client, auth) -> None:
    headers = await auth("alice")
    refused = await client.post("/api/transfer/sign", json=_transfer("1", wallet="seed"), headers=headers)
    assert refused.status_code == 403 and "allowed_destinations" in refused.json()["message"]
    allowed = await client.post(
        "/api/transfer/sign", json=_transfer("1", to=ALLOWED.upper(), wallet="seed"), headers=headers
    )
    assert allowed.status_code == 200, allowed.text


async def test_orders_per_minute_are_capped_per_wallet_and_per_user(client, auth) -> None:
    order = {"msg": README_SHAPES["order"], "wallet_name": "main"}
    bob = await auth("bob")
    assert (await client.post("/api/order/sign", json=order, headers=bob)).status_code == 200
    second = await client.post("/api/order/sign", json=order, headers=bob)
    assert second.status_code == 403 and "user max_orders_per_minute" in second.json()["message"]
    alice = await auth("alice")
    assert [(await client.post("/api/order/sign", json=order, headers=alice)).status_code for _ in range(3)] == [
        200,
        200,
        403,
    ]


async def test_limits_are_checked_on_broadcast_too(client, auth) -> None:
    r = await client.post("/api/transfer/broadcast", json=_transfer("11"), headers=await auth("alice"))
    assert r.status_code == 403
