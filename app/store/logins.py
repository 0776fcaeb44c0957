"""Login attempts per username and per client address, shared by every worker and replica.

An attempt is counted before its password is checked: one write counts the subjects' attempts
in the window and, unless one is at the limit, records this one, in one transaction. On SQLite
the single writer (BEGIN IMMEDIATE) serializes those transactions across workers; on PostgreSQL
each takes one transaction-scoped advisory lock first. So whatever the concurrency, at most
max_failures guesses per subject are ever checked inside a window.
"""

import uuid
from dataclasses import dataclass

import sqlalchemy as sa

from app.store.database import Database
from app.store.schema import login_attempts as attempts
from app.store.sql import Statement, param

_LOGIN_LOCK = 7140002  # the advisory lock that serializes attempt reservations on PostgreSQL
_FORGET = Statement(sa.delete(attempts).where(attempts.c.at < param("before")))
_RECENT = Statement(
    sa.select(attempts.c.at)
    .where(attempts.c.kind == param("kind"), attempts.c.subject == param("subject"), attempts.c.at >= param("since"))
    .order_by(attempts.c.at.desc())
)
_RECORD = Statement(
    sa.insert(attempts).values(kind=param("kind"), subject=param("subject"), at=param("at"), attempt=param("attempt"))
)
_UNDO = Statement(sa.delete(attempts).where(attempts.c.attempt == param("attempt")))
_CLEAR = Statement(sa.delete(attempts).where(attempts.c.kind == param("kind"), attempts.c.subject == param("subject")))


@dataclass(frozen=True, slots=True)
class Reservation:
    """A counted attempt (attempt_id), or a refusal: the time when the subject unlocks (locked_until)."""

    attempt_id: str | None
    locked_until: float | None = None


def _reserve(
    conn: sa.Connection, *, subjects: list[tuple[str, str]], now: float, window: float, max_failures: int
) -> Reservation:
    if conn.dialect.name == "postgresql":
        # Held until commit: every replica's reservations run one at a time.
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_LOGIN_LOCK)))
    _FORGET.run(conn, {"before": now - window})
    for kind, subject in subjects:
        times = [
            float(row[0])
            for row in _RECENT.run(conn, {"kind": kind, "subject": subject, "since": now - window}).fetchall()
        ]
        if len(times) >= max_failures:
            # Unlocked once the max_failures-th newest attempt leaves the window.
            return Reservation(None, locked_until=times[max_failures - 1] + window)
    attempt_id = uuid.uuid4().hex
    for kind, subject in subjects:
        _RECORD.run(conn, {"kind": kind, "subject": subject, "at": now, "attempt": attempt_id})
    return Reservation(attempt_id)


class LoginAttempts:
    """Reserves, and settles, login attempts."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def reserve(
        self, *, subjects: list[tuple[str, str]], now: float, window: float, max_failures: int
    ) -> Reservation:
        """Count and record one attempt for every subject in one transaction, unless one is at max_failures."""
        # rank 2, key "": after account rows and the audit head, first of the rest (one lock order).
        return await self._db.write(
            lambda conn: _reserve(conn, subjects=subjects, now=now, window=window, max_failures=max_failures),
            rank=2,
            key="",
        )

    async def succeeded(self, *, attempt_id: str, kind: str, subject: str) -> None:
        """The attempt was right: it is not a failure, and subject's (the username's) count restarts."""

        def settle(conn: sa.Connection) -> None:
            _UNDO.run(conn, {"attempt": attempt_id})
            _CLEAR.run(conn, {"kind": kind, "subject": subject})

        await self._db.write(settle, rank=2, key="")
