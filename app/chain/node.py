"""Async client for a Binance Chain node's HTTP API (node-info, account, broadcast)."""

from dataclasses import dataclass
from typing import Any

import httpx

from app.chain.errors import ChainError


class NodeError(ChainError):
    """The node could not be used: unreachable, failing, or answering nonsense."""


class NodeTimeout(NodeError):
    """The node did not answer within the timeout."""


class NodeUnreachable(NodeError):
    """The node could not be reached (connection refused, reset, DNS)."""


class AccountNotFound(ChainError):
    """The node has never seen this address (it was never funded)."""


@dataclass(frozen=True, slots=True)
class AccountState:
    """What the node says about an account's signing state."""

    account_number: int
    sequence: int


@dataclass(frozen=True, slots=True)
class Balance:
    """One coin of an account, as the node reports it (decimal strings, unchanged)."""

    symbol: str
    free: str
    locked: str
    frozen: str


@dataclass(frozen=True, slots=True)
class BroadcastResult:
    """The node's HTTP status and JSON answer to a broadcast, unchanged."""

    status_code: int
    body: Any

    @property
    def ok(self) -> bool:
        return 200 <= self.status_code < 300


class NodeClient:
    """One node (an environment's api_url), shared by every wallet on it."""

    def __init__(
        self, api_url: str, *, timeout: float = 10.0, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self._client = httpx.AsyncClient(
            base_url=self.api_url,
            timeout=httpx.Timeout(timeout),
            transport=transport,
            headers={"Accept": "application/json", "User-Agent": "bnc-signing-service"},
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            return await self._client.request(method, path, **kwargs)
        except httpx.TimeoutException:
            raise NodeTimeout(f"node {self.api_url} did not answer in time") from None
        except httpx.HTTPError as exc:
            raise NodeUnreachable(f"node {self.api_url} unreachable: {type(exc).__name__}") from None

    @staticmethod
    def _json(response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            raise NodeError(f"node answered HTTP {response.status_code} with a non-JSON body") from None

    async def chain_id(self) -> str:
        """The network name from node-info."""
        response = await self._request("GET", "/api/v1/node-info")
        if response.status_code != 200:
            raise NodeError(f"node-info failed with HTTP {response.status_code}")
        body = self._json(response)
        try:
            network = body["node_info"]["network"]
        except (KeyError, TypeError):
            raise NodeError("node-info answer has no node_info.network") from None
        if not isinstance(network, str) or not network:
            raise NodeError("node-info answer has no chain id")
        return network

    async def account(self, address: str) -> AccountState:
        """Account number and sequence of address; AccountNotFound if never funded."""
        response = await self._request("GET", f"/api/v1/account/{address}")
        if response.status_code == 404:
            raise AccountNotFound(f"account {address} not found on the chain (never funded)")
        if response.status_code != 200:
            raise NodeError(f"account lookup failed with HTTP {response.status_code}")
        body = self._json(response)
        try:
            state = AccountState(account_number=int(body["account_number"]), sequence=int(body["sequence"]))
        except (KeyError, TypeError, ValueError):
            raise NodeError("account answer lacks account_number/sequence") from None
        if state.account_number < 0 or state.sequence < 0:
            raise NodeError("account answer has negative numbers")
        return state

    async def balances(self, address: str) -> tuple[Balance, ...]:
        """The coins the node reports for address; AccountNotFound if never funded."""
        response = await self._request("GET", f"/api/v1/account/{address}")
        if response.status_code == 404:
            raise AccountNotFound(f"account {address} not found on the chain (never funded)")
        if response.status_code != 200:
            raise NodeError(f"account lookup failed with HTTP {response.status_code}")
        body = self._json(response)
        try:
            return tuple(
                Balance(symbol=str(b["symbol"]), free=str(b["free"]), locked=str(b["locked"]), frozen=str(b["frozen"]))
                for b in body.get("balances") or ()
            )
        except (KeyError, TypeError, AttributeError):
            raise NodeError("account answer has malformed balances") from None

    async def broadcast(self, tx_hex: str) -> BroadcastResult:
        """POST the signed tx hex to /api/v1/broadcast?sync=true and return the answer unchanged."""
        response = await self._request(
            "POST",
            "/api/v1/broadcast",
            params={"sync": "true"},
            content=tx_hex,
            headers={"Content-Type": "text/plain"},
        )
        if response.status_code >= 500:
            raise NodeError(f"node failed the broadcast with HTTP {response.status_code}")
        return BroadcastResult(status_code=response.status_code, body=self._json(response))
