"""One sign, broadcast or resync attempt: authorize, audit, run once per Idempotency-Key.

Every attempt leaves an audit row, whether it is allowed, denied or failed. The row for a
signature is written before the signature leaves the service (or reaches the node), and if it
cannot be written nothing is returned or sent: the audit log fails closed.
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from app import metrics
from app.builders import Prepared
from app.chain.messages import NewOrder
from app.errors import ServiceError
from app.idempotency import request_fingerprint, run_once
from app.permissions import Permission
from app.policy import PolicyDenied, denied_for, spend_of
from app.policy import check as policy_check
from app.schemas import ResyncResponse, SignResponse
from app.services import Services
from app.signer import Signed
from app.store import LimitExceeded, WindowLimit
from app.users import User
from app.wallets import Wallet

_SUMMARY_FIELDS = ("symbol", "side", "price", "quantity", "amount", "denom", "to_address", "order_id", "refid")


@dataclass(frozen=True, slots=True)
class Attempt:
    """Who asks for what, from where."""

    user: User
    client_host: str | None
    wallet_name: str
    action: str  # e.g. "order/sign"
    permission: Permission
    summary: dict[str, Any]

    def audit_fields(self) -> dict[str, Any]:
        return {
            "user": self.user.username,
            "client_ip": self.client_host,
            "wallet": self.wallet_name,
            "action": self.action,
            "summary": self.summary,
        }


def summarize(message_type: str, msg: BaseModel) -> dict[str, Any]:
    """What the audit log keeps of a message: type, symbol, amounts, destination (no memo)."""
    data = msg.model_dump(exclude_none=True)
    summary: dict[str, Any] = {"type": message_type}
    for name in _SUMMARY_FIELDS:
        if name in data:
            summary[name] = str(data[name]) if isinstance(data[name], Decimal | int) else data[name]
    if "transfers" in data:
        summary["coins"] = [
            {"denom": c.get("denom") or c.get("symbol"), "amount": str(c["amount"])} for c in data["transfers"]
        ]
    if "proposal_id" in data:
        summary["proposal_id"] = str(data["proposal_id"])
        summary["option"] = data["option"]
    return summary


def sign_response(signed: Signed) -> SignResponse:
    msg = signed.tx.msg
    return SignResponse(
        signed_msg=signed.hex,
        tx_hash=signed.hash,
        sequence=signed.tx.sequence,
        account_number=signed.tx.account_number,
        chain_id=signed.chain_id,
        order_id=msg.id if isinstance(msg, NewOrder) else None,
    )


async def _authorize(services: Services, attempt: Attempt) -> Wallet:
    try:
        return services.authorize(
            attempt.user, attempt.wallet_name, attempt.permission, client_host=attempt.client_host
        )
    except ServiceError as exc:
        metrics.count_denial(exc)
        await services.audit.append(**attempt.audit_fields(), outcome="denied", reason=exc.message)
        raise


def _limits(attempt: Attempt, wallet: Wallet, msg: BaseModel) -> tuple[WindowLimit, ...]:
    """Check the wallet's and the user's static limits; return the rolling-window ones."""
    wallet_limits, user_limits = wallet.limits, attempt.user.limits.get(wallet.name)
    if wallet_limits is None and user_limits is None:
        return ()
    spend = spend_of(msg)
    hrp = wallet.environment.hrp
    windows: tuple[WindowLimit, ...] = ()
    if wallet_limits is not None:
        windows += policy_check(wallet_limits, spend, scope=f"wallet\n{wallet.name}", hrp=hrp, who="wallet")
    if user_limits is not None:
        scope = f"user\n{attempt.user.username}\n{wallet.name}"
        windows += policy_check(user_limits, spend, scope=scope, hrp=hrp, who="user")
    return windows


async def _audited(services: Services, attempt: Attempt, work: Callable[[], Any]) -> Any:
    """Run work; a failure is audited (with its reason) before it is raised; policy refusals are denials."""
    try:
        try:
            return await work()
        except LimitExceeded as exc:
            raise denied_for(exc) from None
    except ServiceError as exc:
        metrics.count_denial(exc)  # policy refusals; failures are not denials and are not counted
        if exc.status_code != 503:  # an unwritable audit log cannot record its own failure
            outcome = "denied" if isinstance(exc, PolicyDenied) else "failed"
            await services.audit.append(**attempt.audit_fields(), outcome=outcome, reason=exc.message)
        raise


async def sign_message(
    services: Services,
    attempt: Attempt,
    *,
    msg: BaseModel,
    prepare: Callable[[Any, Wallet], Prepared],
    idempotency_key: str | None,
) -> SignResponse:
    """Authorize, reserve a sequence, sign, audit; the answer is stored under the Idempotency-Key."""
    wallet = await _authorize(services, attempt)

    async def work() -> SignResponse:
        started = metrics.now()
        prepared = prepare(msg, wallet)
        limits = _limits(attempt, wallet, msg)
        entry = services.audit.for_signature(**attempt.audit_fields(), outcome="signed")
        signed = await services.signer.sign(wallet, prepared.build, memo=prepared.memo, limits=limits, audit=entry)
        metrics.observe_signature(attempt.action, wallet=wallet.name, started=started)
        return sign_response(signed)

    return await _run_once(services, attempt, msg, idempotency_key, lambda: _audited(services, attempt, work))  # type: ignore[no-any-return]


async def broadcast_message(
    services: Services,
    attempt: Attempt,
    *,
    msg: BaseModel,
    prepare: Callable[[Any, Wallet], Prepared],
    idempotency_key: str | None,
) -> list[Any]:
    """Authorize, sign, audit, send to the node, audit its answer; returns the node's answer."""
    wallet = await _authorize(services, attempt)

    async def before_send(signed: Signed) -> None:
        await services.audit.append(
            **attempt.audit_fields(), outcome="sending", sequence=signed.tx.sequence, tx_hash=signed.hash
        )

    async def work() -> list[Any]:
        started = metrics.now()
        prepared = prepare(msg, wallet)
        limits = _limits(attempt, wallet, msg)
        signed, answer = await services.signer.broadcast(
            wallet, prepared.build, memo=prepared.memo, limits=limits, before_send=before_send
        )
        await services.audit.append(
            **attempt.audit_fields(), outcome="broadcast", sequence=signed.tx.sequence, tx_hash=signed.hash
        )
        metrics.observe_signature(attempt.action, wallet=wallet.name, started=started)
        return answer  # type: ignore[no-any-return]

    return await _run_once(services, attempt, msg, idempotency_key, lambda: _audited(services, attempt, work))  # type: ignore[no-any-return]


async def resync_wallet(services: Services, attempt: Attempt) -> ResyncResponse:
    """Re-read account number and sequence from the node (permission resync), audited."""
    wallet = await _authorize(services, attempt)

    async def work() -> ResyncResponse:
        state = await services.signer.resync(wallet)
        metrics.RESYNCS.labels("explicit").inc()
        await services.audit.append(**attempt.audit_fields(), outcome="resynced", sequence=state.sequence)
        return ResyncResponse(
            wallet_name=wallet.name,
            address=wallet.address,
            account_number=state.account_number,
            sequence=state.sequence,
        )

    return await _audited(services, attempt, work)  # type: ignore[no-any-return]


async def _run_once(services: Services, attempt: Attempt, msg: BaseModel, key: str | None, action: Any) -> Any:
    """Run action under the request's Idempotency-Key, scoped to the user and the wallet."""
    if key is None:
        return await action()
    return await run_once(
        store=services.store,
        ttl_seconds=services.config.idempotency_ttl_hours * 3600,
        scope=f"{attempt.user.username}\n{attempt.wallet_name}",
        key=key,
        fingerprint=request_fingerprint(attempt.action, msg.model_dump(mode="json")),
        action=action,
    )
