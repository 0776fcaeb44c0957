"""Idempotency keys: the first request with a key claims it, the answer is stored, repeats replay it."""

from dataclasses import dataclass
from typing import Literal

import sqlalchemy as sa

from app.clock import Clock
from app.store.database import Database
from app.store.schema import idempotency_keys as keys
from app.store.sql import InsertOrSkip, Statement, param

_this = sa.and_(keys.c.scope == param("scope"), keys.c.idem_key == param("key"))
_PURGE = Statement(sa.delete(keys).where(_this, keys.c.expires_at < param("now")))
_CLAIM = InsertOrSkip(
    keys,
    {
        "scope": param("scope"),
        "idem_key": param("key"),
        "request_hash": param("request_hash"),
        "expires_at": param("expires_at"),
    },
)
_FIND = Statement(sa.select(keys.c.request_hash, keys.c.status_code, keys.c.body).where(_this))
_COMPLETE = Statement(sa.update(keys).where(_this).values(status_code=param("status_code"), body=param("body")))
_ABANDON = Statement(sa.delete(keys).where(_this, keys.c.status_code.is_(None)))


@dataclass(frozen=True, slots=True)
class IdempotencyClaim:
    """The outcome of claiming a key: new, a stored answer, or a conflict."""

    state: Literal["new", "replay", "mismatch", "in_progress"]
    status_code: int | None = None
    body: str | None = None


class IdempotencyKeys:
    """Claims, answers and abandons keys, scoped (e.g. per user and wallet)."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def claim(self, *, scope: str, key: str, request_hash: str, ttl_seconds: float) -> IdempotencyClaim:
        """Claim key for a new request, or report the stored answer or a conflict."""
        now = self._clock.now()
        params = {"scope": scope, "key": key, "request_hash": request_hash, "now": now, "expires_at": now + ttl_seconds}

        def claim(conn: sa.Connection) -> IdempotencyClaim:
            _PURGE.run(conn, params)
            if _CLAIM.run(conn, params).rowcount == 1:
                return IdempotencyClaim("new")
            found = _FIND.run(conn, params).fetchone()
            if found is None:  # cannot happen inside one transaction; be safe
                return IdempotencyClaim("in_progress")
            if found[0] != request_hash:
                return IdempotencyClaim("mismatch")
            if found[1] is None:
                return IdempotencyClaim("in_progress")
            return IdempotencyClaim("replay", status_code=int(found[1]), body=str(found[2]))

        return await self._db.write(claim)

    async def complete(self, *, scope: str, key: str, status_code: int, body: str) -> None:
        """Store the answer for a claimed key."""
        params = {"scope": scope, "key": key, "status_code": status_code, "body": body}
        await self._db.write(lambda conn: _COMPLETE.run(conn, params))

    async def abandon(self, *, scope: str, key: str) -> None:
        """Forget a claim whose request failed in a way worth retrying."""
        await self._db.write(lambda conn: _ABANDON.run(conn, {"scope": scope, "key": key}))
