"""Skips of required parts: the reason starts with the part's name, so CI (CI=true) fails on them."""

from typing import NoReturn

import pytest

# The parts CI must test (tests/runcheck.py fails a CI run that skips one).
REQUIRED = ("PostgreSQL", "browser", "container", "SoftHSM2", "python-binance-chain")


def required(part: str, reason: str) -> NoReturn:
    """Skip the calling test because part (one of REQUIRED) is missing here, saying why."""
    assert part in REQUIRED, part
    pytest.skip(f"{part}: {reason}")
