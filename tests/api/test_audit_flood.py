"""The audit log cannot be flooded with denials; the console's audit view costs the same at any length.

Row counts, not timings: repeated denials add at most two rows per (user, wallet, kind) and window,
invented wallet names add nothing more, and the console reads and verifies only what it shows.
"""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from app.chain.node import NodeClient
from app.clock import FakeClock
from app.config import parse_config
from app.devnet import create_app as create_devnet
from app.main import create_app
from app.services import Services
from app.signing.wallets import Environment
from app.web.console.audit import MAX_ROWS, AuditPage, audit_page, parse_filters
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


def audited_config() -> dict[str, Any]:
    """The shared config, alice also auditing main."""
    data = make_config()
    main = next(w for w in data["wallets"] if w["name"] == "main")
    main["permissions"] = [*main["permissions"], "audit"]
    alice = next(u for u in data["users"] if u["username"] == "alice")
    alice["wallet_permissions"][0]["permissions"] = [*alice["wallet_permissions"][0]["permissions"], "audit"]
    return data


@pytest.fixture
async def app(tmp_path) -> AsyncIterator[App]:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    devnet = create_devnet(chain_id=CHAIN_ID, hrp=HRP, genesis=FUNDED)
    config = parse_config(audited_config(), base_dir=tmp_path)

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


async def _append(app: App, count: int, *, wallet: str = "trader") -> None:
    for n in range(count):
        entry = {"user": "bob", "wallet": wallet, "action": "transfer/sign", "outcome": "signed", "sequence": n}
        await app.services.signing.audit.append(entry)


async def _page(app: App, **query: str) -> AuditPage:
    alice = app.services.users.get("alice")
    assert alice is not None
    return await audit_page(app.services, alice, parse_filters(query), None)


async def _tamper(app: App, sql: str) -> None:
    await app.services.store.db.write(lambda conn: conn.execute(sa.text(sql)))


async def test_the_console_audit_page_is_paged_in_the_store(app: App) -> None:
    await _append(app, 1, wallet="main")
    await _append(app, 2500)  # rows alice may not see, all newer
    page = await _page(app)
    assert [r.wallet for r in page.rows] == ["main"] and not page.truncated
    await _append(app, 250, wallet="main")
    first = await _page(app)
    assert len(first.rows) == MAX_ROWS and first.truncated and first.rows[0].id == 2751
    older = await _page(app, before=str(first.rows[-1].id))
    assert len(older.rows) == 51 and not older.truncated and older.rows[-1].id == 1
    assert "before=" in first.older_query


async def test_the_console_verifies_only_the_rows_added_since_its_last_check(app: App) -> None:
    await _append(app, 1500)
    first = (await _page(app)).verification
    assert (first.ok, first.rows, first.checked) == (True, 1500, 1500)
    await _append(app, 3)
    again = (await _page(app)).verification
    assert (again.ok, again.rows, again.checked) == (True, 1503, 3)
    assert (await _page(app)).verification.checked == 0
    await _append(app, 2)
    await _tamper(app, "UPDATE audit_log SET record = replace(record, 'bob', 'eve') WHERE id = 1505")
    broken = (await _page(app)).verification
    assert (broken.ok, broken.first_bad_id) == (False, 1505)


async def test_an_edit_of_the_checkpoint_row_or_the_checkpoint_is_caught(app: App) -> None:
    await _append(app, 10)
    assert (await _page(app)).verification.ok
    await _tamper(app, "UPDATE audit_checkpoint SET last_id = 5")
    assert (await _page(app)).verification.reason.startswith("the verification checkpoint is not the service's")
    await _tamper(app, "DELETE FROM audit_checkpoint")
    assert (await _page(app)).verification.ok  # a full walk again, which moves the checkpoint to row 10
    await _tamper(app, "UPDATE audit_log SET row_hash = 'x' WHERE id = 10")
    assert (await _page(app)).verification.first_bad_id == 10


async def test_rows_from_before_the_fields_table_get_their_fields_when_the_store_opens(app: App) -> None:
    await _append(app, 3, wallet="main")
    await _tamper(app, "DELETE FROM audit_fields")
    assert (await _page(app)).rows == ()
    assert await app.services.store.audit.index_missing() == 3
    assert [r.id for r in (await _page(app)).rows] == [3, 2, 1]
