"""The messages a caller asks to sign, as validated request models. None of them can carry key material.

Bodies accept both the original README's shape ("side": "buy", "order_type": "LIMIT", transfer
"symbol", cancel "order_id") and python-binance-chain's to_sign_dict() shape (integer enums,
transfer "denom", cancel "refid", multi-coin "transfers"). Unknown fields are refused. Amounts
are converted to the chain's int64 units once, here, exactly; everything downstream uses units.
Each model says what it spends (for policy limits) and what the audit log keeps of it.
"""

import re
import unicodedata
from decimal import Decimal
from typing import Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    SerializationInfo,
    WithJsonSchema,
    model_validator,
)

from app.chain.amounts import INT64_MAX, UNITS_PER_COIN, from_units, to_units
from app.chain.errors import InvalidInput
from app.chain.messages import ORDER_ID_RE, VOTE_OPTIONS, check_pair_symbol, check_token_symbol
from app.chain.messages.base import NATIVE_TOKEN, NATIVE_TOKEN_DOT_B, SUFFIXED_TOKEN_RE
from app.chain.tx import MAX_MEMO_CHARS

MAX_COINS_PER_TRANSFER = 16
# ASCII only: re's \d would also match non-ASCII digits. Bounded so no huge literal reaches Decimal.
_ASCII_NUMBER_RE = re.compile(r"[+-]?(?:[0-9]{1,40}(?:\.[0-9]{0,40})?|\.[0-9]{1,40})(?:[eE][+-]?[0-9]{1,10})?")
_ASCII_INT_RE = re.compile(r"[0-9]{1,20}")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SignableMsg(_Model):
    """A message a caller asks to sign: it says what it spends and what the audit log keeps of it."""

    # The demo wallet whose request the OpenAPI example is (config/config.yml): the one the chain takes it from.
    example_wallet: ClassVar[str] = "wallet_1"

    def audit_summary(self) -> dict[str, Any]:
        raise NotImplementedError


def _units(value: Any) -> int:
    """An amount (JSON number or string) as int64 chain units, converted exactly, once.

    Strings must be ASCII JSON-style numbers: Decimal() alone accepts full-width and Arabic-Indic
    digits, "1_000" and surrounding spaces, and a signing service signs only amounts written the
    one unambiguous way.
    """
    if isinstance(value, str) and not _ASCII_NUMBER_RE.fullmatch(value):
        raise ValueError("amount must be a plain decimal number (ASCII digits, optional '.' and exponent)")
    if not isinstance(value, Decimal | int | str) or isinstance(value, bool):
        raise ValueError("amount must be a decimal number (a JSON number or a string)")
    try:
        return to_units(value)
    except InvalidInput as exc:  # names the problem: decimals, sign, int64 range
        raise ValueError(str(exc)) from None


def _shown(units: int) -> str:
    """Units as the decimal amount a person wrote (for the audit log)."""
    return f"{from_units(units).normalize():f}"


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


def _serialized(units: int, info: SerializationInfo) -> int | str:
    """Units, or with context {"decimal": True} the decimal a person wrote (an approval's stored message)."""
    return _shown(units) if isinstance(info.context, dict) and info.context.get("decimal") else units


Amount = Annotated[
    int,
    BeforeValidator(_units),
    PlainSerializer(_serialized),
    WithJsonSchema(
        {
            "anyOf": [{"type": "number"}, {"type": "string"}],
            "examples": ["0.000396", 10],
            "description": "Positive decimal with at most 8 decimals (JSON number or string).",
        }
    ),
]


def _issued_token(symbol: str) -> str:
    """A token that exists on the chain: BNB, BNB.B, or NAME[.B]-XXX (the chain refuses anything else in a tx)."""
    name = symbol.partition("-")[0]
    if "." in name and not name.endswith(".B"):
        raise ValueError("the only suffix a token name may carry is .B (a pegged token)")
    if symbol not in (NATIVE_TOKEN, NATIVE_TOKEN_DOT_B) and "-" not in symbol:
        raise ValueError("a token symbol needs its -XXX suffix (only BNB and BNB.B have none)")
    if name in (NATIVE_TOKEN, NATIVE_TOKEN_DOT_B) and symbol != name:
        raise ValueError("the native token symbol takes no -XXX suffix")
    if not SUFFIXED_TOKEN_RE.fullmatch(symbol):
        raise ValueError("symbol must be an issued token such as BNB or ANN-457")
    return symbol


def _issued_pair(symbol: str) -> str:
    for token in symbol.split("_", 1):
        _issued_token(token)
    return symbol


# Symbols of tokens and pairs that exist on the chain, as every tx but an issue names them.
TokenSymbol = Annotated[
    str, Field(max_length=20, examples=["BNB"]), AfterValidator(check_token_symbol), AfterValidator(_issued_token)
]
PairSymbol = Annotated[
    str, Field(max_length=41, examples=["ANN-457_BNB"]), AfterValidator(check_pair_symbol), AfterValidator(_issued_pair)
]
OrderId = Annotated[
    str, Field(max_length=61, pattern=ORDER_ID_RE.pattern, examples=["7F756B1BE93AA2E2FDC3D7CB713ABC206F877802-3"])
]
Address = Annotated[str, Field(min_length=1, max_length=90, examples=["tbnb1yqprw3vkaw72vaw4yws0adxq6qw5nunzny0tvt"])]
Memo = Annotated[str, Field(max_length=MAX_MEMO_CHARS), AfterValidator(_memo)]

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


class OrderMsg(SignableMsg):
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

    @model_validator(mode="after")
    def _notional_fits(self) -> "OrderMsg":
        # The chain refuses an order whose quote amount does not fit int64: signing it would use
        # a sequence on a tx that can never be accepted.
        if self.price * self.quantity // UNITS_PER_COIN > INT64_MAX:
            raise ValueError("notional value of the order (price x quantity) is too large (cannot fit in int64)")
        return self

    def audit_summary(self) -> dict[str, Any]:
        return {
            "symbol": self.symbol,
            "side": str(self.side),
            "price": _shown(self.price),
            "quantity": _shown(self.quantity),
        }


class CancelOrderMsg(SignableMsg):
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

    def audit_summary(self) -> dict[str, Any]:
        return {"symbol": self.symbol, "order_id": self.target}


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


class TransferMsg(SignableMsg):
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

    def coins(self) -> list[tuple[str, int]]:
        """(token, units) pairs, whichever shape was used."""
        if self.transfers is not None:
            return [(c.token, c.amount) for c in self.transfers]
        assert self.amount is not None
        return [(self.symbol or self.denom or "", self.amount)]

    def audit_summary(self) -> dict[str, Any]:
        """Destination and coins, in the shape the caller used; never the memo (it may carry a customer reference)."""
        if self.transfers is not None:
            coins = [{"denom": token, "amount": _shown(units)} for token, units in self.coins()]
            return {"to_address": self.to_address, "coins": coins}
        assert self.amount is not None
        token_field = {"symbol": self.symbol} if self.symbol is not None else {"denom": self.denom}
        return {"to_address": self.to_address, "amount": _shown(self.amount), **token_field}


class FreezeMsg(SignableMsg):
    """Freeze or unfreeze an amount of a token."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"symbol": "BNB", "amount": "1"}]})
    symbol: TokenSymbol
    amount: Amount

    def audit_summary(self) -> dict[str, Any]:
        return {"symbol": self.symbol, "amount": _shown(self.amount)}


class VoteMsg(SignableMsg):
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

    def audit_summary(self) -> dict[str, Any]:
        return {"proposal_id": str(self.proposal_id), "option": self.option}
