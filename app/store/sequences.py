"""Account sequences: the atomic reservation every signature starts with, and the account's state.

Reserving is one UPDATE ... RETURNING in a committed transaction, so no sequence is handed out
twice across requests, workers, replicas or restarts. Rolling-window limits are checked and
recorded in the same transaction: the account row's lock (taken first, by the UPDATE)
serializes every reservation on the account, so concurrent requests cannot overshoot a cap.
"""

import asyncio
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

import sqlalchemy as sa

from app.clock import Clock
from app.store.audit import AuditChain, AuditWriteError
from app.store.database import Database
from app.store.limits import WindowLimit, check_and_record
from app.store.schema import accounts
from app.store.sql import InsertOrSkip, Statement, param

AccountKey = tuple[str, str]  # (node api_url, address)
T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

INT64_MAX = 2**63 - 1  # the chain's sequences are int64: the next one must fit too

_this = sa.and_(accounts.c.node_url == param("node"), accounts.c.address == param("address"))
_RESERVE = Statement(
    sa.update(accounts)
    .where(_this, accounts.c.stale == sa.false(), accounts.c.next_sequence < INT64_MAX)
    .values(next_sequence=accounts.c.next_sequence + 1)
    .returning(accounts.c.account_number, accounts.c.next_sequence)
)
_RELEASE = Statement(
    sa.update(accounts)
    .where(_this, accounts.c.next_sequence == param("after"), accounts.c.stale == sa.false())
    .values(next_sequence=param("sequence"))
)
_AT_END = Statement(
    sa.select(accounts.c.next_sequence).where(
        _this, accounts.c.stale == sa.false(), accounts.c.next_sequence >= INT64_MAX
    )
)
_MARK_STALE = Statement(sa.update(accounts).where(_this).values(stale=sa.true()))
_LOAD_VALUES = {
    "account_number": param("account_number"),
    "next_sequence": param("next_sequence"),
    "stale": sa.false(),
    "reconciled_at": param("reconciled_at"),
}
_LOAD_STALE = Statement(sa.update(accounts).where(_this, accounts.c.stale == sa.true()).values(**_LOAD_VALUES))
_LOAD_FORCE = Statement(sa.update(accounts).where(_this).values(**_LOAD_VALUES))
# ON CONFLICT DO NOTHING (the same text on SQLite and PostgreSQL): a replica that inserted first wins.
_INSERT = InsertOrSkip(accounts, {"node_url": param("node"), "address": param("address"), **_LOAD_VALUES})
_GET = sa.select(accounts.c.account_number, accounts.c.next_sequence, accounts.c.stale, accounts.c.reconciled_at)


class SequenceExhausted(Exception):
    """The account's next sequence is the last int64: nothing more can be signed for it."""


@dataclass(frozen=True, slots=True)
class AccountRow:
    """A stored account's signing state."""

    account_number: int
    next_sequence: int
    stale: bool
    reconciled_at: float


class ReservationWork(Protocol[T_co]):
    """Pure CPU work done with a reserved sequence inside its transaction: (value, audit record).

    It must not do I/O or touch shared state: it runs in the store's writer, and what it returns
    leaves the store only after the transaction has committed.
    """

    def __call__(self, account_number: int, sequence: int) -> tuple[T_co, str]: ...


@dataclass(frozen=True, slots=True)
class Reserved(Generic[T]):
    """The value made with a reserved sequence, and the id of its audit row."""

    value: T
    audit_id: int


class _Handoff(Generic[T]):
    """Carries the work's result from the reservation to the audit append of the same batch."""

    __slots__ = ("result",)

    def __init__(self) -> None:
        self.result: tuple[T, str] | None = None


def _params(key: AccountKey) -> dict[str, str]:
    return {"node": key[0], "address": key[1]}


def _reserve(
    conn: sa.Connection, key: AccountKey, limits: tuple[WindowLimit, ...], now: float
) -> tuple[int, int] | None:
    row = _RESERVE.run(conn, _params(key)).fetchone()
    if row is None:
        if _AT_END.run(conn, _params(key)).fetchone() is not None:
            # Never wraps or turns into a float: one more would need a sequence past int64.
            raise SequenceExhausted("the account's sequence has reached the end of the int64 range")
        return None
    if limits:
        check_and_record(conn, limits, now=now)
    return int(row[0]), int(row[1]) - 1


