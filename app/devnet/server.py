"""The devnet's HTTP API: the subset of the Binance Chain node ("accelerated node") API the service uses.

Every answer is JSON, errors included: {"code": <http status>, "message": ...}, and for a refused
broadcast also "abci_code", "failed_tx_index" and "success_tx_results", as the node sent them.

With faults enabled the app also has the admin routes of fault injection (app.devnet.faults) and of
sequence tampering; without, they do not exist (404 like any unknown route).
"""

import hashlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.chain.amounts import INT64_MAX
from app.devnet.faults import FaultMiddleware, FaultQueue, FaultSpec
from app.devnet.state import (
    DEFAULT_PROPOSALS,
    MAX_TX_BYTES,
    Account,
    Code,
    CommittedTx,
    Ledger,
    Order,
    Swap,
    TxRejected,
)

DEVNET_VERSION = "0.0.0-devnet"

# HTTP statuses the node gave for ABCI codes; anything else it refused was a 400.
_HTTP_STATUS = {
    Code.UNAUTHORIZED: 401,
    Code.INVALID_PUBKEY: 401,
    Code.INVALID_SEQUENCE: 403,
}


def format_units(units: int) -> str:
    """Units of 1e-8 as the node prints them: "100.00000000"."""
    sign = "-" if units < 0 else ""
    whole, fraction = divmod(abs(units), 10**8)
    return f"{sign}{whole}.{fraction:08d}"


def error_response(status: int, message: str) -> JSONResponse:
    """The node's plain error body."""
    return JSONResponse({"code": status, "message": message}, status_code=status)


def rejection_response(error: TxRejected) -> JSONResponse:
    """The node's answer to a refused broadcast."""
    status = _HTTP_STATUS.get(error.code, 400)
    body = {
        "code": status,
        "abci_code": int(error.code),
        "failed_tx_index": 0,
        "message": error.message,
        "success_tx_results": [],
    }
    return JSONResponse(body, status_code=status)


def account_json(account: Account) -> dict[str, Any]:
    """An account as GET /api/v1/account/{address} shows it."""
    balances = [
        {
            "symbol": symbol,
            "free": format_units(b.free),
            "locked": format_units(b.locked),
            "frozen": format_units(b.frozen),
        }
        for symbol, b in sorted(account.balances.items())
        if not b.is_empty()
    ]
    return {
        "address": account.address,
        "account_number": account.account_number,
        "sequence": account.sequence,
        "balances": balances,
        "public_key": list(account.public_key) if account.public_key is not None else None,
        "flags": account.flags,
    }


def tx_json(committed: CommittedTx) -> dict[str, Any]:
    """A committed tx as GET /api/v1/tx/{hash}?format=json shows it."""
    tx = committed.tx
    return {
        "hash": committed.hash,
        "height": committed.height,
        "code": 0,
        "log": "Msg 0: ",
        "ok": True,
        "data": committed.data,
        "tx": {
            "type": type(tx.msg).__name__,
            "msgs": [tx.msg.sign_dict()],
            "memo": tx.memo,
            "source": tx.source,
            "account_number": tx.account_number,
            "sequence": tx.sequence,
            "public_key": tx.public_key.hex(),
            "signature": tx.signature.hex(),
        },
    }


def _coins_text(amounts: dict[str, int]) -> str:
    return ",".join(f"{amount}:{symbol}" for symbol, amount in sorted(amounts.items()))


def swap_json(swap: Swap) -> dict[str, Any]:
    """An atomic swap as GET /api/v1/atomic-swaps/{id} shows it (the chain API's AtomicSwap fields)."""
    return {
        "swapId": swap.swap_id,
        "fromAddr": swap.from_,
        "toAddr": swap.to,
        "outAmount": _coins_text(swap.out_amount),
        "inAmount": _coins_text(swap.in_amount),
        "expectedIncome": swap.expected_income,
        "recipientOtherChain": swap.recipient_other_chain,
        "randomNumberHash": swap.random_number_hash,
        "randomNumber": swap.random_number,
        "timestamp": swap.timestamp,
        "crossChain": int(swap.cross_chain),
        "expireHeight": swap.expire_height,
        "closedTime": swap.closed_time,
        "status": swap.status,
    }


