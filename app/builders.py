"""From validated request messages to chain messages, for one wallet.

Each prepare_* function checks what needs the wallet (its address prefix) and converts amounts
exactly, before any sequence is reserved, so bad input never burns a sequence. It returns a
builder that takes the reserved sequence (orders need it for their id) and the memo.
"""

from collections.abc import Callable
from dataclasses import dataclass

from app.chain.address import normalize_address
from app.chain.amounts import to_units
from app.chain.errors import InvalidInput
from app.chain.messages import CancelOrder, Coin, Msg, NewOrder, Send, TokenFreeze, TokenUnfreeze, Vote
from app.chain.tx import order_id
from app.errors import InvalidRequest
from app.schemas import CancelOrderMsg, FreezeMsg, OrderMsg, TransferMsg, VoteMsg
from app.wallets import Wallet


@dataclass(frozen=True, slots=True)
class Prepared:
    """A message ready to sign once a sequence is reserved."""

    build: Callable[[int], Msg]
    memo: str = ""


def prepare_order(msg: OrderMsg, wallet: Wallet) -> Prepared:
    price, quantity = to_units(msg.price), to_units(msg.quantity)
    account_id = wallet.key.account_id
    return Prepared(
        lambda sequence: NewOrder(
            sender=wallet.address,
            id=order_id(account_id, sequence),
            symbol=msg.symbol,
            side=msg.side,
            price=price,
            quantity=quantity,
            timeinforce=msg.time_in_force,
            ordertype=msg.order_type,
        )
    )


def prepare_cancel(msg: CancelOrderMsg, wallet: Wallet) -> Prepared:
    cancel = CancelOrder(sender=wallet.address, symbol=msg.symbol, refid=msg.target)
    return Prepared(lambda _sequence: cancel)


def prepare_transfer(msg: TransferMsg, wallet: Wallet) -> Prepared:
    try:
        to = normalize_address(msg.to_address, wallet.environment.hrp)
    except InvalidInput as exc:
        raise InvalidRequest("msg.to_address", str(exc)) from None
    send = Send.simple(
        sender=wallet.address,
        to=to,
        coins=[Coin(denom=token, amount=to_units(amount)) for token, amount in msg.coins()],
    )
    return Prepared(lambda _sequence: send, memo=msg.memo)


def prepare_freeze(msg: FreezeMsg, wallet: Wallet) -> Prepared:
    freeze = TokenFreeze(from_=wallet.address, symbol=msg.symbol, amount=to_units(msg.amount))
    return Prepared(lambda _sequence: freeze)


def prepare_unfreeze(msg: FreezeMsg, wallet: Wallet) -> Prepared:
    unfreeze = TokenUnfreeze(from_=wallet.address, symbol=msg.symbol, amount=to_units(msg.amount))
    return Prepared(lambda _sequence: unfreeze)


def prepare_vote(msg: VoteMsg, wallet: Wallet) -> Prepared:
    vote = Vote(proposal_id=msg.proposal_id, voter=wallet.address, option=msg.option)
    return Prepared(lambda _sequence: vote)
