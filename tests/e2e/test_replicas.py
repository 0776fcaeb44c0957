"""Two service replicas on one PostgreSQL database agree on every sequence and on one audit chain."""

import asyncio
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest
import yaml

from tests.api.payloads import README_SHAPES
from tests.e2e.conftest import ROOT, StackRunner, free_port, start, stop, wait_until_up
from tests.helpers import KEY_A, PASSWORDS, address_of, make_config
from tests.pg import fresh_database

MAIN = address_of(KEY_A)
TRANSFER = {"msg": README_SHAPES["transfer"], "wallet_name": "main"}


class Replicas:
    """A devnet and two service processes sharing one PostgreSQL database."""

    def __init__(self, runner: StackRunner, database_url: str) -> None:
        self.runner = runner
        config = make_config(api_url=runner.devnet_url)
        config["database_url"] = database_url
        config["wallets"][0]["limits"] = {"max_per_day": {"ANN-457": "100"}}
        runner.config_path.write_text(yaml.safe_dump(config))
        runner.start_service()
        self.second_url = f"http://127.0.0.1:{free_port()}"
        port = self.second_url.rsplit(":", 1)[1]
        self.second = start(["serve", "--config", str(runner.config_path), "--port", port], runner.tmp / "second.log")
        wait_until_up(f"{self.second_url}/docs", self.second)

    @property
    def urls(self) -> list[str]:
        return [self.runner.service_url, self.second_url]

    def stop(self) -> None:
        if self.second.poll() is None:
            stop(self.second)
        self.runner.stop()


@pytest.fixture
def replicas(tmp_path) -> Iterator[Replicas]:  # type: ignore[no-untyped-def]
    with fresh_database() as url:
        runner = StackRunner(tmp_path)
        replicas = Replicas(runner, url)
        try:
            yield replicas
        finally:
            replicas.stop()


async def _clients(urls: list[str]) -> list[httpx.AsyncClient]:
    clients = []
    for url in urls:
        client = httpx.AsyncClient(base_url=url, timeout=120, limits=httpx.Limits(max_connections=64))
        r = await client.post("/api/auth/login", json={"username": "alice", "password": PASSWORDS["alice"]})
        client.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
        clients.append(client)
    return clients


async def _chain_sequence(url: str) -> int:
    async with httpx.AsyncClient() as client:
        return int((await client.get(f"{url}/api/v1/account/{MAIN}/sequence")).json()["sequence"])


def _audit_verify(runner: StackRunner) -> subprocess.CompletedProcess[str]:
    args = [sys.executable, "-m", "app", "audit", "verify", "--config", str(runner.config_path)]
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=120)


async def test_200_broadcasts_split_across_two_replicas_all_land_with_one_audit_chain(replicas: Replicas) -> None:
    clients = await _clients(replicas.urls)
    try:
        results = await asyncio.gather(
            *(clients[i % 2].post("/api/transfer/broadcast", json=TRANSFER) for i in range(200))
        )
    finally:
        for client in clients:
            await client.aclose()
    assert [r.status_code for r in results].count(200) == 200, {r.status_code for r in results}
    assert await _chain_sequence(replicas.runner.devnet_url) == 200
    verified = _audit_verify(replicas.runner)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "400 rows" in verified.stdout  # "sending" and "broadcast" for each


async def test_daily_limit_holds_across_replicas(replicas: Replicas) -> None:
    clients = await _clients(replicas.urls)
    body = {"msg": {**README_SHAPES["transfer"], "symbol": "ANN-457", "amount": "10"}, "wallet_name": "main"}
    try:
        results = await asyncio.gather(*(clients[i % 2].post("/api/transfer/sign", json=body) for i in range(20)))
    finally:
        for client in clients:
            await client.aclose()
    assert sorted(r.status_code for r in results) == [200] * 10 + [403] * 10


async def test_survivor_keeps_signing_when_a_replica_is_killed_mid_load(replicas: Replicas) -> None:
    clients = await _clients(replicas.urls)
    done: list[int] = []
    twenty = asyncio.Event()

    async def broadcast(client: httpx.AsyncClient) -> None:
        try:
            r = await client.post("/api/transfer/broadcast", json=TRANSFER)
        except httpx.HTTPError:
            return  # the killed replica's in-flight requests
        if r.status_code == 200:
            done.append(1)
            if len(done) >= 20:
                twenty.set()

    try:
        load = [asyncio.create_task(broadcast(clients[i % 2])) for i in range(120)]
        await asyncio.wait_for(twenty.wait(), 60)  # mid-load: 20 broadcasts landed
        replicas.runner.kill_service()  # SIGKILL the first replica, possibly holding the account lock
        await asyncio.gather(*load)
        after = [(await clients[1].post("/api/transfer/broadcast", json=TRANSFER)).status_code for _ in range(10)]
    finally:
        for client in clients:
            await client.aclose()
    assert after == [200] * 10
    # Every broadcast the survivor answered with 200 landed, and the chain has no gap.
    chain = await _chain_sequence(replicas.runner.devnet_url)
    assert chain >= len(done) + 10
    assert _audit_verify(replicas.runner).returncode == 0
