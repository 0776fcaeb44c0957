"""Time locks and BEP3 atomic swaps on the devnet ledger.

As bnb-chain/node plugins/tokens/timelock/keeper.go and plugins/tokens/swap/handler.go did them,
except where the coins wait: the chain moved them to module accounts (TimeLockCoins, AtomicSwapCoins);
the devnet keeps them as locked balances of whoever paid them in, so /api/v1/account shows them.
"""

from collections.abc import Mapping

from app.chain.messages import (
    HTLT,
    MIN_LOCK_SECONDS,
    ClaimHTLT,
    Coin,
    DepositHTLT,
    RefundHTLT,
    TimeLock,
    TimeRelock,
    TimeUnlock,
    random_number_hash,
)
from app.chain.messages.swap import TIMESTAMP_FUTURE_SECONDS, TIMESTAMP_PAST_SECONDS
from app.devnet.records import Account, Code, LedgerState, Swap, TimeLockRecord, TxContext, TxRejected


def as_amounts(coins: tuple[Coin, ...]) -> dict[str, int]:
    """Coins as a plain {denom: amount} dict."""
    return {c.denom: c.amount for c in coins}


def check_free(account: Account, amounts: Mapping[str, int]) -> None:
    """ErrInsufficientCoins unless the account holds every amount free."""
    for denom, amount in amounts.items():
        if account.free(denom) < amount:
            raise TxRejected(
                Code.INSUFFICIENT_COINS, f"insufficient funds: {account.free(denom)}{denom} < {amount}{denom}"
            )


def lock(account: Account, amounts: Mapping[str, int]) -> None:
    """Move amounts from free to locked (checked by check_free first)."""
    for denom, amount in amounts.items():
        balance = account.balance(denom)
        balance.free -= amount
        balance.locked += amount


def release(owner: Account, receiver: Account, amounts: Mapping[str, int]) -> None:
    """Take amounts out of owner's locked balance and credit them free to receiver."""
    for denom, amount in amounts.items():
        owner.balance(denom).locked -= amount
        receiver.balance(denom).free += amount


# ---- time locks ----


def time_lock(state: LedgerState, ctx: TxContext, msg: TimeLock, account: Account) -> str:
    """Lock coins until lock_time; the lock's id is the account's sequence after this tx."""
    if msg.lock_time <= ctx.time + MIN_LOCK_SECONDS:
        raise TxRejected(
            Code.TIMELOCK_INVALID_LOCK_TIME,
            f"Invalid lock time: lock time({msg.lock_time}) should be {MIN_LOCK_SECONDS} seconds after now({ctx.time})",
        )
    amounts = as_amounts(msg.amount)
    check_free(account, amounts)
    lock_id = ctx.sequence + 1
    records = state.time_locks.setdefault(account.address, {})
    if lock_id in records:
        raise TxRejected(Code.TIMELOCK_ALREADY_EXISTS, f"Time lock already exists, address={msg.from_}, id={lock_id}")
    lock(account, amounts)
    records[lock_id] = TimeLockRecord(id=lock_id, description=msg.description, amount=amounts, lock_time=msg.lock_time)
    return str(lock_id)


def _record(state: LedgerState, address: str, lock_id: int) -> TimeLockRecord:
    record = state.time_locks.get(address, {}).get(lock_id)
    if record is None:
        raise TxRejected(Code.TIMELOCK_NOT_FOUND, f"Time lock does not exist, address={address}, id={lock_id}")
    return record


def time_unlock(state: LedgerState, ctx: TxContext, msg: TimeUnlock, account: Account) -> str:
    """Give the coins back once the lock time has come."""
    record = _record(state, msg.from_, msg.time_lock_id)
    if ctx.time < record.lock_time:
        raise TxRejected(
            Code.TIMELOCK_CANNOT_UNLOCK, f"Can not unlock: lock time({record.lock_time}) is after now({ctx.time})"
        )
    release(account, account, record.amount)
    del state.time_locks[msg.from_][msg.time_lock_id]
    return str(msg.time_lock_id)


def time_relock(state: LedgerState, ctx: TxContext, msg: TimeRelock, account: Account) -> str:
    """New description, more coins (never fewer), a later lock time: each only if given."""
    record = _record(state, msg.from_, msg.time_lock_id)
    new_amounts = as_amounts(msg.amount)
    increase: dict[str, int] = {}
    if new_amounts:
        old = record.amount
        grows = all(new_amounts.get(d, 0) >= a for d, a in old.items()) and new_amounts != old
        if not grows:
            raise TxRejected(
                Code.TIMELOCK_INVALID_AMOUNT,
                "Invalid lock amount: new locked coins should be more than original locked coins",
            )
        increase = {d: a - old.get(d, 0) for d, a in new_amounts.items() if a > old.get(d, 0)}
        check_free(account, increase)
    if msg.lock_time and msg.lock_time <= record.lock_time:
        raise TxRejected(Code.TIMELOCK_INVALID_LOCK_TIME, "Invalid lock time: new lock time should after original")
    if msg.lock_time and msg.lock_time <= ctx.time + MIN_LOCK_SECONDS:
        raise TxRejected(
            Code.TIMELOCK_INVALID_LOCK_TIME, f"Invalid lock time: new lock time should be {MIN_LOCK_SECONDS}s after now"
        )
    lock(account, increase)
    record.description = msg.description or record.description
    record.amount = new_amounts or record.amount
    record.lock_time = msg.lock_time or record.lock_time
    return str(msg.time_lock_id)


