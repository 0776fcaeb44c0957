"""The seed's messages on the devnet ledger: orders, transfers (multi-send too), freezes and votes.

Each handler checks everything before its first write, so a refused tx changes nothing.
"""

import json
from collections.abc import Sequence

from app.chain.address import decode_address
from app.chain.amounts import INT64_MAX, UNITS_PER_COIN
from app.chain.errors import InvalidInput
from app.chain.messages import (
    ORDER_TYPE_LIMIT,
    SIDE_BUY,
    SIDE_SELL,
    TIF_GTE,
    TIF_IOC,
    TRANSFER_MEMO_CHECKER_FLAG,
    CancelOrder,
    Coin,
    InOut,
    NewOrder,
    Send,
    TokenFreeze,
    TokenUnfreeze,
    Vote,
    check_token_symbol,
    coin_totals,
)
from app.chain.tx import order_id
from app.devnet.records import Account, Code, LedgerState, Order, TxContext, TxRejected


def split_pair(pair: str) -> tuple[str, str]:
    """BASE_QUOTE -> (BASE, QUOTE)."""
    base, _, quote = pair.partition("_")
    return base, quote


def notional(price: int, quantity: int) -> int:
    """The quote amount a buy locks: price * quantity / 1e8, rounded down as the node did."""
    return price * quantity // UNITS_PER_COIN


def new_order(state: LedgerState, ctx: TxContext, msg: NewOrder, account: Account) -> str:
    """Lock what the order needs and rest it on the book (an IOC order expires at once)."""
    locked_symbol, amount = _check_order(ctx, msg)
    if (msg.symbol, msg.id) in state.orders:
        raise TxRejected(Code.DUPLICATED_ORDER, f"Duplicated order [{msg.id}] on symbol [{msg.symbol}]")
    if account.free(locked_symbol) < amount:
        raise TxRejected(Code.INSUFFICIENT_COINS, f"insufficient funds: do not have enough {locked_symbol} to lock")
    data = json.dumps({"order_id": msg.id}, separators=(",", ":"))
    if msg.timeinforce == TIF_IOC:
        return data  # no matching engine: an IOC order expires at once and its lock is released
    balance = account.balance(locked_symbol)
    balance.free -= amount
    balance.locked += amount
    state.orders[(msg.symbol, msg.id)] = Order(
        id=msg.id,
        sender=msg.sender,
        symbol=msg.symbol,
        side=msg.side,
        price=msg.price,
        quantity=msg.quantity,
        timeinforce=msg.timeinforce,
        tx_hash=ctx.tx_hash,
        height=ctx.height,
        locked_symbol=locked_symbol,
        locked_amount=amount,
    )
    return data


def _check_order(ctx: TxContext, msg: NewOrder) -> tuple[str, int]:
    """Validate a new order; return the symbol and amount it locks."""
    expected = order_id(decode_address(msg.sender), ctx.sequence)
    if msg.id != expected:
        raise TxRejected(Code.INVALID_ORDER_PARAM, f"invalid order id: expected `{expected}`")
    if msg.symbol not in ctx.params.pairs:
        raise TxRejected(Code.INVALID_ORDER_PARAM, f"trading pair not found: {msg.symbol}")
    _check_order_fields(msg)
    base, quote = split_pair(msg.symbol)
    if msg.side == SIDE_SELL:
        return base, msg.quantity
    amount = notional(msg.price, msg.quantity)
    if amount > INT64_MAX:
        raise TxRejected(Code.INVALID_ORDER_PARAM, "notional value of the order is too large (cannot fit in int64)")
    if amount == 0:
        raise TxRejected(Code.INVALID_ORDER_PARAM, "notional value of the order is too small")
    return quote, amount


def _check_order_fields(msg: NewOrder) -> None:
    problems = {
        "ordertype must be 2 (limit)": msg.ordertype != ORDER_TYPE_LIMIT,
        "side must be 1 (buy) or 2 (sell)": msg.side not in (SIDE_BUY, SIDE_SELL),
        "timeinforce must be 1 (GTE) or 3 (IOC)": msg.timeinforce not in (TIF_GTE, TIF_IOC),
        "price must be positive": msg.price <= 0,
        "quantity must be positive": msg.quantity <= 0,
    }
    for problem, failed in problems.items():
        if failed:
            raise TxRejected(Code.INVALID_ORDER_PARAM, f"Invalid order parameter value - {problem}")


def cancel_order(state: LedgerState, ctx: TxContext, msg: CancelOrder, account: Account) -> str:
    """Take the sender's order off the book and release what it locked."""
    order = state.orders.get((msg.symbol, msg.refid))
    if order is None:
        raise TxRejected(Code.ORDER_NOT_FOUND, f"Failed to find order [{msg.refid}]")
    if order.sender != msg.sender:
        raise TxRejected(Code.ORDER_NOT_FOUND, f"Order [{msg.refid}] does not belong to transaction sender")
    balance = account.balance(order.locked_symbol)
    balance.locked -= order.locked_amount
    balance.free += order.locked_amount
    del state.orders[(msg.symbol, msg.refid)]
    return ""


