"""The message table: one row per message type.

A row names the type's path, its request model, the permission it needs and its prepare step
(app/signing/prepare.py), which turns a request into a chain message before any sequence is
reserved. What a request spends and what the audit keeps of it come from the request model
itself (app/signing/requests*.py).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.permissions import Permission
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

__all__ = ["MESSAGE_TYPES", "MessageType", "Prepared"]


@dataclass(frozen=True, slots=True)
class MessageType:
    """One message type: its paths, request model, required permission and prepare step.

    name is also the metric label and the audit summary's "type".
    """

    name: str
    model: type[SignableMsg]
    permission: Permission
    prepare: Callable[[Any, Wallet], Prepared]
    title: str
    aliases: tuple[str, ...] = ()


MESSAGE_TYPES = (
    MessageType("order", OrderMsg, Permission.TRADE, prepare_order, "a new limit order"),
    MessageType(
        "cancel_order",
        CancelOrderMsg,
        Permission.TRADE,
        prepare_cancel,
        "an order cancel",
        aliases=("order/cancel",),
    ),
    MessageType("transfer", TransferMsg, Permission.TRANSFER, prepare_transfer, "a transfer of one or several coins"),
    MessageType("freeze", FreezeMsg, Permission.FREEZE, prepare_freeze, "a token freeze"),
    MessageType("unfreeze", FreezeMsg, Permission.FREEZE, prepare_unfreeze, "a token unfreeze"),
    MessageType("vote", VoteMsg, Permission.VOTE, prepare_vote, "a governance vote"),
    # The rest of what an account can sign (request models in app/signing/requests_*.py).
    MessageType("multi_send", MultiSendMsg, Permission.TRANSFER, prepare_multi_send, "a payment to several addresses"),
    MessageType(
        "transfer_out",
        TransferOutMsg,
        Permission.TRANSFER,
        prepare_transfer_out,
        "a transfer to BNB Smart Chain",
    ),
    MessageType("time_lock", TimeLockMsg, Permission.LOCK, prepare_time_lock, "a time lock"),
    MessageType("time_unlock", TimeUnlockMsg, Permission.LOCK, prepare_time_unlock, "a time unlock"),
    MessageType("time_relock", TimeRelockMsg, Permission.LOCK, prepare_time_relock, "a time relock"),
    MessageType("htlt", HTLTMsg, Permission.SWAP, prepare_htlt, "an atomic swap (HTLT)"),
    MessageType("deposit_htlt", DepositHTLTMsg, Permission.SWAP, prepare_deposit_htlt, "a deposit into an atomic swap"),
    MessageType("claim_htlt", ClaimHTLTMsg, Permission.SWAP, prepare_claim_htlt, "a claim of an atomic swap"),
    MessageType("refund_htlt", RefundHTLTMsg, Permission.SWAP, prepare_refund_htlt, "a refund of an atomic swap"),
    MessageType("issue", IssueMsg, Permission.ISSUE, prepare_issue, "a token issue"),
    MessageType("mint", MintMsg, Permission.ISSUE, prepare_mint, "a token mint"),
    MessageType("burn", BurnMsg, Permission.ISSUE, prepare_burn, "a token burn"),
    MessageType(
        "side_chain_delegate",
        SideChainDelegateMsg,
        Permission.STAKE,
        prepare_delegate,
        "a side-chain delegation",
    ),
    MessageType(
        "side_chain_redelegate",
        SideChainRedelegateMsg,
        Permission.STAKE,
        prepare_redelegate,
        "a side-chain redelegation",
    ),
    MessageType(
        "side_chain_undelegate",
        SideChainUndelegateMsg,
        Permission.STAKE,
        prepare_undelegate,
        "a side-chain undelegation",
    ),
    MessageType(
        "set_account_flags", SetAccountFlagsMsg, Permission.ACCOUNT, prepare_set_account_flags, "account flags"
    ),
)
