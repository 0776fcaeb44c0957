"""Async client for a Binance Chain node's HTTP API (node-info, account, atomic swap, broadcast)."""

import asyncio
import re
from dataclasses import dataclass
from typing import Any

import httpcore  # noqa: F401  # httpx imports it at its first client: here, so the first sign adds no ~5 MB
import httpx
from pydantic import BaseModel

from app.chain import answers
from app.chain.errors import ChainError

MAX_ANSWER_BYTES = 2 * 1024 * 1024  # node-info and account answers are a few KB; a broadcast answer less


class NodeError(ChainError):
    """The node could not be used: unreachable, failing, or answering nonsense."""


class NodeTimeout(NodeError):
    """The node did not answer within the timeout."""


class NodeUnreachable(NodeError):
    """The node could not be reached (connection refused, reset, DNS)."""


class AccountNotFound(ChainError):
    """The node has never seen this address (it was never funded)."""


class SwapNotFound(ChainError):
    """The node knows no atomic swap with this id."""


@dataclass(frozen=True, slots=True)
class SwapParties:
    """Who an atomic swap pays: its creator (paid a deposit on claim) and its recipient (paid on refund)."""

    creator: str
    recipient: str


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
class CommittedTx:
    """A tx the chain has in a block: its hash, result code (0: applied) and height."""

    hash: str
    code: int
    height: int | None
    log: str | None


@dataclass(frozen=True, slots=True)
class BroadcastResult:
    """The node's HTTP status and JSON answer to a broadcast, unchanged."""

    status_code: int
    body: Any

    @property
    def ok(self) -> bool:
        return 200 <= self.status_code < 300


