"""Token messages: freeze and unfreeze (tokens/FreezeMsg, UnfreezeMsg), issue, mint and burn.

Rules from bnb-chain/node plugins/tokens/{freeze,issue,burn}/msg.go and common/types/token.go.
"""

import re
from dataclasses import dataclass
from typing import Any, ClassVar, Self

from app.chain.address import decode_address
from app.chain.amino import bool_field, bytes_field, one_bool, one_bytes, one_int, string_field, varint_field
from app.chain.codes import AbciCode
from app.chain.messages.base import (
    MINI_TOKEN_MIN_AMOUNT,
    MINI_TOKEN_RE,
    NATIVE_TOKEN,
    SUFFIXED_TOKEN_RE,
    TOKEN_MAX_TOTAL_SUPPLY,
    address_of,
    check_account,
    message_fields,
    rule,
    text,
)

MAX_TOKEN_NAME_BYTES = 32
_ISSUE_SYMBOL_RE = re.compile(r"^[A-Za-z0-9]{2,8}$")  # Go's [[:alnum:]] is ASCII; the handler upper-cases it
_DOT_B = ".B"


def check_suffixed_symbol(symbol: str) -> None:
    """ValidateTokenSymbol: BNB, or NAME-XXX with a 3-hex-digit suffix (mini tokens end in M)."""
    rule(
        not SUFFIXED_TOKEN_RE.fullmatch(symbol),
        AbciCode.INVALID_COINS,
        f"invalid token symbol {symbol!r}: expected e.g. ABC-123",
    )
    if symbol != NATIVE_TOKEN:
        rule(
            symbol.partition("-")[0] in (NATIVE_TOKEN, NATIVE_TOKEN + _DOT_B),
            AbciCode.INVALID_COINS,
            "native token symbol should not be suffixed with tx hash",
        )


def _from_symbol_amount(body: bytes, hrp: str) -> tuple[str, str, int]:
    f = message_fields(body, {1: bytes, 2: bytes, 3: int})
    return address_of(one_bytes(f, 1), hrp), text(one_bytes(f, 2)), one_int(f, 3)


@dataclass(frozen=True, slots=True)
class TokenFreeze:
    """Move an amount of a token from free to frozen."""

    TYPE_PREFIX: ClassVar[bytes] = bytes.fromhex("E774B32D")
    from_: str
    symbol: str
    amount: int

    def sign_dict(self) -> dict[str, Any]:
        return {"amount": self.amount, "from": self.from_, "symbol": self.symbol}

    def encode_fields(self) -> bytes:
        return bytes_field(1, decode_address(self.from_)) + string_field(2, self.symbol) + varint_field(3, self.amount)

    def signers(self) -> list[str]:
        return [self.from_]

    def validate(self) -> None:
        check_account(self.from_)
        check_suffixed_symbol(self.symbol)
        rule(self.amount <= 0, AbciCode.INVALID_COINS, "amount must be positive")

    @classmethod
    def decode(cls, body: bytes, hrp: str) -> Self:
        from_, symbol, amount = _from_symbol_amount(body, hrp)
        return cls(from_=from_, symbol=symbol, amount=amount)


@dataclass(frozen=True, slots=True)
class TokenUnfreeze(TokenFreeze):
    """Move an amount of a token from frozen back to free (same fields as a freeze)."""

    TYPE_PREFIX: ClassVar[bytes] = bytes.fromhex("6515FF0D")


