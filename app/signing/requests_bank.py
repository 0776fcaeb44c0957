"""Request models for multi-send (cosmos-sdk/Send, several outputs) and cross-chain transfers to BSC.

Both move coins out of the wallet: what they spend counts against max_per_tx / max_per_day, and
every recipient (bech32 output, or the 0x address on BNB Smart Chain) against allowed_destinations.
"""

from typing import Annotated, Any

from pydantic import ConfigDict, Field

from app.chain.messages.bank import MAX_OUTPUTS
from app.signing.fields import (
    DEMO_BSC_ADDRESS,
    DEMO_LOCK_TIME,
    DEMO_OTHER,
    DEMO_WALLET_2,
    BscAddress,
    CoinList,
    SignableMsg,
    StrictModel,
    UnixTime,
    shown,
    shown_coins,
)
from app.signing.requests import Address, Amount, Memo, TokenSymbol

MAX_MULTI_SEND_OUTPUTS = 100  # ours: one request pays at most this many recipients (the chain module allows 1000)
assert MAX_MULTI_SEND_OUTPUTS <= MAX_OUTPUTS


class MultiSendOutput(StrictModel):
    """One recipient of a multi-send and the coins it receives."""

    to_address: Address
    coins: CoinList


class MultiSendMsg(SignableMsg):
    """Pay several addresses (each one or several coins) in one transaction; the input is their sum."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "outputs": [
                        {"to_address": DEMO_WALLET_2, "coins": [{"denom": "BNB", "amount": "0.5"}]},
                        {
                            "to_address": DEMO_OTHER,
                            "coins": [{"denom": "BNB", "amount": "0.25"}, {"denom": "ANN-457", "amount": "3"}],
                        },
                    ],
                    "memo": "payroll 2024-05",
                }
            ]
        },
    )
    outputs: Annotated[list[MultiSendOutput], Field(min_length=1, max_length=MAX_MULTI_SEND_OUTPUTS)]
    memo: Memo = ""

    def totals(self) -> tuple[tuple[str, int], ...]:
        """Per denom, the sum over every output (sorted by denom): the single input's coins."""
        sums: dict[str, int] = {}
        for output in self.outputs:
            for coin in output.coins:
                sums[coin.token] = sums.get(coin.token, 0) + coin.amount
        return tuple(sorted(sums.items()))

    def audit_summary(self) -> dict[str, Any]:
        """Each recipient and its coins, never the memo (it may carry a customer reference)."""
        return {"outputs": [{"to_address": o.to_address, "coins": shown_coins(o.coins)} for o in self.outputs]}


class TransferOutMsg(SignableMsg):
    """Move one coin to a 0x address on BNB Smart Chain; refunded if not relayed before expire_time."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"to": DEMO_BSC_ADDRESS, "amount": "0.1", "symbol": "BNB", "expire_time": DEMO_LOCK_TIME},
            ]
        },
    )
    to: BscAddress
    amount: Amount
    symbol: TokenSymbol
    expire_time: Annotated[UnixTime, Field(description="Unix seconds; the chain wants it over 60 s ahead.")]

    def audit_summary(self) -> dict[str, Any]:
        return {"to": self.to, "amount": shown(self.amount), "symbol": self.symbol, "expire_time": self.expire_time}
