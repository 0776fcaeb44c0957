"""Hostile values in every field: each gets a 4xx with a JSON reason naming the field, never a signature."""

import json

import pytest

from tests.api.payloads import README_SHAPES
from tests.helpers import OTHER_ADDRESS

ORDER, TRANSFER, FREEZE = README_SHAPES["order"], README_SHAPES["transfer"], README_SHAPES["freeze"]
TESTNET_WRONG_HRP = "bnb1hgm0p7khfk85zpz5v0j8wnej3a90w709vhkdfu"
COIN = {"amount": 1, "denom": "BNB"}

HOSTILE = [
    # Amounts, prices and quantities: only plain ASCII decimals, finite, positive, <= 8 decimals, int64.
    *[
        ("order", {**ORDER, "price": value}, "msg.price")
        for value in [
            "１",  # full-width digit
            "٣",  # Arabic-Indic digit
            "1_000",
            " 1",
            "1 ",
            "1\x00",
            "0x10",
            "Infinity",
            "-Infinity",
            "nan",
            "sNaN",
            "1e-999999999",
            "1E+999999999",
            "9" * 60,
            "92233720368.54775808",
            "-0",
            "0E-8",
            "",
            None,
            [1],
            {"v": 1},
            True,
        ]
    ],
    ("order", {**ORDER, "quantity": "1" + "0" * 30}, "msg.quantity"),
    ("freeze", {**FREEZE, "amount": "0.000000001"}, "msg.amount"),
    ("transfer", {**TRANSFER, "amount": "１０"}, "msg.amount"),
    # Addresses: checksum, this wallet's hrp, 20 bytes, no invisible characters.
    ("transfer", {**TRANSFER, "to_address": TESTNET_WRONG_HRP}, "msg.to_address"),
    ("transfer", {**TRANSFER, "to_address": OTHER_ADDRESS + "\u200f"}, "msg.to_address"),
    ("transfer", {**TRANSFER, "to_address": "\u202e" + OTHER_ADDRESS}, "msg.to_address"),
    ("transfer", {**TRANSFER, "to_address": OTHER_ADDRESS.replace("tbnb", "ｔbnb")}, "msg.to_address"),
    (
        "transfer",
        {**TRANSFER, "to_address": OTHER_ADDRESS[:-1] + ("p" if OTHER_ADDRESS[-1] != "p" else "q")},
        "msg.to_address",
    ),
    ("transfer", {**TRANSFER, "to_address": OTHER_ADDRESS[:-6]}, "msg.to_address"),
    ("transfer", {**TRANSFER, "to_address": OTHER_ADDRESS + "\x00"}, "msg.to_address"),
    ("transfer", {**TRANSFER, "to_address": "tbnb1" + "q" * 85}, "msg.to_address"),
    ("transfer", {**TRANSFER, "to_address": ""}, "msg.to_address"),
    ("transfer", {**TRANSFER, "to_address": 1}, "msg.to_address"),
    # Symbols: the chain's pattern, ASCII upper case, bounded.
    *[
        ("order", {**ORDER, "symbol": value}, "msg.symbol")
        for value in [
            "ANN-457_BNB\u200f",
            "\u202eANN-457_BNB",
            "ＡＮＮ-457_BNB",
            "ANN-457_BNB\n",
            "ANN-457_BNB\x00",
            "ann-457_bnb",
            "ANN-457",
            "A" * 100 + "_BNB",
            "../../etc",
            "",
        ]
    ],
    ("freeze", {**FREEZE, "symbol": "BNB\u200b"}, "msg.symbol"),
    ("freeze", {**FREEZE, "symbol": "ＢＮＢ"}, "msg.symbol"),
    ("transfer", {**TRANSFER, "symbol": "BNB_ANN-457"}, "msg.symbol"),
    # Side, order type, time in force.
    *[("order", {**ORDER, "side": v}, "msg.side") for v in ["１", "٢", 0, 3, -1, 1.5, 1.0, True, "", None, "BUY\x00"]],
    *[("order", {**ORDER, "order_type": v}, "msg.order_type") for v in ["MARKET", 1, "２", "2.0", True]],
    *[("order", {**ORDER, "time_in_force": v}, "msg.time_in_force") for v in ["FOK", 2, "²", "３", True]],
    # Vote: proposal id and option.
    *[
        ("vote", {"proposal_id": v, "option": 1}, "msg.proposal_id")
        for v in [0, -1, 2**63, "１", "1_0", " 1", "1e3", 1.5, 1.0, True, None, "9" * 30]
    ],
    *[("vote", {"proposal_id": 1, "option": v}, "msg.option") for v in [0, 5, "４", "Maybe", "yes\x00", 1.0, False]],
    # Memo: <= 100 bytes UTF-8, no control characters, transfers only.
    ("transfer", {**TRANSFER, "memo": "€" * 34}, "msg.memo"),
    ("transfer", {**TRANSFER, "memo": "a\x00b"}, "msg.memo"),
    ("transfer", {**TRANSFER, "memo": "a\u2028b\r"}, "msg.memo"),
    ("freeze", {**FREEZE, "memo": "hi"}, "msg.memo"),
    # Multi-coin lists: non-empty, no duplicate denoms, bounded.
    ("transfer", {"to_address": OTHER_ADDRESS, "transfers": []}, "msg.transfers"),
    ("transfer", {"to_address": OTHER_ADDRESS, "transfers": [COIN, {"amount": 2, "symbol": "BNB"}]}, "msg"),
    (
        "transfer",
        {"to_address": OTHER_ADDRESS, "transfers": [{**COIN, "denom": f"T{i:02d}"} for i in range(17)]},
        "msg.transfers",
    ),
    ("transfer", {"to_address": OTHER_ADDRESS, "transfers": [COIN], "amount": 1}, "msg"),
    ("transfer", {"to_address": OTHER_ADDRESS, "transfers": [{"amount": 1}]}, "msg.transfers"),
    ("transfer", {"to_address": OTHER_ADDRESS, "transfers": COIN}, "msg.transfers"),
    # Order ids.
    (
        "cancel_order",
        {"symbol": "ANN-457_BNB", "order_id": "7F756B1BE93AA2E2FDC3D7CB713ABC206F877802-0"},
        "msg.order_id",
    ),
    ("cancel_order", {"symbol": "ANN-457_BNB", "refid": "7f756b1be93aa2e2fdc3d7cb713abc206f877802-3"}, "msg.refid"),
]


