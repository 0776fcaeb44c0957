"""The two-person rule: requests that need a quorum wait here; the approval that completes it runs them once.

A sign or broadcast on a wallet whose `approvals` block covers it (any message its signature is
valid as, see `covered`, and effects over `above` if set) is stored as a pending request instead:
nothing is signed, reserved or sent.
Each decision is one store transaction (app/store/approvals.py); the approval that reaches the
quorum claims the request (pending -> executing) in that same transaction, so exactly one caller,
on any worker or replica, runs the original action, through the same pipeline as any request.
Every step is audited.
"""

import json
import math
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.chain.amounts import to_units
from app.clock import Clock
from app.errors import Conflict, NotFound, PermissionDenied, ServiceError, TooManyRequests
from app.observability.metrics import Metrics
from app.permissions import Permission
from app.signing.audit import Actor, AuditLog
from app.signing.effects import Effects
from app.signing.idempotency import Replay
from app.signing.outcomes import outcome_unknown
from app.signing.settings import ApprovalsConfig
from app.signing.table import MessageType, readings, row_named
from app.signing.txs import SignRequest, SignResult
from app.signing.wallets import WalletRegistry
from app.signing.webhooks import Notifier
from app.store import ApprovalRow, Store, Vote
from app.store.approvals import Listing, Status

Grants = Callable[[str], frozenset[Permission]]  # wallet name -> the caller's grant on it
UserGrants = Callable[[str], Mapping[str, frozenset[Permission]]]  # username -> grants now ({} if gone)
PAGE_SIZE = 100  # requests per listing page (at most MAX_PAGE_SIZE)
MAX_PAGE_SIZE = 500
OnSigned = Callable[[SignResult], Awaitable[None]]
Execute = Callable[[ApprovalRow, OnSigned], Awaitable[tuple[Status, str | None, Any]]]  # -> (status, reason, result)


class TooManyPending(TooManyRequests):
    """The requester has as many pending requests on the wallet as its rule allows."""


class UnknownApproval(NotFound):
    """No such request, or one the caller may not see (the same answer for both)."""


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class ApprovalView:
    """A request as its requester and its approvers see it: exactly what will be signed."""

    row: ApprovalRow
    votes: tuple[Vote, ...]

    def to_json(self, *, viewer: str | None) -> dict[str, Any]:
        """The request as viewer sees it: a signed tx is shown to its requester alone (others see its hash)."""
        row = self.row
        body: dict[str, Any] = {
            "approval_id": row.id,
            "status": row.status,
            "wallet_name": row.wallet,
            "message_type": row.message_type,
            "action": row.action,
            "quorum": row.quorum,
            "approvals": [{"user": v.username, "at": _iso(v.at)} for v in self.votes if v.decision == "approve"],
            "requested_by": row.requested_by,
            "created_at": _iso(row.created_at),
            "expires_at": _iso(row.expires_at),
            "msg": json.loads(row.msg),
        }
        rejected = [v for v in self.votes if v.decision == "reject"]
        if rejected:
            body["rejected_by"] = {
                "user": rejected[0].username,
                "reason": rejected[0].reason,
                "at": _iso(rejected[0].at),
            }
        if row.reason is not None:
            body["reason"] = row.reason
        if row.result is not None:
            result = json.loads(row.result)
            if viewer != row.requested_by and isinstance(result, dict):
                # A sign-only signature is a bearer instrument: only who asked for it may hold it.
                result.pop("signed_msg", None)
            body["result"] = result
        return body


def covered(rule: ApprovalsConfig, message: MessageType) -> bool:
    """Does rule cover message, read as every message its signature is valid as (app/signing/table.py)?

    Named types cover every type that builds the same chain message (a rule on transfer covers a
    one-output multi_send); without message_types a rule covers every type that can move funds.
    """
    if rule.message_types is None:
        return message.moves_funds
    named = {row_named(name).chain_type for name in rule.message_types}
    return any(row.chain_type in named for row in readings(message))


