"""Approved requests whose outcome is not known, resolved from the chain before their account signs again.

An approved broadcast records its tx (hash and sequence) on its request before the tx leaves the
service. If the node's answer is then lost (a timeout, a dropped connection, a bad answer) the
tx may have landed: the request becomes `unknown`, not `failed` (a requester told "failed" would
ask again and pay twice). A request left `executing` by a crash (no update for LEASE_SECONDS) is
treated the same way. Either is resolved from the chain: the tx by its hash, else the account's
sequence; at start-up, before anything else is signed on its account, and by hand
(`python -m app approvals resolve`).
"""

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from app.clock import Clock
from app.errors import Conflict, NodeBadAnswer, NodeTimeout, NodeUnreachable, ServiceError, Unavailable
from app.signing.audit import AuditLog
from app.signing.node import Nodes
from app.signing.wallets import Wallet, WalletRegistry
from app.store import ApprovalRow, Store
from app.store.approvals import Status

log = logging.getLogger("app.approvals")
LEASE_SECONDS = 300.0  # far above an execution's worst case (lock wait, 4 broadcasts at the node timeout)
LANDING_GRACE_SECONDS = 60.0  # a tx the chain still lacks this long after it was sent is taken as lost
# The node's answer was lost, or the audit row after it: the tx may be on the chain.
_ANSWER_LOST = (NodeTimeout, NodeUnreachable, NodeBadAnswer, Unavailable)


def outcome_unknown(exc: ServiceError) -> bool:
    """True for a failure after which a recorded tx may have landed (not a refusal by the node)."""
    return isinstance(exc, _ANSWER_LOST)


class OutcomePending(Conflict):
    """An earlier approved request on this account has an outcome the chain cannot tell yet: nothing is signed."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.headers = {"Retry-After": str(retry_after)}

    @property
    def retryable(self) -> bool:  # not kept under an Idempotency-Key: the same request may run later
        return True


@dataclass(frozen=True, slots=True)
class Resolution:
    status: Status
    reason: str | None
    result: dict[str, Any] | None


class Outcomes:
    """Finds and resolves the approved requests whose outcome is unknown."""

    def __init__(
        self,
        *,
        store: Store,
        wallets: WalletRegistry,
        nodes: Nodes,
        audit: AuditLog,
        clock: Clock,
        changed: Callable[[str], Awaitable[Any]],
        lease_seconds: float = LEASE_SECONDS,
        grace_seconds: float = LANDING_GRACE_SECONDS,
    ) -> None:
        self._store = store
        self._wallets = wallets
        self._nodes = nodes
        self._audit = audit
        self._clock = clock
        self._changed = changed
        self._lease = lease_seconds
        self._grace = grace_seconds
        # Only accounts with a two-person rule can have approved requests: the others skip the query.
        self._accounts = {w.account_key for w in wallets if w.approvals is not None}

    async def settle(self, wallet: Wallet) -> None:
        """Resolve the account's unknown outcomes before it signs; OutcomePending if the chain cannot tell yet."""
        if wallet.account_key not in self._accounts:
            return
        names = {w.name for w in self._wallets if w.account_key == wallet.account_key}
        for row in await self._unresolved(names):
            if await self.resolve(row) == "unknown":
                raise OutcomePending(
                    f"the outcome of approval {row.id} on this account is not known yet (its tx is not on the "
                    "chain and may still land); nothing was signed, try again later",
                    retry_after=int(self._grace),
                )

    async def resolve_all(self) -> dict[str, str]:
        """Every unresolved request (start-up): id -> the status it has now; a node failure leaves it as it was."""
        done: dict[str, str] = {}
        for row in await self._unresolved(None):
            try:
                done[row.id] = await self.resolve(row)
            except ServiceError as exc:
                log.warning("approval %s: outcome not resolved: %s", row.id, exc.message)
                done[row.id] = row.status
        return done

    async def resolve(self, row: ApprovalRow, *, force: bool = False) -> str:
        """Decide one request from the chain (force: a tx the chain lacks is lost now); its status after."""
        if row.status not in ("unknown", "executing"):
            return row.status
        decided = await self._decide(row, force=force)
        if decided is None:
            if row.status == "executing" and await self._move(row, "unknown", None, row.result):
                await self._record(row, "approval_unknown", "interrupted after its tx was sent")
            return "unknown"
        if decided.status == "failed":
            wallet = self._wallets.get(row.wallet)
            if wallet is not None:  # the chain's sequence may differ from the one reserved: re-read it
                await self._store.sequences.mark_stale(wallet.account_key)
        result = json.dumps(decided.result) if decided.result is not None else None
        if not await self._move(row, decided.status, decided.reason, result):
            current = await self._store.approvals.get(row.id)
            return current.status if current is not None else row.status
        await self._record(row, f"approval_{decided.status}", decided.reason, resolved=True)
        await self._changed(row.id)
        return decided.status

    async def _unresolved(self, wallets: set[str] | None) -> list[ApprovalRow]:
        stale_before = self._clock.now() - self._lease
        return await self._store.approvals.unresolved(wallets=wallets, stale_before=stale_before)

    async def _decide(self, row: ApprovalRow, *, force: bool) -> Resolution | None:
        sent = json.loads(row.result) if row.result else {}
        tx_hash, sequence = sent.get("tx_hash"), sent.get("sequence")
        if not isinstance(tx_hash, str) or not isinstance(sequence, int):
            if row.status == "executing":  # the tx is recorded before it is sent: none recorded, none sent
                return Resolution("failed", "interrupted before its tx was sent", None)
            return None
        wallet = self._wallets.get(row.wallet)
        if wallet is None:  # no node to ask: it stays unknown
            return None
        env = wallet.environment
        found = await self._nodes.tx(env, tx_hash)
        if found is not None and found.code == 0:
            answer = {"code": 0, "hash": found.hash, "height": found.height, "log": found.log, "ok": True}
            return Resolution("executed", None, {**sent, "node_response": [answer], "resolved_from_chain": True})
        if found is not None:
            return Resolution("failed", f"tx {tx_hash} is on the chain with code {found.code}: not applied", None)
        chain_sequence = (await self._nodes.account(env, wallet.address)).sequence
        if chain_sequence > sequence:  # another tx took its sequence: this one can never land
            return Resolution("failed", f"tx {tx_hash} did not land: sequence {sequence} was used by another tx", None)
        if force or self._clock.now() - row.updated_at >= self._grace:
            return Resolution(
                "failed", f"tx {tx_hash} did not reach the chain (account sequence still {chain_sequence})", None
            )
        return None

    async def _move(self, row: ApprovalRow, status: Status, reason: str | None, result: str | None) -> bool:
        return await self._store.approvals.move(
            row.id, from_status=row.status, status=status, reason=reason, result=result
        )

    async def _record(self, row: ApprovalRow, outcome: str, reason: str | None, *, resolved: bool = False) -> None:
        entry: dict[str, Any] = {
            "user": row.requested_by,
            "client_ip": row.client_ip,
            "wallet": row.wallet,
            "action": f"{row.message_type}/{row.action}",
            "summary": {"type": row.message_type},
            "outcome": outcome,
            "approval_id": row.id,
        }
        if reason is not None:
            entry["reason"] = reason
        if resolved:
            entry["resolved_from_chain"] = True
        await self._audit.append(entry)
