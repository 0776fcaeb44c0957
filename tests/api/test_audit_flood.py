"""The audit log cannot be flooded with denials; the console's audit view costs the same at any length.

Row counts, not timings: repeated denials add at most two rows per (user, wallet, kind) and window,
invented wallet names add nothing more, and the console reads and verifies only what it shows.
"""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from app.chain.node import NodeClient
from app.clock import FakeClock
from app.config import parse_config
from app.devnet import create_app as create_devnet
from app.main import create_app
from app.services import Services
from app.signing.wallets import Environment
from tests.helpers import CHAIN_ID, FUNDED, HRP, OTHER_ADDRESS, PASSWORDS, make_config

pytestmark = pytest.mark.timeout(120)
TRANSFER = {"msg": {"to_address": OTHER_ADDRESS, "amount": "1", "symbol": "BNB"}, "wallet_name": "main"}


class App:
    def __init__(self, services: Services, client: httpx.AsyncClient, clock: FakeClock) -> None:
        self.services, self.client, self.clock = services, client, clock
        self.headers: dict[str, dict[str, str]] = {}

    async def as_(self, user: str) -> dict[str, str]:
        if user not in self.headers:
            r = await self.client.post("/api/auth/login", json={"username": user, "password": PASSWORDS[user]})
            self.headers[user] = {"Authorization": f"Bearer {r.json()['access_token']}"}
        return self.headers[user]

    async def transfer(self, user: str, wallet: str) -> httpx.Response:
        return await self.client.post(
            "/api/transfer/sign", json={**TRANSFER, "wallet_name": wallet}, headers=await self.as_(user)
        )

    async def rows(self) -> list[dict[str, Any]]:
        return [e async for e in self.services.signing.audit.entries()]


@pytest.fixture
async def app(tmp_path) -> AsyncIterator[App]:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    devnet = create_devnet(chain_id=CHAIN_ID, hrp=HRP, genesis=FUNDED)
    config = parse_config(make_config(), base_dir=tmp_path)

    def node_factory(env: Environment) -> NodeClient:
        return NodeClient(env.api_url, timeout=5, transport=httpx.ASGITransport(devnet))  # type: ignore[arg-type]

    services = await Services.open(config, node_factory=node_factory, clock=clock)
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(create_app(config, services=services)), base_url="http://t"
    )
    yield App(services, client, clock)
    await client.aclose()
    await services.close()


async def test_repeated_denials_are_one_row_and_then_one_count_per_window(app: App) -> None:
    for _ in range(200):
        assert (await app.transfer("bob", "trader")).status_code in (403, 404)
    denied = [r for r in await app.rows() if r["outcome"] == "denied"]
    assert len(denied) == 1 and denied[0]["wallet"] == "trader"
    app.clock.advance(60)
    assert (await app.transfer("bob", "trader")).status_code in (403, 404)
    rows = [r for r in await app.rows() if r["outcome"] == "denied"]
    assert [r.get("repeated") for r in rows] == [None, 199, None]
    assert rows[1]["user"] == "bob" and rows[1]["wallet"] == "trader" and rows[1]["reason"].startswith("199 more")
    metrics = app.services.metrics.render()[0].decode()
    assert 'signing_denials_total{reason="unknown_wallet"} 201.0' in metrics  # each one still counted there
    assert (await app.services.signing.audit.verify()).ok


async def test_denials_for_invented_wallet_names_do_not_grow_the_log(app: App) -> None:
    for n in range(300):
        assert (await app.transfer("bob", f"nosuch{n}")).status_code == 404
    assert len(await app.rows()) == 1
    app.clock.advance(60)
    assert await app.services.signing.denials.flush_due() == 1  # the window's count, once it is over
    rows = await app.rows()
    assert len(rows) == 2 and rows[1]["repeated"] == 299 and rows[1]["wallet"] == "(unknown wallet)"
    windows = "SELECT count(*) FROM denial_windows"
    assert await app.services.store.db.read(lambda conn: conn.exec_driver_sql(windows).scalar()) == 0


async def test_a_denial_for_another_user_or_wallet_is_its_own_row(app: App) -> None:
    await app.transfer("bob", "trader")
    await app.transfer("bob", "trader")
    await app.transfer("bob", "seed")
    await app.transfer("alice", "fenced")  # not from its ip_whitelist
    denied = [(r["user"], r["wallet"]) for r in await app.rows() if r["outcome"] == "denied"]
    assert denied == [("bob", "trader"), ("bob", "seed"), ("alice", "fenced")]
