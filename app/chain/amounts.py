"""Exact conversion between decimal amounts and the chain's int64 units of 1e-8."""

import re
from decimal import Context, Decimal, Inexact, InvalidOperation

from app.chain.errors import InvalidInput

DECIMALS = 8
UNITS_PER_COIN: int = 10**DECIMALS
INT64_MAX = 2**63 - 1

AmountLike = Decimal | int | str
# The JSON number grammar (plus a leading "+"/"." leniency): no underscores, spaces or "NaN".
_NUMBER_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")

# Range checks happen before any arithmetic, so 28 digits hold every in-range value with at most 8 decimals;
# Inexact is trapped so a value with more digits raises instead of being rounded.
_EXACT = Context(prec=28, traps=[Inexact, InvalidOperation])


def to_units(value: AmountLike) -> int:
    """Convert a positive decimal amount (at most 8 decimals) to int64 chain units, exactly.

    Floats are refused: a binary float cannot say 0.1 exactly, and a signing service must never
    sign an amount the caller did not write.
    """
    if isinstance(value, bool) or isinstance(value, float):
        raise InvalidInput("amount must be a decimal number, not a binary float")
    if isinstance(value, str) and not _NUMBER_RE.fullmatch(value):
        raise InvalidInput("amount is not a plain decimal number")
    try:
        number = Decimal(value) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError, TypeError):
        raise InvalidInput("amount is not a number") from None
    if not number.is_finite():
        raise InvalidInput("amount must be finite")
    if number <= 0:
        raise InvalidInput("amount must be positive")
    # adjusted() is exact and context-free: check the magnitude first, so 1E+999999999 is never expanded
    # and normalize() (which rounds to 28 digits and flushes tiny values to 0) is never needed.
    if number.adjusted() > 18:
        raise InvalidInput("amount does not fit int64 units")
    if number.adjusted() < -DECIMALS:
        raise InvalidInput(f"amount has more than {DECIMALS} decimals")
    try:
        scaled = number.scaleb(DECIMALS, context=_EXACT)
    except Inexact:
        raise InvalidInput(f"amount has more than {DECIMALS} decimals") from None
    if scaled != scaled.to_integral_value():
        raise InvalidInput(f"amount has more than {DECIMALS} decimals")
    units = int(scaled)
    if units > INT64_MAX:
        raise InvalidInput("amount does not fit int64 units")
    return units


def from_units(units: int) -> Decimal:
    """The decimal amount for int64 chain units (for display)."""
    return Decimal(units).scaleb(-DECIMALS)
