"""The console's approvals page: requests waiting for the user's decision, the user's own, recent ones.

Everything comes from the ApprovalDesk (app/signing/approvals.py), called as the API calls it, so the
console shows and decides exactly what GET /api/approvals and POST /api/approvals/{id}/... do: the
same visibility (404 for a request the user may not see), the same rules (403, 409).
"""

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.auth.users import User
from app.errors import ServiceError
from app.permissions import Permission
from app.services import Services
from app.signing.approvals import ApprovalView, Grants
from app.signing.audit import Actor
from app.web.console.session import ConsoleRefusal

ID_RE = re.compile(r"^[0-9a-f]{32}$")
REASON_RE = re.compile(r"^[^\x00-\x1f\x7f]+$")  # as the API's RejectRequest
MAX_REASON_CHARS = 500
MAX_TO_DECIDE = 200
MAX_OWN = 50
MAX_RECENT = 20
LABELS = {"refid": "Order reference", "proposal_id": "Proposal"}
VERBS = ("approve", "reject", "cancel")
DONE = {
    "approve": "You approved this request.",
    "reject": "You rejected this request.",
    "cancel": "You cancelled this request.",
}


def grants_of(user: User) -> Grants:
    """The user's grant per wallet, as the API passes it to the desk."""
    return lambda wallet_name: user.grants.get(wallet_name, frozenset[Permission]())


def approvable(services: Services, user: User) -> frozenset[str]:
    """The wallets on which the user may decide (approve in the wallet's permissions and in the user's grant)."""
    return frozenset(
        w.name for w in services.wallets if Permission.APPROVE in user.permissions_on(w.name, w.permissions)
    )


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a decoded message: a label, its value, and whether the value is machine text."""

    label: str
    value: str
    mono: bool = False


@dataclass(frozen=True, slots=True)
class Card:
    """One request as the page shows it, and what this user may do with it."""

    id: str
    status: str
    wallet: str
    message_type: str
    action: str
    message: tuple[Line, ...]
    requested_by: str
    created_at: str
    expires_at: str
    expires_in: str
    quorum: int
    approvals: tuple[tuple[str, str], ...]  # (user, at)
    rejected_by: str | None
    reason: str | None
    tx_hash: str | None
    sequence: int | None
    signed_msg: str | None
    node_response: str | None
    may_decide: bool
    decided: bool  # this user already approved it
    may_cancel: bool


def _when(iso: str) -> str:
    return iso[:19].replace("T", " ") + " UTC" if iso else ""


def _coins(items: list[Any]) -> str:
    return ", ".join(f"{c.get('amount')} {c.get('denom') or c.get('symbol')}" for c in items if isinstance(c, dict))


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(", ", ": "))


def decoded(msg: dict[str, Any]) -> tuple[Line, ...]:
    """The message as it will be signed, field by field: destination, coins and memo first, then the rest."""
    rest = dict(msg)
    lines: list[Line] = []
    if "to_address" in rest:
        lines.append(Line("Destination", str(rest.pop("to_address")), mono=True))
    if isinstance(rest.get("transfers"), list):
        lines.append(Line("Coins", _coins(rest.pop("transfers")), mono=True))
    elif isinstance(rest.get("amount"), str) and ("symbol" in rest or "denom" in rest):
        token = rest.pop("symbol", None) or rest.pop("denom", None)
        lines.append(Line("Amount", f"{rest.pop('amount')} {token}", mono=True))
    memo = rest.pop("memo", None)
    if memo is not None:
        lines.append(Line("Memo", str(memo) or "(none)"))
    for key, value in rest.items():
        label = LABELS.get(key, key.replace("_", " ").capitalize())
        lines.append(Line(label, _text(value), mono=not isinstance(value, str) or key.endswith(("address", "id"))))
    return tuple(lines)


def _remaining(services: Services, expires_at: str) -> str:
    try:
        left = datetime.fromisoformat(expires_at.replace("Z", "+00:00")).timestamp() - services.clock.now()
    except ValueError:
        return ""
    if left <= 0:
        return "due now"
    hours, minutes = int(left // 3600), int(left % 3600 // 60)
    return f"in {hours} h {minutes} min" if hours else f"in {max(minutes, 1)} min"


def _result(body: dict[str, Any]) -> dict[str, Any]:
    result = body.get("result") or {}
    answer = result.get("node_response")
    tx_hash = result.get("tx_hash")
    if tx_hash is None and isinstance(answer, list) and answer and isinstance(answer[0], dict):
        tx_hash = answer[0].get("hash")
    return {
        "tx_hash": str(tx_hash) if tx_hash else None,
        "sequence": result.get("sequence"),
        "signed_msg": result.get("signed_msg"),
        "node_response": json.dumps(answer, indent=2) if answer is not None else None,
    }


def card(services: Services, view: ApprovalView, user: User, may_approve: frozenset[str]) -> Card:
    body = view.to_json(viewer=user.username)
    pending = body["status"] == "pending"
    own = body["requested_by"] == user.username
    voters = tuple((str(a["user"]), _when(str(a["at"]))) for a in body["approvals"])
    decided = any(name == user.username for name, _ in voters)
    rejection = body.get("rejected_by")
    return Card(
        id=body["approval_id"],
        status=body["status"],
        wallet=body["wallet_name"],
        message_type=body["message_type"],
        action=body["action"],
        message=decoded(body["msg"]),
        requested_by=body["requested_by"],
        created_at=_when(body["created_at"]),
        expires_at=_when(body["expires_at"]),
        expires_in=_remaining(services, body["expires_at"]) if pending else "",
        quorum=body["quorum"],
        approvals=voters,
        rejected_by=str(rejection["user"]) if rejection else None,
        reason=(rejection or {}).get("reason") or body.get("reason"),
        **_result(body),
        may_decide=pending and not own and not decided and body["wallet_name"] in may_approve,
        decided=decided,
        may_cancel=pending and own,
    )


@dataclass(frozen=True, slots=True)
class ApprovalsPage:
    to_decide: tuple[Card, ...]  # pending, on wallets the user may approve, made by others
    own: tuple[Card, ...]  # the user's own requests, any status, newest first
    recent: tuple[Card, ...]  # others' requests the user could decide on, no longer pending
    approver_on: tuple[str, ...]


def _refusal(exc: ServiceError) -> ConsoleRefusal:
    return ConsoleRefusal(exc.status_code, exc.message)


async def approvals_page(services: Services, user: User, client: str | None) -> ApprovalsPage:
    """Three listings, each filtered and cut in the store: others' pending ones first, whatever else exists."""
    may_approve = approvable(services, user)
    desk, actor, grants = services.signing.approvals, Actor(user.username, client), grants_of(user)
    try:
        to_decide = await desk.listed(actor, grants, status="pending", wallet=None, mine=False, limit=MAX_TO_DECIDE)
        own = await desk.listed(actor, grants, status=None, wallet=None, mine=True, limit=MAX_OWN)
        recent = await desk.listed(actor, grants, status="done", wallet=None, mine=False, limit=MAX_RECENT)
    except ServiceError as exc:
        raise _refusal(exc) from None
    return ApprovalsPage(
        to_decide=tuple(card(services, v, user, may_approve) for v in to_decide),
        own=tuple(card(services, v, user, may_approve) for v in own),
        recent=tuple(card(services, v, user, may_approve) for v in recent),
        approver_on=tuple(sorted(may_approve)),
    )


