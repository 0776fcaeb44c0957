"""The nodes of the configured environments: one client each, the chain id, and node failures as domain errors."""

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from app.chain import node as chain_node
from app.chain.node import AccountState, Balance, BroadcastResult, CommittedTx, NodeClient, SwapParties
from app.errors import (
    Conflict,
    NodeBadAnswer,
    NodeRefusedSignature,
    NodeRejected,
    NodeTimeout,
    NodeUnreachable,
    ServiceError,
)
from app.observability.metrics import Metrics
from app.signing.wallets import Environment

T = TypeVar("T")
NodeFactory = Callable[[Environment], NodeClient]
SEQUENCE_ABCI_CODE = 65539
_EXPECTED_RE = re.compile(r"expected (\d+)")


def default_node_factory(env: Environment) -> NodeClient:
    return NodeClient(env.api_url, timeout=env.timeout_seconds)


def node_message(body: Any) -> str:
    """The node's own reason from an error answer (bounded)."""
    message = body.get("message") if isinstance(body, dict) else None
    if isinstance(message, str):
        return message[:300]
    return "no message"


def expected_sequence(result: BroadcastResult) -> str:
    """The sequence the chain said it expects, or 'unknown'."""
    found = _EXPECTED_RE.search(node_message(result.body))
    return found.group(1) if found else "unknown"


def is_sequence_mismatch(result: BroadcastResult) -> bool:
    body = result.body if isinstance(result.body, dict) else {}
    return result.status_code == 403 or SEQUENCE_ABCI_CODE in (body.get("code"), body.get("abci_code"))


def rejection(result: BroadcastResult) -> ServiceError:
    """The error for a broadcast the node refused (not a sequence mismatch)."""
    message = node_message(result.body)
    extra = {"node_status": result.status_code, "node_response": result.body}
    if result.status_code == 401:
        # A signature the node refuses is the service's fault (e.g. a chain_id that does not
        # match the node), not the caller's.
        return NodeRefusedSignature(f"the node refused the signature: {message}", extra=extra)
    return NodeRejected(f"the node rejected the transaction: {message}", extra=extra)


class Nodes:
    """Node clients by api_url, shared by every wallet on them, and each environment's chain id."""

    def __init__(self, *, metrics: Metrics, factory: NodeFactory | None = None) -> None:
        self._metrics = metrics
        self._factory = factory or default_node_factory
        self._clients: dict[str, NodeClient] = {}
        self._chain_ids: dict[str, str] = {}
        self._chain_id_lock = asyncio.Lock()

    def client(self, env: Environment) -> NodeClient:
        client = self._clients.get(env.api_url)
        if client is None:
            client = self._clients[env.api_url] = self._factory(env)
        return client

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.aclose()

    async def chain_id(self, env: Environment) -> str:
        """The configured chain id, else the node's (checked by the client), read once and cached until a resync."""
        if env.chain_id:
            return env.chain_id
        cached = self._chain_ids.get(env.api_url)
        if cached is None:
            async with self._chain_id_lock:
                cached = self._chain_ids.get(env.api_url)
                if cached is None:
                    cached = self._chain_ids[env.api_url] = await self.call(self.client(env).chain_id())
        return cached

    async def reread_chain_id(self, env: Environment) -> None:
        """Read the node's chain id again (a resync): a node moved to another network is noticed."""
        if not env.chain_id:
            async with self._chain_id_lock:
                self._chain_ids[env.api_url] = await self.call(self.client(env).chain_id())

    async def account(self, env: Environment, address: str) -> AccountState:
        return await self.call(self.client(env).account(address))

    async def balances(self, env: Environment, address: str) -> tuple[Balance, ...]:
        """The address's coins as its node reports them (for the console; never used to sign)."""
        return await self.call(self.client(env).balances(address))

    async def node_info(self, env: Environment) -> str:
        """The node's network name, asked now (not the cached chain id): a reachability check."""
        return await self.call(self.client(env).chain_id())

    async def tx(self, env: Environment, tx_hash: str) -> CommittedTx | None:
        """The committed tx of tx_hash on env's chain, or None (resolving an unknown outcome)."""
        return await self.call(self.client(env).tx(tx_hash))

    async def swap(self, env: Environment, swap_id_hex: str) -> SwapParties | None:
        """Who an atomic swap pays, as its node reports it now; None if the chain has no such swap (yet)."""
        try:
            return await self.call(self.client(env).swap(swap_id_hex))
        except chain_node.SwapNotFound:
            return None

    async def broadcast(self, env: Environment, tx_hex: str) -> BroadcastResult:
        return await self.call(self.client(env).broadcast(tx_hex))

    async def call(self, awaitable: Awaitable[T]) -> T:
        """Await a node call, turning chain-level failures into domain errors (counted)."""
        try:
            return await awaitable
        except chain_node.AccountNotFound as exc:
            raise Conflict(f"{exc}: fund the address before signing for it") from None
        except chain_node.NodeTimeout as exc:
            error: ServiceError = NodeTimeout(str(exc))
        except chain_node.NodeUnreachable as exc:
            error = NodeUnreachable(str(exc))
        except chain_node.NodeError as exc:
            error = NodeBadAnswer(str(exc))
        self._metrics.node_error(error)
        raise error
