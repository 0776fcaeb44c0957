"""Sequences under load on real processes: contiguous, never reused, across workers and SIGKILL."""

import asyncio
from collections.abc import Iterator

import httpx
import pytest

from tests.api.payloads import README_SHAPES
from tests.e2e.conftest import StackRunner
from tests.helpers import KEY_A, PASSWORDS, address_of

MAIN = address_of(KEY_A)
TRANSFER = {"msg": README_SHAPES["transfer"], "wallet_name": "main"}


@pytest.fixture(params=[1, 2], ids=["1_worker", "2_workers"])
def runner(request: pytest.FixtureRequest, tmp_path) -> Iterator[StackRunner]:  # type: ignore[no-untyped-def]
    runner = StackRunner(tmp_path, workers=request.param)
    try:
        runner.start_service()
        yield runner
    finally:
        runner.stop()


async def _headers(client: httpx.AsyncClient) -> dict[str, str]:
    r = await client.post("/api/auth/login", json={"username": "alice", "password": PASSWORDS["alice"]})
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _client(url: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=url, timeout=60, limits=httpx.Limits(max_connections=64))


async def _chain_sequence(runner: StackRunner) -> int:
    async with httpx.AsyncClient() as client:
        r = await client.get(f"{runner.devnet_url}/api/v1/account/{MAIN}/sequence")
        return int(r.json()["sequence"])


async def test_200_concurrent_broadcasts_on_one_wallet_all_land_in_order(runner: StackRunner) -> None:
    async with _client(runner.service_url) as client:
        headers = await _headers(client)
        results = await asyncio.gather(
            *(client.post("/api/transfer/broadcast", json=TRANSFER, headers=headers) for _ in range(200))
        )
    assert [r.status_code for r in results].count(200) == 200, {r.status_code: r.text for r in results}
    assert await _chain_sequence(runner) == 200  # the devnet accepts only the expected sequence: contiguous


async def test_resync_during_load_leaves_every_broadcast_landed(runner: StackRunner) -> None:
    async with _client(runner.service_url) as client:
        headers = await _headers(client)
        broadcasts = [client.post("/api/transfer/broadcast", json=TRANSFER, headers=headers) for _ in range(60)]
        resyncs = [client.post("/api/wallet/resync", json={"wallet_name": "main"}, headers=headers) for _ in range(10)]
        results = await asyncio.gather(*broadcasts, *resyncs)
    assert [r.status_code for r in results] == [200] * 70, [r.text for r in results if r.status_code != 200]
    assert await _chain_sequence(runner) == 60


async def test_sigkill_mid_load_never_reuses_a_sequence_after_restart(runner: StackRunner) -> None:
    seen: list[int] = []
    forty = asyncio.Event()
    async with _client(runner.service_url) as client:
        headers = await _headers(client)

        async def sign() -> None:
            try:
                r = await client.post("/api/transfer/sign", json=TRANSFER, headers=headers)
            except httpx.HTTPError:
                return  # killed mid-request
            if r.status_code == 200:
                seen.append(r.json()["sequence"])
                if len(seen) >= 40:
                    forty.set()

        load = [asyncio.create_task(sign()) for _ in range(300)]
        await asyncio.wait_for(forty.wait(), 60)  # mid-load: 40 signatures answered
        runner.kill_service()
        await asyncio.gather(*load)
    assert len(seen) == len(set(seen))
    runner.start_service()
    async with _client(runner.service_url) as client:
        headers = await _headers(client)
        after = [
            (await client.post("/api/transfer/sign", json=TRANSFER, headers=headers)).json()["sequence"]
            for _ in range(20)
        ]
    assert not set(after) & set(seen)
    assert min(after) > max(seen)