def order_json(order: Order) -> dict[str, Any]:
    """An open order as GET /api/v1/orders/open lists it."""
    return {
        "orderId": order.id,
        "owner": order.sender,
        "symbol": order.symbol,
        "side": order.side,
        "price": format_units(order.price),
        "quantity": format_units(order.quantity),
        "cumulateQuantity": format_units(0),
        "status": "Ack",
        "timeInForce": order.timeinforce,
        "transactionHash": order.tx_hash,
        "blockHeight": order.height,
    }


def parse_tx_body(body: bytes) -> bytes:
    """The tx bytes from a broadcast body (hex text, surrounding whitespace ignored); TxRejected if not hex."""
    if len(body) > 2 * MAX_TX_BYTES + 64:
        raise TxRejected(Code.TX_DECODE, "tx parse error")
    try:
        text = body.decode("ascii").strip()
        return bytes.fromhex(text)
    except ValueError:  # UnicodeDecodeError is a ValueError too
        raise TxRejected(Code.TX_DECODE, "tx parse error") from None


def _node_info(ledger: Ledger) -> dict[str, Any]:
    node_id = hashlib.sha256(ledger.chain_id.encode()).hexdigest()[:40]
    return {
        "node_info": {
            "id": node_id,
            "network": ledger.chain_id,
            "moniker": "devnet",
            "version": DEVNET_VERSION,
            "listen_addr": "",
            "other": {"tx_index": "on", "ledger_id": ledger.ledger_id},
        },
        "sync_info": {
            "latest_block_height": ledger.height,
            "latest_block_hash": "",
            "latest_block_time": "",
            "catching_up": False,
        },
        "validator_info": {"address": "", "voting_power": 0},
    }


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = "not found" if exc.status_code == 404 else str(exc.detail)
        return error_response(exc.status_code, message)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(400, "bad request: " + "; ".join(str(e.get("msg", "")) for e in exc.errors()))

    @app.exception_handler(Exception)
    async def internal_error(_: Request, exc: Exception) -> JSONResponse:
        return error_response(500, f"internal error: {type(exc).__name__}")


def _add_routes(app: FastAPI, ledger: Ledger, on_change: Callable[[Ledger], None]) -> None:
    # Every handler is `async def` and calls the ledger without awaiting in between: they all run on
    # the one event loop, so a broadcast is applied atomically with respect to every other request.

    @app.get("/api/v1/node-info")
    async def node_info() -> dict[str, Any]:
        """The chain id and the height (number of committed txs)."""
        return _node_info(ledger)

    @app.get("/api/v1/account/{address}", response_model=None)
    async def account(address: str) -> dict[str, Any] | JSONResponse:
        """Account number, sequence, balances and public key; 404 if never funded."""
        found = ledger.account(address)
        return account_json(found) if found else error_response(404, "account not found")

    @app.get("/api/v1/account/{address}/sequence", response_model=None)
    async def sequence(address: str) -> dict[str, Any] | JSONResponse:
        """The sequence the next tx of address must carry; 404 if never funded."""
        found = ledger.account(address)
        return {"sequence": found.sequence} if found else error_response(404, "account not found")

    @app.post("/api/v1/broadcast", response_model=None)
    async def broadcast(request: Request) -> list[dict[str, Any]] | JSONResponse:
        """Check and commit the hex-encoded signed tx in the body (any content type)."""
        body = await request.body()  # the only await: the ledger call below runs in one go
        try:
            committed = ledger.broadcast(parse_tx_body(body))
        except TxRejected as error:
            return rejection_response(error)
        on_change(ledger)
        return [{"code": 0, "hash": committed.hash, "log": "Msg 0: ", "ok": True, "data": committed.data}]

    @app.get("/api/v1/tx/{tx_hash}", response_model=None)
    async def tx(tx_hash: str) -> dict[str, Any] | JSONResponse:
        """A committed tx by hash; 404 otherwise."""
        found = ledger.tx(tx_hash)
        return tx_json(found) if found else error_response(404, "tx not found")

    @app.get("/api/v1/atomic-swaps/{swap_id}", response_model=None)
    async def atomic_swap(swap_id: str) -> dict[str, Any] | JSONResponse:
        """An atomic swap by id (hex); 404 otherwise."""
        found = ledger.swap(swap_id)
        return swap_json(found) if found else error_response(404, "swap not found")

    @app.get("/api/v1/orders/open")
    async def open_orders(address: str) -> dict[str, Any]:
        """Orders of address resting on the book."""
        orders = [order_json(o) for o in ledger.open_orders(address)]
        return {"order": orders, "total": len(orders)}