@dataclass(frozen=True, slots=True)
class Issue:
    """Issue a new BEP2 token (tokens/IssueMsg); the chain names it SYMBOL-XXX from the tx hash."""

    TYPE_PREFIX: ClassVar[bytes] = bytes.fromhex("17EFAB80")
    from_: str
    name: str
    symbol: str
    total_supply: int
    mintable: bool

    def sign_dict(self) -> dict[str, Any]:
        return {
            "from": self.from_,
            "mintable": self.mintable,
            "name": self.name,
            "symbol": self.symbol,
            "total_supply": self.total_supply,
        }

    def encode_fields(self) -> bytes:
        return b"".join(
            (
                bytes_field(1, decode_address(self.from_)),
                string_field(2, self.name),
                string_field(3, self.symbol),
                varint_field(4, self.total_supply),
                bool_field(5, self.mintable),
            )
        )

    def signers(self) -> list[str]:
        return [self.from_]

    def validate(self) -> None:
        """IssueMsg.ValidateBasic: symbol 2-8 alphanumerics (plus .B), name 1-32 bytes, supply in range."""
        check_account(self.from_)
        bare = self.symbol.removesuffix(_DOT_B)
        rule(
            not _ISSUE_SYMBOL_RE.fullmatch(bare),
            AbciCode.INVALID_COINS,
            "token symbol must be 2~8 alphanumeric characters (without the -XXX suffix)",
        )
        rule(
            not 0 < len(self.name.encode()) <= MAX_TOKEN_NAME_BYTES,
            AbciCode.INVALID_COINS,
            f"token name should have 1 ~ {MAX_TOKEN_NAME_BYTES} characters",
        )
        rule(
            not 0 < self.total_supply <= TOKEN_MAX_TOTAL_SUPPLY,
            AbciCode.INVALID_COINS,
            f"total supply should be between 1 and {TOKEN_MAX_TOTAL_SUPPLY}",
        )

    @classmethod
    def decode(cls, body: bytes, hrp: str) -> Self:
        f = message_fields(body, {1: bytes, 2: bytes, 3: bytes, 4: int, 5: int})
        return cls(
            from_=address_of(one_bytes(f, 1), hrp),
            name=text(one_bytes(f, 2)),
            symbol=text(one_bytes(f, 3)),
            total_supply=one_int(f, 4),
            mintable=one_bool(f, 5),
        )


@dataclass(frozen=True, slots=True)
class Mint:
    """Mint more of a mintable token (tokens/MintMsg); only its owner may."""

    TYPE_PREFIX: ClassVar[bytes] = bytes.fromhex("467E0829")
    from_: str
    symbol: str
    amount: int

    def sign_dict(self) -> dict[str, Any]:
        return {"amount": self.amount, "from": self.from_, "symbol": self.symbol}

    def encode_fields(self) -> bytes:
        return bytes_field(1, decode_address(self.from_)) + string_field(2, self.symbol) + varint_field(3, self.amount)

    def signers(self) -> list[str]:
        return [self.from_]

    def validate(self) -> None:
        check_account(self.from_)
        if MINI_TOKEN_RE.fullmatch(self.symbol):
            rule(
                self.amount < MINI_TOKEN_MIN_AMOUNT,
                AbciCode.INVALID_COINS,
                f"mint amount should be no less than {MINI_TOKEN_MIN_AMOUNT}",
            )
            return
        check_suffixed_symbol(self.symbol)
        rule(self.symbol == NATIVE_TOKEN, AbciCode.INVALID_COINS, "cannot mint native token")
        rule(
            not 0 < self.amount <= TOKEN_MAX_TOTAL_SUPPLY,
            AbciCode.INVALID_COINS,
            f"mint amount should be between 1 and {TOKEN_MAX_TOTAL_SUPPLY}",
        )

    @classmethod
    def decode(cls, body: bytes, hrp: str) -> Self:
        from_, symbol, amount = _from_symbol_amount(body, hrp)
        return cls(from_=from_, symbol=symbol, amount=amount)


@dataclass(frozen=True, slots=True)
class Burn:
    """Burn an amount of a token the sender holds (tokens/BurnMsg)."""

    TYPE_PREFIX: ClassVar[bytes] = bytes.fromhex("7ED2D2A0")
    from_: str
    symbol: str
    amount: int

    def sign_dict(self) -> dict[str, Any]:
        return {"amount": self.amount, "from": self.from_, "symbol": self.symbol}

    def encode_fields(self) -> bytes:
        return bytes_field(1, decode_address(self.from_)) + string_field(2, self.symbol) + varint_field(3, self.amount)

    def signers(self) -> list[str]:
        return [self.from_]

    def validate(self) -> None:
        check_account(self.from_)
        if not MINI_TOKEN_RE.fullmatch(self.symbol):
            check_suffixed_symbol(self.symbol)
        # The chain answers a non-positive burn with ErrInsufficientFunds, not ErrInvalidCoins.
        rule(self.amount <= 0, AbciCode.INSUFFICIENT_FUNDS, "amount should be more than 0")

    @classmethod
    def decode(cls, body: bytes, hrp: str) -> Self:
        from_, symbol, amount = _from_symbol_amount(body, hrp)
        return cls(from_=from_, symbol=symbol, amount=amount)
