"""Persistent state shared by every worker and replica: account sequences and idempotency keys.

SQLite (a file, WAL mode, fsync on every commit) by default; PostgreSQL for replicas. Reserving a
sequence is one atomic UPDATE ... RETURNING committed before anything is signed, so no two
signatures carry the same sequence across requests, workers, replicas or restarts.
"""

import asyncio
import fcntl
import hashlib
import time
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio.to_thread
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool

from app.groupcommit import GroupCommit

AccountKey = tuple[str, str]  # (node api_url, address)

metadata = sa.MetaData()
accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("node_url", sa.Text, primary_key=True),
    sa.Column("address", sa.Text, primary_key=True),
    sa.Column("account_number", sa.BigInteger, nullable=False),
    sa.Column("next_sequence", sa.BigInteger, nullable=False),
    sa.Column("stale", sa.Boolean, nullable=False),
    sa.Column("reconciled_at", sa.Float, nullable=False),
)
idempotency = sa.Table(
    "idempotency_keys",
    metadata,
    sa.Column("scope", sa.Text, primary_key=True),
    sa.Column("idem_key", sa.Text, primary_key=True),
    sa.Column("request_hash", sa.Text, nullable=False),
    sa.Column("status_code", sa.Integer),
    sa.Column("body", sa.Text),
    sa.Column("expires_at", sa.Float, nullable=False),
)
audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("record", sa.Text, nullable=False),
    sa.Column("prev_hash", sa.Text, nullable=False),
    sa.Column("row_hash", sa.Text, nullable=False),
)
audit_head = sa.Table(
    "audit_head",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("last_id", sa.BigInteger, nullable=False),
    sa.Column("last_hash", sa.Text, nullable=False),
)
usage = sa.Table(
    "usage",
    metadata,
    sa.Column("scope", sa.Text, nullable=False),
    sa.Column("symbol", sa.Text, nullable=False),
    sa.Column("amount", sa.BigInteger, nullable=False),
    sa.Column("at", sa.Float, nullable=False),
)
login_failures = sa.Table(
    "login_failures",
    metadata,
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("at", sa.Float, nullable=False),
)

# Versioned schema: each entry upgrades from the previous version. Statements are plain SQL that
# SQLite and PostgreSQL both accept, and idempotent, so workers starting together are harmless.
MIGRATIONS: list[tuple[int, list[str]]] = [
    (
        1,
        [
            """CREATE TABLE IF NOT EXISTS accounts (
                node_url TEXT NOT NULL,
                address TEXT NOT NULL,
                account_number BIGINT NOT NULL,
                next_sequence BIGINT NOT NULL,
                stale BOOLEAN NOT NULL,
                reconciled_at DOUBLE PRECISION NOT NULL,
                PRIMARY KEY (node_url, address)
            )""",
            """CREATE TABLE IF NOT EXISTS idempotency_keys (
                scope TEXT NOT NULL,
                idem_key TEXT NOT NULL,
                request_hash TEXT NOT NULL,
                status_code INTEGER,
                body TEXT,
                expires_at DOUBLE PRECISION NOT NULL,
                PRIMARY KEY (scope, idem_key)
            )""",
            "CREATE INDEX IF NOT EXISTS idempotency_expiry ON idempotency_keys (expires_at)",
        ],
    ),
]
MIGRATIONS.append(
    (
        2,
        [
            # The audit log: an append-only hash chain; audit_head serializes appenders (its row
            # lock is taken first), so concurrent writers across replicas still form one chain.
            """CREATE TABLE IF NOT EXISTS audit_log (
                id BIGINT PRIMARY KEY,
                at DOUBLE PRECISION NOT NULL,
                record TEXT NOT NULL,
                prev_hash TEXT NOT NULL,
                row_hash TEXT NOT NULL
            )""",
            """CREATE TABLE IF NOT EXISTS audit_head (
                id INTEGER PRIMARY KEY,
                last_id BIGINT NOT NULL,
                last_hash TEXT NOT NULL
            )""",
            "INSERT INTO audit_head (id, last_id, last_hash) VALUES (1, 0, '') ON CONFLICT DO NOTHING",
            """CREATE TABLE IF NOT EXISTS login_failures (
                kind TEXT NOT NULL,
                subject TEXT NOT NULL,
                at DOUBLE PRECISION NOT NULL
            )""",
            "CREATE INDEX IF NOT EXISTS login_failures_subject ON login_failures (kind, subject, at)",
        ],
    )
)
MIGRATIONS.append(
    (
        3,
        [
            # Spend and order counts for policy limits, summed over rolling windows.
            """CREATE TABLE IF NOT EXISTS usage (
                scope TEXT NOT NULL,
                symbol TEXT NOT NULL,
                amount BIGINT NOT NULL,
                at DOUBLE PRECISION NOT NULL
            )""",
            "CREATE INDEX IF NOT EXISTS usage_window ON usage (scope, symbol, at)",
        ],
    )
)
SCHEMA_VERSION = MIGRATIONS[-1][0]


