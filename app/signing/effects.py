"""What the signed bytes can do on chain: the coins that leave the wallet, who ends up with them, what they touch.

Policy limits, allowed_destinations, allowed_symbols and approval thresholds act on Effects, never
on the route that asked: each row of the message table (app/signing/table.py) names the rule that
reads its chain message, and a signature is judged as every message its sign bytes can be read as
(`combined`). Effects are computed from the built chain message, the bytes that are signed, not
from the request that described it.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from app.chain.amounts import UNITS_PER_COIN
from app.chain.messages import (
    HTLT,
    NATIVE_TOKEN,
    SIDE_SELL,
    Burn,
    CancelOrder,
    Coin,
    DepositHTLT,
    Mint,
    NewOrder,
    Send,
    SideChainDelegate,
    TimeLock,
    TimeRelock,
    TokenFreeze,
    TransferOut,
    coin_totals,
)
from app.chain.node import SwapParties


@dataclass(frozen=True, slots=True)
class Effects:
    """What one signature can do: coins out of the wallet (token, units), symbols touched, recipients."""

    coins: tuple[tuple[str, int], ...] = ()
    symbols: tuple[str, ...] = ()
    destinations: tuple[str, ...] = ()  # bech32 on this chain or 0x on BNB Smart Chain, as built
    is_order: bool = False
    unknown_destination: bool = False  # a deposit into a swap the chain does not know (yet): nobody can say who

    def exceeds(self, above: dict[str, int]) -> bool:
        """Does any coin that leaves the wallet exceed its threshold (token -> units)?"""
        return any(token in above and units > above[token] for token, units in self.coins)


@dataclass(frozen=True, slots=True)
class ChainFacts:
    """What the node said before signing, where the effects depend on chain state (a deposit's swap)."""

    swap: SwapParties | None = None


NOTHING = Effects()


@dataclass(frozen=True, slots=True)
class EffectRule:
    """How one chain message type's effects are read; moves_funds: can coins leave the wallet?"""

    read: Callable[[Any, ChainFacts], Effects]
    moves_funds: bool
    swap_id: Callable[[Any], bytes] | None = None  # the swap whose parties the node must tell first


def combined(all_effects: Sequence[Effects]) -> Effects:
    """The effects of a signature valid as several messages: the most of each coin, every symbol and recipient."""
    coins: dict[str, int] = {}
    symbols: dict[str, None] = {}
    destinations: dict[str, None] = {}
    is_order = False
    for effects in all_effects:
        for token, units in effects.coins:
            coins[token] = max(coins.get(token, 0), units)
        symbols.update(dict.fromkeys(effects.symbols))
        destinations.update(dict.fromkeys(effects.destinations))
        is_order = is_order or effects.is_order
    unknown = any(effects.unknown_destination for effects in all_effects)
    return Effects(tuple(coins.items()), tuple(symbols), tuple(destinations), is_order, unknown)


def _coins(coins: Iterable[Coin]) -> Effects:
    pairs = tuple((c.denom, c.amount) for c in coins)
    return Effects(coins=pairs, symbols=tuple(token for token, _ in pairs))


def _nothing(_msg: Any, _facts: ChainFacts) -> Effects:
    return NOTHING


def _order(msg: NewOrder, _facts: ChainFacts) -> Effects:
    """A sell gives the base quantity; a buy gives price x quantity of the quote token."""
    base, quote = msg.symbol.split("_", 1)
    coin = (base, msg.quantity) if msg.side == SIDE_SELL else (quote, msg.price * msg.quantity // UNITS_PER_COIN)
    return Effects(coins=(coin,), symbols=(msg.symbol,), is_order=True)


def _cancel(msg: CancelOrder, _facts: ChainFacts) -> Effects:
    return Effects(symbols=(msg.symbol,))


def _send(msg: Send, _facts: ChainFacts) -> Effects:
    """The inputs' coins leave; every output address receives (one output or many, the bytes say)."""
    coins = tuple(coin_totals(msg.inputs).items())
    return Effects(coins=coins, symbols=tuple(t for t, _ in coins), destinations=tuple(o.address for o in msg.outputs))


def _token(msg: TokenFreeze | Mint, _facts: ChainFacts) -> Effects:
    """Freeze, unfreeze and mint keep or add coins: only the symbol is touched."""
    return Effects(symbols=(msg.symbol,))


def _burn(msg: Burn, _facts: ChainFacts) -> Effects:
    return Effects(coins=((msg.symbol, msg.amount),), symbols=(msg.symbol,))


def _transfer_out(msg: TransferOut, _facts: ChainFacts) -> Effects:
    coin = msg.amount
    return Effects(coins=((coin.denom, coin.amount),), symbols=(coin.denom,), destinations=(msg.to,))


def _locked(msg: TimeLock | TimeRelock, _facts: ChainFacts) -> Effects:
    """Locked coins are out of reach (a relock: its whole new amount)."""
    return _coins(msg.amount)


def _htlt(msg: HTLT, _facts: ChainFacts) -> Effects:
    coins = _coins(msg.amount)
    return Effects(coins=coins.coins, symbols=coins.symbols, destinations=(msg.to,))


def _deposit(msg: DepositHTLT, facts: ChainFacts) -> Effects:
    """The deposit goes to the swap's creator on a claim, or to its recipient on a refund: both, unless the wallet."""
    coins = _coins(msg.amount)
    if facts.swap is None:  # not on the chain (yet): who ends up with the coins is unknown
        return Effects(coins=coins.coins, symbols=coins.symbols, unknown_destination=True)
    parties = dict.fromkeys((facts.swap.creator, facts.swap.recipient))
    parties.pop(msg.from_, None)
    return Effects(coins=coins.coins, symbols=coins.symbols, destinations=tuple(parties))


def _delegate(msg: SideChainDelegate, _facts: ChainFacts) -> Effects:
    """Delegated BNB is bonded (out of reach until undelegated)."""
    return Effects(coins=((NATIVE_TOKEN, msg.delegation.amount),), symbols=(NATIVE_TOKEN,))


def _stake_move(_msg: Any, _facts: ChainFacts) -> Effects:
    """A redelegation or undelegation moves bonded BNB, never the wallet's free coins."""
    return Effects(symbols=(NATIVE_TOKEN,))


NONE = EffectRule(_nothing, moves_funds=False)
ORDER = EffectRule(_order, moves_funds=True)
CANCEL = EffectRule(_cancel, moves_funds=False)
SEND = EffectRule(_send, moves_funds=True)
TOKEN = EffectRule(_token, moves_funds=False)
BURN = EffectRule(_burn, moves_funds=True)
TRANSFER_OUT = EffectRule(_transfer_out, moves_funds=True)
LOCK = EffectRule(_locked, moves_funds=True)
HTLT_LOCK = EffectRule(_htlt, moves_funds=True)
DEPOSIT = EffectRule(_deposit, moves_funds=True, swap_id=lambda msg: msg.swap_id)
DELEGATE = EffectRule(_delegate, moves_funds=True)
STAKE_MOVE = EffectRule(_stake_move, moves_funds=False)
