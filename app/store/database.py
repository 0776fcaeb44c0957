"""The database connection: the SQLite writer and reader threads, PostgreSQL's engine, group commit, schema.

SQLite (a file, WAL mode, fsync on every commit) by default; PostgreSQL for replicas. Every write
of every part of the store goes through write(): on SQLite one writer thread with its own
connection runs each group-committed batch in one hop; on PostgreSQL the batch runs on a pooled
connection. Every read goes through read(), one plain function per hop: on SQLite it runs on a
reader thread with a connection of its own (WAL: it reads the last commit while the writer
writes), on PostgreSQL on a pooled connection. Only PostgreSQL needs SQLAlchemy's async engine.
"""

import asyncio
import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractAsyncContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import StaticPool

from app.store import schema
from app.store.files import prepare_sqlite_file
from app.store.groupcommit import GroupCommit

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

T = TypeVar("T")
_MIGRATION_LOCK = 7140001


def _sqlite_file(url: sa.URL) -> str:
    """The file a sqlite:/// database_url names (shared by workers: never in memory), private to its owner."""
    database = url.database or ""
    if database in ("", ":memory:"):
        raise ValueError("database_url must name a SQLite file (shared by workers), not :memory:")
    prepare_sqlite_file(database)  # 0600 files, 0700 lock folder; StoreSetupError if others can reach them
    return database


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # FULL: a committed reservation survives a power cut, not only a process crash.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _sqlite_sync_engine(path: str) -> sa.Engine:
    """A synchronous SQLite engine of one connection, for one thread; transactions are begun by hand."""
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


