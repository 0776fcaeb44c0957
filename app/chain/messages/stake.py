"""Side-chain staking (cosmos-sdk/MsgSideChainDelegate, MsgSideChainRedelegate, MsgSideChainUndelegate).

Layouts and rules from bnc-cosmos-sdk x/stake/types/msg_sidechain.go. Unlike the other messages,
these sign go-amino's JSON (GetSignBytes = MsgCdc.MustMarshalJSON, sorted): the message is wrapped
as {"type": <amino name>, "value": {...}} and int64 amounts are JSON strings.
"""

from dataclasses import dataclass
from typing import Annotated, ClassVar

from app.chain.codes import AbciCode
from app.chain.messages.base import ACCOUNT, COIN, VALIDATOR_HRP, Coin, check_account, check_coin, check_validator, rule
from app.chain.messages.spec import Account, Declared, SignJson, Tag, Text

BSC_SIDE_CHAIN_ID = "bsc"  # mainnet's BNB Smart Chain; testnet's is "chapel"
MAX_SIDE_CHAIN_ID_BYTES = 20


def _check_side_chain(side_chain_id: str) -> None:
    rule(
        not 0 < len(side_chain_id.encode()) <= MAX_SIDE_CHAIN_ID_BYTES,
        AbciCode.STAKE_INVALID_INPUT,
        f"side chain id must be included and max length is {MAX_SIDE_CHAIN_ID_BYTES} bytes",
    )


VALIDATOR = Account(hrp=VALIDATOR_HRP)  # decoded as bva1..., whatever the tx's hrp


@dataclass(frozen=True, slots=True)
class SideChainDelegate(Declared):
    """Delegate BNB to a validator of a side chain (BSC)."""

    TYPE_PREFIX: ClassVar[bytes] = bytes.fromhex("E3A07FD2")
    AMINO_NAME: ClassVar[str] = "cosmos-sdk/MsgSideChainDelegate"
    SIGN_JSON: ClassVar[SignJson] = SignJson.AMINO_TYPED
    delegator_addr: Annotated[str, Tag(1, ACCOUNT)]
    validator_addr: Annotated[str, Tag(2, VALIDATOR)]  # bva1...
    delegation: Annotated[Coin, Tag(3, COIN)]
    side_chain_id: Annotated[str, Tag(4, Text())] = BSC_SIDE_CHAIN_ID

    def signers(self) -> list[str]:
        return [self.delegator_addr]

    def validate(self) -> None:
        check_account(self.delegator_addr, "delegator")
        check_validator(self.validator_addr)
        _check_side_chain(self.side_chain_id)
        check_coin(self.delegation)


@dataclass(frozen=True, slots=True)
class SideChainRedelegate(Declared):
    """Move a delegation from one side-chain validator to another."""

    TYPE_PREFIX: ClassVar[bytes] = bytes.fromhex("E3CED364")
    AMINO_NAME: ClassVar[str] = "cosmos-sdk/MsgSideChainRedelegate"
    SIGN_JSON: ClassVar[SignJson] = SignJson.AMINO_TYPED
    delegator_addr: Annotated[str, Tag(1, ACCOUNT)]
    validator_src_addr: Annotated[str, Tag(2, VALIDATOR)]
    validator_dst_addr: Annotated[str, Tag(3, VALIDATOR)]
    amount: Annotated[Coin, Tag(4, COIN)]
    side_chain_id: Annotated[str, Tag(5, Text())] = BSC_SIDE_CHAIN_ID

    def signers(self) -> list[str]:
        return [self.delegator_addr]

    def validate(self) -> None:
        check_account(self.delegator_addr, "delegator")
        check_validator(self.validator_src_addr, "validator_src")
        check_validator(self.validator_dst_addr, "validator_dst")
        rule(
            self.validator_src_addr == self.validator_dst_addr,
            AbciCode.STAKE_INVALID_DELEGATION,
            "cannot redelegate to the same validator",
        )
        _check_side_chain(self.side_chain_id)
        check_coin(self.amount)


@dataclass(frozen=True, slots=True)
class SideChainUndelegate(Declared):
    """Withdraw a delegation; the coins come back after the unbonding period."""

    TYPE_PREFIX: ClassVar[bytes] = bytes.fromhex("514F7E0E")
    AMINO_NAME: ClassVar[str] = "cosmos-sdk/MsgSideChainUndelegate"
    SIGN_JSON: ClassVar[SignJson] = SignJson.AMINO_TYPED
    delegator_addr: Annotated[str, Tag(1, ACCOUNT)]
    validator_addr: Annotated[str, Tag(2, VALIDATOR)]
    amount: Annotated[Coin, Tag(3, COIN)]
    side_chain_id: Annotated[str, Tag(4, Text())] = BSC_SIDE_CHAIN_ID

    def signers(self) -> list[str]:
        return [self.delegator_addr]

    def validate(self) -> None:
        check_account(self.delegator_addr, "delegator")
        check_validator(self.validator_addr)
        rule(self.amount.amount <= 0, AbciCode.STAKE_INVALID_DELEGATION, "undelegation amount must be positive")
        _check_side_chain(self.side_chain_id)
        check_coin(self.amount)
