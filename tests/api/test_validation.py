"""Bad input gets a clear 422 naming the field: never a 500, never a signature."""

import json

import pytest

from tests.api.payloads import CLIENT_SHAPES, README_SHAPES
from tests.helpers import OTHER_ADDRESS

MAINNET_ADDRESS = "bnb1hgm0p7khfk85zpz5v0j8wnej3a90w709vhkdfu"

BAD_MESSAGES = [
    ("order", {**README_SHAPES["order"], "price": "0.000000001"}, "msg.price"),
    ("order", {**README_SHAPES["order"], "price": 0}, "msg.price"),
    ("order", {**README_SHAPES["order"], "price": -1}, "msg.price"),
    ("order", {**README_SHAPES["order"], "quantity": "92233720368.54775808"}, "msg.quantity"),
    ("order", {**README_SHAPES["order"], "quantity": "1e400"}, "msg.quantity"),
    ("order", {**README_SHAPES["order"], "quantity": "NaN"}, "msg.quantity"),
    ("order", {**README_SHAPES["order"], "quantity": True}, "msg.quantity"),
    ("order", {**README_SHAPES["order"], "side": "hold"}, "msg.side"),
    ("order", {**README_SHAPES["order"], "side": 3}, "msg.side"),
    ("order", {**README_SHAPES["order"], "order_type": "MARKET"}, "msg.order_type"),
    ("order", {**README_SHAPES["order"], "time_in_force": "FOK"}, "msg.time_in_force"),
    ("order", {**README_SHAPES["order"], "symbol": "ann-457_bnb"}, "msg.symbol"),
    ("order", {**README_SHAPES["order"], "symbol": "BNB"}, "msg.symbol"),
    ("order", {**README_SHAPES["order"], "memo": "hi"}, "msg.memo"),
    ("order", {**README_SHAPES["order"], "leverage": 10}, "msg.leverage"),
    ("cancel_order", {"symbol": "ANN-457_BNB"}, "msg"),
    ("cancel_order", {**README_SHAPES["cancel_order"], "refid": "7F756B1BE93AA2E2FDC3D7CB713ABC206F877802-3"}, "msg"),
    ("cancel_order", {"order_id": "not-an-id", "symbol": "ANN-457_BNB"}, "msg.order_id"),
    ("transfer", {**README_SHAPES["transfer"], "to_address": MAINNET_ADDRESS}, "msg.to_address"),
    ("transfer", {**README_SHAPES["transfer"], "to_address": OTHER_ADDRESS[:-1] + "q"}, "msg.to_address"),
    (
        "transfer",
        {**README_SHAPES["transfer"], "to_address": "tbnb1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqe6ad0d"},
        "msg.to_address",
    ),
    ("transfer", {**README_SHAPES["transfer"], "memo": "x" * 101}, "msg.memo"),
    ("transfer", {**README_SHAPES["transfer"], "memo": "é" * 51}, "msg.memo"),
    ("transfer", {**README_SHAPES["transfer"], "memo": "line\nbreak"}, "msg.memo"),
    ("transfer", {**README_SHAPES["transfer"], "memo": "\ud800"}, "msg.memo"),
    ("transfer", {**README_SHAPES["transfer"], "denom": "BNB"}, "msg"),
    ("transfer", {"to_address": OTHER_ADDRESS, "transfers": []}, "msg.transfers"),
    ("transfer", {"to_address": OTHER_ADDRESS, "transfers": [{"amount": 1, "denom": "BNB"}] * 2}, "msg"),
    ("transfer", {"to_address": OTHER_ADDRESS, "amount": 1}, "msg"),
    ("freeze", {"symbol": "BNB", "amount": "0.123456789"}, "msg.amount"),
    ("freeze", {"symbol": "BNB"}, "msg.amount"),
    ("unfreeze", {"symbol": "B" * 30, "amount": 1}, "msg.symbol"),
    ("vote", {"proposal_id": 0, "option": 1}, "msg.proposal_id"),
    ("vote", {"proposal_id": 1, "option": 5}, "msg.option"),
    ("vote", {"proposal_id": 1, "option": "Maybe"}, "msg.option"),
    ("vote", {"proposal_id": 2**63, "option": 1}, "msg.proposal_id"),
]


