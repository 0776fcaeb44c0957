"""Atomic swaps, BEP3 (tokens/HTLTMsg, DepositHTLTMsg, ClaimHTLTMsg, RefundHTLTMsg).

Rules from bnb-chain/node plugins/tokens/swap/msg.go; ids and hashes from its utils.go.
"""

import hashlib
from dataclasses import dataclass
from typing import Any, ClassVar, Self

from app.chain.address import decode_address
from app.chain.amino import (
    bool_field,
    bytes_field,
    many_bytes,
    one_bool,
    one_bytes,
    one_int,
    string_field,
    varint_field,
)
from app.chain.codes import AbciCode
from app.chain.messages.base import (
    Coin,
    address_of,
    check_account,
    check_coins,
    check_non_negative,
    coins_json,
    decode_coins,
    message_fields,
    rule,
    text,
)

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
class HTLT:
    """Lock coins for `to` behind a hash lock that expires height_span blocks later."""

    TYPE_PREFIX: ClassVar[bytes] = bytes.fromhex("B33F9A24")
    from_: str
    to: str
    random_number_hash: bytes
    timestamp: int
    amount: tuple[Coin, ...]
    height_span: int
    expected_income: str = ""
    recipient_other_chain: str = ""
    sender_other_chain: str = ""
    cross_chain: bool = False

    def sign_dict(self) -> dict[str, Any]:
        return {
            "amount": coins_json(self.amount),
            "cross_chain": self.cross_chain,
            "expected_income": self.expected_income,
            "from": self.from_,
            "height_span": self.height_span,
            "random_number_hash": self.random_number_hash.hex(),
            "recipient_other_chain": self.recipient_other_chain,
            "sender_other_chain": self.sender_other_chain,
            "timestamp": self.timestamp,
            "to": self.to,
        }

    def encode_fields(self) -> bytes:
        return b"".join(
            (
                bytes_field(1, decode_address(self.from_)),
                bytes_field(2, decode_address(self.to)),
                string_field(3, self.recipient_other_chain),
                string_field(4, self.sender_other_chain),
                bytes_field(5, self.random_number_hash),
                varint_field(6, self.timestamp),
                b"".join(bytes_field(7, c.encode_fields()) for c in self.amount),
                string_field(8, self.expected_income),
                varint_field(9, self.height_span),
                bool_field(10, self.cross_chain),
            )
        )

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
        rule(
            len(self.expected_income) > MAX_EXPECTED_INCOME_LENGTH,
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
                len(value) > MAX_OTHER_CHAIN_ADDR_LENGTH,
                code,
                f"The length of {name} address on other chain should be less than {MAX_OTHER_CHAIN_ADDR_LENGTH}",
            )

    @classmethod
    def decode(cls, body: bytes, hrp: str) -> Self:
        schema = {1: bytes, 2: bytes, 3: bytes, 4: bytes, 5: bytes, 6: int, 7: bytes, 8: bytes, 9: int, 10: int}
        f = message_fields(body, schema)
        return cls(
            from_=address_of(one_bytes(f, 1), hrp),
            to=address_of(one_bytes(f, 2), hrp),
            recipient_other_chain=text(one_bytes(f, 3)),
            sender_other_chain=text(one_bytes(f, 4)),
            random_number_hash=one_bytes(f, 5),
            timestamp=one_int(f, 6),
            amount=decode_coins(many_bytes(f, 7)),
            expected_income=text(one_bytes(f, 8)),
            height_span=one_int(f, 9),
            cross_chain=one_bool(f, 10),
        )


@dataclass(frozen=True, slots=True)
class DepositHTLT:
    """The recipient of a single-chain swap deposits the coins it pays in return."""

    TYPE_PREFIX: ClassVar[bytes] = bytes.fromhex("63986496")
    from_: str
    amount: tuple[Coin, ...]
    swap_id: bytes

    def sign_dict(self) -> dict[str, Any]:
        return {"amount": coins_json(self.amount), "from": self.from_, "swap_id": self.swap_id.hex()}

    def encode_fields(self) -> bytes:
        return (
            bytes_field(1, decode_address(self.from_))
            + b"".join(bytes_field(2, c.encode_fields()) for c in self.amount)
            + bytes_field(3, self.swap_id)
        )

    def signers(self) -> list[str]:
        return [self.from_]

    def validate(self) -> None:
        check_account(self.from_)
        _check_length(self.swap_id, SWAP_ID_LENGTH, "swapID", AbciCode.SWAP_INVALID_SWAP_ID)
        check_coins(self.amount)

    @classmethod
    def decode(cls, body: bytes, hrp: str) -> Self:
        f = message_fields(body, {1: bytes, 2: bytes, 3: bytes})
        return cls(
            from_=address_of(one_bytes(f, 1), hrp),
            amount=decode_coins(many_bytes(f, 2)),
            swap_id=one_bytes(f, 3),
        )


@dataclass(frozen=True, slots=True)
class ClaimHTLT:
    """Open the hash lock with the random number: the recipient is paid (anyone may send it)."""

    TYPE_PREFIX: ClassVar[bytes] = bytes.fromhex("C1665300")
    from_: str
    swap_id: bytes
    random_number: bytes

    def sign_dict(self) -> dict[str, Any]:
        return {"from": self.from_, "random_number": self.random_number.hex(), "swap_id": self.swap_id.hex()}

    def encode_fields(self) -> bytes:
        return (
            bytes_field(1, decode_address(self.from_))
            + bytes_field(2, self.swap_id)
            + bytes_field(3, self.random_number)
        )

    def signers(self) -> list[str]:
        return [self.from_]

    def validate(self) -> None:
        check_account(self.from_)
        _check_length(self.swap_id, SWAP_ID_LENGTH, "swapID", AbciCode.SWAP_INVALID_SWAP_ID)
        _check_length(self.random_number, RANDOM_NUMBER_LENGTH, "random number", AbciCode.SWAP_INVALID_RANDOM_NUMBER)

    @classmethod
    def decode(cls, body: bytes, hrp: str) -> Self:
        f = message_fields(body, {1: bytes, 2: bytes, 3: bytes})
        return cls(from_=address_of(one_bytes(f, 1), hrp), swap_id=one_bytes(f, 2), random_number=one_bytes(f, 3))


@dataclass(frozen=True, slots=True)
class RefundHTLT:
    """Return the coins of an expired swap to its creator (and depositor)."""

    TYPE_PREFIX: ClassVar[bytes] = bytes.fromhex("3454A27C")
    from_: str
    swap_id: bytes

    def sign_dict(self) -> dict[str, Any]:
        return {"from": self.from_, "swap_id": self.swap_id.hex()}

    def encode_fields(self) -> bytes:
        return bytes_field(1, decode_address(self.from_)) + bytes_field(2, self.swap_id)

    def signers(self) -> list[str]:
        return [self.from_]

    def validate(self) -> None:
        check_account(self.from_)
        _check_length(self.swap_id, SWAP_ID_LENGTH, "swapID", AbciCode.SWAP_INVALID_SWAP_ID)

    @classmethod
    def decode(cls, body: bytes, hrp: str) -> Self:
        f = message_fields(body, {1: bytes, 2: bytes})
        return cls(from_=address_of(one_bytes(f, 1), hrp), swap_id=one_bytes(f, 2))
