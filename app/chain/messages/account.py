"""Account flags (scripts/SetAccountFlagsMsg), e.g. BEP12's memo check for deposit accounts.

From bnb-chain/node plugins/account/msg.go and plugins/account/scripts.
"""

from dataclasses import dataclass
from typing import Annotated, ClassVar

from app.chain.codes import AbciCode
from app.chain.messages.base import ACCOUNT, check_account, rule
from app.chain.messages.spec import Declared, Tag, Uint

UINT64_MAX = 2**64 - 1
# BEP12: transfers to the account must carry a memo of digits only (the exchange's deposit id).
TRANSFER_MEMO_CHECKER_FLAG = 0x1


@dataclass(frozen=True, slots=True)
class SetAccountFlags(Declared):
    """Replace the signer's account flags (a uint64 bit set)."""

    TYPE_PREFIX: ClassVar[bytes] = bytes.fromhex("BEA6E301")
    from_: Annotated[str, Tag(1, ACCOUNT)]
    flags: Annotated[int, Tag(2, Uint())]

    def signers(self) -> list[str]:
        return [self.from_]

    def validate(self) -> None:
        check_account(self.from_)
        rule(
            not 0 <= self.flags <= UINT64_MAX,
            AbciCode.INVALID_ACCOUNT_FLAGS,
            "flags must fit an unsigned 64-bit integer",
        )