@dataclass(frozen=True, slots=True)
class WindowLimit:
    """At most cap of symbol per scope within a rolling window; amount is what this request adds."""

    scope: str
    symbol: str
    amount: int
    cap: int
    window_seconds: float
    name: str  # for the error message, e.g. "max_per_day"


class AuditWriteError(Exception):
    """The audit row for a produced value could not be written; the value must not be used."""


class LimitExceeded(Exception):
    """A reservation would take a rolling window over its cap; nothing was reserved."""

    def __init__(self, limit: WindowLimit, used: int) -> None:
        super().__init__(limit.name)
        self.limit, self.used = limit, used


@dataclass(frozen=True, slots=True)
class AccountRow:
    """A stored account's signing state."""

    account_number: int
    next_sequence: int
    stale: bool
    reconciled_at: float


@dataclass(frozen=True, slots=True)
class IdempotencyClaim:
    """The outcome of claiming an Idempotency-Key: new, a stored response, or a conflict."""

    state: str  # "new", "replay", "mismatch", "in_progress"
    status_code: int | None = None
    body: str | None = None


def async_url(url: str) -> str:
    """The SQLAlchemy async URL for a sqlite:/// or postgresql:// database_url."""
    parsed = make_url(url)
    driver = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg", "postgres": "postgresql+asyncpg"}
    backend = parsed.drivername.split("+")[0]
    if backend not in driver:
        raise ValueError(f"unsupported database_url scheme '{parsed.drivername}' (use sqlite:/// or postgresql://)")
    return parsed.set(drivername=driver[backend]).render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # FULL: a committed reservation survives a power cut, not only a process crash.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


