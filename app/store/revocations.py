"""Revoked access tokens (logout), shared by every worker and replica until the tokens would have expired."""

import sqlalchemy as sa

from app.store.database import Database
from app.store.schema import revoked_tokens as revoked
from app.store.sql import InsertOrSkip, Statement, param

_FORGET = Statement(sa.delete(revoked).where(revoked.c.expires_at <= param("now")))
# ON CONFLICT DO NOTHING (the same text on SQLite and PostgreSQL): revoking twice is harmless.
_REVOKE = InsertOrSkip(revoked, {"token_id": param("token_id"), "expires_at": param("expires_at")})


class Revocations:
    """Revoke a token id; ask whether one is revoked."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def revoke(self, *, token_id: str, expires_at: float, now: float) -> None:
        """Refuse token_id from now on (committed before returning); forget revocations of expired tokens."""

        def revoke(conn: sa.Connection) -> None:
            _FORGET.run(conn, {"now": now})
            _REVOKE.run(conn, {"token_id": token_id, "expires_at": expires_at})

        await self._db.write(revoke)

    async def is_revoked(self, token_id: str) -> bool:
        """True if token_id was revoked (one primary-key read; every replica sees every revocation)."""
        query = sa.select(revoked.c.token_id).where(revoked.c.token_id == token_id)
        return await self._db.read(lambda conn: conn.execute(query).first() is not None)
