"""Request and response models of the HTTP API. None of them can carry key material.

Message bodies accept both the original README's shape ("side": "buy", "order_type": "LIMIT",
transfer "symbol", cancel "order_id") and python-binance-chain's to_sign_dict() shape (integer
enums, transfer "denom", cancel "refid", multi-coin "transfers"). Unknown fields are refused.
"""

import re
import unicodedata
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    create_model,
    model_validator,
)

from app.chain.amounts import to_units
from app.chain.messages import ORDER_ID_RE, VOTE_OPTIONS, check_pair_symbol, check_token_symbol
from app.chain.tx import MAX_MEMO_CHARS
from app.permissions import Permission

MAX_COINS_PER_TRANSFER = 16
MAX_WALLET_NAME_CHARS = 64
# ASCII only: re's \d would also match non-ASCII digits. Bounded so no huge literal reaches Decimal.
_ASCII_NUMBER_RE = re.compile(r"[+-]?(?:[0-9]{1,40}(?:\.[0-9]{0,40})?|\.[0-9]{1,40})(?:[eE][+-]?[0-9]{1,10})?")
_ASCII_INT_RE = re.compile(r"[0-9]{1,20}")
WALLET_NAME_PATTERN = r"^[A-Za-z0-9_.\-]+$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _plain_number(value: Any) -> Any:
    """Strings must be ASCII JSON-style numbers before Decimal sees them.

    Decimal() alone accepts full-width and Arabic-Indic digits, "1_000" and surrounding spaces:
    a signing service signs only amounts written the one unambiguous way.
    """
    if isinstance(value, str) and not _ASCII_NUMBER_RE.fullmatch(value):
        raise ValueError("amount must be a plain decimal number (ASCII digits, optional '.' and exponent)")
    return value


def _amount(value: Decimal) -> Decimal:
    to_units(value)  # raises a ValueError naming the problem (decimals, sign, int64 range)
    return value


def _proposal_id(value: Any) -> Any:
    """A JSON integer or a string of ASCII digits; true, 1.5, "1_0", " 1" and non-ASCII digits are refused."""
    if isinstance(value, str) and _ASCII_INT_RE.fullmatch(value):
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise ValueError("proposal_id must be an integer (a JSON number or a string of digits)")


def _enum(name: str, mapping: dict[str, int]) -> Any:
    """A validator accepting an enum by (case-insensitive) name or by its chain integer."""
    values = set(mapping.values())

    def parse(value: Any) -> int:
        # JSON integers only: true is not 1, and 1.0 is refused rather than guessed at.
        if isinstance(value, int) and not isinstance(value, bool) and value in values:
            return value
        if isinstance(value, str):
            key = value.strip().upper().replace(" ", "_")
            if key in mapping:
                return mapping[key]
            # ASCII digits only: str.isdigit() and int() also take full-width or Arabic-Indic digits.
            if _ASCII_INT_RE.fullmatch(key) and int(key) in values:
                return int(key)
        raise ValueError(f"{name} must be one of {sorted(mapping)} or {sorted(values)}")

    return parse


def _memo(value: str) -> str:
    if len(value.encode("utf-8", "surrogatepass")) > MAX_MEMO_CHARS:
        raise ValueError(f"memo is longer than the chain's limit of {MAX_MEMO_CHARS} bytes (UTF-8)")
    for char in value:
        # Control characters are escaped differently by Go and Python JSON encoders, and lone
        # surrogates are not UTF-8 at all: either would give a signature the node refuses.
        if unicodedata.category(char) in ("Cc", "Cs"):
            raise ValueError("memo must not contain control characters or lone surrogates")
    return value


Amount = Annotated[
    Decimal,
    BeforeValidator(_plain_number),
    AfterValidator(_amount),
    WithJsonSchema({"anyOf": [{"type": "number"}, {"type": "string"}], "examples": ["0.000396", 10]}),
    Field(description="Positive decimal with at most 8 decimals (JSON number or string)."),
]
TokenSymbol = Annotated[str, Field(max_length=20, examples=["BNB"]), AfterValidator(check_token_symbol)]
PairSymbol = Annotated[str, Field(max_length=41, examples=["ANN-457_BNB"]), AfterValidator(check_pair_symbol)]
OrderId = Annotated[
    str, Field(max_length=61, pattern=ORDER_ID_RE.pattern, examples=["7F756B1BE93AA2E2FDC3D7CB713ABC206F877802-3"])
]
Address = Annotated[str, Field(min_length=1, max_length=90, examples=["tbnb1yqprw3vkaw72vaw4yws0adxq6qw5nunzny0tvt"])]
Memo = Annotated[str, Field(max_length=MAX_MEMO_CHARS), AfterValidator(_memo)]
WalletName = Annotated[
    str, Field(min_length=1, max_length=MAX_WALLET_NAME_CHARS, pattern=WALLET_NAME_PATTERN, examples=["wallet_1"])
]

