"""Approvals arriving at once on two workers (SQLite) or two replicas (PostgreSQL) execute the action once."""

import asyncio
from collections.abc import Iterator

import httpx
import pytest
import yaml

from tests.api.test_approvals import BIG, approvals_config
from tests.e2e.conftest import StackRunner, free_port, start, stop, wait_until_up
from tests.helpers import OTHER_ADDRESS, PASSWORDS, password_hash
from tests.pg import fresh_database

pytestmark = pytest.mark.timeout(120)
APPROVERS = ("bob", "carol", "erin", "frank")


def _config(devnet_url: str, database_url: str | None) -> dict:  # type: ignore[type-arg]
    data = approvals_config()  # quorum 2
    data["environments"]["DEVNET"]["api_url"] = devnet_url
    for name in ("erin", "frank"):
        grant = {"wallet_name": "main", "permissions": ["approve"]}
        data["users"].append({"username": name, "password_hash": password_hash(name), "wallet_permissions": [grant]})
    if database_url is not None:
        data["database_url"] = database_url
    return data


async def _login(url: str, user: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=url, timeout=60)
    r = await client.post("/api/auth/login", json={"username": user, "password": PASSWORDS[user]})
    client.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
    return client


async def _race(urls: list[str], devnet_url: str) -> None:
    requester = await _login(urls[0], "alice")
    approvers = [await _login(urls[i % len(urls)], user) for i, user in enumerate(APPROVERS)]
    try:
        pending = await requester.post("/api/transfer/broadcast", json=BIG)
        assert pending.status_code == 202, pending.text
        path = f"/api/approvals/{pending.json()['approval_id']}/approve"
        answers = await asyncio.gather(*(client.post(path) for client in approvers))
        assert sorted(r.status_code for r in answers) == [200, 200, 409, 409], [r.text for r in answers]
        final = (await requester.get(f"/api/approvals/{pending.json()['approval_id']}")).json()
        assert final["status"] == "executed" and len(final["approvals"]) == 2
        async with httpx.AsyncClient() as node:
            account = (await node.get(f"{devnet_url}/api/v1/account/{OTHER_ADDRESS}")).json()
        bnb = next(b for b in account["balances"] if b["symbol"] == "BNB")
        assert bnb["free"] == "10.00000000"  # sent exactly once
    finally:
        for client in (requester, *approvers):
            await client.aclose()


@pytest.fixture
def sqlite_workers(tmp_path) -> Iterator[StackRunner]:  # type: ignore[no-untyped-def]
    runner = StackRunner(tmp_path, workers=2)
    runner.config_path.write_text(yaml.safe_dump(_config(runner.devnet_url, None)))
    try:
        runner.start_service()
        yield runner
    finally:
        runner.stop()


async def test_concurrent_approvals_on_two_workers_execute_once(sqlite_workers: StackRunner) -> None:
    await _race([sqlite_workers.service_url], sqlite_workers.devnet_url)


def test_concurrent_approvals_on_two_postgresql_replicas_execute_once(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with fresh_database() as database_url:
        runner = StackRunner(tmp_path)
        runner.config_path.write_text(yaml.safe_dump(_config(runner.devnet_url, database_url)))
        second = None
        try:
            runner.start_service()
            second_url = f"http://127.0.0.1:{free_port()}"
            second = start(
                ["serve", "--config", str(runner.config_path), "--port", second_url.rsplit(":", 1)[1]],
                runner.tmp / "second.log",
            )
            wait_until_up(f"{second_url}/docs", second)
            asyncio.run(_race([runner.service_url, second_url], runner.devnet_url))
        finally:
            if second is not None and second.poll() is None:
                stop(second)
            runner.stop()


def test_python_binance_chain_returns_the_202_body_of_a_request_waiting_for_approval(
    sqlite_workers: StackRunner,
) -> None:
    signing = pytest.importorskip(
        "binance_chain.signing.http", reason="python-binance-chain: scripts/install-client.sh"
    )
    from binance_chain.messages import TransferMsg

    client = signing.HttpApiSigningClient(sqlite_workers.service_url, username="alice", password=PASSWORDS["alice"])
    answer = client.broadcast_transfer(
        TransferMsg(symbol="BNB", amount=10, to_address=OTHER_ADDRESS), wallet_name="main"
    )
    assert (answer["status"], answer["requested_by"], answer["quorum"]) == ("pending", "alice", 2)
    assert answer["msg"] == {"to_address": OTHER_ADDRESS, "amount": "10", "denom": "BNB", "memo": ""}
