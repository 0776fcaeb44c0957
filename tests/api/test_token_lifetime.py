"""A token stops working when its user's password changes or the user logs out (on every replica)."""

import copy

import bcrypt

from app.auth.users import UserDirectory
from app.config import parse_config
from app.main import create_app
from app.services import Services


async def test_a_token_stops_working_when_the_password_hash_changes(client, auth, services, config_data, tmp_path):  # type: ignore[no-untyped-def]
    headers = await auth("alice")
    assert (await client.get("/api/wallet", headers=headers)).status_code == 200
    changed = copy.deepcopy(config_data)
    changed["users"][0]["password_hash"] = bcrypt.hashpw(b"new-password", bcrypt.gensalt(4)).decode()
    services.users = UserDirectory(parse_config(changed, base_dir=tmp_path))  # the service restarted with it
    assert (await client.get("/api/wallet", headers=headers)).status_code == 401


async def test_logout_revokes_the_presented_token_on_every_replica(client, auth, services) -> None:
    headers = await auth("alice")
    other = await auth("alice")
    r = await client.post("/api/auth/logout", headers=headers)
    assert r.status_code == 204
    assert (await client.get("/api/wallet", headers=headers)).status_code == 401
    assert (await client.get("/api/wallet", headers=other)).status_code == 200  # only that token
    replica = await Services.open(services.config)  # another replica on the same store
    try:
        import httpx

        transport = httpx.ASGITransport(create_app(replica.config, services=replica))
        async with httpx.AsyncClient(transport=transport, base_url="http://replica.test") as second:
            assert (await second.get("/api/wallet", headers=headers)).status_code == 401
            assert (await second.get("/api/wallet", headers=other)).status_code == 200
    finally:
        await replica.close()


async def test_logout_needs_a_valid_token(client) -> None:
    assert (await client.post("/api/auth/logout")).status_code == 401
