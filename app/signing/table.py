"""The message table: one row per message type, the one place that knows what each type's bytes can do.

A row names the type's path, its request model, the permission it needs, its prepare step
(app/signing/prepare.py: request -> chain message, checked before any sequence is reserved), the
chain message type it builds and the rule that reads that message's effects (app/signing/effects.py).
What the audit keeps of a request comes from the request model (app/signing/requests*.py).

A signature is valid as every chain type of its sign-bytes class (app/chain/messages/signbytes.py),
so `readings(row)` are the rows of every such type: a request needs the permission of each
(`permissions_of`), and its effects are those of each, combined. Every other list of message
types (routes, approvals' message_types, docs) is derived from MESSAGE_TYPES.
"""

from collections.abc import Callable
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from app.chain import messages as chain
from app.permissions import Permission
from app.signing import effects
from app.signing.effects import EffectRule
from app.signing.prepare import (
    prepare_burn,
    prepare_cancel,
    prepare_claim_htlt,
    prepare_delegate,
    prepare_deposit_htlt,
    prepare_freeze,
    prepare_htlt,
    prepare_issue,
    prepare_mint,
    prepare_multi_send,
    prepare_order,
    prepare_redelegate,
    prepare_refund_htlt,
    prepare_set_account_flags,
    prepare_time_lock,
    prepare_time_relock,
    prepare_time_unlock,
    prepare_transfer,
    prepare_transfer_out,
    prepare_undelegate,
    prepare_unfreeze,
    prepare_vote,
)
from app.signing.prepared import Prepared
from app.signing.requests import CancelOrderMsg, FreezeMsg, OrderMsg, SignableMsg, TransferMsg, VoteMsg
from app.signing.requests_account import SetAccountFlagsMsg
from app.signing.requests_bank import MultiSendMsg, TransferOutMsg
from app.signing.requests_locks import TimeLockMsg, TimeRelockMsg, TimeUnlockMsg
from app.signing.requests_staking import SideChainDelegateMsg, SideChainRedelegateMsg, SideChainUndelegateMsg
from app.signing.requests_swaps import ClaimHTLTMsg, DepositHTLTMsg, HTLTMsg, RefundHTLTMsg
from app.signing.requests_tokens import BurnMsg, IssueMsg, MintMsg
from app.signing.wallets import Wallet

__all__ = ["MESSAGE_TYPES", "MessageType", "Prepared", "also_valid_as", "permissions_of", "readings", "row_named"]


@dataclass(frozen=True, slots=True)
class MessageType:
    """One message type: its paths, request model, permission, prepare step, chain type and effects.

    name is also the metric label and the audit summary's "type".
    """

    name: str
    model: type[SignableMsg]
    permission: Permission
    prepare: Callable[[Any, Wallet], Prepared]
    title: str
    chain_type: type
    effects: EffectRule
    aliases: tuple[str, ...] = ()

    @property
    def moves_funds(self) -> bool:
        """Can a signature of this type take coins out of the wallet (an approval rule's default scope)?"""
        return any(row.effects.moves_funds for row in readings(self))


