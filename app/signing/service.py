"""The signing pipeline: one SigningService with sign, broadcast and resync, readable top to bottom.

    (web: authorize every reading's permission, audit a denial) -> idempotency -> prepare and effects
    (app/signing/ready.py) -> approvals -> policy on effects -> reserve -> sign -> audit -> [send -> audit]
Every attempt leaves an audit row, whether it succeeds, is refused by policy or fails. The row
for a signature is written before the signature leaves the service (or reaches the node), and
if it cannot be written nothing is returned or sent: the audit log fails closed.
"""

import json
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import replace
from typing import Any, TypeVar

from app.chain.node import AccountState, BroadcastResult
from app.chain.tx import SignedTx
from app.clock import Clock
from app.errors import AuditUnavailable, Conflict, KeyBackendDown, PolicyDenied, ServiceError
from app.keys import InProcessKey, KeyBackendUnavailable
from app.observability.metrics import Metrics
from app.signing.approvals import ApprovalDesk, ApprovalView, OnSigned, TooManyPending, UserGrants
from app.signing.audit import Actor, AuditLog, record_text
from app.signing.denials import Denials
from app.signing.effects import Effects
from app.signing.idempotency import Replay, request_fingerprint, run_once
from app.signing.keyfailure import key_backend_down
from app.signing.node import Nodes, expected_sequence, is_sequence_mismatch, node_message, rejection
from app.signing.outcomes import Outcomes
from app.signing.policy import check_all, denied_for
from app.signing.prepared import Prepared
from app.signing.ready import Ready, read_effects
from app.signing.reauthorize import revoked
from app.signing.table import row_named
from app.signing.txs import ResyncResult, SignRequest, SignResult, digest_of, result_of, sign_bytes_of
from app.signing.wallets import Wallet, WalletRegistry
from app.signing.webhooks import Notifier
from app.store import ApprovalRow, AuditWriteError, LimitExceeded, SequenceExhausted, Store, WindowLimit
from app.store.approvals import Status

T = TypeVar("T")
MAX_SEQUENCE_RETRIES = 3


