"""The tamper-evident audit log: every sign, broadcast and resync attempt, chained by HMAC.

Each row's hash is HMAC-SHA256(audit key, previous hash, id, time, record), so editing,
deleting or reordering any row breaks the chain from that row on, and only a holder of the
audit key could forge a consistent chain. Records never hold a secret: they are built from
request summaries, never from keys or tokens.
"""

import hashlib
import hmac
import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import aclosing
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.config import ServiceConfig
from app.errors import ServiceError
from app.store import Store

log = logging.getLogger("app.audit")
_KEY_LABEL = b"bnc-signing-service audit chain v1"


class AuditUnavailable(ServiceError):
    """The audit row could not be written: fail closed, no signature is returned."""

    status_code = 503


def audit_key(config: ServiceConfig) -> bytes:
    """The configured audit_key, else one derived from secret_key (rotating it then breaks verify)."""
    secret = config.audit_key or config.secret_key
    return hmac.new(secret.get_secret_value().encode(), _KEY_LABEL, hashlib.sha256).digest()


def chain_hash(key: bytes, prev_hash: str, row_id: int, at: float, record: str) -> str:
    """The hash that links a row to the one before it."""
    message = f"{prev_hash}\n{row_id}\n{at!r}\n{record}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class Verification:
    """The result of checking the whole chain."""

    ok: bool
    rows: int
    first_bad_id: int | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class SignatureEntry:
    """An audit row written in the same group commit as the signature it describes."""

    chain: Callable[[str, int, float, str], str]
    fields: dict[str, Any]

    def record(self, *, sequence: int, tx_hash: str) -> str:
        return _record(time.time(), {**self.fields, "sequence": sequence, "tx_hash": tx_hash})


def _record(at: float, entry: dict[str, Any]) -> str:
    return json.dumps(
        {"time": datetime.fromtimestamp(at, UTC).isoformat(), **entry}, sort_keys=True, separators=(",", ":")
    )


class AuditLog:
    """Appends and checks the audit chain in the store."""

    def __init__(self, store: Store, key: bytes) -> None:
        self._store = store
        self._key = key

    def _chain(self, prev_hash: str, row_id: int, at: float, record: str) -> str:
        return chain_hash(self._key, prev_hash, row_id, at, record)

    async def append(self, **entry: Any) -> int:
        """Append one attempt; raise AuditUnavailable if it cannot be written."""
        at = time.time()
        record = _record(at, entry)
        try:
            return await self._store.append_audit(at=at, record=record, chain=self._chain)
        except Exception as exc:
            log.error("audit append failed: %s", type(exc).__name__)
            raise AuditUnavailable("the audit log cannot be written; nothing was signed") from None

    def for_signature(self, **fields: Any) -> SignatureEntry:
        """The row for a signature, to be completed with its sequence and hash when it is made."""
        return SignatureEntry(chain=self._chain, fields=fields)

    async def entries(self, *, since: float | None = None, user: str | None = None) -> AsyncIterator[dict[str, Any]]:
        """Audit records (with their id), oldest first, optionally filtered."""
        async with aclosing(self._store.audit_rows(since=since)) as rows:
            async for row_id, _at, record, _prev, _hash in rows:
                entry = json.loads(record)
                if user is None or entry.get("user") == user:
                    yield {"id": row_id, **entry}

    async def verify(self) -> Verification:
        """Walk the chain; report the first row that was edited, deleted or reordered."""
        expected_prev, expected_id, count = "", 1, 0
        # aclosing: returning early must still close the query's connection.
        async with aclosing(self._store.audit_rows()) as rows:
            async for row_id, at, record, prev_hash, row_hash in rows:
                if row_id != expected_id:
                    return Verification(False, count, expected_id, f"row {expected_id} is missing (found {row_id})")
                if prev_hash != expected_prev:
                    return Verification(False, count, row_id, "does not link to the previous row")
                if not hmac.compare_digest(row_hash, self._chain(prev_hash, row_id, at, record)):
                    return Verification(
                        False, count, row_id, "content does not match its hash (edited, or another key)"
                    )
                expected_prev, expected_id, count = row_hash, row_id + 1, count + 1
        last_id, last_hash = await self._store.audit_head()
        if last_id != count or last_hash != expected_prev:
            return Verification(False, count, count + 1, f"the chain ends at row {count} but {last_id} were written")
        return Verification(True, count)
