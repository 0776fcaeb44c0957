"""Per-account locks across coroutines, workers and replicas: a lock file (SQLite) or an advisory lock (PostgreSQL)."""

import asyncio
import fcntl
import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio.to_thread
import sqlalchemy as sa

from app.store.database import Database

AccountKey = tuple[str, str]


class AccountLocks:
    """Exclusive use of one account; different accounts never wait for each other."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._local: dict[AccountKey, asyncio.Lock] = {}

    @asynccontextmanager
    async def hold(self, key: AccountKey) -> AsyncIterator[None]:
        local = self._local.get(key)
        if local is None:
            local = self._local[key] = asyncio.Lock()
        async with local:
            if self._db.lock_dir is not None:
                async with self._file_lock(self._db.lock_dir, key):
                    yield
            else:
                async with self._advisory_lock(key):
                    yield

    @staticmethod
    @asynccontextmanager
    async def _file_lock(lock_dir: Path, key: AccountKey) -> AsyncIterator[None]:
        name = hashlib.sha256("\x00".join(key).encode()).hexdigest()[:32]
        handle = (lock_dir / f"{name}.lock").open("a+")
        try:
            try:  # free (no other process holds it): taken at once, without a thread hop (~0.2 ms)
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                # Held by another process: flock blocks, so it waits in a worker thread; the asyncio
                # lock above ensures at most one thread per process waits on each account.
                await anyio.to_thread.run_sync(fcntl.flock, handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        finally:
            handle.close()

    @asynccontextmanager
    async def _advisory_lock(self, key: AccountKey) -> AsyncIterator[None]:
        lock_id = int.from_bytes(hashlib.sha256("\x00".join(key).encode()).digest()[:8], "big", signed=True)
        # PostgreSQL only: a session lock lives on the one pooled async connection held until release.
        async with self._db.connect() as conn:
            await conn.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": lock_id})
            await conn.commit()
            try:
                yield
            finally:
                await conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": lock_id})
                await conn.commit()
