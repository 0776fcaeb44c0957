"""Request models for side-chain staking (MsgSideChainDelegate, MsgSideChainRedelegate, MsgSideChainUndelegate).

Delegations are in BNB (the chain's bond denom) on the side chain of the wallet's environment
(its side_chain_id: "bsc", testnet "chapel"). A delegation locks the wallet's BNB, so its amount is
spend; a redelegation moves what is already delegated and an undelegation brings it back (after
the unbonding period), so neither spends. Validators are bva1... operator addresses.

Demo order: side_chain_delegate (to the devnet's first validator), then side_chain_redelegate (to
the second) and side_chain_undelegate (from the second).
"""

from typing import Any

from pydantic import ConfigDict

from app.chain.messages import NATIVE_TOKEN
from app.signing.fields import DEMO_VALIDATORS, SignableMsg, ValidatorAddress, shown
from app.signing.requests import Amount


class SideChainDelegateMsg(SignableMsg):
    """Delegate BNB to a side-chain validator (at least 1 BNB on the chain)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"validator_address": DEMO_VALIDATORS[0], "amount": "2"}]},
    )
    validator_address: ValidatorAddress
    amount: Amount

    def audit_summary(self) -> dict[str, Any]:
        return {"validator_address": self.validator_address, "amount": shown(self.amount), "denom": NATIVE_TOKEN}


class SideChainRedelegateMsg(SignableMsg):
    """Move part of a delegation from one side-chain validator to another."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "validator_src_address": DEMO_VALIDATORS[0],
                    "validator_dst_address": DEMO_VALIDATORS[1],
                    "amount": "1",
                }
            ]
        },
    )
    validator_src_address: ValidatorAddress
    validator_dst_address: ValidatorAddress
    amount: Amount

    def audit_summary(self) -> dict[str, Any]:
        return {
            "validator_src_address": self.validator_src_address,
            "validator_dst_address": self.validator_dst_address,
            "amount": shown(self.amount),
            "denom": NATIVE_TOKEN,
        }


class SideChainUndelegateMsg(SignableMsg):
    """End part of a delegation; the BNB comes back after the unbonding period."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"validator_address": DEMO_VALIDATORS[1], "amount": "1"}]},
    )
    validator_address: ValidatorAddress
    amount: Amount

    def audit_summary(self) -> dict[str, Any]:
        return {"validator_address": self.validator_address, "amount": shown(self.amount), "denom": NATIVE_TOKEN}
