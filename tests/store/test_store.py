"""The store hands out each sequence once: across coroutines, processes and restarts."""

import asyncio
import multiprocessing
from typing import Any

import pytest

from app.clock import FakeClock
from app.store import SCHEMA_VERSION, Store

KEY = ("http://node.test", "tbnb1account")
AUDIT_KEY = b"k" * 32


async def _loaded(url: str, *, sequence: int = 0) -> Store:
    store = await Store.open(url, audit_key=AUDIT_KEY)
    await store.sequences.load(KEY, account_number=7, sequence=sequence, force=True)
    return store


async def test_schema_is_created_and_reopening_is_idempotent(database_url) -> None:
    for _ in range(2):
        store = await Store.open(database_url, audit_key=AUDIT_KEY)
        assert await store.db.schema_version() == SCHEMA_VERSION
        await store.close()


async def test_unknown_account_reserves_nothing(database_url) -> None:
    store = await Store.open(database_url, audit_key=AUDIT_KEY)
    assert await store.sequences.reserve(KEY) is None
    assert await store.sequences.get(KEY) is None
    await store.close()


async def test_reservations_are_consecutive_and_persist_across_reopen(database_url) -> None:
    store = await _loaded(database_url, sequence=5)
    assert [await store.sequences.reserve(KEY) for _ in range(3)] == [(7, 5), (7, 6), (7, 7)]
    await store.close()
    reopened = await Store.open(database_url, audit_key=AUDIT_KEY)
    assert await reopened.sequences.reserve(KEY) == (7, 8)
    await reopened.close()


async def test_concurrent_reservations_never_repeat(database_url) -> None:
    store = await _loaded(database_url)
    results = await asyncio.gather(*(store.sequences.reserve(KEY) for _ in range(200)))
    assert sorted(seq for _, seq in results) == list(range(200))  # type: ignore[misc]
    await store.close()


async def test_a_load_never_rewinds_a_live_account_but_a_forced_resync_does(database_url) -> None:
    store = await _loaded(database_url)
    await store.sequences.reserve(KEY)
    await store.sequences.load(KEY, account_number=7, sequence=0, force=False)  # another worker's late read
    assert await store.sequences.reserve(KEY) == (7, 1)
    await store.sequences.load(KEY, account_number=7, sequence=0, force=True)  # a deliberate resync
    assert await store.sequences.reserve(KEY) == (7, 0)
    await store.close()


async def test_stale_account_reserves_nothing_until_reloaded(database_url) -> None:
    store = await _loaded(database_url)
    await store.sequences.mark_stale(KEY)
    assert await store.sequences.reserve(KEY) is None
    row = await store.sequences.get(KEY)
    assert row is not None and row.stale
    await store.sequences.load(KEY, account_number=7, sequence=3, force=False)
    assert await store.sequences.reserve(KEY) == (7, 3)
    await store.close()


async def test_release_gives_back_only_the_last_sequence(database_url) -> None:
    store = await _loaded(database_url)
    first = await store.sequences.reserve(KEY)
    second = await store.sequences.reserve(KEY)
    assert first and second
    assert not await store.sequences.release(KEY, first[1])  # a later one was handed out
    assert await store.sequences.release(KEY, second[1])
    assert await store.sequences.reserve(KEY) == second
    await store.close()


async def test_account_lock_excludes_coroutines_on_one_account_only(database_url) -> None:
    store = await _loaded(database_url)
    inside: list[str] = []

    c_done = asyncio.Event()

    async def hold(key: tuple[str, str], tag: str) -> None:
        async with store.locks.hold(key):
            inside.append(f"{tag}+")
            if tag == "a":
                await asyncio.wait_for(c_done.wait(), 30)  # a holds its lock until c got its own
            inside.append(f"{tag}-")
            if tag == "c":
                c_done.set()

    other = ("http://node.test", "tbnb1other")
    await asyncio.gather(hold(KEY, "a"), hold(KEY, "b"), hold(other, "c"))
    assert inside.index("a-") < inside.index("b+") or inside.index("b-") < inside.index("a+")
    assert inside.index("c+") < inside.index("a-")  # another account did not wait
    await store.close()


def _reserve_many(url: str, count: int, queue: "multiprocessing.Queue[list[int]]") -> None:
    async def run() -> list[int]:
        store = await Store.open(url, audit_key=AUDIT_KEY)
        got = []
        for _ in range(count):
            reserved = await store.sequences.reserve(KEY)
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


def _hold_lock(url: str, ready: Any, release: Any) -> None:
    async def run() -> None:
        store = await Store.open(url, audit_key=AUDIT_KEY)
        async with store.locks.hold(KEY):
            ready.set()
            await asyncio.to_thread(release.wait, 60)
        await store.close()

    asyncio.run(run())