def send(state: LedgerState, ctx: TxContext, msg: Send, account: Account) -> str:
    """Move coins from the one input to every output (a multi-send has several)."""
    if not msg.outputs:
        raise TxRejected(Code.NO_OUTPUTS, "no outputs to send transaction")
    for side in (*msg.inputs, *msg.outputs):
        _check_coins(side)
    totals = coin_totals(msg.inputs)
    if totals != coin_totals(msg.outputs):
        raise TxRejected(Code.INVALID_COINS, "inputs and outputs don't match")
    for denom, amount in totals.items():
        if account.free(denom) < amount:
            raise TxRejected(
                Code.INSUFFICIENT_COINS, f"insufficient funds: {account.free(denom)}{denom} < {amount}{denom}"
            )
    _check_receiver_memo(state, ctx, msg.outputs)
    for denom, amount in totals.items():
        account.balance(denom).free -= amount
    for output in msg.outputs:
        receiver = state.get_or_create(output.address)
        for coin in output.coins:
            receiver.balance(coin.denom).free += coin.amount
    return ""


def _check_receiver_memo(state: LedgerState, ctx: TxContext, outputs: Sequence[InOut]) -> None:
    """BEP12 (plugins/account/scripts/transfer_memo.go): flagged receivers need a memo of digits."""
    for output in outputs:
        receiver = state.accounts.get(output.address)
        if receiver is None or not receiver.flags & TRANSFER_MEMO_CHECKER_FLAG:
            continue
        if not ctx.memo:
            raise TxRejected(Code.INVALID_MEMO, "receiver requires non-empty memo in transfer transaction")
        if not ctx.memo.isascii() or not ctx.memo.isdigit():
            raise TxRejected(Code.INVALID_MEMO, "The receiver requires the memo contains only digits.")


def freeze(state: LedgerState, ctx: TxContext, msg: TokenFreeze, account: Account) -> str:
    """Move free coins to frozen."""
    _check_token_amount(msg)
    if account.free(msg.symbol) < msg.amount:
        raise TxRejected(Code.INSUFFICIENT_COINS, "insufficient funds: do not have enough token to freeze")
    balance = account.balance(msg.symbol)
    balance.free -= msg.amount
    balance.frozen += msg.amount
    return ""


def unfreeze(state: LedgerState, ctx: TxContext, msg: TokenUnfreeze, account: Account) -> str:
    """Move frozen coins back to free."""
    _check_token_amount(msg)
    balance = account.balances.get(msg.symbol)
    if balance is None or balance.frozen < msg.amount:
        raise TxRejected(Code.INSUFFICIENT_COINS, "insufficient funds: do not have enough token to unfreeze")
    balance.frozen -= msg.amount
    balance.free += msg.amount
    return ""


def vote(state: LedgerState, ctx: TxContext, msg: Vote, account: Account) -> str:
    """Record the voter's option; a second vote replaces the first, as in cosmos gov."""
    if not 1 <= msg.proposal_id <= ctx.params.proposals:
        raise TxRejected(Code.UNKNOWN_PROPOSAL, f"Unknown proposal with id {msg.proposal_id}")
    state.votes.setdefault(msg.proposal_id, {})[account.address] = msg.option
    return ""


def _check_coins(side: InOut) -> None:
    """Non-empty, valid symbols, positive amounts, denoms sorted and unique (sdk.Coins.IsValid)."""
    coins = side.coins
    if not coins:
        raise TxRejected(Code.INVALID_COINS, f"invalid coins: {side.address} moves no coins")
    denoms = [c.denom for c in coins]
    if denoms != sorted(set(denoms)):
        raise TxRejected(Code.INVALID_COINS, "invalid coins: denoms must be sorted and unique")
    for coin in coins:
        _check_coin(coin)


def _check_coin(coin: Coin) -> None:
    try:
        check_token_symbol(coin.denom)
    except InvalidInput:
        raise TxRejected(Code.INVALID_COINS, f"invalid coins: bad denom {coin.denom!r}") from None
    if coin.amount <= 0:
        raise TxRejected(Code.INVALID_COINS, f"invalid coins: {coin.denom} amount must be positive")


def _check_token_amount(msg: TokenFreeze) -> None:
    try:
        check_token_symbol(msg.symbol)
    except InvalidInput:
        raise TxRejected(Code.INVALID_COINS, f"invalid coins: bad symbol {msg.symbol!r}") from None
    if msg.amount <= 0:
        raise TxRejected(Code.INVALID_COINS, "invalid coins: amount must be positive")
