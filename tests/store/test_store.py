"""The store hands out each sequence once: across coroutines, processes and restarts."""

import asyncio
import multiprocessing
import time

import pytest

from app.store import SCHEMA_VERSION, Store

KEY = ("http://node.test", "tbnb1account")


async def _loaded(url: str, *, sequence: int = 0) -> Store:
    store = await Store.open(url)
    await store.load_account(KEY, account_number=7, sequence=sequence, force=True)
    return store


async def test_schema_is_created_and_reopening_is_idempotent(database_url) -> None:
    for _ in range(2):
        store = await Store.open(database_url)
        assert await store.schema_version() == SCHEMA_VERSION
        await store.close()


async def test_unknown_account_reserves_nothing(database_url) -> None:
    store = await Store.open(database_url)
    assert await store.reserve_sequence(KEY) is None
    assert await store.get_account(KEY) is None
    await store.close()


async def test_reservations_are_consecutive_and_persist_across_reopen(database_url) -> None:
    store = await _loaded(database_url, sequence=5)
    assert [await store.reserve_sequence(KEY) for _ in range(3)] == [(7, 5), (7, 6), (7, 7)]
    await store.close()
    reopened = await Store.open(database_url)
    assert await reopened.reserve_sequence(KEY) == (7, 8)
    await reopened.close()


async def test_concurrent_reservations_never_repeat(database_url) -> None:
    store = await _loaded(database_url)
    results = await asyncio.gather(*(store.reserve_sequence(KEY) for _ in range(200)))
    assert sorted(seq for _, seq in results) == list(range(200))  # type: ignore[misc]
    await store.close()


async def test_a_load_never_rewinds_a_live_account_but_a_forced_resync_does(database_url) -> None:
    store = await _loaded(database_url)
    await store.reserve_sequence(KEY)
    await store.load_account(KEY, account_number=7, sequence=0, force=False)  # another worker's late read
    assert await store.reserve_sequence(KEY) == (7, 1)
    await store.load_account(KEY, account_number=7, sequence=0, force=True)  # a deliberate resync
    assert await store.reserve_sequence(KEY) == (7, 0)
    await store.close()


async def test_stale_account_reserves_nothing_until_reloaded(database_url) -> None:
    store = await _loaded(database_url)
    await store.mark_stale(KEY)
    assert await store.reserve_sequence(KEY) is None
    row = await store.get_account(KEY)
    assert row is not None and row.stale
    await store.load_account(KEY, account_number=7, sequence=3, force=False)
    assert await store.reserve_sequence(KEY) == (7, 3)
    await store.close()


async def test_release_gives_back_only_the_last_sequence(database_url) -> None:
    store = await _loaded(database_url)
    first = await store.reserve_sequence(KEY)
    second = await store.reserve_sequence(KEY)
    assert first and second
    assert not await store.release_sequence(KEY, first[1])  # a later one was handed out
    assert await store.release_sequence(KEY, second[1])
    assert await store.reserve_sequence(KEY) == second
    await store.close()


async def test_account_lock_excludes_coroutines_on_one_account_only(database_url) -> None:
    store = await _loaded(database_url)
    inside: list[str] = []

    async def hold(key: tuple[str, str], tag: str) -> None:
        async with store.account_lock(key):
            inside.append(f"{tag}+")
            await asyncio.sleep(0.05)
            inside.append(f"{tag}-")

    other = ("http://node.test", "tbnb1other")
    await asyncio.gather(hold(KEY, "a"), hold(KEY, "b"), hold(other, "c"))
    assert inside.index("a-") < inside.index("b+") or inside.index("b-") < inside.index("a+")
    assert inside.index("c+") < inside.index("a-")  # another account did not wait
    await store.close()


def _reserve_many(url: str, count: int, queue: "multiprocessing.Queue[list[int]]") -> None:
    async def run() -> list[int]:
        store = await Store.open(url)
        got = []
        for _ in range(count):
            reserved = await store.reserve_sequence(KEY)
            assert reserved is not None
            got.append(reserved[1])
        await store.close()
        return got

    queue.put(asyncio.run(run()))


async def test_processes_sharing_the_database_never_get_the_same_sequence(database_url) -> None:
    store = await _loaded(database_url)
    await store.close()
    ctx = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue[list[int]] = ctx.Queue()
    workers = [ctx.Process(target=_reserve_many, args=(database_url, 150, queue)) for _ in range(3)]
    for worker in workers:
        worker.start()
    results = [await asyncio.to_thread(queue.get, True, 120) for _ in workers]
    for worker in workers:
        worker.join(10)
    assert sorted(seq for result in results for seq in result) == list(range(450))


def _hold_lock(url: str, seconds: float, ready: "multiprocessing.Event") -> None:  # type: ignore[name-defined]
    async def run() -> None:
        store = await Store.open(url)
        async with store.account_lock(KEY):
            ready.set()
            await asyncio.sleep(seconds)
        await store.close()

    asyncio.run(run())


async def test_account_lock_holds_across_processes(database_url) -> None:
    store = await _loaded(database_url)
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(database_url, 1.0, ready))
    holder.start()
    assert await asyncio.to_thread(ready.wait, 60)
    started = time.monotonic()
    async with store.account_lock(KEY):
        waited = time.monotonic() - started
    holder.join(10)
    await store.close()
    assert waited > 0.5


async def test_idempotency_claims_replay_and_conflict(database_url) -> None:
    store = await Store.open(database_url)
    args = {"scope": "alice\nmain", "key": "k1", "ttl_seconds": 60}
    assert (await store.claim_idempotency(request_hash="h1", **args)).state == "new"
    assert (await store.claim_idempotency(request_hash="h1", **args)).state == "in_progress"
    await store.complete_idempotency(scope="alice\nmain", key="k1", status_code=200, body='{"x": 1}')
    replay = await store.claim_idempotency(request_hash="h1", **args)
    assert (replay.state, replay.status_code, replay.body) == ("replay", 200, '{"x": 1}')
    assert (await store.claim_idempotency(request_hash="h2", **args)).state == "mismatch"
    other_scope = {**args, "scope": "bob\nmain"}
    assert (await store.claim_idempotency(request_hash="h2", **other_scope)).state == "new"
    await store.close()


async def test_idempotency_keys_expire(database_url) -> None:
    store = await Store.open(database_url)
    args = {"scope": "s", "key": "k", "request_hash": "h"}
    assert (await store.claim_idempotency(ttl_seconds=0.01, **args)).state == "new"
    await asyncio.sleep(0.05)
    assert (await store.claim_idempotency(ttl_seconds=60, **args)).state == "new"
    await store.close()


def test_memory_sqlite_is_refused() -> None:
    with pytest.raises(ValueError, match="SQLite file"):
        asyncio.run(Store.open("sqlite:///:memory:"))
