"""Cross-chain transfer to BNB Smart Chain (bridge/TransferOutMsg) and BSC (0x) addresses.

Rules from bnb-chain/node plugins/bridge/types/msgs.go; the 0x form from bnc-cosmos-sdk
types/address.go (SmartChainAddress) and types/hex.go (HexAddress: EIP-55 checksum case).
"""

import re
from dataclasses import dataclass
from typing import Any, ClassVar, Self

from app.chain.address import decode_address
from app.chain.amino import bytes_field, one_bytes, one_int, varint_field
from app.chain.codes import AbciCode
from app.chain.errors import DecodeError, InvalidInput, RuleViolation
from app.chain.messages.base import (
    Coin,
    address_of,
    check_account,
    check_coin,
    decode_coin,
    message_fields,
    rule,
)

BSC_ADDRESS_LENGTH = 20
MIN_EXPIRE_SECONDS = 60  # the handler wants expire_time more than this after the block time
_HEX_ADDRESS_RE = re.compile(r"^(?:0x)?([0-9a-fA-F]{40})$")


def checksum_address(raw: bytes) -> str:
    """The EIP-55 form of a 20-byte address: 0x + hex with letters upper-cased by the keccak of the hex."""
    if len(raw) != BSC_ADDRESS_LENGTH:
        raise InvalidInput(f"a BSC address holds {BSC_ADDRESS_LENGTH} bytes, not {len(raw)}")
    from Crypto.Hash import keccak  # here, not at start-up: pycryptodome costs ~1.5 MB of idle RSS

    plain = raw.hex()
    digest = keccak.new(digest_bits=256, data=plain.encode()).hexdigest()
    return "0x" + "".join(c.upper() if int(d, 16) >= 8 else c for c, d in zip(plain, digest[:40], strict=True))


def bsc_address(text: str) -> str:
    """A BSC address (0x + 40 hex digits) in its checksummed form, or InvalidInput.

    All-lower and all-upper hex are accepted as the node does; mixed case must carry a valid EIP-55
    checksum, so a mistyped address is refused instead of sending coins where no key exists.
    """
    match = _HEX_ADDRESS_RE.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise InvalidInput("to must be a BSC address: 0x followed by 40 hex digits")
    digits = match[1]
    canonical = checksum_address(bytes.fromhex(digits))
    if digits not in (digits.lower(), digits.upper()) and digits != canonical[2:]:
        raise InvalidInput("to has a bad EIP-55 checksum (mixed case that does not match)")
    return canonical


def bsc_address_bytes(address: str) -> bytes:
    """The 20 bytes of a 0x address."""
    match = _HEX_ADDRESS_RE.fullmatch(address)
    if match is None:
        raise InvalidInput("to must be a BSC address: 0x followed by 40 hex digits")
    return bytes.fromhex(match[1])


@dataclass(frozen=True, slots=True)
class TransferOut:
    """Move coins from this chain to `to` on BNB Smart Chain; refunded if not relayed by expire_time."""

    TYPE_PREFIX: ClassVar[bytes] = bytes.fromhex("800819C0")
    from_: str
    to: str  # checksummed 0x address (bsc_address)
    amount: Coin
    expire_time: int

    def sign_dict(self) -> dict[str, Any]:
        return {
            "amount": self.amount.sign_dict(),
            "expire_time": self.expire_time,
            "from": self.from_,
            "to": checksum_address(bsc_address_bytes(self.to)),
        }

    def encode_fields(self) -> bytes:
        return (
            bytes_field(1, decode_address(self.from_))
            + bytes_field(2, bsc_address_bytes(self.to))
            + bytes_field(3, self.amount.encode_fields())
            + varint_field(4, self.expire_time)
        )

    def signers(self) -> list[str]:
        return [self.from_]

    def validate(self) -> None:
        check_account(self.from_)
        try:
            canonical = bsc_address(self.to)
        except InvalidInput as exc:
            raise RuleViolation(str(exc), code=AbciCode.BRIDGE_INVALID_CONTRACT_ADDRESS) from None
        rule(int(canonical, 16) == 0, AbciCode.BRIDGE_INVALID_CONTRACT_ADDRESS, "to address should not be empty")
        check_coin(self.amount)
        rule(self.expire_time <= 0, AbciCode.BRIDGE_INVALID_EXPIRE_TIME, "expire time should be larger than 0")

    @classmethod
    def decode(cls, body: bytes, hrp: str) -> Self:
        f = message_fields(body, {1: bytes, 2: bytes, 3: bytes, 4: int})
        to = one_bytes(f, 2) or bytes(BSC_ADDRESS_LENGTH)  # an absent field is the zero address
        if len(to) != BSC_ADDRESS_LENGTH:
            raise DecodeError("to is not 20 bytes")
        return cls(
            from_=address_of(one_bytes(f, 1), hrp),
            to=checksum_address(to),
            amount=decode_coin(one_bytes(f, 3)),
            expire_time=one_int(f, 4),
        )
