"""Idempotency-Key: the same key and body replay the first answer without a new sequence."""

from tests.api.payloads import README_SHAPES
from tests.helpers import KEY_A, address_of

ORDER = {"msg": README_SHAPES["order"], "wallet_name": "main"}


async def test_same_key_and_body_replays_the_first_signature(client, auth) -> None:
    headers = {**(await auth("alice")), "Idempotency-Key": "order-1"}
    first = await client.post("/api/order/sign", json=ORDER, headers=headers)
    second = await client.post("/api/order/sign", json=ORDER, headers=headers)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert second.headers["idempotent-replayed"] == "true"
    fresh = await client.post("/api/order/sign", json=ORDER, headers={"Authorization": headers["Authorization"]})
    assert fresh.json()["sequence"] == first.json()["sequence"] + 1


async def test_same_key_with_another_body_gets_409(client, auth) -> None:
    headers = {**(await auth("alice")), "Idempotency-Key": "k"}
    await client.post("/api/order/sign", json=ORDER, headers=headers)
    other = {"msg": {**README_SHAPES["order"], "quantity": "11"}, "wallet_name": "main"}
    r = await client.post("/api/order/sign", json=other, headers=headers)
    assert r.status_code == 409
    assert "different request" in r.json()["message"]


async def test_keys_are_scoped_per_user_and_wallet(client, auth) -> None:
    alice = {**(await auth("alice")), "Idempotency-Key": "shared"}
    bob = {**(await auth("bob")), "Idempotency-Key": "shared"}
    a = await client.post("/api/order/sign", json=ORDER, headers=alice)
    b = await client.post("/api/order/sign", json=ORDER, headers=bob)
    assert a.status_code == b.status_code == 200
    assert a.json()["sequence"] != b.json()["sequence"]
    other_wallet = {"msg": README_SHAPES["order"], "wallet_name": "seed"}
    assert (await client.post("/api/order/sign", json=other_wallet, headers=alice)).status_code == 200


async def test_broadcast_replay_does_not_broadcast_again(client, auth, devnet_client) -> None:
    headers = {**(await auth("alice")), "Idempotency-Key": "transfer-77"}
    body = {"msg": README_SHAPES["transfer"], "wallet_name": "main"}
    first = await client.post("/api/transfer/broadcast", json=body, headers=headers)
    second = await client.post("/api/transfer/broadcast", json=body, headers=headers)
    assert first.status_code == second.status_code == 200 and first.json() == second.json()
    sequence = (await devnet_client.get(f"/api/v1/account/{address_of(KEY_A)}/sequence")).json()["sequence"]
    assert sequence == 1


async def test_node_rejections_are_replayed_not_retried(client, auth, devnet_client) -> None:
    headers = {**(await auth("alice")), "Idempotency-Key": "too-much"}
    body = {"msg": {**README_SHAPES["transfer"], "amount": "90000000000"}, "wallet_name": "main"}
    first = await client.post("/api/transfer/broadcast", json=body, headers=headers)
    second = await client.post("/api/transfer/broadcast", json=body, headers=headers)
    assert first.status_code == second.status_code == 400
    assert first.json() == second.json() and second.headers["idempotent-replayed"] == "true"


async def test_bad_idempotency_key_gets_422(client, auth) -> None:
    headers = {**(await auth("alice")), "Idempotency-Key": "x" * 300}
    assert (await client.post("/api/order/sign", json=ORDER, headers=headers)).status_code == 422
