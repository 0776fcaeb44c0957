"""Login throttling per username and per client address."""

import httpx

from tests.helpers import PASSWORDS


async def _login(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await client.post("/api/auth/login", json={"username": username, "password": password})


async def test_username_is_locked_after_five_failures_even_for_the_right_password(client) -> None:
    for _ in range(5):
        assert (await _login(client, "alice", "wrong")).status_code == 401
    locked = await _login(client, "alice", PASSWORDS["alice"])
    assert locked.status_code == 429
    assert 1 <= int(locked.headers["retry-after"]) <= 300
    assert locked.json()["code"] == 429


async def test_unknown_usernames_are_throttled_alike(client) -> None:
    for _ in range(5):
        assert (await _login(client, "nobody", "x")).status_code == 401
    assert (await _login(client, "nobody", "x")).status_code == 429


async def test_client_address_is_locked_across_usernames(client) -> None:
    for name in ("u1", "u2", "u3", "u4", "u5"):
        await _login(client, name, "x")
    # a correct password for another account does not unlock the address early
    assert (await _login(client, "bob", PASSWORDS["bob"])).status_code == 429


async def test_success_resets_the_username_count(client) -> None:
    for _ in range(3):
        await _login(client, "alice", "wrong")
    assert (await _login(client, "alice", PASSWORDS["alice"])).status_code == 200
    # The address keeps its 3 failures: two more (any user) lock it, but alice's own count restarted.
    assert (await _login(client, "alice", "wrong")).status_code == 401
