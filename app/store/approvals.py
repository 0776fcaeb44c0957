"""Approval requests and their votes; each decision and the claim to execute are one transaction.

A vote locks its request's row first (FOR UPDATE on PostgreSQL; SQLite's writer is already one at
a time), so concurrent approvals on workers and replicas are counted once each, and exactly one of
them moves a request from pending to executing: only that caller runs the action.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa

from app.clock import Clock
from app.store.database import Database
from app.store.schema import approval_votes as votes
from app.store.schema import approvals
from app.store.sql import InsertOrSkip, Statement, param

# unknown: the broadcast's answer was lost (the tx may have landed); resolved from the chain, never terminal.
Status = Literal["pending", "executing", "unknown", "executed", "failed", "rejected", "cancelled", "expired"]
VoteOutcome = Literal["recorded", "execute", "rejected", "duplicate", "not_pending", "expired", "missing"]

_COLUMNS = (
    approvals.c.id,
    approvals.c.wallet,
    approvals.c.message_type,
    approvals.c.action,
    approvals.c.requested_by,
    approvals.c.client_ip,
    approvals.c.msg,
    approvals.c.quorum,
    approvals.c.status,
    approvals.c.created_at,
    approvals.c.expires_at,
    approvals.c.updated_at,
    approvals.c.reason,
    approvals.c.result,
)
_INSERT = Statement(sa.insert(approvals).values({c.name: param(c.name) for c in _COLUMNS}))
_LOCK = Statement(sa.select(*_COLUMNS).where(approvals.c.id == param("id")).with_for_update())
_SET_STATUS = Statement(
    sa.update(approvals)
    .where(approvals.c.id == param("id"), approvals.c.status == param("from_status"))
    .values(status=param("status"), reason=param("reason"), result=param("result"), updated_at=param("now"))
)
_RECORD_TX = Statement(
    sa.update(approvals)
    .where(approvals.c.id == param("id"), approvals.c.status == "executing")
    .values(result=param("result"), updated_at=param("now"))
)
_VOTE = InsertOrSkip(
    votes,
    {
        "approval_id": param("id"),
        "username": param("username"),
        "decision": param("decision"),
        "reason": param("reason"),
        "at": param("now"),
    },
)
_APPROVALS = Statement(
    sa.select(sa.func.count())
    .select_from(votes)
    .where(votes.c.approval_id == param("id"), votes.c.decision == "approve")
)


@dataclass(frozen=True, slots=True)
class ApprovalRow:
    """A stored approval request."""

    id: str
    wallet: str
    message_type: str
    action: str
    requested_by: str
    client_ip: str | None
    msg: str
    quorum: int
    status: str
    created_at: float
    expires_at: float
    updated_at: float
    reason: str | None
    result: str | None


@dataclass(frozen=True, slots=True)
class Listing:
    """Which requests to list: those on `wallets` or made by `user` (mine: only/never the user's own)."""

    wallets: frozenset[str]
    user: str
    mine: bool | None = None
    wallet: str | None = None
    status: str | None = None  # a Status, or "done": any but pending
    after: str | None = None  # the id of the last request of the previous page
    limit: int = 100


def _pending_at(now: float) -> Any:
    return sa.and_(approvals.c.status == "pending", approvals.c.expires_at > now)


def _status_is(status: str, now: float) -> Any:
    """A status as the API shows it: a pending request past its expiry is expired (marked so when read)."""
    if status == "pending":
        return _pending_at(now)
    overdue = sa.and_(approvals.c.status == "pending", approvals.c.expires_at <= now)
    if status == "expired":
        return sa.or_(approvals.c.status == "expired", overdue)
    if status == "done":
        return sa.or_(approvals.c.status != "pending", overdue)
    return approvals.c.status == status


def _visible(query: Listing) -> Any:
    on_wallets = approvals.c.wallet.in_(sorted(query.wallets))
    own = approvals.c.requested_by == query.user
    if query.mine is None:
        return sa.or_(on_wallets, own)
    return own if query.mine else sa.and_(on_wallets, approvals.c.requested_by != query.user)


@dataclass(frozen=True, slots=True)
class Vote:
    username: str
    decision: str
    reason: str | None
    at: float


def _row(values: Sequence[Any]) -> ApprovalRow:
    """A row of _COLUMNS, in their order."""
    return ApprovalRow(**{column.name: value for column, value in zip(_COLUMNS, values, strict=True)})


class Approvals:
    """Creates, reads and decides approval requests."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def create(self, row: ApprovalRow, *, max_pending: int | None = None) -> float | None:
        """Store row; with max_pending, only if its requester has fewer pending on its wallet.

        None once stored; else the soonest expiry among the requester's pending requests there.
        The count and the insert are one transaction (SQLite's writer is one at a time).
        """
        values = {c.name: getattr(row, c.name) for c in _COLUMNS}
        mine = sa.and_(
            approvals.c.wallet == row.wallet,
            approvals.c.requested_by == row.requested_by,
            _pending_at(row.created_at),
        )
        counted = sa.select(sa.func.count(), sa.func.min(approvals.c.expires_at)).where(mine)

        def create(conn: sa.Connection) -> float | None:
            if max_pending is not None:
                count, soonest = conn.execute(counted).one()
                if int(count) >= max_pending:
                    return float(soonest)
            _INSERT.run(conn, values)
            return None

        return await self._db.write(create)

    async def get(self, approval_id: str) -> ApprovalRow | None:
        query = sa.select(*_COLUMNS).where(approvals.c.id == approval_id)
        found = await self._db.read(lambda conn: conn.execute(query).first())
        return _row(found) if found else None

    async def votes(self, approval_id: str) -> list[Vote]:
        query = sa.select(votes.c.username, votes.c.decision, votes.c.reason, votes.c.at)
        query = query.where(votes.c.approval_id == approval_id).order_by(votes.c.at)
        rows = await self._db.read(lambda conn: conn.execute(query).all())
        return [Vote(str(r[0]), str(r[1]), r[2], float(r[3])) for r in rows]

    async def listed(self, query: "Listing") -> list[ApprovalRow]:
        """One page of requests, newest first: filtered and cut in the store, after query.after if given."""
        now = self._clock.now()
        where: list[Any] = [_visible(query)]
        if query.wallet is not None:
            where.append(approvals.c.wallet == query.wallet)
        if query.status is not None:
            where.append(_status_is(query.status, now))
        order = (approvals.c.created_at.desc(), approvals.c.id.desc())

        def page(conn: sa.Connection) -> list[ApprovalRow]:
            clauses = list(where)
            if query.after is not None:
                mark = conn.execute(sa.select(approvals.c.created_at).where(approvals.c.id == query.after)).first()
                if mark is None:
                    return []
                clauses.append(
                    sa.or_(
                        approvals.c.created_at < mark[0],
                        sa.and_(approvals.c.created_at == mark[0], approvals.c.id < query.after),
                    )
                )
            found = conn.execute(sa.select(*_COLUMNS).where(*clauses).order_by(*order).limit(query.limit)).all()
            return [_row(r) for r in found]

        return await self._db.read(page)

    async def record_tx(self, approval_id: str, result: str) -> bool:
        """Keep the tx an executing request is about to send (its hash, sequence); False if no longer executing."""
        params = {"id": approval_id, "result": result, "now": self._clock.now()}
        return await self._db.write(lambda conn: _RECORD_TX.run(conn, params).rowcount == 1, rank=2, key=approval_id)

    async def unresolved(self, *, wallets: set[str] | None, stale_before: float) -> list[ApprovalRow]:
        """Requests whose outcome is unknown, or left executing (no update since stale_before), oldest first."""
        stale = sa.and_(approvals.c.status == "executing", approvals.c.updated_at <= stale_before)
        query = sa.select(*_COLUMNS).where(sa.or_(approvals.c.status == "unknown", stale))
        if wallets is not None:
            query = query.where(approvals.c.wallet.in_(sorted(wallets)))
        query = query.order_by(approvals.c.updated_at)
        rows = await self._db.read(lambda conn: conn.execute(query).all())
        return [_row(r) for r in rows]

    async def count_pending(self) -> int:
        query = sa.select(sa.func.count()).select_from(approvals).where(approvals.c.status == "pending")
        return await self._db.read(lambda conn: int(conn.execute(query).scalar() or 0))

    async def vote(self, approval_id: str, *, username: str, decision: str, reason: str | None) -> VoteOutcome:
        """Record one decision; "execute" for the one approval that reaches the quorum (now executing)."""
        now = self._clock.now()
        base = {"id": approval_id, "now": now, "reason": reason, "result": None}

        def vote(conn: sa.Connection) -> VoteOutcome:
            row = _LOCK.run(conn, {"id": approval_id}).fetchone()
            if row is None:
                return "missing"
            found = _row(row)
            if found.status != "pending":
                return "not_pending"
            if now >= found.expires_at:
                _SET_STATUS.run(conn, {**base, "from_status": "pending", "status": "expired", "reason": None})
                return "expired"
            if _VOTE.run(conn, {**base, "username": username, "decision": decision}).rowcount != 1:
                return "duplicate"
            if decision == "reject":
                _SET_STATUS.run(conn, {**base, "from_status": "pending", "status": "rejected"})
                return "rejected"
            counted = _APPROVALS.run(conn, {"id": approval_id}).fetchone()
            if counted is not None and int(counted[0]) >= found.quorum:
                _SET_STATUS.run(conn, {**base, "from_status": "pending", "status": "executing", "reason": None})
                return "execute"
            return "recorded"

        return await self._db.write(vote, rank=2, key=approval_id)

    async def move(
        self,
        approval_id: str,
        *,
        from_status: str,
        status: Status,
        reason: str | None = None,
        result: str | None = None,
    ) -> bool:
        """Change a request's status if it is still from_status (cancel, expire, executed, failed)."""
        params = {
            "id": approval_id,
            "from_status": from_status,
            "status": status,
            "reason": reason,
            "result": result,
            "now": self._clock.now(),
        }
        return await self._db.write(lambda conn: _SET_STATUS.run(conn, params).rowcount == 1, rank=2, key=approval_id)
