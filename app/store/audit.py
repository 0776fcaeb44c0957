"""The audit log's rows: an append-only chain where each row's hash is HMAC(key, previous hash, row).

The store keys the chain itself (the key is given when the store is opened), so nothing outside
the store computes or checks a link. Editing, deleting or reordering any row breaks the chain
from that row on, and only a holder of the audit key could forge a consistent one.
"""

import asyncio
import hashlib
import hmac
import json
from collections.abc import AsyncGenerator, Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import Any, TypeVar

import sqlalchemy as sa

from app.store.database import Database
from app.store.schema import audit_checkpoint, audit_fields, audit_head, audit_log
from app.store.sql import InsertOrSkip, Statement, param

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
_FIELD_VALUES = {
    "id": param("id"),
    "at": param("at"),
    "wallet": param("wallet"),
    "username": param("username"),
    "outcome": param("outcome"),
}
_FIELDS = Statement(sa.insert(audit_fields).values(_FIELD_VALUES))
_FIELDS_MISSING = InsertOrSkip(audit_fields, _FIELD_VALUES)
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
    checked: int = 0  # rows walked by this check (an incremental one skips those checked before)


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
        _FIELDS.run(conn, _fields_of(row_id, at, record))
        _HEAD_SET.run(conn, {"new_hash": row_hash})
        return row_id

    async def index_missing(self) -> int:
        """Give rows written before the audit_fields table (schema 6) their fields; how many were added."""
        added = 0
        while True:
            page = await self._db.read(_unindexed_page)
            if not page:
                return added
            await self._db.write(partial(_index_rows, rows=page))
            added += len(page)

    async def newest(self, query: "AuditQuery") -> list[AuditRow]:
        """The newest query.limit rows that match, newest first: filtered and cut in the store."""
        fields = audit_fields.c
        where: list[sa.ColumnElement[bool]] = [fields.wallet.in_(sorted(query.wallets))]
        if query.user is not None:
            where.append(fields.username == query.user)
        if query.outcome is not None:
            where.append(fields.outcome == query.outcome)
        if query.since is not None:
            where.append(fields.at >= query.since)
        if query.until is not None:
            where.append(fields.at <= query.until)
        if query.before is not None:
            where.append(fields.id < query.before)
        select = (
            sa.select(*_LISTED)
            .join_from(audit_fields, audit_log, audit_log.c.id == fields.id)
            .where(*where)
            .order_by(fields.id.desc())
            .limit(query.limit)
        )
        rows = await self._db.read(lambda conn: conn.execute(select).all())
        return [AuditRow(int(r[0]), float(r[1]), str(r[2])) for r in rows]

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
        """Walk the whole chain; report the first row that was edited, deleted or reordered."""
        return await self._walk_on(_Walk(self._link))

    async def verify_new(self) -> Verification:
        """Walk only the rows after the last checkpoint (rows up to it were checked before), then move it on.

        The checkpoint's own row must still carry the hash it was checked with, and the checkpoint
        is keyed with the audit key (nobody who can only write the store can move it past an edit).
        A full check (verify, `python -m app audit verify`) still walks every row.
        """
        walk = _Walk(self._link)
        found = await self._db.read(_checkpoint)
        if found is not None:
            last_id, last_hash, mac, row_hash = found
            if not hmac.compare_digest(mac, self._checkpoint_mac(last_id, last_hash)):
                return Verification(False, 0, 1, "the verification checkpoint is not the service's: run a full check")
            if row_hash != last_hash:
                return Verification(False, last_id - 1, last_id, "changed since it was verified")
            walk.count, walk.prev_hash = last_id, last_hash
        start = walk.count
        result = await self._walk_on(walk)
        if result.ok and walk.count > start:
            mac = self._checkpoint_mac(walk.count, walk.prev_hash)
            await self._db.write(partial(_set_checkpoint, last_id=walk.count, last_hash=walk.prev_hash, mac=mac))
        return result

    def _checkpoint_mac(self, last_id: int, last_hash: str) -> str:
        return hmac.new(self._key, f"checkpoint\n{last_id}\n{last_hash}".encode(), hashlib.sha256).hexdigest()

    async def _walk_on(self, walk: "_Walk") -> Verification:
        """Page by page from walk's row on, then the head (read after the rows).

        A head past the rows walked counts rows appended meanwhile, or deleted: the rows up to it
        are read too, and must all be there.
        """
        start = walk.count
        head: tuple[int, str] | None = None
        while True:
            upto = None if head is None else head[0]
            page, read_head = await self._db.read(partial(_chain_page, after=walk.count, upto=upto))
            if (broken := walk.check(page)) is not None:
                return replace(broken, checked=walk.count - start)
            head = head or read_head
            if head is not None and len(page) < PAGE_ROWS and (upto is not None or head[0] <= walk.count):
                break
        last_id, last_hash = head
        checked = walk.count - start
        if last_id != walk.count or last_hash != walk.prev_hash:
            return Verification(
                False,
                walk.count,
                walk.count + 1,
                f"the chain ends at row {walk.count} but {last_id} were written",
                checked=checked,
            )
        return Verification(True, walk.count, checked=checked)


