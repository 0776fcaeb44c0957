"""What the audit log records: one row per sign, broadcast, resync or refused attempt.

Rows are JSON records built from request summaries, never from keys, tokens or memos; the
store chains them (app/store/audit.py). If a row cannot be written, the attempt fails closed.
"""

import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.clock import Clock
from app.errors import AuditUnavailable
from app.store import AuditWriteError, Store, Verification

log = logging.getLogger("app.audit")


@dataclass(frozen=True, slots=True)
class Actor:
    """Who asks, from where."""

    username: str
    client_ip: str | None


def record_text(at: float, entry: dict[str, Any]) -> str:
    """The stored form of an entry: sorted JSON with its ISO time."""
    return json.dumps(
        {"time": datetime.fromtimestamp(at, UTC).isoformat(), **entry}, sort_keys=True, separators=(",", ":")
    )


class AuditLog:
    """Appends attempts to the store's audit chain and reads them back."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    @staticmethod
    def entry(actor: Actor, *, wallet: str, action: str, summary: dict[str, Any], **fields: Any) -> dict[str, Any]:
        """The fields of one row."""
        return {
            "user": actor.username,
            "client_ip": actor.client_ip,
            "wallet": wallet,
            "action": action,
            "summary": summary,
            **fields,
        }

    async def append(self, entry: dict[str, Any]) -> int:
        """Append one row now; raise AuditUnavailable if it cannot be written."""
        at = self._clock.now()
        try:
            return await self._store.audit.append(at=at, record=record_text(at, entry))
        except AuditWriteError as exc:
            log.error("audit append failed: %s", exc)  # the exception's type name only
            raise AuditUnavailable("the audit log cannot be written; nothing was signed") from None

    async def entries(self, *, since: float | None = None, user: str | None = None) -> AsyncIterator[dict[str, Any]]:
        """Audit records (with their id), oldest first, optionally filtered."""
        rows = self._store.audit.rows(since=since)
        try:
            async for row in rows:
                entry = json.loads(row.record)
                if user is None or entry.get("user") == user:
                    yield {"id": row.id, **entry}
        finally:
            await rows.aclose()  # an early exit must still close the query's connection

    async def verify(self) -> Verification:
        """Walk the chain; report the first row that was edited, deleted or reordered."""
        return await self._store.audit.verify()
