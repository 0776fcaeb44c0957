"""Signing and broadcasting for wallets: sequence reservation, node round trips, error mapping.

Routes call sign() or broadcast() with a builder that turns the reserved sequence into a chain
message (orders need it for their id). Nothing here knows about HTTP requests.
"""

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from app import metrics
from app.audit import AuditUnavailable, SignatureEntry
from app.chain.messages import Msg
from app.chain.node import AccountNotFound, AccountState, BroadcastResult, NodeClient, NodeError, NodeTimeout
from app.chain.tx import SignedTx, sign_tx, tx_hash
from app.errors import BadGateway, Conflict, GatewayTimeout, ServiceError
from app.store import AuditWriteError, Store, WindowLimit
from app.wallets import Environment, Wallet

MsgBuilder = Callable[[int], Msg]
T = TypeVar("T")
MAX_SEQUENCE_RETRIES = 3
SEQUENCE_ABCI_CODE = 65539
_EXPECTED_RE = re.compile(r"expected (\d+)")


@dataclass(frozen=True, slots=True)
class Signed:
    """A signed transaction and the facts a caller needs about it (each computed once)."""

    tx: SignedTx
    hex: str  # the encoded tx, as posted to the node and returned to the caller
    hash: str  # upper-case hex SHA-256 of the encoded tx
    chain_id: str


class NodeRejected(ServiceError):
    """The node answered the broadcast with an error; its answer is passed on."""

    status_code = 400


def _node_message(body: Any) -> str:
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return body["message"][:300]
    return "no message"


def _is_sequence_mismatch(result: BroadcastResult) -> bool:
    body = result.body if isinstance(result.body, dict) else {}
    return result.status_code == 403 or SEQUENCE_ABCI_CODE in (body.get("code"), body.get("abci_code"))