class SequenceJump(BaseModel):
    """The body of POST /admin/accounts/{address}/sequence-jump (optional: by defaults to 1)."""

    model_config = ConfigDict(extra="forbid")

    by: int = Field(default=1, ge=1, le=INT64_MAX)


class SetSequence(BaseModel):
    """The body of POST /admin/accounts/{address}/set-sequence."""

    model_config = ConfigDict(extra="forbid")

    sequence: int = Field(ge=0, le=INT64_MAX)


class SkipBlocks(BaseModel):
    """The body of POST /admin/skip-blocks."""

    model_config = ConfigDict(extra="forbid")

    count: int = Field(ge=1, le=10**6)


def _admin_router(ledger: Ledger, faults: FaultQueue, on_change: Callable[[Ledger], None]) -> APIRouter:
    """Routes that let tests inject faults and move sequences; only mounted with faults enabled."""
    router = APIRouter(prefix="/admin")

    @router.post("/faults", status_code=201)
    async def add_fault(spec: FaultSpec) -> dict[str, Any]:
        """Queue a fault behind the pending ones; answer it with its id."""
        return faults.add(spec).as_json()

    @router.get("/faults")
    async def list_faults() -> dict[str, Any]:
        """Pending faults, oldest (next to apply) first, with the count each has left."""
        return {"faults": [fault.as_json() for fault in faults.pending()]}

    @router.delete("/faults")
    async def clear_faults() -> dict[str, Any]:
        """Drop every pending fault."""
        return {"cleared": faults.clear()}

    @router.post("/accounts/{address}/sequence-jump", response_model=None)
    async def sequence_jump(address: str, jump: SequenceJump | None = None) -> dict[str, Any] | JSONResponse:
        """Advance the account's sequence as if another client had signed with its key."""
        by = jump.by if jump is not None else 1
        return _change_sequence(ledger, address, lambda: ledger.bump_sequence(address, by), on_change)

    @router.post("/accounts/{address}/set-sequence", response_model=None)
    async def set_sequence(address: str, body: SetSequence) -> dict[str, Any] | JSONResponse:
        """Set the account's sequence."""
        return _change_sequence(ledger, address, lambda: ledger.set_sequence(address, body.sequence), on_change)

    @router.post("/skip-blocks")
    async def skip_blocks(body: SkipBlocks) -> dict[str, Any]:
        """Add empty blocks, so a swap's height span can pass (to test a refund); answer the new height."""
        height = ledger.skip_blocks(body.count)
        on_change(ledger)
        return {"height": height}

    return router


def _change_sequence(
    ledger: Ledger, address: str, change: Callable[[], int], on_change: Callable[[Ledger], None]
) -> dict[str, Any] | JSONResponse:
    try:
        sequence = change()
    except KeyError:
        return error_response(404, "account not found")
    except ValueError as exc:
        return error_response(400, f"bad request: {exc}")
    on_change(ledger)
    return {"address": ledger.normalize(address), "sequence": sequence}


def _unchanged(_: Ledger) -> None:
    """The default on_change: the ledger lives in memory only."""


def create_app(
    *,
    chain_id: str,
    hrp: str,
    genesis: Sequence[str],
    genesis_coins: Mapping[str, int] | None = None,
    pairs: Sequence[str] | None = None,
    proposals: int = DEFAULT_PROPOSALS,
    faults_enabled: bool = False,
    on_change: Callable[[Ledger], None] | None = None,
) -> FastAPI:
    """A devnet node for chain_id whose genesis funds each address with genesis_coins (units of 1e-8).

    The ledger is on app.state.ledger, for tests that want to look behind the HTTP API. With
    faults_enabled, the /admin routes exist and the pending faults are on app.state.faults.
    on_change(ledger) runs after every change the node makes (a tx applied, a sequence moved): the
    hook of `--state FILE` (app.devnet.persist).
    """
    on_change = on_change or _unchanged
    ledger = Ledger(
        chain_id=chain_id, hrp=hrp, genesis=genesis, genesis_coins=genesis_coins, pairs=pairs, proposals=proposals
    )
    app = FastAPI(title=f"Binance Chain devnet ({chain_id})", version=DEVNET_VERSION)
    app.state.ledger = ledger
    _add_error_handlers(app)
    _add_routes(app, ledger, on_change)
    if faults_enabled:
        faults = FaultQueue()
        app.state.faults = faults
        app.include_router(_admin_router(ledger, faults, on_change))
        app.add_middleware(FaultMiddleware, faults=faults)
    return app
