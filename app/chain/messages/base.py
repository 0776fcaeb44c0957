"""What every chain message shares: the Msg protocol, coins, symbols and the field checks of ValidateBasic.

Messages hold addresses in canonical bech32 and amounts in int64 units of 1e-8, so that what is
signed and what is encoded are the same values by construction. Constructors never validate (the
devnet must decode a bad message to refuse it with the chain's code); `validate()` runs the chain's
ValidateBasic and raises RuleViolation naming the rule, and `checked(msg)` is the builder's shortcut.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Protocol, TypeVar

from app.chain.address import decode_address, encode_address
from app.chain.amounts import INT64_MAX
from app.chain.codes import AbciCode
from app.chain.errors import InvalidInput, RuleViolation
from app.chain.messages.spec import Account, Declared, Repeated, Struct, Tag, Text, Uint

NATIVE_TOKEN = "BNB"  # noqa: S105 (a symbol, not a secret)
NATIVE_TOKEN_DOT_B = "BNB.B"  # noqa: S105 (node common/types/token.go NativeTokenSymbolDotBSuffixed)
TOKEN_MAX_TOTAL_SUPPLY = 9_000_000_000_000_000_000  # 90 billion with 8 decimals (node common/types/token.go)
MINI_TOKEN_MIN_AMOUNT = 100_000_000  # 1 token: the least a mini-token mint may add (common/types/mini_token.go)
VALIDATOR_HRP = "bva"  # operator addresses of validators, on mainnet and testnet alike

# Token symbols: 2-8 upper-case alphanumerics, an optional ".B" peg marker, an optional
# "-XXX" hex suffix (with "M" for mini tokens). Pairs join two tokens with "_".
_TOKEN = r"[A-Z0-9]{2,8}(?:\.[A-Z])?(?:-[0-9A-F]{3}M?)?"  # noqa: S105 (a regex, not a secret)
TOKEN_RE = re.compile(rf"^{_TOKEN}$")
PAIR_RE = re.compile(rf"^{_TOKEN}_{_TOKEN}$")
MINI_TOKEN_RE = re.compile(r"^[A-Z0-9]{2,8}-[0-9A-F]{3}M$")
# What the chain accepts once a token exists (node common/types/token.go ValidateTokenSymbol, mini_token.go
# ValidateMiniTokenSymbol, BEP8/BEP87 rules): BNB and BNB.B bare; NAME[.B]-XXX, NAME 2-8 alphanumerics but
# not BNB or BNB.B ("native token symbol should not be suffixed"), XXX 3 hex digits; mini tokens NAME-XXXM.
# Upper case only, though Go's [[:alnum:]] takes lower case: issue upper-cases, so no lower-case token exists.
_SUFFIXED = r"(?:BNB(?:\.B)?|(?!BNB(?:\.B)?-)[A-Z0-9]{2,8}(?:\.B)?-[0-9A-F]{3}|[A-Z0-9]{2,8}-[0-9A-F]{3}M)"
SUFFIXED_TOKEN_RE = re.compile(rf"^{_SUFFIXED}$")
# node plugins/dex/store/utils.go ValidatePairSymbol: BASE_QUOTE, each side a valid (mini) token.
SUFFIXED_PAIR_RE = re.compile(rf"^{_SUFFIXED}_{_SUFFIXED}$")


class Msg(Protocol):
    """What every chain message offers the transaction layer."""

    TYPE_PREFIX: ClassVar[bytes]

    def sign_dict(self) -> dict[str, Any]:
        """The message as it appears in the sign bytes (keys are sorted on output)."""
        ...

    def encode_fields(self) -> bytes:
        """The amino fields of the message, without its type prefix."""
        ...

    def signers(self) -> list[str]:
        """The addresses that must sign the message (the chain's GetSigners)."""
        ...

    def validate(self) -> None:
        """The chain's ValidateBasic: RuleViolation (an InvalidInput) naming the broken rule."""
        ...


M = TypeVar("M", bound=Msg)


def encode_msg(msg: Msg) -> bytes:
    """Type prefix followed by the message's fields."""
    return msg.TYPE_PREFIX + msg.encode_fields()


def checked(msg: M) -> M:
    """msg, after the chain's ValidateBasic passed on it (RuleViolation otherwise)."""
    msg.validate()
    return msg


def check_token_symbol(symbol: str) -> str:
    """A token symbol such as BNB or ANN-457, or InvalidInput."""
    if not TOKEN_RE.fullmatch(symbol):
        raise InvalidInput("symbol must be a token symbol such as BNB or ANN-457 (upper case)")
    return symbol


def check_pair_symbol(symbol: str) -> str:
    """A trading pair such as ANN-457_BNB, or InvalidInput."""
    if not PAIR_RE.fullmatch(symbol):
        raise InvalidInput("symbol must be a trading pair such as ANN-457_BNB (upper case)")
    return symbol


def rule(failed: bool, code: AbciCode, message: str) -> None:
    """Raise RuleViolation(message) with the chain's code when failed."""
    if failed:
        raise RuleViolation(message, code=code)


def check_account(address: str, role: str = "from") -> None:
    """A canonical bech32 account address (20 bytes, lower case: what the node re-encodes and signs)."""
    try:
        raw = decode_address(address)
        canonical = encode_address(address.rpartition("1")[0], raw)
    except InvalidInput as exc:
        raise RuleViolation(f"{role} address is invalid: {exc}", code=AbciCode.INVALID_ADDRESS) from None
    rule(canonical != address, AbciCode.INVALID_ADDRESS, f"{role} address must be lower-case bech32")


def check_validator(address: str, role: str = "validator") -> None:
    """A canonical bva1... validator operator address."""
    check_account(address, role)
    rule(not address.startswith(VALIDATOR_HRP + "1"), AbciCode.INVALID_ADDRESS, f"{role} address must start with bva1")


def check_non_negative(value: int, name: str, code: AbciCode = AbciCode.INVALID_COINS) -> None:
    """An int64 field the encoder can write: 0..2^63 - 1."""
    rule(not 0 <= value <= INT64_MAX, code, f"{name} must be between 0 and 2^63 - 1")


@dataclass(frozen=True, slots=True)
class Coin(Declared):
    """An amount of one token, in units of 1e-8 (sdk.Coin: 1 denom, 2 amount)."""

    denom: Annotated[str, Tag(1, Text())]
    amount: Annotated[int, Tag(2, Uint())]


COIN = Struct(Coin)
COINS = Repeated(Coin, null_when_empty=True)  # sdk.Coins: Go's json.Marshal writes no coins as null
ACCOUNT = Account()


def check_coin(coin: Coin, *, positive: bool = True) -> None:
    """A coin with a valid symbol and an int64 amount (> 0 when positive)."""
    bad_symbol = not SUFFIXED_TOKEN_RE.fullmatch(coin.denom)
    rule(bad_symbol, AbciCode.INVALID_COINS, f"invalid coins: bad symbol {coin.denom!r} (expected e.g. BNB, ABC-123)")
    low = 1 if positive else 0
    rule(
        not low <= coin.amount <= INT64_MAX,
        AbciCode.INVALID_COINS,
        f"invalid coins: {coin.denom} amount must be {'positive' if positive else 'non-negative'} and fit int64",
    )


def check_coins(coins: tuple[Coin, ...], *, allow_empty: bool = False) -> None:
    """sdk.Coins.IsValid and IsPositive: non-empty, denoms sorted and unique, amounts positive."""
    rule(not coins and not allow_empty, AbciCode.INVALID_COINS, "invalid coins: at least one coin is required")
    denoms = [c.denom for c in coins]
    rule(denoms != sorted(set(denoms)), AbciCode.INVALID_COINS, "invalid coins: denoms must be sorted and unique")
    for coin in coins:
        check_coin(coin)


def sorted_coins(coins: Iterable[Coin]) -> tuple[Coin, ...]:
    """Coins sorted by denom, as the chain requires; InvalidInput if a denom appears twice."""
    ordered = tuple(sorted(coins, key=lambda c: c.denom))
    if len({c.denom for c in ordered}) != len(ordered):
        raise InvalidInput("each denom may appear only once in a list of coins")
    return ordered