class SigningService:
    """Signs and broadcasts for every wallet of one app."""

    def __init__(
        self,
        *,
        store: Store,
        wallets: WalletRegistry,
        audit: AuditLog,
        nodes: Nodes,
        metrics: Metrics,
        clock: Clock,
        source: int,
        idempotency_ttl_seconds: float,
        grants: UserGrants,
        denial_window_seconds: float = 0,
    ) -> None:
        self._store = store
        self._wallets = wallets
        self.audit = audit
        self.nodes = nodes
        self._metrics = metrics
        self._clock = clock
        self._source = source
        self._idempotency_ttl = idempotency_ttl_seconds
        self._grants = grants
        self.notifier = Notifier(metrics)
        self.approvals = ApprovalDesk(
            store=store,
            wallets=wallets,
            audit=audit,
            metrics=metrics,
            clock=clock,
            notifier=self.notifier,
            execute=self._execute_approved,
        )
        self.denials = Denials(
            store=store, wallets=wallets, metrics=metrics, clock=clock, window_seconds=denial_window_seconds
        )
        self.outcomes = Outcomes(
            store=store, wallets=wallets, nodes=nodes, audit=audit, clock=clock, changed=self.approvals.settled
        )

    # ---- the three operations ----

    async def sign(self, request: SignRequest) -> SignResult | ApprovalView | Replay:
        """Reserve the next sequence (within limits), sign, audit; kept per Idempotency-Key (or an ApprovalView)."""
        return await self._once(request, "sign", lambda: self._audited(request, "sign", self._sign_or_ask(request)))

    async def broadcast(self, request: SignRequest) -> list[Any] | ApprovalView | Replay:
        """Sign, audit, send to the node, audit its answer; the node's answer unchanged (or an ApprovalView)."""
        send = self._send_or_ask
        return await self._once(request, "broadcast", lambda: self._audited(request, "broadcast", send(request)))

    async def resync(self, actor: Actor, wallet: Wallet) -> ResyncResult:
        """Re-read account number and sequence from the node, after broadcasts in flight finish."""
        entry = AuditLog.entry(actor, wallet=wallet.name, action="wallet/resync", summary={"type": "resync"})
        try:
            async with self._store.locks.hold(wallet.account_key):
                await self.nodes.reread_chain_id(wallet.environment)
                state = await self._read_account(wallet, force=True)
        except ServiceError as exc:
            await self._record_failure(entry, exc)
            raise
        self._metrics.resync("explicit")
        await self.audit.append({**entry, "outcome": "resynced", "sequence": state.sequence})
        return ResyncResult(wallet.name, wallet.address, state.account_number, state.sequence)

    async def record_denial(self, entry: dict[str, Any], exc: ServiceError) -> None:
        """Count and audit a refused attempt (web calls this when authorization fails); aggregated per window."""
        await self.denials.record(entry, exc)

    # ---- steps ----

    async def _once(self, request: SignRequest, verb: str, action: Callable[[], Awaitable[T]]) -> T | Replay:
        """Idempotency: run action once per (user, wallet, Idempotency-Key)."""
        if request.idempotency_key is None:
            return await action()
        answer = await run_once(
            store=self._store,
            ttl_seconds=self._idempotency_ttl,
            scope=f"{request.actor.username}\n{request.wallet.name}",
            key=request.idempotency_key,
            fingerprint=request_fingerprint(request.action(verb), request.msg.model_dump(mode="json")),
            action=action,
            to_answer=_answer,
        )
        return await self.approvals.replayed(answer) if isinstance(answer, Replay) else answer

    async def _sign_or_ask(self, request: SignRequest, *, approved: bool = False) -> SignResult | ApprovalView:
        ready = await read_effects(request, self.nodes)
        if not approved and self.approvals.required(request, ready.effects):
            return await self._ask(request, "sign", ready)
        return await self._sign(request, ready)

    async def _send_or_ask(self, request: SignRequest, *, approved: bool = False) -> list[Any] | ApprovalView:
        ready = await read_effects(request, self.nodes)
        if not approved and self.approvals.required(request, ready.effects):
            return await self._ask(request, "broadcast", ready)
        return await self._send(request, ready)

    async def _ask(self, request: SignRequest, verb: str, ready: Ready) -> ApprovalView:
        """Approval: the request is checked as if it ran now (input, static limits), then waits for its quorum."""
        self._limits(request, ready.effects)  # static rules now; the rolling windows count when it runs
        return await self.approvals.request(request, verb)

    async def _execute_approved(self, row: ApprovalRow, on_signed: OnSigned) -> tuple[Status, str | None, Any]:
        """Run a request whose quorum was reached, as its requester, through the same pipeline."""
        message = row_named(row.message_type)
        wallet = self._wallets.get(row.wallet)
        if wallet is None:  # the wallet left the config since the request was made
            return "failed", f"wallet '{row.wallet}' is no longer configured", None
        msg = message.model.model_validate(json.loads(row.msg))
        request = SignRequest(Actor(row.requested_by, row.client_ip), wallet, message, msg, on_signed=on_signed)
        await self._reauthorize(request, row)
        if row.action == "sign":
            signed = await self._audited(request, "sign", self._sign_or_ask(request, approved=True))
            assert isinstance(signed, SignResult)  # approved: never asks again
            return "executed", None, signed.to_json()
        answer = await self._audited(request, "broadcast", self._send_or_ask(request, approved=True))
        return "executed", None, {"node_response": answer}

    async def _reauthorize(self, request: SignRequest, row: ApprovalRow) -> None:
        """The requester must still hold the grant (current config) when the quorum completes; audited."""
        refused = revoked(self._wallets, self._grants, request=request, row=row)
        if refused is not None:  # a revoked user's request must not run on others' approvals
            await self.record_denial(request.audit_entry(row.action, approval_id=row.id), refused)
            raise refused

    async def _audited(self, request: SignRequest, verb: str, work: Awaitable[T]) -> T:
        """Run work; a failure is audited (with its reason) before it is raised; policy refusals are denials."""
        try:
            try:
                return await work
            except LimitExceeded as exc:
                raise denied_for(exc) from None
            except SequenceExhausted as exc:  # the chain would refuse (or wrap) any further sequence
                raise Conflict(f"{exc}; nothing was signed") from None
            except KeyBackendUnavailable as exc:
                raise key_backend_down(request.wallet, exc, self._metrics) from exc
        except ServiceError as exc:
            await self._record_failure(request.audit_entry(verb), exc)
            raise

    async def _record_failure(self, entry: dict[str, Any], exc: ServiceError) -> None:
        if isinstance(exc, PolicyDenied | TooManyPending):  # refusals: counted as denials (aggregated)
            await self.record_denial(entry, exc)
        elif not isinstance(exc, AuditUnavailable):  # an unwritable audit log cannot record its own failure
            cause = {"cause": exc.cause} if isinstance(exc, KeyBackendDown) else {}  # why the HSM or KMS failed
            await self.audit.append({**entry, "outcome": "failed", "reason": exc.message, **cause})

    def _limits(self, request: SignRequest, effects: Effects) -> tuple[WindowLimit, ...]:
        """Policy on the signature's effects: static rules now; rolling windows, checked with the reservation."""
        return check_all(self._wallets.policies(request.wallet, request.actor.username), effects)

    async def _sign(self, request: SignRequest, ready: Ready) -> SignResult:
        await self.outcomes.settle(request.wallet)  # an earlier approved tx's fate first: it may hold a sequence
        started = self._clock.monotonic()
        wallet = request.wallet
        prepared = ready.prepared
        limits = self._limits(request, ready.effects)
        chain_id = await self.nodes.chain_id(wallet.environment)
        entry = request.audit_entry("sign", outcome="signed")
        if isinstance(wallet.key, InProcessKey):  # no lock: the reservation itself is atomic
            result = await self._sign_in_commit(wallet, wallet.key, prepared, chain_id, limits, entry)
        else:
            async with self._store.locks.hold(wallet.account_key):
                result = await self._sign_locked(wallet, prepared, chain_id, limits, entry)
        self._metrics.signature(
            request.message.name, "sign", wallet=wallet.name, seconds=self._clock.monotonic() - started
        )
        return result

    async def _sign_in_commit(
        self,
        wallet: Wallet,
        key: InProcessKey,
        prepared: Prepared,
        chain_id: str,
        limits: tuple[WindowLimit, ...],
        entry: dict[str, Any],
        *,
        locked: bool = False,
    ) -> SignResult:
        """An in-process key signs inside the reservation's group commit (CPU only), with its audit row.

        The signature is returned only after that transaction has committed (so the reservation
        is as durable as if it had been committed first), and not at all if the row cannot be
        written. The sequence is used even if the tx is never broadcast.
        """
        at = self._clock.now()

        def work(account_number: int, sequence: int) -> tuple[SignResult, str]:
            tx = self._unsigned(prepared, account_number, sequence, key.public_key)
            result = result_of(replace(tx, signature=key.sign_now(digest_of(tx, chain_id))), chain_id)
            return result, record_text(at, {**entry, "sequence": sequence, "tx_hash": result.tx_hash})

        try:
            reserved = await self._reserve(
                wallet, lambda: self._store.sequences.reserve_with(wallet.account_key, limits, work), locked=locked
            )
        except AuditWriteError:
            raise AuditUnavailable("the audit log cannot be written; nothing was signed") from None
        return reserved.value

    async def _sign_locked(
        self, wallet: Wallet, prepared: Prepared, chain_id: str, limits: tuple[WindowLimit, ...], entry: dict[str, Any]
    ) -> SignResult:
        """Reserve, sign and append entry's audit row, the caller holding the account's lock.

        An in-process key does all three in one commit. An HSM or KMS signs after the reservation
        commits; if it fails, the sequence is given back (nobody else can have taken the next one:
        the lock is held) and nothing leaves the service.
        """
        if isinstance(wallet.key, InProcessKey):
            return await self._sign_in_commit(wallet, wallet.key, prepared, chain_id, limits, entry, locked=True)
        key = wallet.account_key
        account_number, sequence = await self._reserve(
            wallet, lambda: self._store.sequences.reserve(key, limits), locked=True
        )
        try:
            result = await self._sign_with_backend(wallet, prepared, chain_id, account_number, sequence)
            await self.audit.append({**entry, "sequence": sequence, "tx_hash": result.tx_hash})
        except BaseException:
            await self._store.sequences.release(key, sequence)
            raise
        return result

    async def _send(self, request: SignRequest, ready: Ready) -> list[Any]:
        await self.outcomes.settle(request.wallet)  # an earlier approved tx's fate first: it may hold a sequence
        started = self._clock.monotonic()
        wallet = request.wallet
        prepared = ready.prepared
        limits = self._limits(request, ready.effects)
        chain_id = await self.nodes.chain_id(wallet.environment)
        key = wallet.account_key
        # The lock is held across sign and send so that broadcasts on one account reach the node
        # in sequence order (across workers and replicas too); otherwise N+1 could overtake N.
        last: BroadcastResult | None = None
        async with self._store.locks.hold(key):
            for attempt in range(MAX_SEQUENCE_RETRIES + 1):
                # Limits count once: a re-signed retry is the same request. The "sending" row is
                # written with the reservation: if it fails, nothing is sent.
                entry = request.audit_entry("broadcast", outcome="sending")
                try:
                    result = await self._sign_locked(wallet, prepared, chain_id, limits if attempt == 0 else (), entry)
                except AuditUnavailable:
                    # Beside other callers' work a reservation can outlive its failed row: re-read the
                    # account before the next signature, so no gap reaches the chain (best effort).
                    with suppress(Exception):
                        await self._store.sequences.mark_stale(key)
                    raise
                await self._before_sending(request, result)
                try:
                    answer = await self.nodes.broadcast(wallet.environment, result.signed_msg)
                except ServiceError:
                    # The tx may or may not have reached the chain: re-read before the next one.
                    await self._store.sequences.mark_stale(key)
                    raise
                if answer.ok:
                    break
                if not is_sequence_mismatch(answer):
                    await self._store.sequences.release(key, result.sequence)
                    error = rejection(answer)
                    self._metrics.node_error(error)
                    raise error
                await self._store.sequences.mark_stale(key)
                self._metrics.resync("mismatch")  # the next attempt re-reads the account
                last = answer
            else:
                assert last is not None
                raise Conflict(
                    "the node kept refusing the sequence after re-reading the account "
                    f"{MAX_SEQUENCE_RETRIES} times (chain expects {expected_sequence(last)}): "
                    f"{node_message(last.body)}",
                    extra={"node_response": last.body},
                )
        # Outside the lock: the account's next broadcast, woken by its release, reserves before this
        # row's batch starts, so the two share one commit (one fsync a broadcast, not two).
        await self.audit.append(
            request.audit_entry("broadcast", outcome="broadcast", sequence=result.sequence, tx_hash=result.tx_hash)
        )
        self._metrics.signature(
            request.message.name, "broadcast", wallet=wallet.name, seconds=self._clock.monotonic() - started
        )
        return answer.body  # type: ignore[no-any-return]  # the node's JSON, passed on as it is

    async def _before_sending(self, request: SignRequest, result: SignResult) -> None:
        """An approved request records its tx before it leaves, so a lost answer can be resolved from the chain."""
        if request.on_signed is None:
            return
        try:
            await request.on_signed(result)
        except BaseException:  # not sent: give the sequence back (the account's lock is held)
            await self._store.sequences.release(request.wallet.account_key, result.sequence)
            raise

    # ---- sequences and signatures ----

    async def _reserve(self, wallet: Wallet, reserve: Callable[[], Awaitable[T | None]], *, locked: bool = False) -> T:
        """reserve(); if the account is unknown or stale (None), re-read it from the node and retry.

        One reader per account goes to the node (under the account's lock); the others wait for it.
        """
        reserved = await reserve()
        if reserved is not None:
            return reserved
        if locked:
            return await self._reload_then(wallet, reserve)
        async with self._store.locks.hold(wallet.account_key):
            return await self._reload_then(wallet, reserve)

    async def _reload_then(self, wallet: Wallet, reserve: Callable[[], Awaitable[T | None]]) -> T:
        reserved = await reserve()  # another request may have re-read it while we waited for the lock
        if reserved is None:
            await self._read_account(wallet)
            reserved = await reserve()
            if reserved is None:  # only a concurrent mark_stale can get here; the caller may retry
                raise Conflict("the account changed state while its sequence was being read; try again")
        return reserved

    async def _read_account(self, wallet: Wallet, *, force: bool = False) -> AccountState:
        state = await self.nodes.account(wallet.environment, wallet.address)
        await self._store.sequences.load(
            wallet.account_key, account_number=state.account_number, sequence=state.sequence, force=force
        )
        return state

    def _unsigned(self, prepared: Prepared, account_number: int, sequence: int, public_key: bytes) -> SignedTx:
        return SignedTx(
            msg=prepared.build(sequence),
            public_key=public_key,
            signature=b"",
            account_number=account_number,
            sequence=sequence,
            memo=prepared.memo,
            source=self._source,
        )

    async def _sign_with_backend(
        self, wallet: Wallet, prepared: Prepared, chain_id: str, account_number: int, sequence: int
    ) -> SignResult:
        """Any key source: the signature is awaited (an HSM or KMS answers off the event loop)."""
        tx = self._unsigned(prepared, account_number, sequence, wallet.key.public_key)
        signature = await wallet.key.sign_message(sign_bytes_of(tx, chain_id))
        return result_of(replace(tx, signature=signature), chain_id)


def _answer(result: Any) -> tuple[int, Any]:
    """What an Idempotency-Key keeps: 202 for a request waiting for approval, else 200."""
    if isinstance(result, ApprovalView):
        return 202, result.to_json(viewer=result.row.requested_by)
    return 200, result.to_json() if isinstance(result, SignResult) else result