class NodeClient:
    """One node (an environment's api_url), shared by every wallet on it.

    Every request has one total deadline (timeout seconds from sending to the last byte, not per
    read: a node dripping one byte at a time is cut off) and a size cap on its answer (counted as
    it streams in, so a huge answer is never held), and every answer is checked against a strict
    model (app/chain/answers.py). Every error names the node.
    """

    def __init__(
        self, api_url: str, *, timeout: float = 10.0, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self._deadline = timeout
        self._client = httpx.AsyncClient(
            base_url=self.api_url,
            timeout=httpx.Timeout(timeout),
            transport=transport,
            headers={"Accept": "application/json", "User-Agent": "bnc-signing-service"},
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _request(self, method: str, path: str, **kwargs: Any) -> tuple[int, bytes]:
        """The answer's status and body, read within the deadline and the size cap."""
        try:
            async with asyncio.timeout(self._deadline):
                async with self._client.stream(method, path, **kwargs) as response:
                    return response.status_code, await self._read_capped(response)
        except (TimeoutError, httpx.TimeoutException):
            raise NodeTimeout(f"node {self.api_url} did not answer within {self._deadline:g} s") from None
        except httpx.HTTPError as exc:
            raise NodeUnreachable(f"node {self.api_url} unreachable: {type(exc).__name__}") from None

    async def _read_capped(self, response: httpx.Response) -> bytes:
        too_large = f"node {self.api_url} answered with more than {MAX_ANSWER_BYTES} bytes"
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_ANSWER_BYTES:
            raise NodeError(too_large.replace("more than", "larger than"))
        body = bytearray()
        async for chunk in response.aiter_bytes():  # decoded bytes: a compressed bomb is counted too
            body += chunk
            if len(body) > MAX_ANSWER_BYTES:
                raise NodeError(f"node {self.api_url} answer is larger than {MAX_ANSWER_BYTES} bytes")
        return bytes(body)

    def _read(self, what: str, status: int, raw: bytes, model: type[BaseModel]) -> Any:
        try:
            return answers.read(model, answers.parse_json(raw))
        except answers.BadAnswer as exc:
            raise NodeError(f"node {self.api_url} gave a bad {what} answer (HTTP {status}): {exc}") from None

    async def chain_id(self) -> str:
        """The network name from node-info, checked against the chain's charset and length."""
        status, raw = await self._request("GET", "/api/v1/node-info")
        if status != 200:
            raise NodeError(f"node {self.api_url} failed node-info with HTTP {status}")
        info: answers.NodeInfoAnswer = self._read("node-info", status, raw, answers.NodeInfoAnswer)
        return info.node_info.network

    async def account(self, address: str) -> AccountState:
        """Account number and sequence of address (int64, never negative); AccountNotFound if never funded."""
        status, raw = await self._request("GET", f"/api/v1/account/{address}")
        if status == 404:
            raise AccountNotFound(f"account {address} not found on the chain (never funded)")
        if status != 200:
            raise NodeError(f"node {self.api_url} failed the account lookup with HTTP {status}")
        state: answers.AccountAnswer = self._read("account", status, raw, answers.AccountAnswer)
        return AccountState(account_number=state.account_number, sequence=state.sequence)

    async def balances(self, address: str) -> tuple[Balance, ...]:
        """The coins the node reports for address; AccountNotFound if never funded."""
        status, raw = await self._request("GET", f"/api/v1/account/{address}")
        if status == 404:
            raise AccountNotFound(f"account {address} not found on the chain (never funded)")
        if status != 200:
            raise NodeError(f"node {self.api_url} failed the account lookup with HTTP {status}")
        found: answers.BalancesAnswer = self._read("account", status, raw, answers.BalancesAnswer)
        return tuple(Balance(symbol=b.symbol, free=b.free, locked=b.locked, frozen=b.frozen) for b in found.balances)

    async def tx(self, tx_hash: str) -> CommittedTx | None:
        """The committed tx of this hash (upper-case hex), or None if the chain has none."""
        if not re.fullmatch(r"[0-9A-F]{64}", tx_hash):
            raise ValueError("a tx hash is 64 upper-case hex digits")
        status, raw = await self._request("GET", f"/api/v1/tx/{tx_hash}", params={"format": "json"})
        if status == 404:
            return None
        if status != 200:
            raise NodeError(f"node {self.api_url} failed the tx lookup with HTTP {status}")
        found: answers.TxAnswer = self._read("tx", status, raw, answers.TxAnswer)
        if found.hash.upper() != tx_hash:
            raise NodeError(f"node {self.api_url} answered the tx lookup with another tx")
        height = int(found.height) if found.height is not None else None
        return CommittedTx(hash=tx_hash, code=found.code, height=height, log=found.log)

    async def swap(self, swap_id_hex: str) -> SwapParties:
        """The parties of an atomic swap (a deposit's coins end with one of them); SwapNotFound if none."""
        status, raw = await self._request("GET", f"/api/v1/atomic-swaps/{swap_id_hex.lower()}")
        if status == 404:
            raise SwapNotFound(f"no atomic swap {swap_id_hex.lower()} on the chain")
        if status != 200:
            raise NodeError(f"node {self.api_url} failed the atomic swap lookup with HTTP {status}")
        found: answers.SwapAnswer = self._read("atomic swap", status, raw, answers.SwapAnswer)
        return SwapParties(creator=found.fromAddr, recipient=found.toAddr)

    async def broadcast(self, tx_hex: str) -> BroadcastResult:
        """POST the signed tx hex to /api/v1/broadcast?sync=true; the answer, checked, as the node sent it.

        A 2xx answer must be a list of tx results, any other an error object; anything else (the
        tx may have been accepted) is a NodeError, so the caller treats the outcome as unknown.
        """
        status, raw = await self._request(
            "POST",
            "/api/v1/broadcast",
            params={"sync": "true"},
            content=tx_hex,
            headers={"Content-Type": "text/plain"},
        )
        if status >= 500:
            raise NodeError(f"node {self.api_url} failed the broadcast with HTTP {status}")
        model: type[BaseModel] = answers.BroadcastAccepted if 200 <= status < 300 else answers.BroadcastRefused
        self._read("broadcast", status, raw, model)
        return BroadcastResult(status_code=status, body=answers.parse_json(raw))
