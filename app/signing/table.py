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
from app.signing.requests import CancelOrderMsg, FreezeMsg, OrderMsg, SignableMsg, TransferMsg, VoteMsg
from app.signing.wallets import Wallet


@dataclass(frozen=True, slots=True)
class Prepared:
    """A message ready to sign once a sequence is reserved."""

    build: Callable[[int], Msg]
    memo: str = ""


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
)
