"""Request models for time locks (TimeLockMsg, TimeUnlockMsg, TimeRelockMsg).

A lock keeps the coins in the wallet's name but out of its reach until lock_time, so they count as
spend: a lock's whole amount, and a relock's whole new amount. The service does not know what the
lock already holds (only the chain does), so counting the full new amount, not the increase, is the
conservative choice: a relock can never take more past a limit than the limit shows.

Demo order: time_lock first; its broadcast answer's "data" is the new lock's id (the account's
sequence after that tx), which time_relock and time_unlock take as time_lock_id. An unlock lands
only once lock_time has passed.
"""

from typing import Annotated, Any

from pydantic import ConfigDict, Field

from app.chain.amounts import INT64_MAX
from app.chain.messages.timelock import MAX_DESCRIPTION_BYTES, MAX_LOCK_TIME
from app.signing.fields import (
    DEMO_LOCK_TIME,
    CoinList,
    OptionalCoinList,
    SignableMsg,
    UnixTime,
    shown_coins,
    utf8_within,
)

TimeLockId = Annotated[int, Field(strict=True, ge=1, le=INT64_MAX, examples=[1])]
Description = Annotated[
    str,
    Field(max_length=MAX_DESCRIPTION_BYTES, description="At most 128 bytes (UTF-8)."),
    utf8_within(MAX_DESCRIPTION_BYTES),
]
# 0 (the default) keeps the lock time; otherwise a later time, as unix seconds.
RelockTime = Annotated[int, Field(strict=True, ge=0, lt=MAX_LOCK_TIME)]


class TimeLockMsg(SignableMsg):
    """Lock coins until lock_time (unix seconds, over 60 s ahead); the chain gives the lock an id."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "description": "team vesting, tranche 1",
                    "amount": [{"denom": "BNB", "amount": "1"}, {"denom": "ANN-457", "amount": "10"}],
                    "lock_time": DEMO_LOCK_TIME,
                }
            ]
        },
    )
    description: Annotated[Description, Field(min_length=1)]
    amount: CoinList
    lock_time: UnixTime

    def audit_summary(self) -> dict[str, Any]:
        return {"description": self.description, "amount": shown_coins(self.amount), "lock_time": self.lock_time}


class TimeUnlockMsg(SignableMsg):
    """Take back the coins of a time lock whose lock time has passed."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"time_lock_id": 1}]})
    time_lock_id: TimeLockId

    def audit_summary(self) -> dict[str, Any]:
        return {"time_lock_id": self.time_lock_id}


class TimeRelockMsg(SignableMsg):
    """Change a time lock: a new description, more coins (the new total), a later lock time; at least one."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "time_lock_id": 1,
                    "description": "team vesting, tranche 1 (extended)",
                    "amount": [{"denom": "BNB", "amount": "2"}, {"denom": "ANN-457", "amount": "10"}],
                    "lock_time": DEMO_LOCK_TIME + 86400,
                }
            ]
        },
    )
    time_lock_id: TimeLockId
    description: Description = ""
    amount: OptionalCoinList = Field(default_factory=list)
    lock_time: RelockTime = 0

    def audit_summary(self) -> dict[str, Any]:
        return {
            "time_lock_id": self.time_lock_id,
            "description": self.description,
            "amount": shown_coins(self.amount),
            "lock_time": self.lock_time,
        }
