"""Which devnet handler applies each message, and the int64 check of decoded txs."""

import dataclasses
from collections.abc import Callable
from typing import Any

from app.chain.amounts import INT64_MAX
from app.chain.messages import (
    HTLT,
    UINT64_MAX,
    Burn,
    CancelOrder,
    ClaimHTLT,
    DepositHTLT,
    Issue,
    Mint,
    Msg,
    NewOrder,
    RefundHTLT,
    Send,
    SetAccountFlags,
    SideChainDelegate,
    SideChainRedelegate,
    SideChainUndelegate,
    TimeLock,
    TimeRelock,
    TimeUnlock,
    TokenFreeze,
    TokenUnfreeze,
    TransferOut,
    Vote,
)
from app.chain.tx import SignedTx
from app.devnet import rules_core, rules_locks, rules_stake, rules_tokens
from app.devnet.records import Account, Code, LedgerState, TxContext, TxRejected

Handler = Callable[[LedgerState, TxContext, Any, Account], str]
# The seed's messages keep their handlers' own checks; the others first pass the chain's ValidateBasic.
HANDLERS: dict[type, tuple[Handler, bool]] = {
    NewOrder: (rules_core.new_order, False),
    CancelOrder: (rules_core.cancel_order, False),
    Send: (rules_core.send, False),
    TokenFreeze: (rules_core.freeze, False),
    TokenUnfreeze: (rules_core.unfreeze, False),
    Vote: (rules_core.vote, False),
    TransferOut: (rules_tokens.transfer_out, True),
    Issue: (rules_tokens.issue, True),
    Mint: (rules_tokens.mint, True),
    Burn: (rules_tokens.burn, True),
    SetAccountFlags: (rules_tokens.set_account_flags, True),
    TimeLock: (rules_locks.time_lock, True),
    TimeUnlock: (rules_locks.time_unlock, True),
    TimeRelock: (rules_locks.time_relock, True),
    HTLT: (rules_locks.htlt, True),
    DepositHTLT: (rules_locks.deposit_htlt, True),
    ClaimHTLT: (rules_locks.claim_htlt, True),
    RefundHTLT: (rules_locks.refund_htlt, True),
    SideChainDelegate: (rules_stake.delegate, True),
    SideChainRedelegate: (rules_stake.redelegate, True),
    SideChainUndelegate: (rules_stake.undelegate, True),
}


def handler_for(msg: Msg) -> tuple[Handler, bool]:
    """The handler of msg's type and whether ValidateBasic runs first; TxRejected for an unknown type."""
    found = HANDLERS.get(type(msg))
    if found is None:
        raise TxRejected(Code.TX_DECODE, "tx parse error")  # decode_msg knows no other type
    return found


def _numbers(value: object) -> list[tuple[str, int]]:
    """Every (field name, int) inside a message, through nested dataclasses and tuples."""
    found: list[tuple[str, int]] = []
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            item = getattr(value, f.name)
            if isinstance(item, int) and not isinstance(item, bool):
                found.append((f.name, item))
            else:
                found += _numbers(item)
    elif isinstance(value, tuple):
        for item in value:
            found += _numbers(item)
    return found


def fits_int64(tx: SignedTx) -> bool:
    """The node decodes these fields as int64 (flags as uint64): larger varints are not a valid tx."""
    numbers = [("", tx.account_number), ("", tx.sequence), ("", tx.source), *_numbers(tx.msg)]
    return all(n <= (UINT64_MAX if name == "flags" else INT64_MAX) for name, n in numbers)
