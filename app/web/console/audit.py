"""The console's audit page: which wallets a user may audit, the filters, the newest matching rows.

A user sees a wallet's rows only with the `audit` permission, by the rule of every permission:
granted by the wallet and by the user's grant on it (and from an address the wallet admits).
"""

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from app.auth.users import User
from app.errors import ServiceError
from app.permissions import Permission
from app.services import Services
from app.store import AuditQuery, Verification
from app.web.console.session import ConsoleRefusal

MAX_ROWS = 200
# Outcomes the pipeline writes (app/signing/service.py) and the approval steps (app/signing/approvals.py).
OUTCOMES = (
    "signed",
    "sending",
    "broadcast",
    "failed",
    "denied",
    "resynced",
    "approval_requested",
    "approval_granted",
    "approval_rejected",
    "approval_cancelled",
    "approval_expired",
    "approval_executed",
    "approval_failed",
    "approval_unknown",
)
MAX_FILTER_CHARS = 64


@dataclass(frozen=True, slots=True)
class AuditFilters:
    """The page's filters as given (wallet and user exact, outcome one of OUTCOMES, times in UTC)."""

    wallet: str = ""
    user: str = ""
    outcome: str = ""
    since: str = ""
    until: str = ""
    before: str = ""  # the oldest id of the page before: the next page shows older rows
    since_ts: float | None = field(default=None, repr=False)
    until_ts: float | None = field(default=None, repr=False)

    @property
    def before_id(self) -> int | None:
        return int(self.before) if self.before else None

    @property
    def active(self) -> bool:
        return any((self.wallet, self.user, self.outcome, self.since, self.until))


@dataclass(frozen=True, slots=True)
class AuditRow:
    id: int
    time: str
    user: str
    client_ip: str
    wallet: str
    action: str
    outcome: str
    summary: str
    detail: str

    @property
    def denied(self) -> bool:
        return self.outcome == "denied"


@dataclass(frozen=True, slots=True)
class AuditPage:
    wallets: tuple[str, ...]
    filters: AuditFilters
    rows: tuple[AuditRow, ...]
    truncated: bool
    verification: Verification
    outcomes: tuple[str, ...] = OUTCOMES

    @property
    def older_query(self) -> str:
        """The query string of the next page: the same filters, rows older than this page's last."""
        f = self.filters
        kept = {"wallet": f.wallet, "user": f.user, "outcome": f.outcome, "since": f.since, "until": f.until}
        return urlencode({**{k: v for k, v in kept.items() if v}, "before": str(self.rows[-1].id) if self.rows else ""})


def _timestamp(name: str, text: str) -> float | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ConsoleRefusal(422, f"The '{name}' filter is not a date and time (YYYY-MM-DDTHH:MM, UTC).") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def parse_filters(query: dict[str, str]) -> AuditFilters:
    """The filters of a query string; 422 for a time that is not one or an unknown outcome."""
    names = ("wallet", "user", "outcome", "since", "until", "before")
    values = {k: query.get(k, "").strip()[:MAX_FILTER_CHARS] for k in names}
    if values["outcome"] and values["outcome"] not in OUTCOMES:
        raise ConsoleRefusal(422, "Unknown outcome filter.")
    if values["before"] and not (values["before"].isascii() and values["before"].isdigit()):
        raise ConsoleRefusal(422, "The 'before' filter is a row number.")
    return AuditFilters(
        **values,
        since_ts=_timestamp("from", values["since"]),
        until_ts=_timestamp("until", values["until"]),
    )


def auditable_wallets(services: Services, user: User, client_host: str | None) -> tuple[str, ...]:
    """The wallets whose rows the user may read from client_host."""
    return tuple(
        w.name
        for w in services.wallets
        if Permission.AUDIT in user.permissions_on(w.name, w.permissions) and w.allows_client(client_host)
    )


def _authorize(services: Services, user: User, filters: AuditFilters, client_host: str | None) -> tuple[str, ...]:
    if filters.wallet:
        try:  # 404 for a wallet the user has no permission on, 403 without audit: as the API answers
            services.wallets.authorize(
                filters.wallet,
                user.grants.get(filters.wallet, frozenset()),
                Permission.AUDIT,
                client_host=client_host,
            )
        except ServiceError as exc:
            raise ConsoleRefusal(exc.status_code, exc.message) from None
        return (filters.wallet,)
    wallets = auditable_wallets(services, user, client_host)
    if not wallets:
        raise ConsoleRefusal(403, "You have the 'audit' permission on no wallet, so there is no audit log to show.")
    return wallets


def summary_text(summary: Any) -> str:
    """A row's request summary on one line: destination, coins, symbol, ... (never a memo: it is not stored)."""
    if not isinstance(summary, dict):
        return ""
    parts = []
    for key, value in summary.items():
        if key == "type":
            continue
        if key == "coins" and isinstance(value, list):
            value = ", ".join(f"{c.get('amount')} {c.get('denom')}" for c in value if isinstance(c, dict))
        parts.append(f"{key}: {value}")
    return "; ".join(parts)


def _row(entry: dict[str, Any]) -> AuditRow:
    outcome = str(entry.get("outcome", ""))
    detail = entry.get("reason") or entry.get("tx_hash") or ""
    if not detail and entry.get("sequence") is not None:
        detail = f"sequence {entry['sequence']}"
    if not detail and entry.get("approval_id"):
        detail = f"approval {str(entry['approval_id'])[:12]}"
    return AuditRow(
        id=int(entry["id"]),
        time=str(entry.get("time", ""))[:19].replace("T", " "),
        user=str(entry.get("user", "")),
        client_ip=str(entry.get("client_ip") or ""),
        wallet=str(entry.get("wallet", "")),
        action=str(entry.get("action", "")),
        outcome=outcome,
        summary=summary_text(entry.get("summary")),
        detail=str(detail),
    )


async def audit_page(services: Services, user: User, filters: AuditFilters, client_host: str | None) -> AuditPage:
    """The newest MAX_ROWS rows matching filters on the wallets the user may audit, and the chain's state.

    Filtered and cut in the store, and the chain verified from the last row verified before: a
    page costs the same however long the log is.
    """
    wallets = _authorize(services, user, filters, client_host)
    await services.signing.denials.flush_due()  # a closed window's count belongs on the page
    query = AuditQuery(
        wallets=frozenset(wallets),
        user=filters.user or None,
        outcome=filters.outcome or None,
        since=filters.since_ts,
        until=filters.until_ts,
        before=filters.before_id,
        limit=MAX_ROWS + 1,  # one more, to tell that older ones exist
    )
    found = await services.store.audit.newest(query)
    entries = [{"id": row.id, **json.loads(row.record)} for row in found[:MAX_ROWS]]
    return AuditPage(
        wallets=auditable_wallets(services, user, client_host),
        filters=filters,
        rows=tuple(_row(e) for e in entries),
        truncated=len(found) > MAX_ROWS,
        verification=await services.store.audit.verify_new(),
    )