class Store:
    """The service's database; one per process, shared by every request."""

    def __init__(self, engine: AsyncEngine, *, lock_dir: Path | None) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        self._lock_dir = lock_dir
        self._local_locks: dict[AccountKey, asyncio.Lock] = {}
        self._writer: ThreadPoolExecutor | None = None
        self._sync_engine: sa.Engine | None = None
        if self.is_sqlite:
            # One writer thread with its own connection runs each group-committed batch in one hop.
            self._sync_engine = _sqlite_sync_engine(engine.url.database or "")
            self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-writer")
        self._group = GroupCommit(self._run_batch, savepoint=_sqlite_savepoint if self.is_sqlite else None)

    @classmethod
    async def open(cls, database_url: str) -> "Store":
        """Connect, create or migrate the schema, and return the store."""
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
        store = cls(engine, lock_dir=lock_dir)
        await store._migrate()
        return store

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

    async def _migrate(self) -> None:
        async with self.engine.begin() as conn:
            if not self.is_sqlite:
                # One migrator at a time across replicas (released at commit).
                await conn.execute(sa.text("SELECT pg_advisory_xact_lock(7140001)"))
            await conn.execute(sa.text("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY)"))
            current = (await conn.execute(sa.text("SELECT MAX(version) FROM schema_version"))).scalar() or 0
            for version, statements in MIGRATIONS:
                if version > current:
                    for statement in statements:
                        await conn.execute(sa.text(statement))
                    await conn.execute(
                        sa.text("INSERT INTO schema_version (version) VALUES (:v) ON CONFLICT DO NOTHING"),
                        {"v": version},
                    )

    async def schema_version(self) -> int:
        async with self.engine.connect() as conn:
            return int((await conn.execute(sa.text("SELECT MAX(version) FROM schema_version"))).scalar() or 0)

    # ---- accounts ----

    @staticmethod
    def _where(key: AccountKey) -> sa.ColumnElement[bool]:
        return sa.and_(accounts.c.node_url == key[0], accounts.c.address == key[1])

    async def get_account(self, key: AccountKey) -> AccountRow | None:
        """The stored state of an account, or None; never waits on a signing lock."""
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(
                    sa.select(
                        accounts.c.account_number, accounts.c.next_sequence, accounts.c.stale, accounts.c.reconciled_at
                    ).where(self._where(key))
                )
            ).first()
        return AccountRow(int(row[0]), int(row[1]), bool(row[2]), float(row[3])) if row else None

    async def reserve_sequence(self, key: AccountKey, limits: tuple[WindowLimit, ...] = ()) -> tuple[int, int] | None:
        """Atomically take the next sequence: (account number, sequence), or None if unknown or stale.

        With limits, the rolling-window sums are checked and the new usage recorded in the same
        transaction: the account row's lock (taken first, by the UPDATE) serializes every
        reservation on the account, so concurrent requests and replicas cannot overshoot a cap.
        LimitExceeded rolls everything back. Committed before returning, so a crash after this
        never hands the same sequence out again.
        """
        result: tuple[int, int] | None = await self._group.run(
            lambda conn: _reserve(conn, key, limits), rank=0, key="\x00".join(key)
        )
        return result

    async def release_sequence(self, key: AccountKey, sequence: int) -> bool:
        """Give back sequence if it is still the last one reserved (the node refused its tx)."""
        statement = (
            sa.update(accounts)
            .where(self._where(key), accounts.c.next_sequence == sequence + 1, accounts.c.stale == sa.false())
            .values(next_sequence=sequence)
        )
        async with self.engine.begin() as conn:
            return (await conn.execute(statement)).rowcount == 1

    async def mark_stale(self, key: AccountKey) -> None:
        """The node's view may differ from ours: re-read the account before the next signature."""
        async with self.engine.begin() as conn:
            await conn.execute(sa.update(accounts).where(self._where(key)).values(stale=True))

    async def load_account(self, key: AccountKey, *, account_number: int, sequence: int, force: bool) -> None:
        """Store the node's values: only over a missing or stale row, unless force (a resync)."""
        values = {
            "node_url": key[0],
            "address": key[1],
            "account_number": account_number,
            "next_sequence": sequence,
            "stale": False,
            "reconciled_at": time.time(),
        }
        async with self.engine.begin() as conn:
            updated = sa.update(accounts).where(self._where(key))
            if not force:
                updated = updated.where(accounts.c.stale == sa.true())
            result = await conn.execute(updated.values(**{k: v for k, v in values.items() if k not in key_columns}))
            if result.rowcount == 0:
                await _insert_ignore(conn, accounts, values)

    @asynccontextmanager
    async def account_lock(self, key: AccountKey) -> AsyncIterator[None]:
        """Exclusive use of one account across coroutines, workers and (PostgreSQL) replicas.

        Different accounts never wait for each other.
        """
        local = self._local_locks.get(key)
        if local is None:
            local = self._local_locks[key] = asyncio.Lock()
        async with local:
            if self.is_sqlite:
                async with self._file_lock(key):
                    yield
            else:
                async with self._advisory_lock(key):
                    yield

    @asynccontextmanager
    async def _file_lock(self, key: AccountKey) -> AsyncIterator[None]:
        assert self._lock_dir is not None
        name = hashlib.sha256("\x00".join(key).encode()).hexdigest()[:32]
        path = self._lock_dir / f"{name}.lock"
        handle = path.open("a+")
        try:
            # flock blocks, so it waits in a worker thread; the asyncio lock above ensures at most
            # one thread per process waits on each account.
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
        async with self.engine.connect() as conn:
            await conn.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": lock_id})
            await conn.commit()
            try:
                yield
            finally:
                await conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": lock_id})
                await conn.commit()

    # ---- idempotency keys ----

    async def claim_idempotency(
        self, *, scope: str, key: str, request_hash: str, ttl_seconds: float
    ) -> IdempotencyClaim:
        """Claim key for a new request, or report the stored response or a conflict."""
        now = time.time()
        where = sa.and_(idempotency.c.scope == scope, idempotency.c.idem_key == key)
        async with self.engine.begin() as conn:
            await conn.execute(sa.delete(idempotency).where(where, idempotency.c.expires_at < now))
            row = {"scope": scope, "idem_key": key, "request_hash": request_hash, "expires_at": now + ttl_seconds}
            if await _insert_ignore(conn, idempotency, row):
                return IdempotencyClaim("new")
            found = (
                await conn.execute(
                    sa.select(idempotency.c.request_hash, idempotency.c.status_code, idempotency.c.body).where(where)
                )
            ).first()
        if found is None:  # expired and purged by another request in between: treat as new next time
            return IdempotencyClaim("in_progress")
        if found[0] != request_hash:
            return IdempotencyClaim("mismatch")
        if found[1] is None:
            return IdempotencyClaim("in_progress")
        return IdempotencyClaim("replay", status_code=int(found[1]), body=found[2])

    async def complete_idempotency(self, *, scope: str, key: str, status_code: int, body: str) -> None:
        """Store the response for a claimed key."""
        where = sa.and_(idempotency.c.scope == scope, idempotency.c.idem_key == key)
        async with self.engine.begin() as conn:
            await conn.execute(sa.update(idempotency).where(where).values(status_code=status_code, body=body))

    async def abandon_idempotency(self, *, scope: str, key: str) -> None:
        """Forget a claim whose request failed in a way worth retrying."""
        where = sa.and_(
            idempotency.c.scope == scope, idempotency.c.idem_key == key, idempotency.c.status_code.is_(None)
        )
        async with self.engine.begin() as conn:
            await conn.execute(sa.delete(idempotency).where(where))

    # ---- audit log ----

    async def append_audit(self, *, at: float, record: str, chain: Callable[[str, int, float, str], str]) -> int:
        """Append one row; chain(prev_hash, id, at, record) gives its hash. Returns the row id."""
        # Ranked after reservations: in every batch, account rows are locked before the audit head.
        row_id: int = await self._group.run(lambda conn: _append_audit(conn, at, record, chain), rank=1, key="")
        return row_id

    async def reserve_then(
        self,
        key: AccountKey,
        limits: tuple[WindowLimit, ...],
        produce: Callable[[int, int], tuple[Any, str]],
        *,
        chain: Callable[[str, int, float, str], str],
    ) -> tuple[Any, int] | None:
        """Reserve a sequence, produce(account_number, sequence) -> (value, audit record), and
        append that record, in one group commit: (value, audit row id), or None if the account is
        unknown or stale.

        produce runs in the writer's transaction (it signs: CPU only). Nothing it returns leaves
        before the batch commits, so the reservation and the audit row are durable before the
        value is seen; if produce or the audit append fails, the value is never returned.
        """
        produced: dict[str, Any] = {}
        at = time.time()

        def reserve(conn: sa.Connection) -> bool:
            reserved = _reserve(conn, key, limits)
            if reserved is None:
                return False
            produced["value"], produced["record"] = produce(*reserved)
            return True

        def append(conn: sa.Connection) -> int | None:
            if "record" not in produced:  # the reservation did not happen or failed
                return None
            return _append_audit(conn, at, produced["record"], chain)

        # Submitted together, so both land in one batch: reservations (rank 0) before the audit
        # head (rank 1), the lock order every batch follows.
        reserved = self._group.submit(reserve, rank=0, key="\x00".join(key))
        audited = self._group.submit(append, rank=1, key="")
        try:
            if not await reserved:
                await audited
                return None
        except BaseException:
            await asyncio.gather(audited, return_exceptions=True)
            raise
        try:
            row_id = await audited
        except Exception as exc:
            raise AuditWriteError(type(exc).__name__) from exc
        assert row_id is not None  # the reservation ran (in this batch or an earlier one)
        return produced["value"], int(row_id)

    async def audit_rows(self, *, since: float | None = None) -> AsyncIterator[tuple[int, float, str, str, str]]:
        """Every audit row in id order: (id, at, record, prev_hash, row_hash)."""
        query = sa.select(
            audit_log.c.id, audit_log.c.at, audit_log.c.record, audit_log.c.prev_hash, audit_log.c.row_hash
        )
        if since is not None:
            query = query.where(audit_log.c.at >= since)
        async with self.engine.connect() as conn:
            result = await conn.stream(query.order_by(audit_log.c.id))
            async for row in result:
                yield int(row[0]), float(row[1]), str(row[2]), str(row[3]), str(row[4])

    async def audit_head(self) -> tuple[int, str]:
        """(last id, last hash) as recorded by the appenders."""
        async with self.engine.connect() as conn:
            row = (await conn.execute(sa.select(audit_head.c.last_id, audit_head.c.last_hash))).one()
        return int(row[0]), str(row[1])

    # ---- login throttling ----

    async def recent_failures(self, *, kind: str, subject: str, since: float) -> list[float]:
        """Times of failed logins for (kind, subject) since a moment, oldest first."""
        where = sa.and_(
            login_failures.c.kind == kind, login_failures.c.subject == subject, login_failures.c.at >= since
        )
        async with self.engine.connect() as conn:
            rows = await conn.execute(sa.select(login_failures.c.at).where(where).order_by(login_failures.c.at))
            return [float(r[0]) for r in rows]

    async def record_failure(self, *, subjects: list[tuple[str, str]], at: float, forget_before: float) -> None:
        """Record a failed login for each (kind, subject) and forget failures older than the window."""
        async with self.engine.begin() as conn:
            await conn.execute(sa.delete(login_failures).where(login_failures.c.at < forget_before))
            for kind, subject in subjects:
                await conn.execute(sa.insert(login_failures).values(kind=kind, subject=subject, at=at))

    async def clear_failures(self, *, kind: str, subject: str) -> None:
        """Forget the failures of one subject (a username after a successful login)."""
        where = sa.and_(login_failures.c.kind == kind, login_failures.c.subject == subject)
        async with self.engine.begin() as conn:
            await conn.execute(sa.delete(login_failures).where(where))

    async def ping(self) -> None:
        """Raise if the database cannot be reached."""
        async with self.engine.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))