class Signer:
    """Signs for every wallet; one instance per app, sharing the store with other workers."""

    def __init__(
        self, *, store: Store, source: int = 0, node_factory: Callable[[Environment], NodeClient] | None = None
    ) -> None:
        self.store = store
        self.source = source
        self._node_factory = node_factory or (lambda env: NodeClient(env.api_url, timeout=env.timeout_seconds))
        self._nodes: dict[str, NodeClient] = {}
        self._chain_ids: dict[str, str] = {}
        self._chain_id_lock = asyncio.Lock()

    def node(self, env: Environment) -> NodeClient:
        """The shared client for env's node."""
        client = self._nodes.get(env.api_url)
        if client is None:
            client = self._nodes[env.api_url] = self._node_factory(env)
        return client

    async def aclose(self) -> None:
        for client in self._nodes.values():
            await client.aclose()

    async def chain_id(self, env: Environment) -> str:
        """The configured chain id, else the node's, read once and cached."""
        if env.chain_id:
            return env.chain_id
        cached = self._chain_ids.get(env.api_url)
        if cached is None:
            async with self._chain_id_lock:
                cached = self._chain_ids.get(env.api_url)
                if cached is None:
                    cached = self._chain_ids[env.api_url] = await _call_node(self.node(env).chain_id())
        return cached

    async def _read_node(self, wallet: Wallet, *, force: bool = False) -> AccountState:
        state: AccountState = await _call_node(self.node(wallet.environment).account(wallet.address))
        await self.store.load_account(
            wallet.account_key, account_number=state.account_number, sequence=state.sequence, force=force
        )
        return state

    async def _reserve_or_reload(self, wallet: Wallet, reserve: Callable[[], Awaitable[T | None]]) -> T:
        """reserve(); if the account is unknown or stale (None), re-read it from the node and retry.

        The caller holds the account's lock, so only one reader per account goes to the node.
        """
        reserved = await reserve()
        if reserved is None:
            await self._read_node(wallet)
            reserved = await reserve()
            if reserved is None:  # only a concurrent mark_stale can get here; the caller may retry
                raise Conflict("the account changed state while its sequence was being read; try again")
        return reserved

    def _sign(
        self, wallet: Wallet, build: MsgBuilder, memo: str, *, chain_id: str, account_number: int, sequence: int
    ) -> Signed:
        tx = sign_tx(
            key=wallet.key,
            msg=build(sequence),
            chain_id=chain_id,
            account_number=account_number,
            sequence=sequence,
            memo=memo,
            source=self.source,
        )
        raw = tx.encode()
        return Signed(tx=tx, hex=raw.hex(), hash=tx_hash(raw), chain_id=chain_id)

    async def sign(
        self,
        wallet: Wallet,
        build: MsgBuilder,
        *,
        audit: SignatureEntry,
        memo: str = "",
        limits: tuple[WindowLimit, ...] = (),
    ) -> Signed:
        """Reserve the wallet's next sequence (within limits), sign, and write the audit row.

        The reservation, the signature and its audit row share one group commit: the signature is
        made inside the transaction and returned only after it has committed (so the reservation
        is as durable as if it had been committed first), and not at all if the row cannot be
        written (AuditUnavailable). The sequence is used even if the tx is never broadcast.
        """
        chain_id = await self.chain_id(wallet.environment)

        def produce(account_number: int, sequence: int) -> tuple[Signed, str]:
            signed = self._sign(
                wallet, build, memo, chain_id=chain_id, account_number=account_number, sequence=sequence
            )
            return signed, audit.record(sequence=sequence, tx_hash=signed.hash)

        key = wallet.account_key

        async def reserve() -> tuple[Signed, int] | None:
            done: tuple[Signed, int] | None = await self.store.reserve_then(key, limits, produce, chain=audit.chain)
            return done

        try:
            done = await reserve()
            if done is None:
                # First use or stale: one reader per account re-reads the node, the others wait for it.
                async with self.store.account_lock(key):
                    done = await self._reserve_or_reload(wallet, reserve)
        except AuditWriteError:
            raise AuditUnavailable("the audit log cannot be written; nothing was signed") from None
        return done[0]

    async def broadcast(
        self,
        wallet: Wallet,
        build: MsgBuilder,
        *,
        memo: str = "",
        limits: tuple[WindowLimit, ...] = (),
        before_send: Callable[[Signed], Awaitable[None]] | None = None,
    ) -> tuple[Signed, Any]:
        """Sign and send to the wallet's node; return the signed tx and the node's JSON answer.

        On a sequence mismatch the account is re-read from the node and the tx re-signed, up to
        MAX_SEQUENCE_RETRIES times.
        """
        chain_id = await self.chain_id(wallet.environment)
        node = self.node(wallet.environment)
        key = wallet.account_key
        # The lock is held across sign and send so that broadcasts on one account reach the node
        # in sequence order (across workers and replicas too); otherwise N+1 could overtake N.
        async with self.store.account_lock(key):
            last: BroadcastResult | None = None
            for attempt in range(MAX_SEQUENCE_RETRIES + 1):
                # Limits count once: a re-signed retry is the same request.
                counted = limits if attempt == 0 else ()
                account_number, sequence = await self._reserve_or_reload(
                    wallet, lambda counted=counted: self.store.reserve_sequence(key, counted)
                )
                signed = self._sign(
                    wallet, build, memo, chain_id=chain_id, account_number=account_number, sequence=sequence
                )
                if before_send is not None:
                    try:
                        await before_send(signed)  # e.g. the audit row: if it fails, nothing is sent
                    except BaseException:
                        await self.store.release_sequence(key, sequence)
                        raise
                try:
                    result: BroadcastResult = await _call_node(node.broadcast(signed.hex))
                except (BadGateway, GatewayTimeout):
                    # The tx may or may not have reached the chain: re-read before the next one.
                    await self.store.mark_stale(key)
                    raise
                if result.ok:
                    return signed, result.body
                if not _is_sequence_mismatch(result):
                    await self.store.release_sequence(key, sequence)
                    metrics.count_node_error("rejected")
                    raise _rejected(result)
                await self.store.mark_stale(key)
                metrics.RESYNCS.labels("mismatch").inc()  # the next attempt re-reads the account
                last = result
        assert last is not None
        expected = _EXPECTED_RE.search(_node_message(last.body))
        raise Conflict(
            "the node kept refusing the sequence after re-reading the account "
            f"{MAX_SEQUENCE_RETRIES} times (chain expects {expected.group(1) if expected else 'unknown'}): "
            f"{_node_message(last.body)}",
            extra={"node_response": last.body},
        )

    async def resync(self, wallet: Wallet) -> AccountState:
        """Re-read account number and sequence from the node, after broadcasts in flight finish."""
        async with self.store.account_lock(wallet.account_key):
            return await self._read_node(wallet, force=True)


def _rejected(result: BroadcastResult) -> ServiceError:
    message = _node_message(result.body)
    extra = {"node_status": result.status_code, "node_response": result.body}
    if result.status_code == 401:
        # A signature the node refuses is the service's fault (e.g. a chain_id that does not
        # match the node), not the caller's.
        return BadGateway(f"the node refused the signature: {message}", extra=extra)
    return NodeRejected(f"the node rejected the transaction: {message}", extra=extra)


async def _call_node(awaitable: Any) -> Any:
    """Await a node call, mapping chain-level failures to service errors with their status."""
    try:
        return await awaitable
    except AccountNotFound as exc:
        raise Conflict(f"{exc}: fund the address before signing for it") from None
    except NodeTimeout as exc:
        metrics.count_node_error(exc)
        raise GatewayTimeout(str(exc)) from None
    except NodeError as exc:
        metrics.count_node_error(exc)
        raise BadGateway(str(exc)) from None
