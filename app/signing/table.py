"""The message table: one row per message type, and the prepare step that turns a request into a chain message.

A row names the type's path, its request model, the permission it needs and its prepare
function. prepare checks what needs the wallet (its address prefix) before any sequence is
reserved, so bad input never burns a sequence, and returns a builder that takes the reserved
sequence (orders need it for their id) together with the memo. What a request spends and what
the audit keeps of it come from the request model itself (app/signing/requests.py).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.chain.address import normalize_address
from app.chain.errors import InvalidInput
from app.chain.messages import CancelOrder, Coin, Msg, NewOrder, Send, TokenFreeze, TokenUnfreeze, Vote
from app.chain.tx import order_id
from app.errors import InvalidRequest
from app.permissions import Permission
from app.signing import prepare_more as more
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


def prepare_order(msg: OrderMsg, wallet: Wallet) -> Prepared:
    def build(sequence: int) -> Msg:
        return NewOrder(
            sender=wallet.address,
            id=order_id(wallet.account_id, sequence),
            symbol=msg.symbol,
            side=msg.side,
            price=msg.price,
            quantity=msg.quantity,
            timeinforce=msg.time_in_force,
            ordertype=msg.order_type,
        )

    return Prepared(build)


def prepare_cancel(msg: CancelOrderMsg, wallet: Wallet) -> Prepared:
    cancel = CancelOrder(sender=wallet.address, symbol=msg.symbol, refid=msg.target)
    return Prepared(lambda _sequence: cancel)


def prepare_transfer(msg: TransferMsg, wallet: Wallet) -> Prepared:
    try:
        to = normalize_address(msg.to_address, wallet.environment.hrp)
    except InvalidInput as exc:
        raise InvalidRequest("msg.to_address", str(exc)) from None
    send = Send.simple(
        sender=wallet.address, to=to, coins=[Coin(denom=token, amount=units) for token, units in msg.coins()]
    )
    return Prepared(lambda _sequence: send, memo=msg.memo)


def prepare_freeze(msg: FreezeMsg, wallet: Wallet) -> Prepared:
    freeze = TokenFreeze(from_=wallet.address, symbol=msg.symbol, amount=msg.amount)
    return Prepared(lambda _sequence: freeze)


def prepare_unfreeze(msg: FreezeMsg, wallet: Wallet) -> Prepared:
    unfreeze = TokenUnfreeze(from_=wallet.address, symbol=msg.symbol, amount=msg.amount)
    return Prepared(lambda _sequence: unfreeze)


def prepare_vote(msg: VoteMsg, wallet: Wallet) -> Prepared:
    vote = Vote(proposal_id=msg.proposal_id, voter=wallet.address, option=msg.option)
    return Prepared(lambda _sequence: vote)


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
        "cancel_order", CancelOrderMsg, Permission.TRADE, prepare_cancel, "an order cancel", aliases=("order/cancel",)
    ),
    MessageType("transfer", TransferMsg, Permission.TRANSFER, prepare_transfer, "a transfer of one or several coins"),
    MessageType("freeze", FreezeMsg, Permission.FREEZE, prepare_freeze, "a token freeze"),
    MessageType("unfreeze", FreezeMsg, Permission.FREEZE, prepare_unfreeze, "a token unfreeze"),
    MessageType("vote", VoteMsg, Permission.VOTE, prepare_vote, "a governance vote"),
    # issue 16: the rest of what an account can sign (app/signing/prepare_more.py, requests_*.py)
    MessageType(
        "multi_send", MultiSendMsg, Permission.TRANSFER, more.prepare_multi_send, "a payment to several addresses"
    ),
    MessageType(
        "transfer_out", TransferOutMsg, Permission.TRANSFER, more.prepare_transfer_out, "a transfer to BNB Smart Chain"
    ),
    MessageType("time_lock", TimeLockMsg, Permission.LOCK, more.prepare_time_lock, "a time lock"),
    MessageType("time_unlock", TimeUnlockMsg, Permission.LOCK, more.prepare_time_unlock, "a time unlock"),
    MessageType("time_relock", TimeRelockMsg, Permission.LOCK, more.prepare_time_relock, "a time relock"),
    MessageType("htlt", HTLTMsg, Permission.SWAP, more.prepare_htlt, "an atomic swap (HTLT)"),
    MessageType(
        "deposit_htlt", DepositHTLTMsg, Permission.SWAP, more.prepare_deposit_htlt, "a deposit into an atomic swap"
    ),
    MessageType("claim_htlt", ClaimHTLTMsg, Permission.SWAP, more.prepare_claim_htlt, "a claim of an atomic swap"),
    MessageType("refund_htlt", RefundHTLTMsg, Permission.SWAP, more.prepare_refund_htlt, "a refund of an atomic swap"),
    MessageType("issue", IssueMsg, Permission.ISSUE, more.prepare_issue, "a token issue"),
    MessageType("mint", MintMsg, Permission.ISSUE, more.prepare_mint, "a token mint"),
    MessageType("burn", BurnMsg, Permission.ISSUE, more.prepare_burn, "a token burn"),
    MessageType(
        "side_chain_delegate",
        SideChainDelegateMsg,
        Permission.STAKE,
        more.prepare_delegate,
        "a side-chain delegation",
    ),
    MessageType(
        "side_chain_redelegate",
        SideChainRedelegateMsg,
        Permission.STAKE,
        more.prepare_redelegate,
        "a side-chain redelegation",
    ),
    MessageType(
        "side_chain_undelegate",
        SideChainUndelegateMsg,
        Permission.STAKE,
        more.prepare_undelegate,
        "a side-chain undelegation",
    ),
    MessageType(
        "set_account_flags", SetAccountFlagsMsg, Permission.ACCOUNT, more.prepare_set_account_flags, "account flags"
    ),
)
