"""Cross-chain transfer to BNB Smart Chain (bridge/TransferOutMsg) and BSC (0x) addresses.

Rules from bnb-chain/node plugins/bridge/types/msgs.go; the 0x form from bnc-cosmos-sdk
types/address.go (SmartChainAddress) and types/hex.go (HexAddress: EIP-55 checksum case).
"""

import re
from dataclasses import dataclass
from typing import Annotated, ClassVar

from app.chain.amino import Fields, bytes_field, one_bytes
from app.chain.codes import AbciCode
from app.chain.errors import DecodeError, InvalidInput, RuleViolation
from app.chain.messages.base import ACCOUNT, COIN, Coin, check_account, check_coin, rule
from app.chain.messages.spec import Declared, Shape, Tag, Uint

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
class BscAddress:
    """A 0x address: 20 bytes in amino, the EIP-55 form in JSON (the node's SmartChainAddress)."""

    wire: ClassVar[type[bytes]] = bytes

    def to_json(self, value: str, *, amino: bool) -> str:
        return checksum_address(bsc_address_bytes(value))

    def encode(self, tag: int, value: str) -> bytes:
        return bytes_field(tag, bsc_address_bytes(value))

    def decode(self, fields: Fields, tag: int, hrp: str) -> str:
        raw = one_bytes(fields, tag) or bytes(BSC_ADDRESS_LENGTH)  # an absent field is the zero address
        if len(raw) != BSC_ADDRESS_LENGTH:
            raise DecodeError(f"field {tag} is not a 20-byte address")
        return checksum_address(raw)

    def shape(self, *, amino: bool) -> Shape:
        return "string"


@dataclass(frozen=True, slots=True)
class TransferOut(Declared):
    """Move coins from this chain to `to` on BNB Smart Chain; refunded if not relayed by expire_time."""

    TYPE_PREFIX: ClassVar[bytes] = bytes.fromhex("800819C0")
    from_: Annotated[str, Tag(1, ACCOUNT)]
    to: Annotated[str, Tag(2, BscAddress())]  # checksummed 0x address (bsc_address)
    amount: Annotated[Coin, Tag(3, COIN)]
    expire_time: Annotated[int, Tag(4, Uint())]

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