key_columns = ("node_url", "address")


# Hot-path statements are built once (with bind parameters), not per request: building a
# SQLAlchemy expression costs more than executing it.
_RESERVE = (
    sa.update(accounts)
    .where(
        accounts.c.node_url == sa.bindparam("key_node"),
        accounts.c.address == sa.bindparam("key_address"),
        accounts.c.stale == sa.false(),
    )
    .values(next_sequence=accounts.c.next_sequence + 1)
    .returning(accounts.c.account_number, accounts.c.next_sequence)
)
_HEAD_BUMP = (
    sa.update(audit_head)
    .where(audit_head.c.id == 1)
    .values(last_id=audit_head.c.last_id + 1)
    .returning(audit_head.c.last_id, audit_head.c.last_hash)
)
_HEAD_SET = sa.update(audit_head).where(audit_head.c.id == 1).values(last_hash=sa.bindparam("new_hash"))
_AUDIT_INSERT = sa.insert(audit_log)


# The same statements as plain SQL for SQLite's writer thread, where SQLAlchemy's per-statement
# work (under the GIL) cost more than SQLite itself; PostgreSQL keeps the expressions above.
_RESERVE_SQL = (
    "UPDATE accounts SET next_sequence = next_sequence + 1 WHERE node_url = ? AND address = ? AND stale = 0 "
    "RETURNING account_number, next_sequence"
)
_HEAD_BUMP_SQL = "UPDATE audit_head SET last_id = last_id + 1 WHERE id = 1 RETURNING last_id, last_hash"
_AUDIT_INSERT_SQL = "INSERT INTO audit_log (id, at, record, prev_hash, row_hash) VALUES (?, ?, ?, ?, ?)"
_HEAD_SET_SQL = "UPDATE audit_head SET last_hash = ? WHERE id = 1"