class Sequences:
    """Reserve, give back and reload account sequences."""

    def __init__(self, db: Database, audit: AuditChain, clock: Clock) -> None:
        self._db = db
        self._audit = audit
        self._clock = clock

    async def get(self, key: AccountKey) -> AccountRow | None:
        """The stored state of an account, or None; never waits on a signing lock."""
        where = sa.and_(accounts.c.node_url == key[0], accounts.c.address == key[1])
        row = await self._db.read(lambda conn: conn.execute(_GET.where(where)).first())
        return AccountRow(int(row[0]), int(row[1]), bool(row[2]), float(row[3])) if row else None

    async def reserve(self, key: AccountKey, limits: tuple[WindowLimit, ...] = ()) -> tuple[int, int] | None:
        """Take the next sequence: (account number, sequence), or None if the account is unknown or stale.

        LimitExceeded (a window over its cap) rolls everything back. Committed before returning.
        """
        now = self._clock.now()
        return await self._db.write(lambda conn: _reserve(conn, key, limits, now), rank=0, key="\x00".join(key))

    async def reserve_with(
        self, key: AccountKey, limits: tuple[WindowLimit, ...], work: ReservationWork[T]
    ) -> Reserved[T] | None:
        """Reserve a sequence, run work(account_number, sequence) and append its audit record, in one commit.

        None if the account is unknown or stale. The value is returned only after the batch has
        committed, so the reservation and the audit row are durable before anyone sees it; if the
        audit append fails, it is never returned (AuditWriteError; alone in its batch, the
        reservation is rolled back with it, beside other callers' work it is kept and wasted).
        """
        now = self._clock.now()
        handoff: _Handoff[T] = _Handoff()

        def reserve(conn: sa.Connection) -> bool:
            reserved = _reserve(conn, key, limits, now)
            if reserved is None:
                return False
            handoff.result = work(*reserved)
            return True

        def append(conn: sa.Connection) -> int | None:
            if handoff.result is None:  # the reservation did not happen, or failed
                return None
            return self._audit.append_in(conn, at=now, record=handoff.result[1])

        # Submitted together, so both land in one batch: the account row (rank 0) before the
        # audit head (rank 1), the lock order every batch follows.
        reserved = self._db.submit(reserve, rank=0, key="\x00".join(key), unit=handoff)
        audited = self._db.submit(append, rank=1, key="", unit=handoff)
        try:
            if not await reserved:
                await audited
                return None
        except Exception as exc:
            await asyncio.gather(audited, return_exceptions=True)
            if handoff.result is not None:  # signed, then its audit row (or the commit) failed: all rolled back
                raise AuditWriteError(type(exc).__name__) from exc
            raise
        except BaseException:
            await asyncio.gather(audited, return_exceptions=True)
            raise
        row_id = await self._audit.settle(audited)
        assert row_id is not None and handoff.result is not None  # the reservation ran in this batch
        return Reserved(handoff.result[0], row_id)

    async def release(self, key: AccountKey, sequence: int) -> bool:
        """Give back sequence if it is still the last one reserved (the node refused its tx)."""
        params = {**_params(key), "after": sequence + 1, "sequence": sequence}
        return await self._db.write(lambda conn: _RELEASE.run(conn, params).rowcount == 1, rank=0, key="\x00".join(key))

    async def mark_stale(self, key: AccountKey) -> None:
        """The node's view may differ from ours: re-read the account before the next signature."""
        await self._db.write(lambda conn: _MARK_STALE.run(conn, _params(key)), rank=0, key="\x00".join(key))

    async def load(self, key: AccountKey, *, account_number: int, sequence: int, force: bool) -> None:
        """Store the node's values: only over a missing or stale row, unless force (a resync)."""
        params = {
            **_params(key),
            "account_number": account_number,
            "next_sequence": sequence,
            "reconciled_at": self._clock.now(),
        }

        def load(conn: sa.Connection) -> None:
            if (_LOAD_FORCE if force else _LOAD_STALE).run(conn, params).rowcount == 0:
                _INSERT.run(conn, params)

        await self._db.write(load, rank=0, key="\x00".join(key))
