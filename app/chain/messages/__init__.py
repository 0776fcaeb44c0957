"""The chain messages the service signs: sign-bytes JSON, amino encoding, decoding and ValidateBasic.

One module per chain module (dex, bank, tokens, gov, timelock, swap, bridge, stake, account); every
public name is re-exported here, so `from app.chain.messages import X` works for all of them.
Amino names, field order and rules are the chain's own: each module cites its source file.
"""

import dataclasses
from typing import Any

from app.chain.errors import DecodeError
from app.chain.messages.account import TRANSFER_MEMO_CHECKER_FLAG, UINT64_MAX, SetAccountFlags
from app.chain.messages.bank import InOut, Send, coin_totals
from app.chain.messages.base import (
    MINI_TOKEN_RE,
    NATIVE_TOKEN,
    PAIR_RE,
    TOKEN_MAX_TOTAL_SUPPLY,
    TOKEN_RE,
    VALIDATOR_HRP,
    Coin,
    Msg,
    check_pair_symbol,
    check_token_symbol,
    checked,
    encode_msg,
    sorted_coins,
)
from app.chain.messages.bridge import MIN_EXPIRE_SECONDS, TransferOut, bsc_address, checksum_address
from app.chain.messages.dex import (
    ORDER_ID_RE,
    ORDER_TYPE_LIMIT,
    SIDE_BUY,
    SIDE_SELL,
    TIF_GTE,
    TIF_IOC,
    CancelOrder,
    NewOrder,
)
from app.chain.messages.gov import VOTE_OPTIONS, Vote
from app.chain.messages.spec import Declared, Shape, group_by_sign_shape, sign_shape
from app.chain.messages.stake import (
    BSC_SIDE_CHAIN_ID,
    SideChainDelegate,
    SideChainRedelegate,
    SideChainUndelegate,
)
from app.chain.messages.swap import (
    HTLT,
    MAX_HEIGHT_SPAN,
    MIN_HEIGHT_SPAN,
    ClaimHTLT,
    DepositHTLT,
    RefundHTLT,
    random_number_hash,
    swap_id,
)
from app.chain.messages.timelock import MIN_LOCK_SECONDS, TimeLock, TimeRelock, TimeUnlock
from app.chain.messages.tokens import Burn, Issue, Mint, TokenFreeze, TokenUnfreeze

MESSAGE_TYPES: tuple[type[Declared], ...] = (
    NewOrder,
    CancelOrder,
    Send,
    TokenFreeze,
    TokenUnfreeze,
    Vote,
    TransferOut,
    TimeLock,
    TimeUnlock,
    TimeRelock,
    HTLT,
    DepositHTLT,
    ClaimHTLT,
    RefundHTLT,
    Issue,
    Mint,
    Burn,
    SideChainDelegate,
    SideChainRedelegate,
    SideChainUndelegate,
    SetAccountFlags,
)


def decode_msg(data: bytes, hrp: str) -> Msg:
    """Rebuild a message from its amino bytes (type prefix included)."""
    for cls in MESSAGE_TYPES:
        if getattr(cls, "TYPE_PREFIX", None) == data[:4]:
            return cls.decode(data[4:], hrp)  # type: ignore[return-value]
    raise DecodeError(f"unknown message type prefix {data[:4].hex().upper()}")


def sign_classes() -> list[frozenset[type[Declared]]]:
    """MESSAGE_TYPES partitioned into classes whose sign bytes can be identical (equal sign_shape).

    The amino type prefix is not signed, so a signature over one member's sign bytes is also valid
    for every other member of its class with the same field values.
    """
    return group_by_sign_shape(MESSAGE_TYPES)


def readings(cls: type[Declared]) -> tuple[type[Declared], ...]:
    """Every message type a signature of cls is also valid as (cls first): the members of its sign-bytes class."""
    shape = sign_shape(cls)
    return (cls, *(other for other in MESSAGE_TYPES if other is not cls and sign_shape(other) == shape))


def reread(msg: Msg, cls: type[Declared]) -> Any:
    """msg read as cls (a member of its sign-bytes class): the same field values, and exactly msg's sign JSON.

    ValueError if cls does not sign the same bytes (a reading the chain could not accept).
    """
    if isinstance(msg, cls) and type(msg) is cls:  # itself (TokenUnfreeze is a TokenFreeze: exact type)
        return msg
    other = cls(**{f.name: getattr(msg, f.name) for f in dataclasses.fields(cls)})  # type: ignore[arg-type]
    if other.sign_dict() != msg.sign_dict():
        raise ValueError(f"{cls.__name__} does not sign the same bytes as {type(msg).__name__}")
    return other


def signers(msg: Msg) -> list[str]:
    """The addresses that must sign msg (the chain's GetSigners)."""
    return msg.signers()


__all__ = [
    "BSC_SIDE_CHAIN_ID",
    "HTLT",
    "MAX_HEIGHT_SPAN",
    "MESSAGE_TYPES",
    "MINI_TOKEN_RE",
    "MIN_EXPIRE_SECONDS",
    "MIN_HEIGHT_SPAN",
    "MIN_LOCK_SECONDS",
    "NATIVE_TOKEN",
    "ORDER_ID_RE",
    "ORDER_TYPE_LIMIT",
    "PAIR_RE",
    "SIDE_BUY",
    "SIDE_SELL",
    "SIGN_CLASSES",
    "TIF_GTE",
    "TIF_IOC",
    "TOKEN_MAX_TOTAL_SUPPLY",
    "TOKEN_RE",
    "TRANSFER_MEMO_CHECKER_FLAG",
    "UINT64_MAX",
    "VALIDATOR_HRP",
    "VOTE_OPTIONS",
    "Burn",
    "CancelOrder",
    "ClaimHTLT",
    "Coin",
    "Declared",
    "DepositHTLT",
    "InOut",
    "Issue",
    "Mint",
    "Msg",
    "NewOrder",
    "RefundHTLT",
    "Send",
    "SetAccountFlags",
    "Shape",
    "SideChainDelegate",
    "SideChainRedelegate",
    "SideChainUndelegate",
    "TimeLock",
    "TimeRelock",
    "TimeUnlock",
    "TokenFreeze",
    "TokenUnfreeze",
    "TransferOut",
    "Vote",
    "bsc_address",
    "check_pair_symbol",
    "check_token_symbol",
    "checked",
    "checksum_address",
    "coin_totals",
    "decode_msg",
    "encode_msg",
    "random_number_hash",
    "readings",
    "reread",
    "sign_classes",
    "sign_shape",
    "signers",
    "sorted_coins",
    "swap_id",
]
