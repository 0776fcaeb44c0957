"""Governance: vote on a proposal (cosmos-sdk/MsgVote).

From bnc-cosmos-sdk x/gov/msgs.go: GetSignBytes is msgCdc.MustMarshalJSON (go-amino JSON, no type
wrapper), so proposal_id is a JSON string; VoteOption.MarshalJSON writes the option's name.
"""

from dataclasses import dataclass
from typing import Annotated, ClassVar

from app.chain.codes import AbciCode
from app.chain.messages.base import ACCOUNT, check_account, check_non_negative, rule
from app.chain.messages.spec import Declared, Named, SignJson, Tag, Uint

VOTE_OPTIONS = {1: "Yes", 2: "Abstain", 3: "No", 4: "NoWithVeto"}


@dataclass(frozen=True, slots=True)
class Vote(Declared):
    """Vote on a governance proposal; option 1..4 = Yes, Abstain, No, NoWithVeto."""

    TYPE_PREFIX: ClassVar[bytes] = bytes.fromhex("A1CADD36")
    SIGN_JSON: ClassVar[SignJson] = SignJson.AMINO
    proposal_id: Annotated[int, Tag(1, Uint())]
    voter: Annotated[str, Tag(2, ACCOUNT)]
    option: Annotated[int, Tag(3, Named(tuple(VOTE_OPTIONS.items())))]

    def signers(self) -> list[str]:
        return [self.voter]

    def validate(self) -> None:
        check_account(self.voter, "voter")
        check_non_negative(self.proposal_id, "proposal_id", AbciCode.UNKNOWN_PROPOSAL)
        rule(self.option not in VOTE_OPTIONS, AbciCode.UNKNOWN_PROPOSAL, "option must be 1..4 (Yes..NoWithVeto)")