MESSAGE_TYPES = (
    MessageType(
        "order",
        OrderMsg,
        Permission.TRADE,
        prepare_order,
        "a new limit order",
        chain_type=chain.NewOrder,
        effects=effects.ORDER,
    ),
    MessageType(
        "cancel_order",
        CancelOrderMsg,
        Permission.TRADE,
        prepare_cancel,
        "an order cancel",
        chain_type=chain.CancelOrder,
        effects=effects.CANCEL,
        aliases=("order/cancel",),
    ),
    MessageType(
        "transfer",
        TransferMsg,
        Permission.TRANSFER,
        prepare_transfer,
        "a transfer of one or several coins",
        chain_type=chain.Send,
        effects=effects.SEND,
    ),
    MessageType(
        "freeze",
        FreezeMsg,
        Permission.FREEZE,
        prepare_freeze,
        "a token freeze",
        chain_type=chain.TokenFreeze,
        effects=effects.TOKEN,
    ),
    MessageType(
        "unfreeze",
        FreezeMsg,
        Permission.FREEZE,
        prepare_unfreeze,
        "a token unfreeze",
        chain_type=chain.TokenUnfreeze,
        effects=effects.TOKEN,
    ),
    MessageType(
        "vote", VoteMsg, Permission.VOTE, prepare_vote, "a governance vote", chain_type=chain.Vote, effects=effects.NONE
    ),
    # The rest of what an account can sign (request models in app/signing/requests_*.py).
    MessageType(
        "multi_send",
        MultiSendMsg,
        Permission.TRANSFER,
        prepare_multi_send,
        "a payment to several addresses",
        chain_type=chain.Send,
        effects=effects.SEND,
    ),
    MessageType(
        "transfer_out",
        TransferOutMsg,
        Permission.TRANSFER,
        prepare_transfer_out,
        "a transfer to BNB Smart Chain",
        chain_type=chain.TransferOut,
        effects=effects.TRANSFER_OUT,
    ),
    MessageType(
        "time_lock",
        TimeLockMsg,
        Permission.LOCK,
        prepare_time_lock,
        "a time lock",
        chain_type=chain.TimeLock,
        effects=effects.LOCK,
    ),
    MessageType(
        "time_unlock",
        TimeUnlockMsg,
        Permission.LOCK,
        prepare_time_unlock,
        "a time unlock",
        chain_type=chain.TimeUnlock,
        effects=effects.NONE,
    ),
    MessageType(
        "time_relock",
        TimeRelockMsg,
        Permission.LOCK,
        prepare_time_relock,
        "a time relock",
        chain_type=chain.TimeRelock,
        effects=effects.LOCK,
    ),
    MessageType(
        "htlt",
        HTLTMsg,
        Permission.SWAP,
        prepare_htlt,
        "an atomic swap (HTLT)",
        chain_type=chain.HTLT,
        effects=effects.HTLT_LOCK,
    ),
    MessageType(
        "deposit_htlt",
        DepositHTLTMsg,
        Permission.SWAP,
        prepare_deposit_htlt,
        "a deposit into an atomic swap",
        chain_type=chain.DepositHTLT,
        effects=effects.DEPOSIT,
    ),
    MessageType(
        "claim_htlt",
        ClaimHTLTMsg,
        Permission.SWAP,
        prepare_claim_htlt,
        "a claim of an atomic swap",
        chain_type=chain.ClaimHTLT,
        effects=effects.NONE,
    ),
    MessageType(
        "refund_htlt",
        RefundHTLTMsg,
        Permission.SWAP,
        prepare_refund_htlt,
        "a refund of an atomic swap",
        chain_type=chain.RefundHTLT,
        effects=effects.NONE,
    ),
    MessageType(
        "issue",
        IssueMsg,
        Permission.ISSUE,
        prepare_issue,
        "a token issue",
        chain_type=chain.Issue,
        effects=effects.NONE,
    ),
    MessageType(
        "mint", MintMsg, Permission.ISSUE, prepare_mint, "a token mint", chain_type=chain.Mint, effects=effects.TOKEN
    ),
    MessageType(
        "burn", BurnMsg, Permission.ISSUE, prepare_burn, "a token burn", chain_type=chain.Burn, effects=effects.BURN
    ),
    MessageType(
        "side_chain_delegate",
        SideChainDelegateMsg,
        Permission.STAKE,
        prepare_delegate,
        "a side-chain delegation",
        chain_type=chain.SideChainDelegate,
        effects=effects.DELEGATE,
    ),
    MessageType(
        "side_chain_redelegate",
        SideChainRedelegateMsg,
        Permission.STAKE,
        prepare_redelegate,
        "a side-chain redelegation",
        chain_type=chain.SideChainRedelegate,
        effects=effects.STAKE_MOVE,
    ),
    MessageType(
        "side_chain_undelegate",
        SideChainUndelegateMsg,
        Permission.STAKE,
        prepare_undelegate,
        "a side-chain undelegation",
        chain_type=chain.SideChainUndelegate,
        effects=effects.STAKE_MOVE,
    ),
    MessageType(
        "set_account_flags",
        SetAccountFlagsMsg,
        Permission.ACCOUNT,
        prepare_set_account_flags,
        "account flags",
        chain_type=chain.SetAccountFlags,
        effects=effects.NONE,
    ),
)


_BY_NAME = MappingProxyType({row.name: row for row in MESSAGE_TYPES})
# Per row, the rows of every chain type its signature is also valid as (its own type first).
_READINGS = MappingProxyType(
    {
        row.name: tuple(
            other for cls in chain.readings(row.chain_type) for other in MESSAGE_TYPES if other.chain_type is cls
        )
        for row in MESSAGE_TYPES
    }
)


def row_named(name: str) -> MessageType:
    """The row of a message type by name (KeyError for an unknown name)."""
    return _BY_NAME[name]


def readings(row: MessageType) -> tuple[MessageType, ...]:
    """Every row whose chain message a signature of row is also valid as, row's own chain type first."""
    return _READINGS[row.name]


def permissions_of(row: MessageType) -> tuple[Permission, ...]:
    """The permissions a request of row needs: its own, then those of every other reading of its bytes."""
    return tuple(dict.fromkeys(other.permission for other in readings(row)))


def also_valid_as(row: MessageType) -> tuple[str, ...]:
    """The other message types (of another chain type) that the chain would accept row's signature as."""
    return tuple(other.name for other in readings(row) if other.chain_type is not row.chain_type)
