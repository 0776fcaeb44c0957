"""Chain rules on strings: lengths in UTF-8 bytes as Go's len() counts them, and the token symbols the node accepts.

Symbol cases are bnb-chain/node's own: common/types/token_test.go (tokenMapperSymbolTestCases) and
plugins/dex/store/utils_test.go (TestValidatePairSymbol), at release v0.10.24.
"""

import pytest

from app.chain.errors import RuleViolation
from app.chain.messages import HTLT, Coin, TokenFreeze
from app.chain.messages.base import SUFFIXED_PAIR_RE
from tests.chain.samples import A, B

TWO_BYTES = "é"


def _htlt(**fields: object) -> HTLT:
    base = {"from_": A, "to": B, "random_number_hash": bytes(32), "timestamp": 1, "amount": (Coin("BNB", 1),)}
    return HTLT(**(base | {"height_span": 360} | fields))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "fields",
    [
        {"expected_income": TWO_BYTES * 64},
        {"cross_chain": True, "recipient_other_chain": TWO_BYTES * 33},
        {"cross_chain": True, "recipient_other_chain": "0x1", "sender_other_chain": TWO_BYTES * 33},
    ],
    ids=["expected_income", "recipient_other_chain", "sender_other_chain"],
)
def test_htlt_lengths_are_counted_in_bytes(fields: dict[str, object]) -> None:
    """ "é" x 64 is 64 characters and 128 bytes: over the node's 64 (plugins/tokens/swap/msg.go)."""
    with pytest.raises(RuleViolation, match="length of"):
        _htlt(**fields).validate()


def test_htlt_strings_at_64_bytes_are_valid() -> None:
    _htlt(expected_income="1:" + "A" * 62, cross_chain=True, recipient_other_chain="x" * 64).validate()


ACCEPTED = ["BNB", "BNB.B", "XYZ45678-000", "XYZ-000", "1YZ-000", "XYZ.B-000", "XY-000", "ABC-12FM"]
REFUSED = [
    "BNB-000",
    "BNB.B-000",
    "#@#$-000",
    "#@#$.B-000",
    "XYZ.B.B-000",
    "XYZ-00",
    "XYZ-0000",
    "XYZ-X00",
    "XYZ-$00",
    "XYZ-000-111",
    "XYZ.C-000",
    "XYZ.B-X00",
    "XYZ.B-00",
    "XYZ.B-0000",
    "XYZ456789-000",
    "XYZ456789.B-000",
    "XYZ.B",
    "BNB.C",
    "X-000",
]


@pytest.mark.parametrize("symbol", ACCEPTED)
def test_token_symbols_the_node_accepts_pass_validate_basic(symbol: str) -> None:
    TokenFreeze(from_=A, symbol=symbol, amount=1).validate()


@pytest.mark.parametrize("symbol", REFUSED)
def test_token_symbols_the_node_refuses_fail_validate_basic(symbol: str) -> None:
    with pytest.raises(RuleViolation):
        TokenFreeze(from_=A, symbol=symbol, amount=1).validate()


@pytest.mark.parametrize(
    ("pair", "valid"),
    [
        ("1YZ-000_BNB", True),
        ("XYZ.B-000_BNB", True),
        ("XYZ.B-000_BNB.B", True),
        ("XYZ.B-000_BNX-000", True),
        ("XYZ.B-000_BNX.B-000", True),
        ("12345678.B-000_12345678.B-000", True),
        ("12345678.B-000_12345678.B-000A", False),
        ("XYZ-000_ABC-000_BNB", False),
        ("XYZ.B-000_BNB.Z-000", False),
        ("XYZ.B-000_BNB.Z", False),
        ("XYZ-000_BN$-000", False),
        ("XYZ-000_ABC-0001", False),
    ],
)
def test_pair_symbols_match_the_node_pair_check(pair: str, valid: bool) -> None:
    assert bool(SUFFIXED_PAIR_RE.fullmatch(pair)) is valid