# ---- atomic swaps ----


def htlt(state: LedgerState, ctx: TxContext, msg: HTLT, account: Account) -> str:
    """Lock the coins in a new swap whose id is sha256(hash lock ‖ sender ‖ sender_other_chain)."""
    if not ctx.time - TIMESTAMP_PAST_SECONDS <= msg.timestamp <= ctx.time + TIMESTAMP_FUTURE_SECONDS:
        raise TxRejected(
            Code.SWAP_INVALID_TIMESTAMP,
            f"Timestamp ({msg.timestamp}) can neither be 15 minutes ahead of the current time ({ctx.time}), "
            "nor 30 minutes later",
        )
    amounts = as_amounts(msg.amount)
    check_free(account, amounts)
    swap_id = msg.swap_id.hex()
    if swap_id in state.swaps:
        raise TxRejected(Code.SWAP_DUPLICATED_ID, f"Duplicated swapID {swap_id}")
    lock(account, amounts)
    state.swaps[swap_id] = Swap(
        swap_id=swap_id,
        from_=msg.from_,
        to=msg.to,
        out_amount=amounts,
        in_amount={},
        expected_income=msg.expected_income,
        recipient_other_chain=msg.recipient_other_chain,
        random_number_hash=msg.random_number_hash.hex(),
        random_number="",
        timestamp=msg.timestamp,
        cross_chain=msg.cross_chain,
        expire_height=ctx.height + msg.height_span,
        index=len(state.swaps),
    )
    return swap_id


def _open_swap(state: LedgerState, swap_id: bytes) -> Swap:
    swap = state.swaps.get(swap_id.hex())
    if swap is None:
        raise TxRejected(Code.SWAP_NOT_FOUND, f"No matched swap with swapID {swap_id.hex()}")
    if swap.status != "Open":
        raise TxRejected(Code.SWAP_UNEXPECTED_STATUS, f"Expected swap status is Open, actually it is {swap.status}")
    return swap


def deposit_htlt(state: LedgerState, ctx: TxContext, msg: DepositHTLT, account: Account) -> str:
    """The recipient of a single-chain swap pays its side in, once, before expiry."""
    swap = state.swaps.get(msg.swap_id.hex())
    bad = Code.SWAP_INVALID_SINGLE_CHAIN
    if swap is None:
        raise TxRejected(Code.SWAP_NOT_FOUND, f"No matched swap with swapID {msg.swap_id.hex()}")
    if swap.cross_chain:
        raise TxRejected(bad, "Can't deposit to cross chain swap")
    if swap.status != "Open":
        raise TxRejected(bad, f"Expected swap status is open, acutually it is {swap.status}")
    if ctx.height >= swap.expire_height:
        raise TxRejected(
            bad, f"Current block height is {ctx.height}, the swap expire height({swap.expire_height}) is passed"
        )
    if swap.to != msg.from_:
        raise TxRejected(bad, f"Addresses don't match, expected deposit from {swap.to} and recipient {swap.from_}")
    if swap.in_amount:
        raise TxRejected(bad, "Can't deposit a swap for multiple times")
    amounts = as_amounts(msg.amount)
    check_free(account, amounts)
    lock(account, amounts)
    swap.in_amount = amounts
    return ""


def claim_htlt(state: LedgerState, ctx: TxContext, msg: ClaimHTLT, account: Account) -> str:
    """The right random number before expiry pays the recipient (and the creator, the deposit)."""
    swap = _open_swap(state, msg.swap_id)
    if swap.expire_height <= ctx.height:
        raise TxRejected(
            Code.SWAP_CLAIM_EXPIRED,
            f"Current block height is {ctx.height}, the swap expire height({swap.expire_height}) is passed",
        )
    if random_number_hash(msg.random_number, swap.timestamp).hex() != swap.random_number_hash:
        raise TxRejected(Code.SWAP_MISMATCHED_RANDOM_NUMBER, "Mismatched random number")
    if not swap.cross_chain and not swap.in_amount:
        raise TxRejected(
            Code.SWAP_UNEXPECTED_CLAIM_SINGLE_CHAIN, "Can't claim a single chain swap which has not been deposited"
        )
    creator, recipient = state.get_or_create(swap.from_), state.get_or_create(swap.to)
    release(creator, recipient, swap.out_amount)
    release(recipient, creator, swap.in_amount)
    swap.random_number, swap.status, swap.closed_time = msg.random_number.hex(), "Completed", ctx.time
    return ""


def refund_htlt(state: LedgerState, ctx: TxContext, msg: RefundHTLT, account: Account) -> str:
    """After the expire height, give each side back what it paid in (anyone may send it)."""
    swap = _open_swap(state, msg.swap_id)
    if ctx.height < swap.expire_height:
        raise TxRejected(
            Code.SWAP_REFUND_UNEXPIRED,
            f"Current block height is {ctx.height}, the expire height ({swap.expire_height}) is still not reached",
        )
    creator, recipient = state.get_or_create(swap.from_), state.get_or_create(swap.to)
    release(creator, creator, swap.out_amount)
    release(recipient, recipient, swap.in_amount)
    swap.status, swap.closed_time = "Expired", ctx.time
    return ""