def checked_id(approval_id: str) -> str:
    if not ID_RE.match(approval_id):
        raise ConsoleRefusal(404, f"approval '{approval_id[:40]}' not found")
    return approval_id


def checked_reason(form: dict[str, str]) -> str:
    reason = form.get("reason", "").strip()
    if not reason or len(reason) > MAX_REASON_CHARS or not REASON_RE.match(reason):
        raise ConsoleRefusal(422, f"Give a reason to reject: one line of 1 to {MAX_REASON_CHARS} characters.")
    return reason


async def one(services: Services, user: User, client: str | None, approval_id: str) -> Card:
    """One request for its page; 404 when the user may not see it."""
    try:
        view = await services.signing.approvals.view(
            checked_id(approval_id), Actor(user.username, client), grants_of(user)
        )
    except ServiceError as exc:
        raise _refusal(exc) from None
    return card(services, view, user, approvable(services, user))


async def act(
    services: Services, user: User, client: str | None, approval_id: str, verb: str, form: dict[str, str]
) -> None:
    """Approve, reject (with the form's reason) or cancel; the desk's refusals become error pages."""
    desk, actor, grants = services.signing.approvals, Actor(user.username, client), grants_of(user)
    approval_id = checked_id(approval_id)
    if verb not in VERBS:
        raise ConsoleRefusal(404, "No such action on an approval request.")
    try:
        if verb == "approve":
            await desk.decide(approval_id, actor, grants, decision="approve")
        elif verb == "reject":
            await desk.decide(approval_id, actor, grants, decision="reject", reason=checked_reason(form))
        else:
            await desk.cancel(approval_id, actor, grants)
    except ServiceError as exc:
        raise _refusal(exc) from None
