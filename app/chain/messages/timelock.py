"""Time locks (tokens/TimeLockMsg, TimeUnlockMsg, TimeRelockMsg): vesting coins until a unix time.

Rules from bnb-chain/node plugins/tokens/timelock/msgs.go.
"""

from dataclasses import dataclass
from typing import Annotated, ClassVar

from app.chain.codes import AbciCode
from app.chain.messages.base import ACCOUNT, COINS, Coin, check_account, check_coins, rule
from app.chain.messages.spec import Declared, Tag, Text, Uint

MAX_DESCRIPTION_BYTES = 128
MIN_LOCK_SECONDS = 60  # the lock time must be more than this after the block time (checked by the handler)
MAX_LOCK_TIME = 253402300800  # 10000-01-01: amino cannot encode a later time
INITIAL_RECORD_ID = 1


def _check_lock_time(lock_time: int, *, low: int) -> None:
    code = AbciCode.TIMELOCK_INVALID_LOCK_TIME
    rule(lock_time < low, code, f"Invalid lock time: lock time({lock_time}) should be at least {low}")
    rule(
        lock_time >= MAX_LOCK_TIME,
        code,
        f"Invalid lock time: lock time({lock_time}) should be less than {MAX_LOCK_TIME}",
    )


def _check_id(time_lock_id: int) -> None:
    rule(
        time_lock_id < INITIAL_RECORD_ID,
        AbciCode.TIMELOCK_INVALID_ID,
        f"Invalid time lock id: time lock id should not be less than {INITIAL_RECORD_ID}",
    )


@dataclass(frozen=True, slots=True)
class TimeLock(Declared):
    """Lock coins until lock_time (unix seconds); the chain gives the lock an id."""

    TYPE_PREFIX: ClassVar[bytes] = bytes.fromhex("07921531")
    from_: Annotated[str, Tag(1, ACCOUNT)]
    description: Annotated[str, Tag(2, Text())]
    amount: Annotated[tuple[Coin, ...], Tag(3, COINS)]
    lock_time: Annotated[int, Tag(4, Uint())]

    def signers(self) -> list[str]:
        return [self.from_]

    def validate(self) -> None:
        check_account(self.from_)
        rule(
            not 0 < len(self.description.encode()) <= MAX_DESCRIPTION_BYTES,
            AbciCode.TIMELOCK_INVALID_DESCRIPTION,
            f"Invalid descrption: length of description should be 1 to {MAX_DESCRIPTION_BYTES} bytes",
        )
        _check_lock_time(self.lock_time, low=1)
        check_coins(self.amount)


@dataclass(frozen=True, slots=True)
class TimeUnlock(Declared):
    """Take back the coins of time lock `time_lock_id` once its lock time has passed."""

    TYPE_PREFIX: ClassVar[bytes] = bytes.fromhex("C4050C6C")
    from_: Annotated[str, Tag(1, ACCOUNT)]
    time_lock_id: Annotated[int, Tag(2, Uint())]

    def signers(self) -> list[str]:
        return [self.from_]

    def validate(self) -> None:
        check_account(self.from_)
        _check_id(self.time_lock_id)


@dataclass(frozen=True, slots=True)
class TimeRelock(Declared):
    """Change a time lock: a new description, more coins, a later lock time (empty/0 = unchanged)."""

    TYPE_PREFIX: ClassVar[bytes] = bytes.fromhex("504711DA")
    from_: Annotated[str, Tag(1, ACCOUNT)]
    time_lock_id: Annotated[int, Tag(2, Uint())]
    description: Annotated[str, Tag(3, Text())] = ""
    amount: Annotated[tuple[Coin, ...], Tag(4, COINS)] = ()  # no coins = Go's nil slice = null
    lock_time: Annotated[int, Tag(5, Uint())] = 0

    def signers(self) -> list[str]:
        return [self.from_]

    def validate(self) -> None:
        check_account(self.from_)
        _check_id(self.time_lock_id)
        rule(
            len(self.description.encode()) > MAX_DESCRIPTION_BYTES,
            AbciCode.TIMELOCK_INVALID_DESCRIPTION,
            f"Invalid descrption: length of description should be at most {MAX_DESCRIPTION_BYTES} bytes",
        )
        _check_lock_time(self.lock_time, low=0)
        check_coins(self.amount, allow_empty=True)
        rule(
            not self.description and not self.amount and self.lock_time == 0,
            AbciCode.TIMELOCK_INVALID_RELOCK,
            "Invalid relock: nothing to update for time lock",
        )
