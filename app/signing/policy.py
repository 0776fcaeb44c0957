"""Policy limits: per transaction, per rolling day, destinations, symbols, orders per minute.

Each configured LimitsConfig is compiled once into a Policy (caps in units, destinations
decoded). Static rules are checked before a sequence is reserved; rolling-window rules become
WindowLimits that the store checks and records in the same transaction as the reservation, so
concurrent requests and replicas cannot overshoot. Policy sees only a signature's Effects
(app/signing/effects.py): what its bytes can do on chain, whatever route asked for it.
"""

from dataclasses import dataclass
from decimal import Decimal

from app.chain.address import normalize_address
from app.chain.amounts import UNITS_PER_COIN, to_units
from app.chain.errors import InvalidInput
from app.chain.messages import bsc_address
from app.config import LimitsConfig
from app.errors import PolicyDenied
from app.signing.effects import Effects
from app.store import LimitExceeded, WindowLimit

DAY_SECONDS = 24 * 3600.0
ORDERS = "#orders"


def canonical_destination(address: str, hrp: str) -> str:
    """The one form of a destination that allowed_destinations compares: lower-case bech32, or EIP-55 0x."""
    if address.startswith("0x"):
        return bsc_address(address)
    return normalize_address(address, hrp)


@dataclass(frozen=True, slots=True)
class Policy:
    """One LimitsConfig, compiled: who it binds ("wallet" or "user") and its scope in the usage table."""

    who: str
    scope: str
    hrp: str
    max_per_tx: dict[str, tuple[int, str]]  # token -> (units, as written)
    max_per_day: dict[str, int]
    allowed_destinations: frozenset[str] | None
    allowed_symbols: frozenset[str] | None
    max_orders_per_minute: int | None

    @classmethod
    def compile(cls, limits: LimitsConfig, *, who: str, scope: str, hrp: str) -> "Policy":
        destinations: frozenset[str] | None = None
        if limits.allowed_destinations is not None:
            decoded = set()
            for address in limits.allowed_destinations:
                try:
                    decoded.add(canonical_destination(address, hrp))
                except InvalidInput:
                    continue  # an address of another chain can never match
            destinations = frozenset(decoded)
        return cls(
            who=who,
            scope=scope,
            hrp=hrp,
            max_per_tx={token: (to_units(str(cap)), str(cap)) for token, cap in limits.max_per_tx.items()},
            max_per_day={token: to_units(str(cap)) for token, cap in limits.max_per_day.items()},
            allowed_destinations=destinations,
            allowed_symbols=frozenset(limits.allowed_symbols) if limits.allowed_symbols is not None else None,
            max_orders_per_minute=limits.max_orders_per_minute,
        )

    def check(self, effects: Effects) -> tuple[WindowLimit, ...]:
        """Raise PolicyDenied for a static rule; return the rolling-window limits to enforce."""
        who = self.who
        for token, amount in effects.coins:
            cap = self.max_per_tx.get(token)
            if cap is not None and amount > cap[0]:
                raise PolicyDenied(f"{who} limit max_per_tx for {token} is {cap[1]}")
        if self.allowed_symbols is not None:
            for symbol in effects.symbols:
                if symbol not in self.allowed_symbols:
                    raise PolicyDenied(f"{who} limit allowed_symbols does not include {symbol}")
        if self.allowed_destinations is not None:
            if effects.unknown_destination:  # an unknown recipient is never an allowed one
                raise PolicyDenied(
                    f"{who} limit allowed_destinations: the swap this deposit pays into is not on the chain"
                )
            for destination in effects.destinations:
                if canonical_destination(destination, self.hrp) not in self.allowed_destinations:
                    raise PolicyDenied(f"{who} limit allowed_destinations does not include this address")
        windows = [
            WindowLimit(self.scope, token, amount, self.max_per_day[token], DAY_SECONDS, f"{who} max_per_day {token}")
            for token, amount in effects.coins
            if token in self.max_per_day
        ]
        if effects.is_order and self.max_orders_per_minute is not None:
            windows.append(
                WindowLimit(self.scope, ORDERS, 1, self.max_orders_per_minute, 60.0, f"{who} max_orders_per_minute")
            )
        return tuple(windows)


def check_all(policies: tuple[Policy, ...], effects: Effects) -> tuple[WindowLimit, ...]:
    """Every policy's static rules, then their rolling windows together."""
    windows: tuple[WindowLimit, ...] = ()
    for policy in policies:
        windows += policy.check(effects)
    return windows


def denied_for(exc: LimitExceeded) -> PolicyDenied:
    """The 403 for a rolling-window limit the store refused."""
    limit = exc.limit
    if limit.symbol == ORDERS:
        return PolicyDenied(f"limit {limit.name} ({limit.cap}) reached")
    cap = Decimal(limit.cap) / UNITS_PER_COIN
    used = Decimal(exc.used) / UNITS_PER_COIN
    return PolicyDenied(f"limit {limit.name} is {cap.normalize():f}; {used.normalize():f} already used in 24 h")
