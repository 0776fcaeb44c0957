"""Login throttling per username and per client address, on SQLite and (where configured) PostgreSQL."""

import asyncio
from collections.abc import Iterator

import httpx
import pytest

from tests.helpers import PASSWORDS, make_config
from tests.pg import fresh_database


@pytest.fixture(params=["sqlite", "postgresql"])
def config_data(request: pytest.FixtureRequest) -> Iterator[dict]:
    """The test config on the default SQLite file or on a fresh PostgreSQL database."""
    data = make_config()
    if request.param == "sqlite":
        yield data
        return
    with fresh_database() as url:
        yield {**data, "database_url": url}


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


async def test_a_concurrent_burst_evaluates_at_most_max_failures_guesses(client) -> None:
    # Check and count are one step in the store: a burst cannot slip guesses past the limit, and
    # the right password sent with it (last) finds the slots taken.
    wrong = [_login(client, "alice", f"wrong-{i}") for i in range(39)]
    answers = await asyncio.gather(*wrong, _login(client, "alice", PASSWORDS["alice"]))
    statuses = [r.status_code for r in answers[:-1]]
    assert statuses.count(401) == 5
    assert statuses.count(429) == 34
    assert answers[-1].status_code == 429
    assert "access_token" not in answers[-1].json()