class _StoreThread:
    """One thread that runs SQLite calls in the order they come (its connection is used from it only).

    By hand rather than ThreadPoolExecutor(max_workers=1) and run_in_executor: their submit (locks,
    a thread-count check, a concurrent Future chained to an asyncio one) cost ~40 us a batch on
    the signing path, a thread-safe queue and call_soon_threadsafe do the same hop.
    """

    def __init__(self, name: str) -> None:
        self._name = name
        self._queue: queue.SimpleQueue[tuple[Any, ...] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None  # started by the first call

    def run(self, function: Callable[..., T], *args: Any) -> "asyncio.Future[T]":
        """function(*args) in this thread; the future resolves on the calling loop."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        if self._thread is None:
            self._thread = threading.Thread(target=self._serve, name=self._name, daemon=True)
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


class _SqliteConnection:
    """A thread's one connection, opened at its first use and kept; used from that thread only.

    Each write batch is BEGIN IMMEDIATE ... COMMIT on the sqlite3 connection itself. IMMEDIATE takes
    the write lock up front, so two processes' batches never deadlock upgrading a read lock. Emitting
    them through SQLAlchemy's begin event and transaction (the documented pysqlite recipe) cost
    ~80 us of Python per batch, more than SQLite's own work for a sign; every statement of a batch
    already runs on the driver (app/store/sql.py).
    """

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine
        self._conn: sa.Connection | None = None

    def _connection(self) -> sa.Connection:
        if self._conn is None:
            self._conn = self._engine.connect()
        return self._conn

    def read(self, function: Callable[[sa.Connection], T]) -> T:
        """function(conn) outside a transaction: each statement reads the last commit (WAL: no writer blocks it)."""
        conn = self._connection()
        try:
            return function(conn)
        finally:
            if conn.in_transaction():  # SQLAlchemy's bookkeeping only: no BEGIN was sent (isolation_level None)
                conn.rollback()

    def write(self, function: Callable[[sa.Connection], None]) -> None:
        """function(conn) in one committed transaction (BEGIN IMMEDIATE ... COMMIT)."""
        conn = self._connection()
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


class _SqliteWorker:
    """A thread and its own connection to the SQLite file: the writer's, or the reader's."""

    def __init__(self, path: str, *, name: str) -> None:
        self._connection = _SqliteConnection(_sqlite_sync_engine(path))
        self._thread = _StoreThread(name)

    def read(self, function: Callable[[sa.Connection], T]) -> "asyncio.Future[T]":
        return self._thread.run(self._connection.read, function)

    def write(self, function: Callable[[sa.Connection], None]) -> "asyncio.Future[None]":
        return self._thread.run(self._connection.write, function)

    async def close(self) -> None:
        await self._thread.run(self._connection.close)
        self._thread.stop()


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
    """One database for the whole process: writes are group-committed, reads run one function per hop."""

    def __init__(self, *, sqlite_file: str | None = None, engine: "AsyncEngine | None" = None) -> None:
        """Either a SQLite file (its writer and reader threads) or PostgreSQL's async engine."""
        assert (sqlite_file is None) != (engine is None)
        self.engine = engine  # PostgreSQL only
        self.is_sqlite = sqlite_file is not None
        self.lock_dir = Path(sqlite_file + ".locks") if sqlite_file is not None else None
        self._writer: _SqliteWorker | None = None
        self._reader: _SqliteWorker | None = None
        if sqlite_file is not None:
            self._writer = _SqliteWorker(sqlite_file, name="store-writer")
            self._reader = _SqliteWorker(sqlite_file, name="store-reader")
        self._group = GroupCommit(self._run_batch, savepoint=_sqlite_savepoint if self.is_sqlite else None)

    @classmethod
    async def open(cls, database_url: str) -> "Database":
        """Connect, create what is missing of the schema, and return the database."""
        url = make_url(database_url)
        backend = url.drivername.split("+")[0]
        if backend == "sqlite":
            database = cls(sqlite_file=_sqlite_file(url))
        elif backend in ("postgresql", "postgres"):
            # Imported here only: the async engine brings sqlalchemy.orm (~8 MB), which SQLite never needs.
            from sqlalchemy.ext.asyncio import create_async_engine

            url = url.set(drivername="postgresql+asyncpg")
            database = cls(engine=create_async_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True))
        else:
            raise ValueError("unsupported database_url scheme (use sqlite:/// or postgresql://)")
        await database._create_schema()
        return database

    async def close(self) -> None:
        if self.engine is not None:
            await self.engine.dispose()
        for worker in (self._reader, self._writer):
            if worker is not None:
                await worker.close()

    async def _run_batch(self, function: Callable[[sa.Connection], None]) -> None:
        """Run function in one committed transaction (the group commit's executor)."""
        if self._writer is not None:
            await self._writer.write(function)
        else:
            async with self._engine().begin() as conn:
                await conn.run_sync(function)

    async def _create_schema(self) -> None:
        if self._writer is not None:
            await self._writer.write(schema.create)  # BEGIN IMMEDIATE: one creator at a time across workers
            return
        async with self._engine().begin() as conn:
            # One creator at a time across replicas (released at commit).
            await conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK})
            await conn.run_sync(schema.create)

    def _engine(self) -> "AsyncEngine":
        assert self.engine is not None, "PostgreSQL only"
        return self.engine

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

    async def read(self, function: Callable[[sa.Connection], T]) -> T:
        """function (a plain function of a connection, which reads and returns what it read) in one hop.

        On SQLite it runs on the reader thread, each statement seeing the last commit; on PostgreSQL
        on a pooled connection (READ COMMITTED). It must not write: writes go through write().
        """
        if self._reader is not None:
            return await self._reader.read(function)
        async with self.connect() as conn:
            return await conn.run_sync(function)

    def connect(self) -> "AbstractAsyncContextManager[AsyncConnection]":
        """A pooled async connection: PostgreSQL only (the advisory locks hold one)."""
        return self._engine().connect()

    async def schema_version(self) -> int:
        query = sa.select(sa.func.max(schema.schema_version.c.version))
        return await self.read(lambda conn: int(conn.execute(query).scalar() or 0))

    async def ping(self) -> None:
        """Raise if the database cannot be reached."""
        await self.read(lambda conn: conn.execute(sa.text("SELECT 1")).all())