class ApprovalDesk:
    """Requests, decides and executes approval requests for one app."""

    def __init__(
        self,
        *,
        store: Store,
        wallets: WalletRegistry,
        audit: AuditLog,
        metrics: Metrics,
        clock: Clock,
        notifier: Notifier,
        execute: Execute,
    ) -> None:
        self._approvals = store.approvals
        self._wallets = wallets
        self._audit = audit
        self._metrics = metrics
        self._clock = clock
        self._notifier = notifier
        self._execute = execute

    def required(self, request: SignRequest, effects: Effects) -> bool:
        """Does this request need a quorum before it runs? By what its bytes can do, not by its route."""
        rule = request.wallet.approvals
        if rule is None or not covered(rule, request.message):
            return False
        if rule.above is None:
            return True
        return effects.exceeds({token: to_units(str(amount)) for token, amount in rule.above.items()})

    async def request(self, request: SignRequest, verb: str) -> ApprovalView:
        """Store a pending request (nothing is signed or reserved) and audit it."""
        rule = request.wallet.approvals
        assert rule is not None
        now = self._clock.now()
        row = ApprovalRow(
            id=uuid.uuid4().hex,
            wallet=request.wallet.name,
            message_type=request.message.name,
            action=verb,
            requested_by=request.actor.username,
            client_ip=request.actor.client_ip,
            # Amounts as the decimals a person wrote (re-read exactly at execution), memo included.
            msg=json.dumps(request.msg.model_dump(mode="json", exclude_none=True, context={"decimal": True})),
            quorum=rule.quorum,
            status="pending",
            created_at=now,
            expires_at=now + rule.expire_after_seconds,
            updated_at=now,
            reason=None,
            result=None,
        )
        soonest = await self._approvals.create(row, max_pending=rule.max_pending_per_user)
        if soonest is not None:  # one user cannot bury the approvers' list under junk requests
            raise TooManyPending(
                f"you already have {rule.max_pending_per_user} pending requests on wallet '{row.wallet}' "
                "(its approvals.max_pending_per_user); cancel one or wait for decisions",
                retry_after=max(1, math.ceil(soonest - now)),
            )
        await self._audit.append(request.audit_entry(verb, outcome="approval_requested", approval_id=row.id))
        return await self._changed(row.id, "requested")

    async def view(self, approval_id: str, actor: Actor, granted: Grants) -> ApprovalView:
        """One request, for its requester or a user who may approve on its wallet; else 404."""
        row = await self._visible(approval_id, actor, granted)
        return await self._view(await self._expired_if_due(row))

    async def listed(
        self,
        actor: Actor,
        granted: Grants,
        *,
        status: str | None,
        wallet: str | None,
        mine: bool | None = None,
        after: str | None = None,
        limit: int = PAGE_SIZE,
    ) -> list[ApprovalView]:
        """The requests the caller made or may approve, newest first, one page (filtered in the store)."""
        wallets = frozenset(w.name for w in self._wallets if self._may_approve(w.name, granted))
        query = Listing(wallets, actor.username, mine=mine, wallet=wallet, status=status, after=after, limit=limit)
        return [await self._view(await self._expired_if_due(row)) for row in await self._approvals.listed(query)]

    async def replayed(self, replay: Replay) -> Replay:
        """A replayed 202 shows the request as it is now (200 once it is no longer pending)."""
        approval_id = replay.body.get("approval_id") if replay.status_code == 202 else None
        row = await self._approvals.get(approval_id) if isinstance(approval_id, str) else None
        if row is None:
            return replay
        body = (await self._view(await self._expired_if_due(row))).to_json(viewer=row.requested_by)
        return Replay(202 if body["status"] == "pending" else 200, body)

    async def decide(
        self,
        approval_id: str,
        actor: Actor,
        granted: Grants,
        *,
        decision: str,
        reason: str | None = None,
    ) -> ApprovalView:
        """Approve or reject; the approval that completes the quorum runs the request, once, here."""
        row = await self._visible(approval_id, actor, granted)
        if actor.username == row.requested_by:
            raise PermissionDenied("the requester cannot approve or reject their own request")
        if not self._may_approve(row.wallet, granted):
            raise PermissionDenied(f"permission 'approve' is not granted on wallet '{row.wallet}'")
        outcome = await self._approvals.vote(approval_id, username=actor.username, decision=decision, reason=reason)
        if outcome == "duplicate":
            raise Conflict(f"you have already decided on approval {approval_id}")
        if outcome in ("not_pending", "expired"):
            if outcome == "expired":
                await self._record(row, actor, "approval_expired")
            current = await self._approvals.get(approval_id)
            raise Conflict(f"approval {approval_id} is {current.status if current else 'gone'}, not pending")
        event = "approval_rejected" if decision == "reject" else "approval_granted"
        await self._record(row, actor, event, reason=reason)
        if outcome == "execute":
            await self._run(row)
        return await self._changed(approval_id, "rejected" if decision == "reject" else "approved")

    async def cancel(self, approval_id: str, actor: Actor, granted: Grants) -> ApprovalView:
        """The requester withdraws a pending request."""
        row = await self._visible(approval_id, actor, granted)
        if actor.username != row.requested_by:
            raise PermissionDenied("only the requester can cancel a request")
        row = await self._expired_if_due(row)
        if not await self._approvals.move(approval_id, from_status="pending", status="cancelled"):
            current = await self._approvals.get(approval_id)
            raise Conflict(f"approval {approval_id} is {current.status if current else 'gone'}, not pending")
        await self._record(row, actor, "approval_cancelled")
        return await self._changed(approval_id, "cancelled")

    async def settled(self, approval_id: str) -> None:
        """Count and notify a request whose outcome was resolved from the chain (app/signing/outcomes.py)."""
        await self._changed(approval_id, "resolved")

    # ---- helpers ----

    async def _run(self, row: ApprovalRow) -> None:
        """Execute the claimed request (status executing) and record how it ended."""
        status: Status
        sent: list[str] = []  # the tx recorded before it left, if one did

        async def on_signed(signed: SignResult) -> None:
            text = json.dumps({"tx_hash": signed.tx_hash, "sequence": signed.sequence})
            if not await self._approvals.record_tx(row.id, text):  # resolved as interrupted meanwhile
                raise Conflict(f"approval {row.id} is no longer executing; nothing was sent")
            sent[:] = [text]

        try:
            status, reason, result = await self._execute(row, on_signed)
        except ServiceError as exc:  # anything the pipeline refuses or fails with
            # A lost answer after the tx left is not a failure: it may have landed (resolved from the chain).
            status = "unknown" if sent and outcome_unknown(exc) else "failed"
            reason, result = exc.message, None
        stored = json.dumps(result) if result is not None else (sent[0] if status == "unknown" else None)
        await self._approvals.move(row.id, from_status="executing", status=status, reason=reason, result=stored)
        await self._record(row, None, f"approval_{status}", reason=reason)

    def _may_approve(self, wallet_name: str, granted: Grants) -> bool:
        wallet = self._wallets.get(wallet_name)
        return wallet is not None and Permission.APPROVE in (wallet.permissions & granted(wallet_name))

    async def _visible(self, approval_id: str, actor: Actor, granted: Grants) -> ApprovalRow:
        row = await self._approvals.get(approval_id)
        if row is None or (
            row.requested_by != actor.username and not (granted(row.wallet) & self._wallet_permissions(row))
        ):
            raise UnknownApproval(f"approval '{approval_id}' not found")
        return row

    def _wallet_permissions(self, row: ApprovalRow) -> frozenset[Permission]:
        wallet = self._wallets.get(row.wallet)
        return wallet.permissions if wallet is not None else frozenset()

    async def _expired_if_due(self, row: ApprovalRow) -> ApprovalRow:
        if row.status == "pending" and self._clock.now() >= row.expires_at:
            if await self._approvals.move(row.id, from_status="pending", status="expired"):
                await self._record(row, None, "approval_expired")
                await self._changed(row.id, "expired")
            current = await self._approvals.get(row.id)
            return current or row
        return row

    async def _record(self, row: ApprovalRow, actor: Actor | None, outcome: str, *, reason: str | None = None) -> None:
        entry: dict[str, Any] = {
            "user": actor.username if actor else row.requested_by,
            "client_ip": actor.client_ip if actor else row.client_ip,
            "wallet": row.wallet,
            "action": f"{row.message_type}/{row.action}",
            "summary": {"type": row.message_type},
            "outcome": outcome,
            "approval_id": row.id,
        }
        if reason is not None:
            entry["reason"] = reason
        await self._audit.append(entry)

    async def _view(self, row: ApprovalRow) -> ApprovalView:
        return ApprovalView(row, tuple(await self._approvals.votes(row.id)))

    async def _changed(self, approval_id: str, event: str) -> ApprovalView:
        """Count, notify (in the background) and return the request as it is now."""
        row = await self._approvals.get(approval_id)
        assert row is not None
        view = await self._view(row)
        self._metrics.approval(event, pending=await self._approvals.count_pending())
        wallet = self._wallets.get(row.wallet)
        if wallet is not None and wallet.approvals is not None and wallet.approvals.webhook_url is not None:
            self._notifier.send(wallet.approvals, view.to_json(viewer=None))
        return view
