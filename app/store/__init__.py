"""Persistence shared by every worker and replica: sequences, limits, audit chain, idempotency, logins, locks.

May import app.clock only (and SQLAlchemy); never web, signing, auth or FastAPI. Nothing here
calls back into signing: a reservation's in-transaction work is a pure function given in.
"""

from dataclasses import dataclass

from app.clock import Clock, SystemClock
from app.store.approvals import ApprovalRow, Approvals, Vote
from app.store.audit import AuditChain, AuditQuery, AuditRow, AuditWriteError, Verification
from app.store.database import Database
from app.store.denials import DenialWindows
from app.store.files import StoreSetupError
from app.store.idempotency import IdempotencyClaim, IdempotencyKeys
from app.store.limits import LimitExceeded, WindowLimit
from app.store.locks import AccountLocks
from app.store.logins import LoginAttempts
from app.store.revocations import Revocations
from app.store.schema import SCHEMA_VERSION
from app.store.sequences import AccountKey, AccountRow, ReservationWork, Reserved, SequenceExhausted, Sequences

__all__ = [
    "SCHEMA_VERSION",
    "AccountKey",
    "AccountRow",
    "ApprovalRow",
    "AuditQuery",
    "AuditRow",
    "AuditWriteError",
    "IdempotencyClaim",
    "LimitExceeded",
    "ReservationWork",
    "Reserved",
    "SequenceExhausted",
    "Store",
    "StoreSetupError",
    "Verification",
    "Vote",
    "WindowLimit",
]


@dataclass(eq=False)
class Store:
    """The service's database, one per process, by job."""

    db: Database
    sequences: Sequences
    audit: AuditChain
    idempotency: IdempotencyKeys
    logins: LoginAttempts
    locks: AccountLocks
    approvals: Approvals
    revocations: Revocations
    denials: DenialWindows

    @classmethod
    async def open(cls, database_url: str, *, audit_key: bytes, clock: Clock | None = None) -> "Store":
        """Connect, create what is missing of the schema; audit_key keys the audit chain."""
        clock = clock or SystemClock()
        db = await Database.open(database_url)
        audit = AuditChain(db, audit_key)
        await audit.index_missing()  # rows from before schema 6 get their filter fields, once
        return cls(
            db=db,
            sequences=Sequences(db, audit, clock),
            audit=audit,
            idempotency=IdempotencyKeys(db, clock),
            logins=LoginAttempts(db),
            locks=AccountLocks(db),
            approvals=Approvals(db, clock),
            revocations=Revocations(db),
            denials=DenialWindows(db, audit),
        )

    async def close(self) -> None:
        await self.db.close()

    async def ping(self) -> None:
        await self.db.ping()