Side = Annotated[
    int,
    BeforeValidator(_enum("side", {"BUY": 1, "SELL": 2})),
    WithJsonSchema(
        {"anyOf": [{"type": "string", "enum": ["buy", "sell", "BUY", "SELL"]}, {"type": "integer", "enum": [1, 2]}]}
    ),
]
OrderType = Annotated[
    int,
    BeforeValidator(_enum("order_type", {"LIMIT": 2})),
    WithJsonSchema({"anyOf": [{"type": "string", "enum": ["LIMIT"]}, {"type": "integer", "enum": [2]}]}),
]
TimeInForce = Annotated[
    int,
    BeforeValidator(_enum("time_in_force", {"GTE": 1, "GOOD_TILL_EXPIRE": 1, "IOC": 3, "IMMEDIATE_OR_CANCEL": 3})),
    WithJsonSchema({"anyOf": [{"type": "string", "enum": ["GTE", "IOC"]}, {"type": "integer", "enum": [1, 3]}]}),
]
VoteOption = Annotated[
    int,
    BeforeValidator(_enum("option", {name.upper(): num for num, name in VOTE_OPTIONS.items()} | {"NO_WITH_VETO": 4})),
    WithJsonSchema(
        {"anyOf": [{"type": "string", "enum": list(VOTE_OPTIONS.values())}, {"type": "integer", "enum": [1, 2, 3, 4]}]}
    ),
]


class OrderMsg(_Model):
    """A limit order."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "symbol": "ANN-457_BNB",
                    "side": "buy",
                    "order_type": "LIMIT",
                    "time_in_force": "GTE",
                    "price": "0.000396",
                    "quantity": "10",
                }
            ]
        },
    )
    symbol: PairSymbol
    side: Side
    price: Amount
    quantity: Amount
    order_type: OrderType = 2
    time_in_force: TimeInForce = 1


class CancelOrderMsg(_Model):
    """Cancel an open order; give its id as order_id (README) or refid (python-binance-chain)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"symbol": "ANN-457_BNB", "order_id": "7F756B1BE93AA2E2FDC3D7CB713ABC206F877802-3"}]
        },
    )
    symbol: PairSymbol
    order_id: OrderId | None = None
    refid: OrderId | None = None

    @model_validator(mode="after")
    def _one_id(self) -> "CancelOrderMsg":
        if (self.order_id is None) == (self.refid is None):
            raise ValueError("give exactly one of order_id or refid")
        return self

    @property
    def target(self) -> str:
        return self.order_id or self.refid or ""


class CoinAmount(_Model):
    """One coin of a multi-coin transfer."""

    amount: Amount
    denom: TokenSymbol | None = None
    symbol: TokenSymbol | None = None

    @model_validator(mode="after")
    def _one_denom(self) -> "CoinAmount":
        if (self.denom is None) == (self.symbol is None):
            raise ValueError("give exactly one of denom or symbol")
        return self

    @property
    def token(self) -> str:
        return self.denom or self.symbol or ""