@dataclass(frozen=True, slots=True)
class AuditQuery:
    """The rows the console's audit page asks for (wallet among wallets, the rest exact or a time range)."""

    wallets: frozenset[str]
    user: str | None = None
    outcome: str | None = None
    since: float | None = None
    until: float | None = None
    before: int | None = None  # an id: rows older than it (the next page)
    limit: int = 200


def _fields_of(row_id: int, at: float, record: str) -> dict[str, Any]:
    """The filterable fields of a record (its wallet, user and outcome)."""
    try:
        entry = json.loads(record)
    except ValueError:
        entry = {}
    entry = entry if isinstance(entry, dict) else {}
    return {
        "id": row_id,
        "at": at,
        "wallet": str(entry.get("wallet") or ""),
        "username": str(entry.get("user") or ""),
        "outcome": str(entry.get("outcome") or ""),
    }


def _index_rows(conn: sa.Connection, *, rows: Sequence[Sequence[Any]]) -> None:
    for row_id, at, record in rows:
        _FIELDS_MISSING.run(conn, _fields_of(int(row_id), float(at), str(record)))


def _unindexed_page(conn: sa.Connection) -> Sequence[Sequence[Any]]:
    missing = (
        sa.select(audit_log.c.id, audit_log.c.at, audit_log.c.record)
        .select_from(audit_log.outerjoin(audit_fields, audit_fields.c.id == audit_log.c.id))
        .where(audit_fields.c.id.is_(None))
        .order_by(audit_log.c.id)
        .limit(PAGE_ROWS)
    )
    return conn.execute(missing).all()


def _checkpoint(conn: sa.Connection) -> tuple[int, str, str, str | None] | None:
    """The checkpoint and the current hash of its row (None if the row is gone)."""
    found = conn.execute(
        sa.select(
            audit_checkpoint.c.last_id, audit_checkpoint.c.last_hash, audit_checkpoint.c.mac, audit_log.c.row_hash
        )
        .select_from(audit_checkpoint.outerjoin(audit_log, audit_log.c.id == audit_checkpoint.c.last_id))
        .where(audit_checkpoint.c.id == 1)
    ).first()
    return (int(found[0]), str(found[1]), str(found[2]), found[3]) if found is not None else None


def _set_checkpoint(conn: sa.Connection, *, last_id: int, last_hash: str, mac: str) -> None:
    values = {"last_id": last_id, "last_hash": last_hash, "mac": mac}
    moved = conn.execute(
        sa.update(audit_checkpoint)
        .where(audit_checkpoint.c.id == 1, audit_checkpoint.c.last_id < last_id)
        .values(**values)
    )
    if moved.rowcount == 0 and conn.execute(sa.select(audit_checkpoint.c.id)).first() is None:
        conn.execute(sa.insert(audit_checkpoint).values(id=1, **values))


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
