"""The audit log's rows: an append-only chain where each row's hash is HMAC(key, previous hash, row).

The store keys the chain itself (the key is given when the store is opened), so nothing outside
the store computes or checks a link. Editing, deleting or reordering any row breaks the chain
from that row on, and only a holder of the audit key could forge a consistent one.
"""

import asyncio
import hashlib
import hmac
from collections.abc import AsyncGenerator, Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

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

PAGE_ROWS = 1000  # rows per read: listing or checking a long log holds one page in memory
_LISTED = (audit_log.c.id, audit_log.c.at, audit_log.c.record)
_CHAINED = (*_LISTED, audit_log.c.prev_hash, audit_log.c.row_hash)
_HEAD = sa.select(audit_head.c.last_id, audit_head.c.last_hash)


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
        """Every row in id order (those there when it starts), read PAGE_ROWS at a time."""
        after, last = 0, None
        while True:
            page, last = await self._db.read(partial(_listing_page, after=after, last=last, since=since))
            for row in page:
                yield AuditRow(int(row[0]), float(row[1]), str(row[2]))
            if len(page) < PAGE_ROWS:
                return
            after = int(page[-1][0])

    async def verify(self) -> Verification:
        """Walk the chain; report the first row that was edited, deleted or reordered.

        Page by page, then the head (read after the rows). A head past the rows walked counts rows
        appended meanwhile, or deleted: the rows up to it are read too, and must all be there.
        """
        walk = _Walk(self._link)
        head: tuple[int, str] | None = None
        while True:
            upto = None if head is None else head[0]
            page, read_head = await self._db.read(partial(_chain_page, after=walk.count, upto=upto))
            if (broken := walk.check(page)) is not None:
                return broken
            head = head or read_head
            if head is not None and len(page) < PAGE_ROWS and (upto is not None or head[0] <= walk.count):
                break
        last_id, last_hash = head
        if last_id != walk.count or last_hash != walk.prev_hash:
            return Verification(
                False, walk.count, walk.count + 1, f"the chain ends at row {walk.count} but {last_id} were written"
            )
        return Verification(True, walk.count)


@dataclass
class _Walk:
    """The chain checked so far: rows 1..count, the last one's hash."""

    link: Callable[[str, int, float, str], str]
    count: int = 0
    prev_hash: str = ""

    def check(self, page: Sequence[Sequence[Any]]) -> Verification | None:
        """Walk on through page; the first bad row's Verification, or None if every row links."""
        for row_id, at, record, prev_hash, row_hash in page:
            expected_id = self.count + 1
            if row_id != expected_id:
                return Verification(False, self.count, expected_id, f"row {expected_id} is missing (found {row_id})")
            if prev_hash != self.prev_hash:
                return Verification(False, self.count, row_id, "does not link to the previous row")
            if not hmac.compare_digest(row_hash, self.link(prev_hash, row_id, at, record)):
                return Verification(
                    False, self.count, row_id, "content does not match its hash (edited, or another key)"
                )
            self.prev_hash, self.count = row_hash, expected_id
        return None


def _listing_page(
    conn: sa.Connection, *, after: int, last: int | None, since: float | None
) -> tuple[Sequence[Sequence[Any]], int]:
    """Up to PAGE_ROWS rows after id `after`, to id `last` (the highest id when the listing began)."""
    if last is None:
        last = int(conn.execute(sa.select(sa.func.max(audit_log.c.id))).scalar() or 0)
    query = sa.select(*_LISTED).where(audit_log.c.id > after, audit_log.c.id <= last)
    if since is not None:
        query = query.where(audit_log.c.at >= since)
    return conn.execute(query.order_by(audit_log.c.id).limit(PAGE_ROWS)).all(), last


def _chain_page(
    conn: sa.Connection, *, after: int, upto: int | None
) -> tuple[Sequence[Sequence[Any]], tuple[int, str] | None]:
    """Up to PAGE_ROWS chain rows after id `after` (to `upto`); without a bound, once they run out, the head."""
    query = sa.select(*_CHAINED).where(audit_log.c.id > after)
    if upto is not None:
        query = query.where(audit_log.c.id <= upto)
    page = conn.execute(query.order_by(audit_log.c.id).limit(PAGE_ROWS)).all()
    if upto is not None or len(page) == PAGE_ROWS:
        return page, None
    # After the rows: each row the head counts was committed with it, so a later read sees it.
    head = conn.execute(_HEAD).one()
    return page, (int(head[0]), str(head[1]))
