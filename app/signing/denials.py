"""Denied attempts in the audit log, aggregated so that a client cannot flood it.

Every denial is counted in the metrics. In the audit log, the first denial of each (user, wallet,
kind of refusal) in a window of `denial_window_seconds` is a row of its own; the others in that
window become one row with their count (`repeated`) when the window is over. Wallet names that do
not exist all count under one key, so inventing names grows nothing. 0 writes a row per denial.
"""

from datetime import UTC, datetime
from typing import Any

from app.clock import Clock
from app.errors import AuditUnavailable, ServiceError
from app.observability.metrics import Metrics
from app.signing.audit import log, record_text
from app.signing.wallets import WalletRegistry
from app.store import Store
from app.store.denials import Window

UNKNOWN_WALLETS = ""  # the one key of every wallet name that does not exist


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).isoformat()


def summary_record(window: Window, now: float) -> str:
    """The row that counts a closed window's denials after its first."""
    return record_text(
        now,
        {
            "user": window.username,
            "client_ip": None,
            "wallet": window.wallet or "(unknown wallet)",
            "action": "denials",
            "summary": {"type": "denials"},
            "outcome": "denied",
            "repeated": window.repeated,
            "since": _iso(window.started_at),
            "reason": f"{window.repeated} more denied ({window.kind}); the last: {window.last_reason}",
        },
    )


class Denials:
    """Counts and audits refused attempts (aggregated per window)."""

    def __init__(
        self, *, store: Store, wallets: WalletRegistry, metrics: Metrics, clock: Clock, window_seconds: float
    ) -> None:
        self._store = store
        self._wallets = wallets
        self._metrics = metrics
        self._clock = clock
        self._window = window_seconds

    async def record(self, entry: dict[str, Any], exc: ServiceError) -> None:
        """Count exc, and audit it unless its window already has a row (then it is counted there)."""
        self._metrics.denial(exc)
        now = self._clock.now()
        row = {**entry, "outcome": "denied", "reason": exc.message}
        wallet = str(entry.get("wallet", ""))
        try:
            if self._window <= 0:
                await self._store.audit.append(at=now, record=record_text(now, row))
                return
            await self._store.denials.record(
                username=str(entry.get("user", "")),
                wallet=wallet if self._wallets.get(wallet) is not None else UNKNOWN_WALLETS,
                kind=type(exc).__name__,
                reason=exc.message,
                now=now,
                window_seconds=self._window,
                record=record_text(now, row),
                summary=summary_record,
            )
        except Exception as exc_write:  # fail closed, as every audit append: the caller answers 503
            log.error("audit append failed: %s", type(exc_write).__name__)
            raise AuditUnavailable("the audit log cannot be written; nothing was signed") from None

    async def flush_due(self) -> int:
        """Write the counts of the windows that are over (start-up, the console's audit page)."""
        if self._window <= 0:
            return 0
        return await self._store.denials.flush_due(
            now=self._clock.now(), window_seconds=self._window, summary=summary_record
        )
