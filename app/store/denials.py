"""Repeated denials, aggregated: one audit row per (user, wallet, kind) per window, then one with the count.

The first denial of a window is appended to the audit chain as it is; those after it in the same
window only count up here; the window's count is appended as one row when the next window starts
(or by flush_due). Wallet names that do not exist share the key "" and kinds are error classes, so
this table is bounded by users x wallets x kinds however many names or requests an attacker tries.
"""

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from app.store.audit import AuditChain
from app.store.database import Database
from app.store.schema import audit_head
from app.store.schema import denial_windows as windows

Summary = Callable[["Window", float], str]  # (the closed window, now) -> its audit record text


@dataclass(frozen=True, slots=True)
class Window:
    username: str
    wallet: str
    kind: str
    started_at: float
    repeated: int
    last_reason: str


def _key(username: str, wallet: str, kind: str) -> sa.ColumnElement[bool]:
    return sa.and_(windows.c.username == username, windows.c.wallet == wallet, windows.c.kind == kind)


class DenialWindows:
    """Decides, per denial, whether it is written now or counted into its window."""

    def __init__(self, db: Database, audit: AuditChain) -> None:
        self._db = db
        self._audit = audit

    async def record(
        self,
        *,
        username: str,
        wallet: str,
        kind: str,
        reason: str,
        now: float,
        window_seconds: float,
        record: str,
        summary: Summary,
    ) -> bool:
        """Append record (and the closed window's count) or count it; True if record was appended."""

        def write(conn: sa.Connection) -> bool:
            # The audit head's row lock first (every append takes it): replicas' read-then-insert of one
            # window are serialized, so two first denials never both insert it (PostgreSQL).
            conn.execute(sa.select(audit_head.c.id).where(audit_head.c.id == 1).with_for_update())
            found = conn.execute(sa.select(*windows.c).where(_key(username, wallet, kind))).first()
            if found is not None and now < found.started_at + window_seconds:
                update = sa.update(windows).where(_key(username, wallet, kind))
                conn.execute(update.values(repeated=windows.c.repeated + 1, last_reason=reason))
                return False
            if found is not None:
                if found.repeated:
                    self._audit.append_in(conn, at=now, record=summary(Window(*found), now))
                conn.execute(sa.delete(windows).where(_key(username, wallet, kind)))
            conn.execute(
                sa.insert(windows).values(
                    username=username, wallet=wallet, kind=kind, started_at=now, repeated=0, last_reason=reason
                )
            )
            self._audit.append_in(conn, at=now, record=record)
            return True

        return await self._db.write(write, rank=1, key="")

    async def flush_due(self, *, now: float, window_seconds: float, summary: Summary) -> int:
        """Append the count of every window that is over and forget it; how many counts were appended."""

        def write(conn: sa.Connection) -> int:
            over = conn.execute(sa.select(*windows.c).where(windows.c.started_at <= now - window_seconds)).all()
            appended = 0
            for found in over:
                if found.repeated:
                    self._audit.append_in(conn, at=now, record=summary(Window(*found), now))
                    appended += 1
            conn.execute(sa.delete(windows).where(windows.c.started_at <= now - window_seconds))
            return appended

        return await self._db.write(write, rank=1, key="")
