"""Time locks (tokens/TimeLockMsg, TimeUnlockMsg, TimeRelockMsg): vesting coins until a unix time.

Rules from bnb-chain/node plugins/tokens/timelock/msgs.go.
"""

from dataclasses import dataclass
from typing import Any, ClassVar, Self

from app.chain.address import decode_address
from app.chain.amino import bytes_field, many_bytes, one_bytes, one_int, string_field, varint_field
from app.chain.codes import AbciCode
from app.chain.messages.base import (
    Coin,
    address_of,
    check_account,
    check_coins,
    coins_json,
    decode_coins,
    message_fields,
    rule,
    text,
)

MAX_DESCRIPTION_BYTES = 128
MIN_LOCK_SECONDS = 60  # the lock time must be more than this after the block time (checked by the handler)
MAX_LOCK_TIME = 253402300800  # 10000-01-01: amino cannot encode a later time
INITIAL_RECORD_ID = 1


def _coins(coins: tuple[Coin, ...]) -> bytes:
    return b"".join(bytes_field(3, c.encode_fields()) for c in coins)


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
class TimeLock:
    """Lock coins until lock_time (unix seconds); the chain gives the lock an id."""

    TYPE_PREFIX: ClassVar[bytes] = bytes.fromhex("07921531")
    from_: str
    description: str
    amount: tuple[Coin, ...]
    lock_time: int

    def sign_dict(self) -> dict[str, Any]:
        return {
            "amount": coins_json(self.amount),
            "description": self.description,
            "from": self.from_,
            "lock_time": self.lock_time,
        }

    def encode_fields(self) -> bytes:
        return (
            bytes_field(1, decode_address(self.from_))
            + string_field(2, self.description)
            + _coins(self.amount)
            + varint_field(4, self.lock_time)
        )

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

    @classmethod
    def decode(cls, body: bytes, hrp: str) -> Self:
        f = message_fields(body, {1: bytes, 2: bytes, 3: bytes, 4: int})
        return cls(
            from_=address_of(one_bytes(f, 1), hrp),
            description=text(one_bytes(f, 2)),
            amount=decode_coins(many_bytes(f, 3)),
            lock_time=one_int(f, 4),
        )


@dataclass(frozen=True, slots=True)
class TimeUnlock:
    """Take back the coins of time lock `time_lock_id` once its lock time has passed."""

    TYPE_PREFIX: ClassVar[bytes] = bytes.fromhex("C4050C6C")
    from_: str
    time_lock_id: int

    def sign_dict(self) -> dict[str, Any]:
        return {"from": self.from_, "time_lock_id": self.time_lock_id}

    def encode_fields(self) -> bytes:
        return bytes_field(1, decode_address(self.from_)) + varint_field(2, self.time_lock_id)

    def signers(self) -> list[str]:
        return [self.from_]

    def validate(self) -> None:
        check_account(self.from_)
        _check_id(self.time_lock_id)

    @classmethod
    def decode(cls, body: bytes, hrp: str) -> Self:
        f = message_fields(body, {1: bytes, 2: int})
        return cls(from_=address_of(one_bytes(f, 1), hrp), time_lock_id=one_int(f, 2))


@dataclass(frozen=True, slots=True)
class TimeRelock:
    """Change a time lock: a new description, more coins, a later lock time (empty/0 = unchanged)."""

    TYPE_PREFIX: ClassVar[bytes] = bytes.fromhex("504711DA")
    from_: str
    time_lock_id: int
    description: str = ""
    amount: tuple[Coin, ...] = ()
    lock_time: int = 0

    def sign_dict(self) -> dict[str, Any]:
        return {
            "amount": coins_json(self.amount),  # no coins = Go's nil slice = null
            "description": self.description,
            "from": self.from_,
            "lock_time": self.lock_time,
            "time_lock_id": self.time_lock_id,
        }

    def encode_fields(self) -> bytes:
        return (
            bytes_field(1, decode_address(self.from_))
            + varint_field(2, self.time_lock_id)
            + string_field(3, self.description)
            + b"".join(bytes_field(4, c.encode_fields()) for c in self.amount)
            + varint_field(5, self.lock_time)
        )

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

    @classmethod
    def decode(cls, body: bytes, hrp: str) -> Self:
        f = message_fields(body, {1: bytes, 2: int, 3: bytes, 4: bytes, 5: int})
        return cls(
            from_=address_of(one_bytes(f, 1), hrp),
            time_lock_id=one_int(f, 2),
            description=text(one_bytes(f, 3)),
            amount=decode_coins(many_bytes(f, 4)),
            lock_time=one_int(f, 5),
        )
