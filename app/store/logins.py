"""Failed logins per username and per client address, shared by every worker and replica."""

import sqlalchemy as sa

from app.store.database import Database
from app.store.schema import login_failures as failures
from app.store.sql import Statement, param

_FORGET = Statement(sa.delete(failures).where(failures.c.at < param("before")))
_RECORD = Statement(sa.insert(failures).values(kind=param("kind"), subject=param("subject"), at=param("at")))
_CLEAR = Statement(sa.delete(failures).where(failures.c.kind == param("kind"), failures.c.subject == param("subject")))


class LoginFailures:
    """Records and reads failed logins."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def recent(self, *, kind: str, subject: str, since: float) -> list[float]:
        """Times of failed logins for (kind, subject) since a moment, oldest first."""
        where = sa.and_(failures.c.kind == kind, failures.c.subject == subject, failures.c.at >= since)
        async with self._db.connect() as conn:
            rows = await conn.execute(sa.select(failures.c.at).where(where).order_by(failures.c.at))
            return [float(r[0]) for r in rows]

    async def record(self, *, subjects: list[tuple[str, str]], at: float, forget_before: float) -> None:
        """Record a failed login for each (kind, subject) and forget failures older than the window."""

        def record(conn: sa.Connection) -> None:
            _FORGET.run(conn, {"before": forget_before})
            for kind, subject in subjects:
                _RECORD.run(conn, {"kind": kind, "subject": subject, "at": at})

        await self._db.write(record)

    async def clear(self, *, kind: str, subject: str) -> None:
        """Forget the failures of one subject (a username after a successful login)."""
        await self._db.write(lambda conn: _CLEAR.run(conn, {"kind": kind, "subject": subject}))