def _sqlite_driver(conn: sa.Connection) -> Any:
    """The sqlite3 connection under conn (same transaction), or None on another database."""
    return conn.connection.driver_connection if conn.dialect.name == "sqlite" else None


@contextmanager
def _sqlite_savepoint(conn: sa.Connection) -> Iterator[None]:
    """A savepoint as plain SQL on the writer's sqlite3 connection (see _RESERVE_SQL)."""
    driver = conn.connection.driver_connection
    driver.execute("SAVEPOINT group_op")
    try:
        yield
    except BaseException:
        driver.execute("ROLLBACK TO group_op")
        driver.execute("RELEASE group_op")
        raise
    driver.execute("RELEASE group_op")


def _reserve(conn: sa.Connection, key: AccountKey, limits: tuple[WindowLimit, ...]) -> tuple[int, int] | None:
    """Take the next sequence of key within limits: (account number, sequence), or None if unknown or stale."""
    driver = _sqlite_driver(conn)
    if driver is not None:
        row = driver.execute(_RESERVE_SQL, key).fetchone()
    else:
        row = conn.execute(_RESERVE, {"key_node": key[0], "key_address": key[1]}).first()
    if row is None:
        return None
    if limits:
        _check_and_record(conn, limits)
    return int(row[0]), int(row[1]) - 1


