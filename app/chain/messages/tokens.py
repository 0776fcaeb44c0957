"""Token messages: freeze and unfreeze (tokens/FreezeMsg, UnfreezeMsg), issue, mint and burn.

Rules from bnb-chain/node plugins/tokens/{freeze,issue,burn}/msg.go and common/types/token.go.
"""

import re
from dataclasses import dataclass
from typing import Annotated, ClassVar

from app.chain.codes import AbciCode
from app.chain.messages.base import (
    ACCOUNT,
    MINI_TOKEN_MIN_AMOUNT,
    MINI_TOKEN_RE,
    NATIVE_TOKEN,
    NATIVE_TOKEN_DOT_B,
    SUFFIXED_TOKEN_RE,
    TOKEN_MAX_TOTAL_SUPPLY,
    check_account,
    rule,
)
from app.chain.messages.spec import Bool, Declared, Tag, Text, Uint

MAX_TOKEN_NAME_BYTES = 32
_ISSUE_SYMBOL_RE = re.compile(r"^[A-Za-z0-9]{2,8}$")  # Go's [[:alnum:]] is ASCII; the handler upper-cases it
_DOT_B = ".B"


def check_suffixed_symbol(symbol: str) -> None:
    """ValidateTokenSymbol: BNB, BNB.B, or NAME[.B]-XXX with a 3-hex-digit suffix (mini tokens NAME-XXXM)."""
    if MINI_TOKEN_RE.fullmatch(symbol):
        return  # IsValidMiniTokenSymbol comes first in the node's ValidateBasic, and skips the native check
    rule(
        symbol not in (NATIVE_TOKEN, NATIVE_TOKEN_DOT_B)
        and symbol.partition("-")[0] in (NATIVE_TOKEN, NATIVE_TOKEN_DOT_B),
        AbciCode.INVALID_COINS,
        "native token symbol should not be suffixed with tx hash",
    )
    rule(
        not SUFFIXED_TOKEN_RE.fullmatch(symbol),
        AbciCode.INVALID_COINS,
        f"invalid token symbol {symbol!r}: expected e.g. ABC-123",
    )


@dataclass(frozen=True, slots=True)
class TokenFreeze(Declared):
    """Move an amount of a token from free to frozen."""

    TYPE_PREFIX: ClassVar[bytes] = bytes.fromhex("E774B32D")
    from_: Annotated[str, Tag(1, ACCOUNT)]
    symbol: Annotated[str, Tag(2, Text())]
    amount: Annotated[int, Tag(3, Uint())]

    def signers(self) -> list[str]:
        return [self.from_]

    def validate(self) -> None:
        check_account(self.from_)
        check_suffixed_symbol(self.symbol)
        rule(self.amount <= 0, AbciCode.INVALID_COINS, "amount must be positive")


@dataclass(frozen=True, slots=True)
class TokenUnfreeze(TokenFreeze):
    """Move an amount of a token from frozen back to free (same fields as a freeze)."""

    TYPE_PREFIX: ClassVar[bytes] = bytes.fromhex("6515FF0D")


@dataclass(frozen=True, slots=True)
class Issue(Declared):
    """Issue a new BEP2 token (tokens/IssueMsg); the chain names it SYMBOL-XXX from the tx hash."""

    TYPE_PREFIX: ClassVar[bytes] = bytes.fromhex("17EFAB80")
    from_: Annotated[str, Tag(1, ACCOUNT)]
    name: Annotated[str, Tag(2, Text())]
    symbol: Annotated[str, Tag(3, Text())]
    total_supply: Annotated[int, Tag(4, Uint())]
    mintable: Annotated[bool, Tag(5, Bool())]

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


@dataclass(frozen=True, slots=True)
class Mint(Declared):
    """Mint more of a mintable token (tokens/MintMsg); only its owner may."""

    TYPE_PREFIX: ClassVar[bytes] = bytes.fromhex("467E0829")
    from_: Annotated[str, Tag(1, ACCOUNT)]
    symbol: Annotated[str, Tag(2, Text())]
    amount: Annotated[int, Tag(3, Uint())]

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


@dataclass(frozen=True, slots=True)
class Burn(Declared):
    """Burn an amount of a token the sender holds (tokens/BurnMsg)."""

    TYPE_PREFIX: ClassVar[bytes] = bytes.fromhex("7ED2D2A0")
    from_: Annotated[str, Tag(1, ACCOUNT)]
    symbol: Annotated[str, Tag(2, Text())]
    amount: Annotated[int, Tag(3, Uint())]

    def signers(self) -> list[str]:
        return [self.from_]

    def validate(self) -> None:
        check_account(self.from_)
        if not MINI_TOKEN_RE.fullmatch(self.symbol):
            check_suffixed_symbol(self.symbol)
        # The chain answers a non-positive burn with ErrInsufficientFunds, not ErrInvalidCoins.
        rule(self.amount <= 0, AbciCode.INSUFFICIENT_FUNDS, "amount should be more than 0")
