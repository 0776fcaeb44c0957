"""Request models for BEP3 atomic swaps (HTLTMsg, DepositHTLTMsg, ClaimHTLTMsg, RefundHTLTMsg).

An HTLT locks the wallet's coins for `to_address` behind a hash lock: its amount is spend and its
recipient a destination. A deposit (by the recipient of a single-chain swap) spends its amount; the
service does not know the swap's creator, so it has no destination. Claim and refund spend nothing.

The hash lock is random_number_hash = sha256(random_number ‖ timestamp as 8 big-endian bytes), and
the chain accepts an HTLT only with a timestamp from 30 minutes before to 15 minutes after its block
time: make both at the time of the request. The swap id (the broadcast answer's "data") is
sha256(random_number_hash ‖ sender's 20 bytes ‖ lower(sender_other_chain)). The examples are one
coherent swap of wallet_1 (hash, id and random number match); a refund lands after height_span blocks.
"""

from typing import Annotated, Any, ClassVar

from pydantic import ConfigDict, Field, StrictBool

from app.chain.messages import MAX_HEIGHT_SPAN, MIN_HEIGHT_SPAN
from app.chain.messages.swap import MAX_EXPECTED_INCOME_LENGTH, MAX_OTHER_CHAIN_ADDR_LENGTH
from app.signing.fields import (
    DEMO_RANDOM_NUMBER,
    DEMO_RANDOM_NUMBER_HASH,
    DEMO_SWAP_ID,
    DEMO_TIMESTAMP,
    DEMO_WALLET_2,
    CoinList,
    Hex32,
    Int64,
    SignableMsg,
    shown_coins,
    utf8_within,
)
from app.signing.requests import Address

# The chain's limits are len() of Go strings: bytes (node plugins/tokens/swap/msg.go ValidateBasic).
OtherChainAddress = Annotated[
    str, Field(max_length=MAX_OTHER_CHAIN_ADDR_LENGTH), utf8_within(MAX_OTHER_CHAIN_ADDR_LENGTH)
]
ExpectedIncome = Annotated[
    str,
    Field(max_length=MAX_EXPECTED_INCOME_LENGTH, examples=["1000000000:ANN-457"]),
    utf8_within(MAX_EXPECTED_INCOME_LENGTH),
]
HeightSpan = Annotated[int, Field(strict=True, ge=MIN_HEIGHT_SPAN, le=MAX_HEIGHT_SPAN, examples=[360])]


class HTLTMsg(SignableMsg):
    """Lock coins for to_address behind a hash lock that expires height_span blocks later."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "to_address": DEMO_WALLET_2,
                    "random_number_hash": DEMO_RANDOM_NUMBER_HASH.hex(),
                    "timestamp": DEMO_TIMESTAMP,
                    "amount": [{"denom": "BNB", "amount": "1"}],
                    "expected_income": "1000000000:ANN-457",
                    "height_span": 360,
                }
            ]
        },
    )
    to_address: Address
    random_number_hash: Hex32
    timestamp: Annotated[Int64, Field(description="Unix seconds, the one hashed into random_number_hash.")]
    amount: CoinList
    height_span: HeightSpan
    expected_income: ExpectedIncome = ""
    recipient_other_chain: OtherChainAddress = ""
    sender_other_chain: OtherChainAddress = ""
    cross_chain: StrictBool = False

    def audit_summary(self) -> dict[str, Any]:
        return {
            "to_address": self.to_address,
            "amount": shown_coins(self.amount),
            "random_number_hash": self.random_number_hash.lower(),
            "timestamp": self.timestamp,
            "height_span": self.height_span,
            "cross_chain": self.cross_chain,
        }


class DepositHTLTMsg(SignableMsg):
    """Pay the recipient's side into a single-chain swap (sent by the swap's recipient)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"swap_id": DEMO_SWAP_ID.hex(), "amount": [{"denom": "ANN-457", "amount": "10"}]}]
        },
    )
    example_wallet: ClassVar[str] = "wallet_2"  # the example swap's recipient (HTLTMsg's to_address)
    swap_id: Hex32
    amount: CoinList

    def audit_summary(self) -> dict[str, Any]:
        return {"swap_id": self.swap_id.lower(), "amount": shown_coins(self.amount)}


class ClaimHTLTMsg(SignableMsg):
    """Open a swap's hash lock with its random number (anyone may; the recipient is paid)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"swap_id": DEMO_SWAP_ID.hex(), "random_number": DEMO_RANDOM_NUMBER.hex()}]},
    )
    swap_id: Hex32
    random_number: Hex32

    def audit_summary(self) -> dict[str, Any]:
        """The swap only: the random number unlocks it until the claim lands, so the log does not keep it."""
        return {"swap_id": self.swap_id.lower()}


class RefundHTLTMsg(SignableMsg):
    """Give an expired swap's coins back to who paid them in (anyone may)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"swap_id": DEMO_SWAP_ID.hex()}]})
    swap_id: Hex32

    def audit_summary(self) -> dict[str, Any]:
        return {"swap_id": self.swap_id.lower()}
