"""The database connection: engines, the SQLite writer thread, group commit, schema creation.

SQLite (a file, WAL mode, fsync on every commit) by default; PostgreSQL for replicas. Every write
of every part of the store goes through write(): on SQLite one writer thread with its own
connection runs each group-committed batch in one hop; on PostgreSQL the batch runs on a pooled
connection. Reads use the async engine.
"""

import asyncio
import queue
import threading
from collections.abc import Callable, Iterator
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
    """A synchronous SQLite engine for the writer thread; transactions are begun by hand (see _SqliteWriter)."""
    engine = sa.create_engine(f"sqlite:///{path}", poolclass=StaticPool, connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, record: Any) -> None:
        _sqlite_pragmas(dbapi_connection, record)
        # pysqlite's own implicit transactions break SAVEPOINT: off, and BEGIN is ours.
        dbapi_connection.isolation_level = None

    return engine


def _settle(future: "asyncio.Future[Any]", value: Any, error: BaseException | None) -> None:
    if future.cancelled():  # the caller went away; what ran is committed (or not) all the same
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(value)


class _WriterThread:
    """One thread that runs SQLite batches in the order they come (its connection is used from it only).

    By hand rather than ThreadPoolExecutor(max_workers=1) and run_in_executor: their submit (locks,
    a thread-count check, a concurrent Future chained to an asyncio one) cost ~40 us a batch on
    the signing path, a thread-safe queue and call_soon_threadsafe do the same hop.
    """

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[tuple[Any, ...] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None  # started by the first batch

    def run(self, function: Callable[..., T], *args: Any) -> "asyncio.Future[T]":
        """function(*args) in the writer thread; the future resolves on the calling loop."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        if self._thread is None:
            self._thread = threading.Thread(target=self._serve, name="store-writer", daemon=True)
            self._thread.start()
        self._queue.put((loop, future, function, args))
        return future

    def _serve(self) -> None:
        while (item := self._queue.get()) is not None:
            loop, future, function, args = item
            value, error = None, None
            try:
                value = function(*args)
            except BaseException as exc:  # handed to the caller, whatever it is
                error = exc
            try:
                loop.call_soon_threadsafe(_settle, future, value, error)
            except RuntimeError:  # the loop has closed: nobody is waiting any more
                pass

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None


class _SqliteWriter:
    """The writer thread's one connection, opened at its first batch and kept; used from that thread only.

    Each batch is BEGIN IMMEDIATE ... COMMIT on the sqlite3 connection itself. IMMEDIATE takes the
    write lock up front, so two processes' batches never deadlock upgrading a read lock. Emitting
    them through SQLAlchemy's begin event and transaction (the documented pysqlite recipe) cost
    ~80 us of Python per batch, more than SQLite's own work for a sign; every statement of a batch
    already runs on the driver (app/store/sql.py).
    """

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine
        self._conn: sa.Connection | None = None

    def run(self, function: Callable[[sa.Connection], None]) -> None:
        if self._conn is None:
            self._conn = self._engine.connect()
        conn = self._conn
        driver = conn.connection.driver_connection
        assert driver is not None
        driver.execute("BEGIN IMMEDIATE")
        try:
            function(conn)
            driver.execute("COMMIT")
        except BaseException:
            if driver.in_transaction:  # SQLite may already have rolled back (e.g. disk full)
                driver.execute("ROLLBACK")
            raise
        finally:
            if conn.in_transaction():  # an operation ran SQLAlchemy's own execute: reset its bookkeeping
                conn.rollback()

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        self._engine.dispose()


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
        self._writer: _WriterThread | None = None
        self._sqlite: _SqliteWriter | None = None
        if self.is_sqlite:
            self._sqlite = _SqliteWriter(_sqlite_sync_engine(engine.url.database or ""))
            self._writer = _WriterThread()
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
        if self._sqlite is not None and self._writer is not None:
            await self._writer.run(self._sqlite.close)
            self._writer.stop()

    async def _run_batch(self, function: Callable[[sa.Connection], None]) -> None:
        """Run function in one committed transaction (the group commit's executor)."""
        if self._sqlite is not None and self._writer is not None:
            await self._writer.run(self._sqlite.run, function)
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

    def submit(
        self, operation: Callable[[sa.Connection], T], *, rank: int, key: str, unit: object | None = None
    ) -> "asyncio.Future[T]":
        """Queue operation without waiting: operations submitted together share one batch.

        Operations given the same unit succeed or fail together (see GroupCommit.submit).
        """
        return self._group.submit(operation, rank=rank, key=key, unit=unit)

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