def _append_audit(conn: sa.Connection, at: float, record: str, chain: Callable[[str, int, float, str], str]) -> int:
    # Take the head's write lock first (UPDATE before any read), then read what we locked.
    driver = _sqlite_driver(conn)
    head = driver.execute(_HEAD_BUMP_SQL).fetchone() if driver is not None else conn.execute(_HEAD_BUMP).one()
    row_id, prev_hash = int(head[0]), str(head[1])
    row_hash = chain(prev_hash, row_id, at, record)
    if driver is not None:
        driver.execute(_AUDIT_INSERT_SQL, (row_id, at, record, prev_hash, row_hash))
        driver.execute(_HEAD_SET_SQL, (row_hash,))
    else:
        values = {"id": row_id, "at": at, "record": record, "prev_hash": prev_hash, "row_hash": row_hash}
        conn.execute(_AUDIT_INSERT, values)
        conn.execute(_HEAD_SET, {"new_hash": row_hash})
    return row_id


def _check_and_record(conn: sa.Connection, limits: tuple[WindowLimit, ...]) -> None:
    now = time.time()
    for limit in limits:
        window = sa.and_(usage.c.scope == limit.scope, usage.c.symbol == limit.symbol)
        conn.execute(sa.delete(usage).where(window, usage.c.at < now - limit.window_seconds))
        used = int(
            conn.execute(sa.select(sa.func.coalesce(sa.func.sum(usage.c.amount), 0)).where(window)).scalar() or 0
        )
        if used + limit.amount > limit.cap:
            raise LimitExceeded(limit, used)
    for limit in limits:
        conn.execute(sa.insert(usage).values(scope=limit.scope, symbol=limit.symbol, amount=limit.amount, at=now))


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


async def _insert_ignore(conn: AsyncConnection, table: sa.Table, values: dict[str, Any]) -> bool:
    """INSERT values; False (nothing changed) if a row with the same primary key exists."""
    try:
        async with conn.begin_nested():
            await conn.execute(sa.insert(table).values(**values))
    except IntegrityError:
        return False
    return True
