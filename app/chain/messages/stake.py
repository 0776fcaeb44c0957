"""Side-chain staking (cosmos-sdk/MsgSideChainDelegate, MsgSideChainRedelegate, MsgSideChainUndelegate).

Layouts and rules from bnc-cosmos-sdk x/stake/types/msg_sidechain.go. Unlike the other messages,
these sign go-amino's JSON (GetSignBytes = MsgCdc.MustMarshalJSON, sorted): the message is wrapped
as {"type": <amino name>, "value": {...}} and int64 amounts are JSON strings.
"""

from dataclasses import dataclass
from typing import Any, ClassVar, Self

from app.chain.address import decode_address
from app.chain.amino import bytes_field, one_bytes, string_field
from app.chain.codes import AbciCode
from app.chain.messages.base import (
    VALIDATOR_HRP,
    Coin,
    address_of,
    check_account,
    check_coin,
    check_validator,
    decode_coin,
    message_fields,
    rule,
    text,
)

BSC_SIDE_CHAIN_ID = "bsc"  # mainnet's BNB Smart Chain; testnet's is "chapel"
MAX_SIDE_CHAIN_ID_BYTES = 20


def _check_side_chain(side_chain_id: str) -> None:
    rule(
        not 0 < len(side_chain_id.encode()) <= MAX_SIDE_CHAIN_ID_BYTES,
        AbciCode.STAKE_INVALID_INPUT,
        f"side chain id must be included and max length is {MAX_SIDE_CHAIN_ID_BYTES} bytes",
    )


def _typed(name: str, value: dict[str, Any]) -> dict[str, Any]:
    return {"type": name, "value": value}


@dataclass(frozen=True, slots=True)
class SideChainDelegate:
    """Delegate BNB to a validator of a side chain (BSC)."""

    TYPE_PREFIX: ClassVar[bytes] = bytes.fromhex("E3A07FD2")
    AMINO_NAME: ClassVar[str] = "cosmos-sdk/MsgSideChainDelegate"
    delegator_addr: str
    validator_addr: str  # bva1...
    delegation: Coin
    side_chain_id: str = BSC_SIDE_CHAIN_ID

    def sign_dict(self) -> dict[str, Any]:
        return _typed(
            self.AMINO_NAME,
            {
                "delegation": self.delegation.amino_json(),
                "delegator_addr": self.delegator_addr,
                "side_chain_id": self.side_chain_id,
                "validator_addr": self.validator_addr,
            },
        )

    def encode_fields(self) -> bytes:
        return (
            bytes_field(1, decode_address(self.delegator_addr))
            + bytes_field(2, decode_address(self.validator_addr))
            + bytes_field(3, self.delegation.encode_fields())
            + string_field(4, self.side_chain_id)
        )

    def signers(self) -> list[str]:
        return [self.delegator_addr]

    def validate(self) -> None:
        check_account(self.delegator_addr, "delegator")
        check_validator(self.validator_addr)
        _check_side_chain(self.side_chain_id)
        check_coin(self.delegation)

    @classmethod
    def decode(cls, body: bytes, hrp: str) -> Self:
        f = message_fields(body, {1: bytes, 2: bytes, 3: bytes, 4: bytes})
        return cls(
            delegator_addr=address_of(one_bytes(f, 1), hrp),
            validator_addr=address_of(one_bytes(f, 2), VALIDATOR_HRP),
            delegation=decode_coin(one_bytes(f, 3)),
            side_chain_id=text(one_bytes(f, 4)),
        )


@dataclass(frozen=True, slots=True)
class SideChainRedelegate:
    """Move a delegation from one side-chain validator to another."""

    TYPE_PREFIX: ClassVar[bytes] = bytes.fromhex("E3CED364")
    AMINO_NAME: ClassVar[str] = "cosmos-sdk/MsgSideChainRedelegate"
    delegator_addr: str
    validator_src_addr: str
    validator_dst_addr: str
    amount: Coin
    side_chain_id: str = BSC_SIDE_CHAIN_ID

    def sign_dict(self) -> dict[str, Any]:
        return _typed(
            self.AMINO_NAME,
            {
                "amount": self.amount.amino_json(),
                "delegator_addr": self.delegator_addr,
                "side_chain_id": self.side_chain_id,
                "validator_dst_addr": self.validator_dst_addr,
                "validator_src_addr": self.validator_src_addr,
            },
        )

    def encode_fields(self) -> bytes:
        return (
            bytes_field(1, decode_address(self.delegator_addr))
            + bytes_field(2, decode_address(self.validator_src_addr))
            + bytes_field(3, decode_address(self.validator_dst_addr))
            + bytes_field(4, self.amount.encode_fields())
            + string_field(5, self.side_chain_id)
        )

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

    @classmethod
    def decode(cls, body: bytes, hrp: str) -> Self:
        f = message_fields(body, {1: bytes, 2: bytes, 3: bytes, 4: bytes, 5: bytes})
        return cls(
            delegator_addr=address_of(one_bytes(f, 1), hrp),
            validator_src_addr=address_of(one_bytes(f, 2), VALIDATOR_HRP),
            validator_dst_addr=address_of(one_bytes(f, 3), VALIDATOR_HRP),
            amount=decode_coin(one_bytes(f, 4)),
            side_chain_id=text(one_bytes(f, 5)),
        )


@dataclass(frozen=True, slots=True)
class SideChainUndelegate:
    """Withdraw a delegation; the coins come back after the unbonding period."""

    TYPE_PREFIX: ClassVar[bytes] = bytes.fromhex("514F7E0E")
    AMINO_NAME: ClassVar[str] = "cosmos-sdk/MsgSideChainUndelegate"
    delegator_addr: str
    validator_addr: str
    amount: Coin
    side_chain_id: str = BSC_SIDE_CHAIN_ID

    def sign_dict(self) -> dict[str, Any]:
        return _typed(
            self.AMINO_NAME,
            {
                "amount": self.amount.amino_json(),
                "delegator_addr": self.delegator_addr,
                "side_chain_id": self.side_chain_id,
                "validator_addr": self.validator_addr,
            },
        )

    def encode_fields(self) -> bytes:
        return (
            bytes_field(1, decode_address(self.delegator_addr))
            + bytes_field(2, decode_address(self.validator_addr))
            + bytes_field(3, self.amount.encode_fields())
            + string_field(4, self.side_chain_id)
        )

    def signers(self) -> list[str]:
        return [self.delegator_addr]

    def validate(self) -> None:
        check_account(self.delegator_addr, "delegator")
        check_validator(self.validator_addr)
        rule(self.amount.amount <= 0, AbciCode.STAKE_INVALID_DELEGATION, "undelegation amount must be positive")
        _check_side_chain(self.side_chain_id)
        check_coin(self.amount)

    @classmethod
    def decode(cls, body: bytes, hrp: str) -> Self:
        f = message_fields(body, {1: bytes, 2: bytes, 3: bytes, 4: bytes})
        return cls(
            delegator_addr=address_of(one_bytes(f, 1), hrp),
            validator_addr=address_of(one_bytes(f, 2), VALIDATOR_HRP),
            amount=decode_coin(one_bytes(f, 3)),
            side_chain_id=text(one_bytes(f, 4)),
        )
