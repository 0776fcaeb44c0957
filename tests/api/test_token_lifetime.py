"""A token stops working when its user's password changes or the user logs out (on every replica)."""

import asyncio
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


async def test_a_logout_on_another_replica_takes_effect_within_a_second(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A replica keeps a "not revoked" answer for at most a second (one store read per token per second)."""
    from app.auth.revocation import CACHE_SECONDS, RevocationCheck
    from app.clock import FakeClock
    from app.config import parse_config
    from app.services import open_store
    from tests.helpers import make_config

    config = parse_config(make_config(), base_dir=tmp_path)
    clock = FakeClock()
    store = await open_store(config, clock)
    try:
        here, there = RevocationCheck(store, clock), RevocationCheck(store, clock)
        assert await there.is_revoked("t1") is False  # remembered by the other replica
        await here.revoke(token_id="t1", expires_at=clock.now() + 600)
        assert await here.is_revoked("t1") is True  # at once where the logout was made
        assert await there.is_revoked("t1") is False  # the other still trusts its fresh answer
        clock.advance(CACHE_SECONDS)
        assert await there.is_revoked("t1") is True  # and no longer than CACHE_SECONDS
    finally:
        await store.close()


async def test_concurrent_requests_share_one_revocation_read(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """When a token's answer expires, 32 requests at once make one store read, and all get its answer."""
    from app.auth.revocation import RevocationCheck
    from app.clock import FakeClock
    from app.config import parse_config
    from app.services import open_store
    from tests.helpers import make_config

    config = parse_config(make_config(), base_dir=tmp_path)
    clock = FakeClock()
    store = await open_store(config, clock)
    reads = 0
    asked = store.revocations.is_revoked

    async def counted(token_id: str) -> bool:
        nonlocal reads
        reads += 1
        return await asked(token_id)

    store.revocations.is_revoked = counted  # type: ignore[method-assign]
    try:
        check = RevocationCheck(store, clock)
        assert await asyncio.gather(*(check.is_revoked("t1") for _ in range(32))) == [False] * 32
        assert reads == 1
        await store.revocations.revoke(token_id="t1", expires_at=clock.now() + 600, now=clock.now())
        clock.advance(1.0)
        assert await asyncio.gather(*(check.is_revoked("t1") for _ in range(32))) == [True] * 32
        assert reads == 2
    finally:
        await store.close()
