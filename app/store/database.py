"""The database connection: engines, the SQLite writer thread, group commit, schema creation.

SQLite (a file, WAL mode, fsync on every commit) by default; PostgreSQL for replicas. Every write
of every part of the store goes through write(): on SQLite one writer thread with its own
connection runs each group-committed batch in one hop; on PostgreSQL the batch runs on a pooled
connection. Reads use the async engine.
"""

import asyncio
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractAsyncContextManager, contextmanager
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool

from app.store import schema
from app.store.groupcommit import GroupCommit

T = TypeVar("T")
_MIGRATION_LOCK = 7140001


def async_url(url: str) -> str:
    """The SQLAlchemy async URL for a sqlite:/// or postgresql:// database_url."""
    parsed = make_url(url)
    driver = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg", "postgres": "postgresql+asyncpg"}
    backend = parsed.drivername.split("+")[0]
    if backend not in driver:
        raise ValueError("unsupported database_url scheme (use sqlite:/// or postgresql://)")
    return parsed.set(drivername=driver[backend]).render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # FULL: a committed reservation survives a power cut, not only a process crash.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _sqlite_sync_engine(path: str) -> sa.Engine:
    """A synchronous SQLite engine for the writer thread, with explicit BEGIN IMMEDIATE.

    pysqlite's own implicit transactions break SAVEPOINT; the documented SQLAlchemy recipe is to
    switch them off and emit BEGIN ourselves. IMMEDIATE takes the write lock up front, so two
    processes' batches never deadlock upgrading a read lock.
    """
    engine = sa.create_engine(f"sqlite:///{path}", poolclass=StaticPool, connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, record: Any) -> None:
        _sqlite_pragmas(dbapi_connection, record)
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(conn: sa.Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


@contextmanager
def _sqlite_savepoint(conn: sa.Connection) -> Iterator[None]:
    """A savepoint as plain SQL on the writer's sqlite3 connection (see app/store/sql.py)."""
    driver = conn.connection.driver_connection
    assert driver is not None
    driver.execute("SAVEPOINT group_op")
    try:
        yield
    except BaseException:
        driver.execute("ROLLBACK TO group_op")
        driver.execute("RELEASE group_op")
        raise
    driver.execute("RELEASE group_op")


class Database:
    """One database for the whole process: writes are group-committed, reads are plain."""

    def __init__(self, engine: AsyncEngine, *, lock_dir: Path | None) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        self.lock_dir = lock_dir
        self._writer: ThreadPoolExecutor | None = None
        self._sync_engine: sa.Engine | None = None
        if self.is_sqlite:
            self._sync_engine = _sqlite_sync_engine(engine.url.database or "")
            self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-writer")
        self._group = GroupCommit(self._run_batch, savepoint=_sqlite_savepoint if self.is_sqlite else None)

    @classmethod
    async def open(cls, database_url: str) -> "Database":
        """Connect, create what is missing of the schema, and return the database."""
        url = async_url(database_url)
        parsed = make_url(url)
        lock_dir: Path | None = None
        if parsed.drivername.startswith("sqlite"):
            database = parsed.database or ""
            if database in ("", ":memory:"):
                raise ValueError("database_url must name a SQLite file (shared by workers), not :memory:")
            Path(database).parent.mkdir(parents=True, exist_ok=True)
            lock_dir = Path(database + ".locks")
            lock_dir.mkdir(mode=0o700, exist_ok=True)
            engine = create_async_engine(url)
            event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        else:
            engine = create_async_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)
        database_ = cls(engine, lock_dir=lock_dir)
        await database_._create_schema()
        return database_

    async def close(self) -> None:
        await self.engine.dispose()
        if self._sync_engine is not None and self._writer is not None:
            await asyncio.get_running_loop().run_in_executor(self._writer, self._sync_engine.dispose)
            self._writer.shutdown(wait=True)

    async def _run_batch(self, function: Callable[[sa.Connection], None]) -> None:
        """Run function in one committed transaction (the group commit's executor)."""
        if self._sync_engine is not None and self._writer is not None:
            engine = self._sync_engine

            def in_writer() -> None:
                with engine.begin() as conn:
                    function(conn)

            await asyncio.get_running_loop().run_in_executor(self._writer, in_writer)
        else:
            async with self.engine.begin() as conn:
                await conn.run_sync(function)

    async def _create_schema(self) -> None:
        async with self.engine.begin() as conn:
            if not self.is_sqlite:
                # One creator at a time across replicas (released at commit).
                await conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK})
            await conn.run_sync(schema.create)

    async def write(self, operation: Callable[[sa.Connection], T], *, rank: int = 2, key: str = "") -> T:
        """Run operation (a plain function of a connection) in the next group commit; its result once committed.

        rank orders the operations of a batch: 0 account rows, 1 the audit head, 2 anything else,
        so every batch takes row locks in the same order and two replicas' batches never deadlock.
        """
        result: T = await self._group.run(operation, rank=rank, key=key)
        return result

    def submit(self, operation: Callable[[sa.Connection], T], *, rank: int, key: str) -> "asyncio.Future[T]":
        """Queue operation without waiting: operations submitted together share one batch."""
        return self._group.submit(operation, rank=rank, key=key)

    def connect(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """A connection for reads."""
        return self.engine.connect()

    async def schema_version(self) -> int:
        async with self.connect() as conn:
            return int((await conn.execute(sa.select(sa.func.max(schema.schema_version.c.version)))).scalar() or 0)

    async def ping(self) -> None:
        """Raise if the database cannot be reached."""
        async with self.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))
