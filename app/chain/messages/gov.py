"""Governance: vote on a proposal (cosmos-sdk/MsgVote)."""

from dataclasses import dataclass
from typing import Any, ClassVar, Self

from app.chain.address import decode_address
from app.chain.amino import bytes_field, one_bytes, one_int, varint_field
from app.chain.codes import AbciCode
from app.chain.errors import DecodeError
from app.chain.messages.base import address_of, check_account, check_non_negative, message_fields, rule

VOTE_OPTIONS = {1: "Yes", 2: "Abstain", 3: "No", 4: "NoWithVeto"}


@dataclass(frozen=True, slots=True)
class Vote:
    """Vote on a governance proposal; option 1..4 = Yes, Abstain, No, NoWithVeto."""

    TYPE_PREFIX: ClassVar[bytes] = bytes.fromhex("A1CADD36")
    proposal_id: int
    voter: str
    option: int

    def sign_dict(self) -> dict[str, Any]:
        # The node signs proposal_id as a JSON string and the option by name.
        return {
            "option": VOTE_OPTIONS[self.option],
            "proposal_id": str(self.proposal_id),
            "voter": self.voter,
        }

    def encode_fields(self) -> bytes:
        return (
            varint_field(1, self.proposal_id)
            + bytes_field(2, decode_address(self.voter))
            + varint_field(3, self.option)
        )

    def signers(self) -> list[str]:
        return [self.voter]

    def validate(self) -> None:
        check_account(self.voter, "voter")
        check_non_negative(self.proposal_id, "proposal_id", AbciCode.UNKNOWN_PROPOSAL)
        rule(self.option not in VOTE_OPTIONS, AbciCode.UNKNOWN_PROPOSAL, "option must be 1..4 (Yes..NoWithVeto)")

    @classmethod
    def decode(cls, body: bytes, hrp: str) -> Self:
        f = message_fields(body, {1: int, 2: bytes, 3: int})
        option = one_int(f, 3)
        if option not in VOTE_OPTIONS:
            raise DecodeError("unknown vote option")
        return cls(proposal_id=one_int(f, 1), voter=address_of(one_bytes(f, 2), hrp), option=option)
