"""Account flags (scripts/SetAccountFlagsMsg), e.g. BEP12's memo check for deposit accounts.

From bnb-chain/node plugins/account/msg.go and plugins/account/scripts.
"""

from dataclasses import dataclass
from typing import Any, ClassVar, Self

from app.chain.address import decode_address
from app.chain.amino import bytes_field, one_bytes, one_int, varint_field
from app.chain.codes import AbciCode
from app.chain.messages.base import address_of, check_account, message_fields, rule

UINT64_MAX = 2**64 - 1
# BEP12: transfers to the account must carry a memo of digits only (the exchange's deposit id).
TRANSFER_MEMO_CHECKER_FLAG = 0x1


@dataclass(frozen=True, slots=True)
class SetAccountFlags:
    """Replace the signer's account flags (a uint64 bit set)."""

    TYPE_PREFIX: ClassVar[bytes] = bytes.fromhex("BEA6E301")
    from_: str
    flags: int

    def sign_dict(self) -> dict[str, Any]:
        return {"flags": self.flags, "from": self.from_}

    def encode_fields(self) -> bytes:
        return bytes_field(1, decode_address(self.from_)) + varint_field(2, self.flags)

    def signers(self) -> list[str]:
        return [self.from_]

    def validate(self) -> None:
        check_account(self.from_)
        rule(
            not 0 <= self.flags <= UINT64_MAX,
            AbciCode.INVALID_ACCOUNT_FLAGS,
            "flags must fit an unsigned 64-bit integer",
        )

    @classmethod
    def decode(cls, body: bytes, hrp: str) -> Self:
        f = message_fields(body, {1: bytes, 2: int})
        return cls(from_=address_of(one_bytes(f, 1), hrp), flags=one_int(f, 2))
