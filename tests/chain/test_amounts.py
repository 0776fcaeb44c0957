"""Amounts: exact conversion between decimal amounts and int64 units of 1e-8."""

import time
from decimal import Decimal
from typing import Any

import pytest

from app.chain.amounts import INT64_MAX, from_units, to_units
from app.chain.errors import InvalidInput


@pytest.mark.parametrize(
    ("amount", "units"),
    [
        ("0.00000001", 1),
        ("0.000396", 39600),
        (Decimal("12345678901.12345678"), 1234567890112345678),
        (10, 1_000_000_000),
        ("92233720368.54775807", INT64_MAX),
        ("1", 100_000_000),
        ("1.5", 150_000_000),
        ("0.10000000", 10_000_000),
        ("0.000000010", 1),
        ("1E+2", 10_000_000_000),
        ("1.00000000000000000000000000000000000000", 100_000_000),
        (Decimal("0.1"), 10_000_000),
    ],
    ids=str,
)
def test_to_units_is_exact(amount: Any, units: int) -> None:
    """Decimal strings, Decimals and ints convert with no rounding."""
    result = to_units(amount)
    assert result == units
    assert type(result) is int


@pytest.mark.parametrize(
    "amount",
    [
        0,
        "0",
        "0.000000000",
        "-0",
        "0E-1000",
        -1,
        "-0.00000001",
        Decimal("-5"),
        "0.000000001",
        "1.123456789",
        "12345678901.123456789",
        "NaN",
        "sNaN",
        "Infinity",
        "-Infinity",
        "1e-9",
        "1E+30",
        "92233720368.54775808",
        "100000000000",
        2**63,
        "",
        "one",
        "1,5",
        "0x10",
    ],
    ids=repr,
)
def test_to_units_rejects_invalid_amounts(amount: Any) -> None:
    """Zero, negatives, more than 8 decimals, non-finite, out-of-int64 and non-numbers raise InvalidInput."""
    with pytest.raises(InvalidInput):
        to_units(amount)


@pytest.mark.parametrize("amount", [0.1, 1.0, float("nan"), True, False], ids=repr)
def test_to_units_rejects_floats_and_bools(amount: Any) -> None:
    """Binary floats and bools are refused, even when their value would be exact."""
    with pytest.raises(InvalidInput):
        to_units(amount)


@pytest.mark.parametrize("amount", [None, [1], b"1", object()], ids=["None", "list", "bytes", "object"])
def test_to_units_rejects_non_numbers(amount: Any) -> None:
    """Other types raise InvalidInput, not TypeError."""
    with pytest.raises(InvalidInput):
        to_units(amount)


@pytest.mark.parametrize(
    "amount",
    ["1E+999999999", "9E+999999", "1E+1000000", "1E-999999999", "1.5E-999999999", "1E-1000000"],
    ids=str,
)
def test_to_units_rejects_huge_exponents_quickly(amount: str) -> None:
    """Exponents far outside int64 raise InvalidInput at once, without expanding the number."""
    start = time.perf_counter()
    with pytest.raises(InvalidInput):
        to_units(amount)
    assert time.perf_counter() - start < 0.1


@pytest.mark.parametrize(
    "amount",
    [
        "1.000000000000000000000000000001",
        Decimal("1.000000000000000000000000000001"),
        "0.000000010000000000000000000000000001",
        "92233720368.547758070000000000000001",
    ],
    ids=repr,
)
def test_to_units_rejects_decimals_hidden_past_context_precision(amount: Any) -> None:
    """A ninth-or-later decimal is refused even beyond Decimal's 28-digit context: never rounded away."""
    with pytest.raises(InvalidInput):
        to_units(amount)


@pytest.mark.parametrize(
    ("units", "amount"), [(1, "0.00000001"), (39600, "0.000396"), (INT64_MAX, "92233720368.54775807")], ids=str
)
def test_from_units_gives_the_exact_decimal(units: int, amount: str) -> None:
    """from_units is the exact inverse for display."""
    assert from_units(units) == Decimal(amount)
    assert to_units(from_units(units)) == units


def test_from_units_round_trips_whole_coins() -> None:
    """100000000 units is 1 coin."""
    assert from_units(100_000_000) == 1
    assert from_units(1_234_567_890_112_345_678) == Decimal("12345678901.12345678")