async def test_account_lock_holds_across_processes(database_url) -> None:
    store = await _loaded(database_url)
    ctx = multiprocessing.get_context("spawn")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(database_url, ready, release))
    holder.start()
    assert await asyncio.to_thread(ready.wait, 60)
    acquired = asyncio.Event()

    async def take() -> None:
        async with store.locks.hold(KEY):
            acquired.set()

    taker = asyncio.create_task(take())
    with pytest.raises(TimeoutError):  # held by the other process: we cannot have it
        await asyncio.wait_for(asyncio.shield(acquired.wait()), 0.5)
    release.set()
    await asyncio.wait_for(taker, 30)  # released: now we get it
    holder.join(10)
    await store.close()


async def test_idempotency_claims_replay_and_conflict(database_url) -> None:
    store = await Store.open(database_url, audit_key=AUDIT_KEY)
    args = {"scope": "alice\nmain", "key": "k1", "ttl_seconds": 60}
    assert (await store.idempotency.claim(request_hash="h1", **args)).state == "new"
    assert (await store.idempotency.claim(request_hash="h1", **args)).state == "in_progress"
    await store.idempotency.complete(scope="alice\nmain", key="k1", status_code=200, body='{"x": 1}')
    replay = await store.idempotency.claim(request_hash="h1", **args)
    assert (replay.state, replay.status_code, replay.body) == ("replay", 200, '{"x": 1}')
    assert (await store.idempotency.claim(request_hash="h2", **args)).state == "mismatch"
    other_scope = {**args, "scope": "bob\nmain"}
    assert (await store.idempotency.claim(request_hash="h2", **other_scope)).state == "new"
    await store.close()


async def test_idempotency_keys_expire(database_url) -> None:
    clock = FakeClock()
    store = await Store.open(database_url, audit_key=AUDIT_KEY, clock=clock)
    args = {"scope": "s", "key": "k", "request_hash": "h"}
    assert (await store.idempotency.claim(ttl_seconds=10, **args)).state == "new"
    clock.advance(9)
    assert (await store.idempotency.claim(ttl_seconds=10, **args)).state == "in_progress"
    clock.advance(2)
    assert (await store.idempotency.claim(ttl_seconds=60, **args)).state == "new"
    await store.close()


def test_memory_sqlite_is_refused() -> None:
    with pytest.raises(ValueError, match="SQLite file"):
        asyncio.run(Store.open("sqlite:///:memory:", audit_key=AUDIT_KEY))


async def test_login_attempts_from_two_stores_never_pass_the_limit(database_url) -> None:
    # Two Store instances stand for two replicas on one database: 2 x 20 concurrent reservations.
    stores = [await Store.open(database_url, audit_key=AUDIT_KEY) for _ in range(2)]
    subjects = [("user", "alice"), ("ip", "10.0.0.1")]

    async def reserve(store: Store) -> str | None:
        found = await store.logins.reserve(subjects=subjects, now=1000.0, window=300, max_failures=5)
        return found.attempt_id

    results = await asyncio.gather(*(reserve(s) for s in stores for _ in range(20)))
    assert sum(r is not None for r in results) == 5
    refused = await stores[0].logins.reserve(subjects=subjects, now=1299.0, window=300, max_failures=5)
    assert refused.locked_until == 1300.0
    for store in stores:
        await store.close()


async def test_no_sequence_is_handed_out_past_the_end_of_int64(database_url) -> None:
    from app.store import SequenceExhausted

    store = await _loaded(database_url, sequence=2**63 - 2)
    assert await store.sequences.reserve(KEY) == (7, 2**63 - 2)
    for _ in range(3):  # the last one would need next_sequence = 2^63: refused, every time
        with pytest.raises(SequenceExhausted):
            await store.sequences.reserve(KEY)
    row = await store.sequences.get(KEY)
    assert row is not None and row.next_sequence == 2**63 - 1 and isinstance(row.next_sequence, int)
    await store.close()


async def test_one_callers_batch_fails_whole_and_a_shared_batch_keeps_the_others(database_url) -> None:
    """Operations of one unit alone in a batch share its fate; beside other callers, each has its savepoint."""
    store = await _loaded(database_url)

    def bump(conn: Any) -> None:  # through SQLAlchemy's own execute, as any operation may
        conn.exec_driver_sql("UPDATE accounts SET next_sequence = next_sequence + 1")

    def bump_then_fail(conn: Any) -> None:
        bump(conn)
        raise ValueError("refused")

    try:
        alone = [store.db.submit(op, rank=2, key="", unit="u") for op in (bump, bump_then_fail)]
        results = await asyncio.gather(*alone, return_exceptions=True)
        assert [type(r) for r in results] == [ValueError, ValueError]
        assert (await store.sequences.get(KEY)).next_sequence == 0  # type: ignore[union-attr]  # rolled back
        shared = [store.db.submit(bump, rank=2, key=""), store.db.submit(bump_then_fail, rank=2, key="")]
        results = await asyncio.gather(*shared, return_exceptions=True)
        assert results[0] is None and isinstance(results[1], ValueError)
        assert (await store.sequences.get(KEY)).next_sequence == 1  # type: ignore[union-attr]  # the first kept
        assert await store.sequences.reserve(KEY) == (7, 1)  # the writer goes on after both failures
    finally:
        await store.close()
