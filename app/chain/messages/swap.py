"""Atomic swaps, BEP3 (tokens/HTLTMsg, DepositHTLTMsg, ClaimHTLTMsg, RefundHTLTMsg).

Rules from bnb-chain/node plugins/tokens/swap/msg.go; ids and hashes from its utils.go.
"""

import hashlib
from dataclasses import dataclass
from typing import Annotated, ClassVar

from app.chain.address import decode_address
from app.chain.codes import AbciCode
from app.chain.messages.base import ACCOUNT, COINS, Coin, check_account, check_coins, check_non_negative, rule
from app.chain.messages.spec import Bool, Declared, Hex, Tag, Text, Uint

RANDOM_NUMBER_HASH_LENGTH = RANDOM_NUMBER_LENGTH = SWAP_ID_LENGTH = 32
MAX_OTHER_CHAIN_ADDR_LENGTH = MAX_EXPECTED_INCOME_LENGTH = 64
MIN_HEIGHT_SPAN, MAX_HEIGHT_SPAN = 360, 518400
# The handler accepts a timestamp from 30 minutes before to 15 minutes after the block time.
TIMESTAMP_PAST_SECONDS, TIMESTAMP_FUTURE_SECONDS = 1800, 900


def random_number_hash(random_number: bytes, timestamp: int) -> bytes:
    """sha256(random_number ‖ timestamp as 8 big-endian bytes): the hash lock of a swap."""
    return hashlib.sha256(random_number + timestamp.to_bytes(8, "big", signed=True)).digest()


def swap_id(random_number_hash: bytes, sender: str, sender_other_chain: str = "") -> bytes:
    """The swap id the chain gives an HTLT: sha256(hash ‖ sender's 20 bytes ‖ lower(sender_other_chain))."""
    return hashlib.sha256(random_number_hash + decode_address(sender) + sender_other_chain.lower().encode()).digest()


def _check_length(value: bytes, length: int, name: str, code: AbciCode) -> None:
    rule(len(value) != length, code, f"The length of {name} should be {length}")


@dataclass(frozen=True, slots=True)
class HTLT(Declared):
    """Lock coins for `to` behind a hash lock that expires height_span blocks later."""

    TYPE_PREFIX: ClassVar[bytes] = bytes.fromhex("B33F9A24")
    from_: Annotated[str, Tag(1, ACCOUNT)]
    to: Annotated[str, Tag(2, ACCOUNT)]
    random_number_hash: Annotated[bytes, Tag(5, Hex())]
    timestamp: Annotated[int, Tag(6, Uint())]
    amount: Annotated[tuple[Coin, ...], Tag(7, COINS)]
    height_span: Annotated[int, Tag(9, Uint())]
    expected_income: Annotated[str, Tag(8, Text())] = ""
    recipient_other_chain: Annotated[str, Tag(3, Text())] = ""
    sender_other_chain: Annotated[str, Tag(4, Text())] = ""
    cross_chain: Annotated[bool, Tag(10, Bool())] = False

    def signers(self) -> list[str]:
        return [self.from_]

    @property
    def swap_id(self) -> bytes:
        """The id the chain will give this swap."""
        return swap_id(self.random_number_hash, self.from_, self.sender_other_chain)

    def validate(self) -> None:
        check_account(self.from_)
        check_account(self.to, "to")
        self._check_other_chain()
        rule(  # the node's len() counts bytes, as every length below (plugins/tokens/swap/msg.go)
            len(self.expected_income.encode()) > MAX_EXPECTED_INCOME_LENGTH,
            AbciCode.SWAP_INVALID_EXPECTED_INCOME,
            f"The length of expected income should be less than {MAX_EXPECTED_INCOME_LENGTH}",
        )
        _check_length(
            self.random_number_hash,
            RANDOM_NUMBER_HASH_LENGTH,
            "random number hash",
            AbciCode.SWAP_INVALID_RANDOM_NUMBER_HASH,
        )
        check_coins(self.amount)
        rule(
            not MIN_HEIGHT_SPAN <= self.height_span <= MAX_HEIGHT_SPAN,
            AbciCode.SWAP_INVALID_HEIGHT_SPAN,
            f"The height span should be no less than {MIN_HEIGHT_SPAN} and no greater than {MAX_HEIGHT_SPAN}",
        )
        check_non_negative(self.timestamp, "timestamp", AbciCode.SWAP_INVALID_TIMESTAMP)

    def _check_other_chain(self) -> None:
        code = AbciCode.SWAP_INVALID_ADDR_OTHER_CHAIN
        if not self.cross_chain:
            rule(bool(self.recipient_other_chain), code, "recipient_other_chain must be empty for a single chain swap")
            rule(bool(self.sender_other_chain), code, "sender_other_chain must be empty for a single chain swap")
        rule(
            self.cross_chain and not self.recipient_other_chain,
            code,
            "Missing recipient address on other chain for cross chain swap",
        )
        for name, value in (("recipient", self.recipient_other_chain), ("sender", self.sender_other_chain)):
            rule(
                len(value.encode()) > MAX_OTHER_CHAIN_ADDR_LENGTH,
                code,
                f"The length of {name} address on other chain should be less than {MAX_OTHER_CHAIN_ADDR_LENGTH}",
            )


@dataclass(frozen=True, slots=True)
class DepositHTLT(Declared):
    """The recipient of a single-chain swap deposits the coins it pays in return."""

    TYPE_PREFIX: ClassVar[bytes] = bytes.fromhex("63986496")
    from_: Annotated[str, Tag(1, ACCOUNT)]
    amount: Annotated[tuple[Coin, ...], Tag(2, COINS)]
    swap_id: Annotated[bytes, Tag(3, Hex())]

    def signers(self) -> list[str]:
        return [self.from_]

    def validate(self) -> None:
        check_account(self.from_)
        _check_length(self.swap_id, SWAP_ID_LENGTH, "swapID", AbciCode.SWAP_INVALID_SWAP_ID)
        check_coins(self.amount)


@dataclass(frozen=True, slots=True)
class ClaimHTLT(Declared):
    """Open the hash lock with the random number: the recipient is paid (anyone may send it)."""

    TYPE_PREFIX: ClassVar[bytes] = bytes.fromhex("C1665300")
    from_: Annotated[str, Tag(1, ACCOUNT)]
    swap_id: Annotated[bytes, Tag(2, Hex())]
    random_number: Annotated[bytes, Tag(3, Hex())]

    def signers(self) -> list[str]:
        return [self.from_]

    def validate(self) -> None:
        check_account(self.from_)
        _check_length(self.swap_id, SWAP_ID_LENGTH, "swapID", AbciCode.SWAP_INVALID_SWAP_ID)
        _check_length(self.random_number, RANDOM_NUMBER_LENGTH, "random number", AbciCode.SWAP_INVALID_RANDOM_NUMBER)


@dataclass(frozen=True, slots=True)
class RefundHTLT(Declared):
    """Return the coins of an expired swap to its creator (and depositor)."""

    TYPE_PREFIX: ClassVar[bytes] = bytes.fromhex("3454A27C")
    from_: Annotated[str, Tag(1, ACCOUNT)]
    swap_id: Annotated[bytes, Tag(2, Hex())]

    def signers(self) -> list[str]:
        return [self.from_]

    def validate(self) -> None:
        check_account(self.from_)
        _check_length(self.swap_id, SWAP_ID_LENGTH, "swapID", AbciCode.SWAP_INVALID_SWAP_ID)
