"""Policy limits: per transaction, per rolling day, destinations, symbols, orders per minute.

Static rules (per-tx caps, allowed destinations and symbols) are checked before a sequence is
reserved; rolling-window rules become WindowLimits that the store checks and records in the
same transaction as the reservation, so concurrent requests and replicas cannot overshoot.
"""

from dataclasses import dataclass
from decimal import Decimal

from app.chain.address import normalize_address
from app.chain.amounts import UNITS_PER_COIN, to_units
from app.chain.errors import InvalidInput
from app.config import LimitsConfig
from app.errors import Forbidden
from app.schemas import CancelOrderMsg, FreezeMsg, OrderMsg, TransferMsg, VoteMsg
from app.store import LimitExceeded, WindowLimit

DAY_SECONDS = 24 * 3600.0
ORDERS = "#orders"


class PolicyDenied(Forbidden):
    """A request over a configured limit (the limit is named in the message)."""


@dataclass(frozen=True, slots=True)
class Spend:
    """What one request takes out of the wallet, and whether it places an order."""

    coins: tuple[tuple[str, int], ...]  # (token, units)
    symbols: tuple[str, ...]  # tokens and pairs it touches
    destination: str | None = None
    is_order: bool = False


def spend_of(msg: object) -> Spend:
    """The spend of a validated request message."""
    if isinstance(msg, TransferMsg):
        coins = tuple((token, to_units(amount)) for token, amount in msg.coins())
        return Spend(coins=coins, symbols=tuple(token for token, _ in coins), destination=msg.to_address)
    if isinstance(msg, OrderMsg):
        base, quote = msg.symbol.split("_", 1)
        quantity, price = to_units(msg.quantity), to_units(msg.price)
        coin = (base, quantity) if msg.side == 2 else (quote, price * quantity // UNITS_PER_COIN)
        return Spend(coins=(coin,), symbols=(msg.symbol,), is_order=True)
    if isinstance(msg, FreezeMsg):
        return Spend(coins=(), symbols=(msg.symbol,))
    if isinstance(msg, CancelOrderMsg | VoteMsg):
        return Spend(coins=(), symbols=())
    raise TypeError(f"no spend rule for {type(msg).__name__}")


def _units(text: str | int) -> int:
    return to_units(Decimal(str(text)))


def check(limits: LimitsConfig, spend: Spend, *, scope: str, hrp: str, who: str) -> tuple[WindowLimit, ...]:
    """Raise PolicyDenied for a static rule; return the rolling-window limits to enforce."""
    for token, amount in spend.coins:
        cap = limits.max_per_tx.get(token)
        if cap is not None and amount > _units(cap):
            raise PolicyDenied(f"{who} limit max_per_tx for {token} is {cap}")
    if limits.allowed_symbols is not None:
        for symbol in spend.symbols:
            if symbol not in limits.allowed_symbols:
                raise PolicyDenied(f"{who} limit allowed_symbols does not include {symbol}")
    if spend.destination is not None and limits.allowed_destinations is not None:
        allowed = set()
        for address in limits.allowed_destinations:
            try:
                allowed.add(normalize_address(address, hrp))
            except InvalidInput:
                continue  # an address of another chain can never match
        if normalize_address(spend.destination, hrp) not in allowed:
            raise PolicyDenied(f"{who} limit allowed_destinations does not include this address")
    windows = [
        WindowLimit(scope, token, amount, _units(limits.max_per_day[token]), DAY_SECONDS, f"{who} max_per_day {token}")
        for token, amount in spend.coins
        if token in limits.max_per_day
    ]
    if spend.is_order and limits.max_orders_per_minute is not None:
        windows.append(
            WindowLimit(scope, ORDERS, 1, limits.max_orders_per_minute, 60.0, f"{who} max_orders_per_minute")
        )
    return tuple(windows)


def denied_for(exc: LimitExceeded) -> PolicyDenied:
    """The 403 for a rolling-window limit the store refused."""
    limit = exc.limit
    if limit.symbol == ORDERS:
        return PolicyDenied(f"limit {limit.name} ({limit.cap}) reached")
    cap = Decimal(limit.cap) / UNITS_PER_COIN
    used = Decimal(exc.used) / UNITS_PER_COIN
    return PolicyDenied(f"limit {limit.name} is {cap.normalize():f}; {used.normalize():f} already used in 24 h")
