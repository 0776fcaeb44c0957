"""Field types shared by the request models of requests_*.py (bank, lock, swap, token, staking, account).

Strict on purpose: hashes and ids are fixed-length hex strings, times and ids JSON integers within
the chain's bounds (true, 1.5 and "12" are refused), coins use the exact Amount of requests.py.
The demo values at the bottom are what the OpenAPI examples use: they work on config/config.yml
against the devnet (wallet_1 and wallet_2 are funded with BNB and ANN-457).
"""

from typing import Annotated, Any

from pydantic import AfterValidator, Field

from app.chain.amounts import INT64_MAX
from app.chain.messages import Coin, random_number_hash, swap_id
from app.chain.messages.timelock import MAX_LOCK_TIME
from app.signing.requests import MAX_COINS_PER_TRANSFER, CoinAmount, SignableMsg, _Model, _shown

__all__ = [
    "BscAddress",
    "CoinList",
    "Hex32",
    "Int64",
    "OptionalCoinList",
    "SignableMsg",
    "StrictModel",
    "UnixTime",
    "ValidatorAddress",
    "chain_coins",
    "coin_pairs",
    "shown",
    "shown_coins",
]

StrictModel = _Model
shown = _shown

Hex32 = Annotated[
    str,
    Field(
        min_length=64,
        max_length=64,
        pattern=r"^[0-9a-fA-F]{64}$",
        description="32 bytes as 64 hex digits.",
    ),
]
Int64 = Annotated[int, Field(strict=True, ge=0, le=INT64_MAX)]
# Unix seconds: positive, and below 10000-01-01 (amino's time encoding cannot go further).
UnixTime = Annotated[int, Field(strict=True, ge=1, lt=MAX_LOCK_TIME, examples=[4102444800])]
# The form is checked here; the EIP-55 checksum of mixed-case input by the chain's bsc_address (422).
BscAddress = Annotated[
    str,
    Field(pattern=r"^0x[0-9a-fA-F]{40}$", examples=["0x7F756b1be93AA2e2Fdc3d7cb713abC206F877802"]),
]
ValidatorAddress = Annotated[
    str, Field(min_length=1, max_length=90, pattern=r"^bva1[02-9ac-hj-np-z]{38}$", description="bva1... operator")
]
CoinList = Annotated[list[CoinAmount], Field(min_length=1, max_length=MAX_COINS_PER_TRANSFER)]
OptionalCoinList = Annotated[list[CoinAmount], Field(max_length=MAX_COINS_PER_TRANSFER)]


def coin_pairs(coins: list[CoinAmount]) -> tuple[tuple[str, int], ...]:
    """(token, units) pairs of a coin list, in the order given."""
    return tuple((c.token, c.amount) for c in coins)


def chain_coins(coins: list[CoinAmount]) -> list[Coin]:
    """A coin list as chain Coins (the prepare step sorts them and refuses repeated denoms)."""
    return [Coin(denom=c.token, amount=c.amount) for c in coins]


def shown_coins(coins: list[CoinAmount]) -> list[dict[str, Any]]:
    """A coin list as the audit log keeps it: denoms and decimal amounts."""
    return [{"denom": c.token, "amount": _shown(c.amount)} for c in coins]


# ---- demo values used by the OpenAPI examples (config/config.yml on the devnet) ----

DEMO_WALLET_1 = "tbnb10a6kkxlf823w9lwr6l9hzw4uyphcw7qzrud5rr"  # wallet_1's address (demo key)
DEMO_WALLET_2 = "tbnb1yqprw3vkaw72vaw4yws0adxq6qw5nunzny0tvt"  # wallet_2, the README's transfer recipient
DEMO_OTHER = "tbnb12vfxp232rx0z9rzn0hay9jptagk8c86dl9aumy"  # a throwaway address (key 0x22...22)
DEMO_BSC_ADDRESS = "0x7F756b1be93AA2e2Fdc3d7cb713abC206F877802"  # EIP-55
# The devnet's two default side-chain validators (app/devnet/state.py DEFAULT_VALIDATORS).
DEMO_VALIDATORS = (
    "bva18lmqv2vkt443cas2tyas4nyc8wzm773gnfkt3n",
    "bva1wzt4u4mw53guup55sq58ek0vexy6xd73qfsjm6",
)
DEMO_LOCK_TIME = 4102444800  # 2100-01-01: always far enough ahead for a lock or an expiry
DEMO_RANDOM_NUMBER = bytes.fromhex("e8eae926261ab77d018202434791a335249b470246a7b02e28c3b2fb6ffad8f3")
DEMO_TIMESTAMP = 1_700_000_000
DEMO_RANDOM_NUMBER_HASH = random_number_hash(DEMO_RANDOM_NUMBER, DEMO_TIMESTAMP)
DEMO_SWAP_ID = swap_id(DEMO_RANDOM_NUMBER_HASH, DEMO_WALLET_1)


def utf8_within(max_bytes: int) -> Any:
    """An AfterValidator for a string the chain bounds with Go's len(), which counts UTF-8 bytes, not characters."""

    def check(value: str) -> str:
        # pydantic already refuses lone surrogates (no UTF-8 exists for them), so encode() cannot fail here.
        if len(value.encode()) > max_bytes:
            raise ValueError(f"is longer than the chain's limit of {max_bytes} bytes (UTF-8)")
        return value

    return AfterValidator(check)