@pytest.mark.parametrize(
    ("route", "msg", "field"), BAD_MESSAGES, ids=[f"{r}-{f}-{i}" for i, (r, _, f) in enumerate(BAD_MESSAGES)]
)
async def test_bad_message_gets_422_naming_the_field(client, auth, route, msg, field) -> None:
    # json.dumps escapes non-ASCII, so even a lone surrogate travels as the JSON escape \ud800.
    content = json.dumps({"msg": msg, "wallet_name": "main"})
    headers = {**(await auth("alice")), "Content-Type": "application/json"}
    r = await client.post(f"/api/{route}/sign", content=content, headers=headers)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["code"] == 422 and "signed_msg" not in body
    assert any(e["field"] == field or e["field"].startswith(field + ".") for e in body["errors"]), body


async def test_bad_input_burns_no_sequence(client, auth) -> None:
    headers = await auth("alice")
    bad = {**README_SHAPES["transfer"], "to_address": MAINNET_ADDRESS}
    assert (
        await client.post("/api/transfer/sign", json={"msg": bad, "wallet_name": "main"}, headers=headers)
    ).status_code == 422
    good = await client.post(
        "/api/transfer/sign", json={"msg": CLIENT_SHAPES["transfer"], "wallet_name": "main"}, headers=headers
    )
    assert good.json()["sequence"] == 0


@pytest.mark.parametrize(
    "content",
    [
        b"{",
        b"null",
        b"[]",
        b'{"msg": {}, "wallet_name": "main"}',
        b'{"wallet_name": "main"}',
        b"NaN",
        b'{"msg": NaN}',
        b"[" * 5000,
    ],
)
async def test_malformed_bodies_get_a_4xx_json_error(client, auth, content) -> None:
    headers = {**(await auth("alice")), "Content-Type": "application/json"}
    r = await client.post("/api/order/sign", content=content, headers=headers)
    assert 400 <= r.status_code < 500, r.text
    assert r.json()["code"] == r.status_code


async def test_unknown_top_level_field_is_rejected(client, auth) -> None:
    body = {"msg": README_SHAPES["freeze"], "wallet_name": "main", "sequence": 5}
    r = await client.post("/api/freeze/sign", json=body, headers=await auth("alice"))
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "sequence"


async def test_wallet_name_with_control_characters_is_rejected(client, auth) -> None:
    r = await client.post(
        "/api/freeze/sign",
        json={"msg": README_SHAPES["freeze"], "wallet_name": "ma\x00in"},
        headers=await auth("alice"),
    )
    assert r.status_code == 422


async def test_unknown_route_and_wrong_method_are_json(client) -> None:
    missing = await client.get("/api/nothing")
    assert missing.status_code == 404 and missing.json()["code"] == 404
    wrong = await client.get("/api/order/sign")
    assert wrong.status_code == 405 and wrong.json()["code"] == 405


CHAIN_RULES = [
    # price x quantity / 1e8 must fit int64 (the chain: "notional value of the order is too large")
    ("order", {**README_SHAPES["order"], "price": "92233720368", "quantity": "2"}, "msg", "notional"),
    ("order", {**README_SHAPES["order"], "symbol": "ANN.X-457_BNB"}, "msg.symbol", ".B"),
    ("order", {**README_SHAPES["order"], "symbol": "ANN_BNB"}, "msg.symbol", "-XXX"),
    ("transfer", {**README_SHAPES["transfer"], "symbol": "ANN"}, "msg.symbol", "-XXX"),
    ("transfer", {**README_SHAPES["transfer"], "symbol": "BTC.X-888"}, "msg.symbol", ".B"),
    ("freeze", {**README_SHAPES["freeze"], "symbol": "XYZ"}, "msg.symbol", "-XXX"),
    ("freeze", {**README_SHAPES["freeze"], "symbol": "BNB.C"}, "msg.symbol", ".B"),
    ("cancel_order", {**README_SHAPES["cancel_order"], "symbol": "ANN-457_USDT"}, "msg.symbol", "-XXX"),
]


@pytest.mark.parametrize(("route", "msg", "field", "rule"), CHAIN_RULES)
async def test_what_the_chain_would_refuse_gets_422_naming_the_rule(client, auth, route, msg, field, rule) -> None:
    r = await client.post(f"/api/{route}/sign", json={"msg": msg, "wallet_name": "main"}, headers=await auth("alice"))
    assert r.status_code == 422, r.text
    errors = r.json()["errors"]
    assert [e["field"] for e in errors] == [field]
    assert rule in errors[0]["reason"]


@pytest.mark.parametrize("symbol", ["BNB", "ANN-457", "BTCB.B-888", "XYZ-123M"])
async def test_issued_token_symbols_sign(client, auth, symbol) -> None:
    msg = {**README_SHAPES["freeze"], "symbol": symbol}
    r = await client.post("/api/freeze/sign", json={"msg": msg, "wallet_name": "main"}, headers=await auth("alice"))
    assert r.status_code == 200, r.text
