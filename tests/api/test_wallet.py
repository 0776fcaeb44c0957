"""Wallet info and resync."""

from tests.api.payloads import README_SHAPES
from tests.helpers import KEY_A, address_of, mnemonic_address


async def test_wallet_list_shows_only_wallets_with_an_effective_permission(client, auth) -> None:
    r = await client.get("/api/wallet", headers=await auth("bob"))
    assert r.status_code == 200
    assert [(w["name"], w["permissions"]) for w in r.json()] == [("main", ["trade"])]


async def test_wallet_info_has_address_and_public_key_but_no_secret(client, auth) -> None:
    r = await client.get("/api/wallet/seed", headers=await auth("alice"))
    assert r.status_code == 200
    info = r.json()
    assert info["address"] == mnemonic_address(2)
    assert len(bytes.fromhex(info["public_key"])) == 33
    assert set(info) == {"name", "env_name", "address", "public_key", "permissions", "account_number", "next_sequence"}
    assert info["env_name"] == "DEVNET" and info["account_number"] is None


async def test_wallet_info_reports_the_next_sequence_after_use(client, auth) -> None:
    headers = await auth("alice")
    await client.post("/api/freeze/sign", json={"msg": README_SHAPES["freeze"], "wallet_name": "main"}, headers=headers)
    info = (await client.get("/api/wallet/main", headers=headers)).json()
    assert (info["account_number"], info["next_sequence"]) == (0, 1)


async def test_invisible_and_unknown_wallets_get_404(client, auth) -> None:
    headers = await auth("bob")
    assert (await client.get("/api/wallet/trader", headers=headers)).status_code == 404
    assert (await client.get("/api/wallet/zzz", headers=headers)).status_code == 404


async def test_resync_rewinds_to_the_chain_sequence(client, auth) -> None:
    headers = await auth("alice")
    for _ in range(3):
        await client.post(
            "/api/freeze/sign", json={"msg": README_SHAPES["freeze"], "wallet_name": "main"}, headers=headers
        )
    r = await client.post("/api/wallet/resync", json={"wallet_name": "main"}, headers=headers)
    assert r.status_code == 200
    assert r.json() == {"wallet_name": "main", "address": address_of(KEY_A), "account_number": 0, "sequence": 0}
    again = await client.post(
        "/api/freeze/sign", json={"msg": README_SHAPES["freeze"], "wallet_name": "main"}, headers=headers
    )
    assert again.json()["sequence"] == 0


async def test_resync_of_unfunded_wallet_gets_409(client, auth) -> None:
    r = await client.post("/api/wallet/resync", json={"wallet_name": "empty"}, headers=await auth("alice"))
    assert r.status_code == 409