class TransferMsg(_Model):
    """Send one coin (amount + symbol/denom) or several (transfers) to one address."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "to_address": "tbnb1yqprw3vkaw72vaw4yws0adxq6qw5nunzny0tvt",
                    "amount": "1.5",
                    "symbol": "BNB",
                    "memo": "invoice 42",
                },
                {
                    "to_address": "tbnb1yqprw3vkaw72vaw4yws0adxq6qw5nunzny0tvt",
                    "transfers": [{"amount": "1", "denom": "BNB"}, {"amount": "2", "denom": "ANN-457"}],
                },
            ]
        },
    )
    to_address: Address
    amount: Amount | None = None
    symbol: TokenSymbol | None = None
    denom: TokenSymbol | None = None
    transfers: Annotated[list[CoinAmount], Field(min_length=1, max_length=MAX_COINS_PER_TRANSFER)] | None = None
    memo: Memo = ""

    @model_validator(mode="after")
    def _one_shape(self) -> "TransferMsg":
        single = self.amount is not None or self.symbol is not None or self.denom is not None
        if self.transfers is not None:
            if single:
                raise ValueError("give either transfers or amount with symbol/denom, not both")
            tokens = [c.token for c in self.transfers]
            if len(set(tokens)) != len(tokens):
                raise ValueError("each denom may appear only once in transfers")
            return self
        if self.amount is None:
            raise ValueError("give amount with symbol (or denom), or a transfers list")
        if (self.symbol is None) == (self.denom is None):
            raise ValueError("give exactly one of symbol or denom")
        return self

    def coins(self) -> list[tuple[str, Decimal]]:
        """(token, amount) pairs, whichever shape was used."""
        if self.transfers is not None:
            return [(c.token, c.amount) for c in self.transfers]
        assert self.amount is not None
        return [(self.symbol or self.denom or "", self.amount)]


class FreezeMsg(_Model):
    """Freeze or unfreeze an amount of a token."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"symbol": "BNB", "amount": "1"}]})
    symbol: TokenSymbol
    amount: Amount


class VoteMsg(_Model):
    """Vote on a governance proposal."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"proposal_id": 1, "option": "Yes"}]})
    proposal_id: Annotated[
        int,
        BeforeValidator(_proposal_id),
        Field(ge=1, le=2**63 - 1),
        WithJsonSchema(
            {
                "anyOf": [
                    {"type": "integer", "minimum": 1, "maximum": 2**63 - 1},
                    {"type": "string", "pattern": "^[0-9]{1,19}$"},
                ]
            }
        ),
    ]
    option: VoteOption


def sign_request_model(name: str, msg_model: type[BaseModel]) -> type[BaseModel]:
    """The request body {"msg": ..., "wallet_name": ...} for one message type."""
    msg_examples = (msg_model.model_config.get("json_schema_extra") or {}).get("examples", [])  # type: ignore[union-attr]
    examples = [{"msg": example, "wallet_name": "wallet_1"} for example in msg_examples]
    return create_model(  # type: ignore[call-overload, no-any-return]
        name,
        __config__=ConfigDict(extra="forbid", json_schema_extra={"examples": examples}),
        msg=(msg_model, ...),
        wallet_name=(WalletName, ...),
    )


class WalletNameRequest(_Model):
    """A body naming one wallet."""

    wallet_name: WalletName


class LoginRequest(_Model):
    """Username and password."""

    username: Annotated[str, Field(min_length=1, max_length=64)]
    password: Annotated[str, Field(min_length=1, max_length=1024)]


class TokenResponse(BaseModel):
    """A bearer token for the Authorization header."""

    access_token: str
    token_type: str = "bearer"  # noqa: S105 (the OAuth2 token type, not a secret)
    expires_in: int


class SignResponse(BaseModel):
    """A signed transaction, ready to broadcast."""

    signed_msg: str = Field(description="Hex of the signed transaction (amino, length-prefixed).")
    tx_hash: str
    sequence: int
    account_number: int
    chain_id: str
    order_id: str | None = Field(default=None, description="Set for new orders: the id to cancel it with.")


class WalletInfo(BaseModel):
    """What a user may know about a wallet: never its key."""

    name: str
    env_name: str
    address: str
    public_key: str
    permissions: list[Permission]
    account_number: int | None = Field(default=None, description="From the node; null until first use.")
    next_sequence: int | None = Field(default=None, description="The sequence the next signature will use, if known.")


class ResyncResponse(BaseModel):
    """The account state re-read from the node."""

    wallet_name: str
    address: str
    account_number: int
    sequence: int


class FieldError(BaseModel):
    """One invalid input: where (dotted path, or "body") and why."""

    field: str
    reason: str


class ErrorResponse(BaseModel):
    """The body of every error: code/message for python-binance-chain, detail for FastAPI clients."""

    model_config = ConfigDict(extra="allow")  # e.g. node_status and node_response from a node's refusal
    code: int
    message: str
    detail: str
    errors: list[FieldError] | None = Field(default=None, description="For 422: each invalid field.")
