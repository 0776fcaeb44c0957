"""The audit log's rows: an append-only chain where each row's hash is HMAC(key, previous hash, row).

The store keys the chain itself (the key is given when the store is opened), so nothing outside
the store computes or checks a link. Editing, deleting or reordering any row breaks the chain
from that row on, and only a holder of the audit key could forge a consistent one.
"""

import asyncio
import hashlib
import hmac
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import TypeVar

import sqlalchemy as sa

from app.store.database import Database
from app.store.schema import audit_head, audit_log
from app.store.sql import Statement, param

T = TypeVar("T")

# Take the head's write lock first (UPDATE before any read), then read what we locked.
_HEAD_BUMP = Statement(
    sa.update(audit_head)
    .where(audit_head.c.id == 1)
    .values(last_id=audit_head.c.last_id + 1)
    .returning(audit_head.c.last_id, audit_head.c.last_hash)
)
_INSERT = Statement(
    sa.insert(audit_log).values(
        id=param("id"),
        at=param("at"),
        record=param("record"),
        prev_hash=param("prev_hash"),
        row_hash=param("row_hash"),
    )
)
_HEAD_SET = Statement(sa.update(audit_head).where(audit_head.c.id == 1).values(last_hash=param("new_hash")))


class AuditWriteError(Exception):
    """An audit row could not be written; whatever it describes must not be used."""


@dataclass(frozen=True, slots=True)
class AuditRow:
    id: int
    at: float
    record: str


@dataclass(frozen=True, slots=True)
class Verification:
    """The result of checking the whole chain."""

    ok: bool
    rows: int
    first_bad_id: int | None = None
    reason: str = ""


class AuditChain:
    """Appends to and checks the chain."""

    def __init__(self, db: Database, key: bytes) -> None:
        self._db = db
        self._key = key

    def _link(self, prev_hash: str, row_id: int, at: float, record: str) -> str:
        message = f"{prev_hash}\n{row_id}\n{at!r}\n{record}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def append_in(self, conn: sa.Connection, *, at: float, record: str) -> int:
        """Append one row in conn's transaction; returns its id."""
        head = _HEAD_BUMP.run(conn).fetchone()
        assert head is not None  # created with the schema
        row_id, prev_hash = int(head[0]), str(head[1])
        row_hash = self._link(prev_hash, row_id, at, record)
        _INSERT.run(conn, {"id": row_id, "at": at, "record": record, "prev_hash": prev_hash, "row_hash": row_hash})
        _HEAD_SET.run(conn, {"new_hash": row_hash})
        return row_id

    async def append(self, *, at: float, record: str) -> int:
        """Append one row (group-committed after the batch's account rows); raise AuditWriteError."""
        return await self.settle(
            self._db.submit(lambda conn: self.append_in(conn, at=at, record=record), rank=1, key="")
        )

    @staticmethod
    async def settle(pending: "asyncio.Future[T]") -> T:
        """The id of a submitted append, or AuditWriteError if it failed."""
        try:
            return await pending
        except Exception as exc:
            raise AuditWriteError(type(exc).__name__) from exc

    async def rows(self, *, since: float | None = None) -> AsyncGenerator[AuditRow, None]:
        """Every row in id order."""
        query = sa.select(audit_log.c.id, audit_log.c.at, audit_log.c.record)
        if since is not None:
            query = query.where(audit_log.c.at >= since)
        async with self._db.connect() as conn:
            result = await conn.stream(query.order_by(audit_log.c.id))
            async for row in result:
                yield AuditRow(int(row[0]), float(row[1]), str(row[2]))

    async def verify(self) -> Verification:
        """Walk the chain; report the first row that was edited, deleted or reordered."""
        expected_prev, expected_id, count = "", 1, 0
        query = sa.select(
            audit_log.c.id, audit_log.c.at, audit_log.c.record, audit_log.c.prev_hash, audit_log.c.row_hash
        ).order_by(audit_log.c.id)
        async with self._db.connect() as conn:
            # Returning early closes the connection, and with it the query's cursor.
            async for row_id, at, record, prev_hash, row_hash in await conn.stream(query):
                if row_id != expected_id:
                    return Verification(False, count, expected_id, f"row {expected_id} is missing (found {row_id})")
                if prev_hash != expected_prev:
                    return Verification(False, count, row_id, "does not link to the previous row")
                if not hmac.compare_digest(row_hash, self._link(prev_hash, row_id, at, record)):
                    return Verification(
                        False, count, row_id, "content does not match its hash (edited, or another key)"
                    )
                expected_prev, expected_id, count = row_hash, row_id + 1, count + 1
            head = (await conn.execute(sa.select(audit_head.c.last_id, audit_head.c.last_hash))).one()
        if int(head[0]) != count or str(head[1]) != expected_prev:
            return Verification(False, count, count + 1, f"the chain ends at row {count} but {head[0]} were written")
        return Verification(True, count)
