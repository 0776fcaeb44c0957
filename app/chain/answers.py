"""The node answers the service reads, as strict models: anything else is a bad answer, never a crash.

Numbers must be JSON integers within int64 (no floats, booleans, strings, NaN or Infinity);
extra fields are ignored, since the node adds fields over time.
"""

import json
import re
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, RootModel, ValidationError

from app.chain.amounts import INT64_MAX

# Tendermint caps a chain id at 50 characters; every Binance Chain network uses letters, digits
# and "-" (the service also allows "_" and "."): nothing that needs escaping in the sign bytes.
CHAIN_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,49}$")

Int64 = Annotated[int, Field(strict=True, ge=0, le=INT64_MAX)]
Code = Annotated[int, Field(strict=True, ge=-(2**63), le=INT64_MAX)]
ChainId = Annotated[str, Field(strict=True, pattern=CHAIN_ID_RE.pattern)]


class BadAnswer(ValueError):
    """A node answer that is not JSON, or not of the expected shape (the reason never quotes it)."""


class _Answer(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True, frozen=True)


class NodeInfo(_Answer):
    network: ChainId


class NodeInfoAnswer(_Answer):
    """GET /api/v1/node-info."""

    node_info: NodeInfo


class AccountAnswer(_Answer):
    """GET /api/v1/account/{address}."""

    account_number: Int64
    sequence: Int64


class BalanceAnswer(_Answer):
    """One coin of an account: decimal strings as the node writes them."""

    symbol: Annotated[str, Field(strict=True, max_length=64)]
    free: Annotated[str, Field(strict=True, max_length=40)]
    locked: Annotated[str, Field(strict=True, max_length=40)]
    frozen: Annotated[str, Field(strict=True, max_length=40)]


class BalancesAnswer(_Answer):
    """GET /api/v1/account/{address}, for its balances (the console)."""

    balances: Annotated[list[BalanceAnswer], Field(max_length=1000)] = []


class TxResult(_Answer):
    """One entry of an accepted broadcast."""

    code: Code
    hash: Annotated[str, Field(strict=True, pattern=r"^[0-9A-Fa-f]{1,128}$")]
    ok: bool | None = None
    log: str | None = None
    data: str | None = None


class TxAnswer(_Answer):
    """GET /api/v1/tx/{hash}?format=json: a tx the chain committed (code 0: applied)."""

    hash: Annotated[str, Field(strict=True, pattern=r"^[0-9A-Fa-f]{1,128}$")]
    code: Code = 0
    height: Int64 | Annotated[str, Field(strict=True, pattern=r"^[0-9]{1,19}$")] | None = None
    log: Annotated[str, Field(strict=True, max_length=2000)] | None = None


class BroadcastAccepted(RootModel[Annotated[list[TxResult], Field(min_length=1, max_length=64)]]):
    """A 2xx broadcast answer: a non-empty list of results."""


class BroadcastRefused(_Answer):
    """A non-2xx broadcast answer: the node's code and reason."""

    code: Code
    message: str = ""
    abci_code: Code | None = None
    failed_tx_index: Code | None = None


Bech32 = Annotated[str, Field(strict=True, min_length=1, max_length=90, pattern=r"^[a-z0-9]+1[a-z0-9]+$")]


class SwapAnswer(_Answer):
    """GET /api/v1/atomic-swaps/{swap_id} (the chain's AtomicSwap, camelCase as the API writes it): its parties."""

    fromAddr: Bech32
    toAddr: Bech32


def _no_constant(name: str) -> Any:
    raise BadAnswer(f"{name} is not JSON")


def parse_json(raw: bytes) -> Any:
    """JSON without NaN/Infinity; a too deeply nested document is a BadAnswer, not a RecursionError."""
    try:
        return json.loads(raw, parse_constant=_no_constant)
    except RecursionError:
        raise BadAnswer("nested too deeply") from None
    except (ValueError, UnicodeDecodeError):  # json.JSONDecodeError is a ValueError
        raise BadAnswer("not JSON") from None


def read(model: type[BaseModel], document: Any) -> Any:
    """document validated against model; BadAnswer naming the first field that is wrong."""
    try:
        return model.model_validate(document)
    except ValidationError as exc:
        first = exc.errors(include_input=False, include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"]) or "answer"
        raise BadAnswer(f"{where}: {first['msg']}") from None
