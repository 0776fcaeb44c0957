"""Issue 21 "Signing": lengths counted in UTF-8 bytes as the chain counts them, BNB.B accepted as the chain
accepts it, and strings that are not UTF-8 refused (422) instead of failing while signing."""

import json

import pytest

from tests.api.more import config_with_new_permissions, post
from tests.api.payloads import NEW_SHAPES, README_SHAPES

TWO_BYTES = "é"  # one character, two UTF-8 bytes


@pytest.fixture
def config_data() -> dict:
    return config_with_new_permissions()


@pytest.mark.parametrize(
    ("route", "body", "field"),
    [
        ("htlt", {**NEW_SHAPES["htlt"], "expected_income": TWO_BYTES * 64}, "msg.expected_income"),
        (
            "htlt",
            {**NEW_SHAPES["htlt"], "cross_chain": True, "recipient_other_chain": TWO_BYTES * 33},
            "msg.recipient_other_chain",
        ),
        (
            "htlt",
            {
                **NEW_SHAPES["htlt"],
                "cross_chain": True,
                "recipient_other_chain": "0xab",
                "sender_other_chain": TWO_BYTES * 33,
            },
            "msg.sender_other_chain",
        ),
        ("issue", {**NEW_SHAPES["issue"], "name": TWO_BYTES * 17}, "msg.name"),
        ("time_lock", {**NEW_SHAPES["time_lock"], "description": TWO_BYTES * 65}, "msg.description"),
        ("time_relock", {"time_lock_id": 1, "description": TWO_BYTES * 65}, "msg.description"),
    ],
    ids=["expected_income", "recipient_other_chain", "sender_other_chain", "token_name", "lock", "relock"],
)
async def test_a_length_the_chain_counts_in_bytes_is_refused_over_its_byte_limit(
    client, auth, route, body, field
) -> None:
    """ "é" x 64 is 64 characters but 128 bytes: the chain's len() counts bytes, so the service does too."""
    r = await post(client, await auth("alice"), f"{route}/sign", body)
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == [field], r.text
    assert "bytes" in r.text


@pytest.mark.parametrize(
    ("route", "body"),
    [
        ("htlt", {**NEW_SHAPES["htlt"], "expected_income": "1:" + "A" * 62}),
        ("issue", {**NEW_SHAPES["issue"], "name": TWO_BYTES * 16}),
    ],
    ids=["expected_income_64_bytes", "token_name_32_bytes"],
)
async def test_a_string_at_its_byte_limit_is_signed(client, auth, route, body) -> None:
    r = await post(client, await auth("alice"), f"{route}/sign", body)
    assert r.status_code == 200, r.text


@pytest.mark.parametrize(
    ("route", "body"),
    [
        ("freeze", {"symbol": "BNB.B", "amount": 1}),
        ("unfreeze", {"symbol": "BNB.B", "amount": 1}),
        ("transfer", {**README_SHAPES["transfer"], "symbol": "BNB.B"}),
        ("order", {**README_SHAPES["order"], "symbol": "XYZ.B-000_BNB.B"}),
        ("order", {**README_SHAPES["order"], "symbol": "12345678.B-000_BNB"}),
        ("burn", {"symbol": "XYZ.B-000", "amount": "1"}),
    ],
    ids=["freeze", "unfreeze", "transfer", "pair-dot-b", "pair-long-dot-b", "burn-dot-b"],
)
async def test_symbols_the_chain_accepts_are_signed(client, auth, route, body) -> None:
    """node common/types/token.go ValidateTokenSymbol: BNB.B (NativeTokenSymbolDotBSuffixed) needs no suffix."""
    r = await post(client, await auth("alice"), f"{route}/sign", body)
    assert r.status_code == 200, r.text


@pytest.mark.parametrize(
    ("route", "body"),
    [
        ("freeze", {"symbol": "BNB.B-000", "amount": 1}),
        ("freeze", {"symbol": "BNB-000", "amount": 1}),
        ("freeze", {"symbol": "XYZ.B", "amount": 1}),
        ("freeze", {"symbol": "XYZ.C-000", "amount": 1}),
        ("freeze", {"symbol": "XYZ.B.B-000", "amount": 1}),
        ("order", {**README_SHAPES["order"], "symbol": "XYZ.B-000_BNB.Z"}),
    ],
    ids=["native-dot-b-suffixed", "native-suffixed", "dot-b-unsuffixed", "dot-c", "dot-b-twice", "pair-dot-z"],
)
async def test_symbols_the_chain_refuses_are_refused(client, auth, route, body) -> None:
    """The same function's refusals (token_test.go tokenMapperSymbolTestCases, dex/store/utils_test.go)."""
    r = await post(client, await auth("alice"), f"{route}/sign", body)
    assert r.status_code == 422, r.text


@pytest.mark.parametrize(
    ("route", "body"),
    [
        ("time_lock", {**NEW_SHAPES["time_lock"], "description": "a\ud800"}),
        ("issue", {**NEW_SHAPES["issue"], "name": "\udfff"}),
        ("htlt", {**NEW_SHAPES["htlt"], "expected_income": "1:\ud800"}),
    ],
    ids=["description", "token_name", "expected_income"],
)
async def test_a_lone_surrogate_in_a_string_field_gets_422_not_500(client, auth, route, body) -> None:
    """A lone surrogate is valid JSON but no UTF-8 (neither encodable nor signable): pydantic refuses it; kept so."""
    content = json.dumps({"msg": body, "wallet_name": "main"})  # ASCII: the surrogate travels as \ud800
    headers = {**(await auth("alice")), "Content-Type": "application/json"}
    r = await client.post(f"/api/{route}/sign", content=content, headers=headers)
    assert r.status_code == 422, r.text