@pytest.mark.parametrize(
    ("route", "msg", "field"), HOSTILE, ids=[f"{r}-{f}-{i}" for i, (r, _, f) in enumerate(HOSTILE)]
)
async def test_hostile_field_gets_422_naming_it(client, auth, route, msg, field) -> None:
    content = json.dumps({"msg": msg, "wallet_name": "main"})
    headers = {**(await auth("alice")), "Content-Type": "application/json"}
    r = await client.post(f"/api/{route}/sign", content=content, headers=headers)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["code"] == 422 and body["message"] and "signed_msg" not in body
    assert any(e["field"] == field or e["field"].startswith(field + ".") for e in body["errors"]), body


@pytest.mark.parametrize(
    "name",
    ["", "../main", "main\x00", "main\n", "ma in", "ｍａｉｎ", "main\u200f", "m" * 65, "main;rm", "%2e%2e", 7, None],
)
async def test_hostile_wallet_name_in_body_gets_422(client, auth, name) -> None:
    r = await client.post("/api/freeze/sign", json={"msg": FREEZE, "wallet_name": name}, headers=await auth("alice"))
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == "wallet_name"


@pytest.mark.parametrize("path", ["ma%00in", "main%0A", "ma%20in", "%EF%BD%8D", "main%E2%80%8F", "m" * 65, "a%3Bb"])
async def test_hostile_wallet_name_in_path_gets_422(client, auth, path) -> None:
    r = await client.get(f"/api/wallet/{path}", headers=await auth("alice"))
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == "path.wallet_name"


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("..%2F..%2Fetc%2Fpasswd", 404),  # the decoded slashes match no route
        ("../../etc/passwd", 404),  # the client resolves the dots: /etc/passwd is no route
        ("%2e%2e", 404),  # a wallet called ".." does not exist
    ],
)
async def test_traversal_in_wallet_path_never_reaches_a_wallet(client, auth, path, status) -> None:
    r = await client.get(f"/api/wallet/{path}", headers=await auth("alice"))
    assert r.status_code == status, r.text
    assert r.json()["code"] == r.status_code and "public_key" not in r.json()


async def test_duplicate_keys_are_refused_rather_than_last_one_wins(client, auth) -> None:
    # Python's json keeps the last duplicate and other parsers may keep the first: the signed amount
    # could differ from the one a proxy or log saw. The service refuses such bodies (422).
    content = '{"msg": {"symbol": "BNB", "amount": "1", "amount": "1000"}, "wallet_name": "main"}'
    headers = {**(await auth("alice")), "Content-Type": "application/json"}
    r = await client.post("/api/freeze/sign", content=content, headers=headers)
    assert r.status_code == 422 and "duplicate object key" in r.json()["message"]


async def test_huge_integer_literal_is_refused_quickly(client, auth) -> None:
    content = '{"msg": {"proposal_id": ' + "9" * 4000 + ', "option": 1}, "wallet_name": "main"}'
    headers = {**(await auth("alice")), "Content-Type": "application/json"}
    r = await client.post("/api/vote/sign", content=content, headers=headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body"


async def test_memo_with_bidi_marks_is_signed_as_written(client, auth) -> None:
    # Memos are free text for the recipient: format characters are allowed, control characters are not.
    msg = {**TRANSFER, "memo": "ref \u202eABC"}
    r = await client.post("/api/transfer/sign", json={"msg": msg, "wallet_name": "main"}, headers=await auth("alice"))
    assert r.status_code == 200
