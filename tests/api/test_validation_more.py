"""Bad input to an issue-16 message gets 422 naming the chain's rule (or the field), and uses no sequence."""

import pytest

from app.chain.address import decode_address, encode_address
from tests.api.more import config_with_new_permissions, post
from tests.api.payloads import NEW_SHAPES
from tests.helpers import OTHER_ADDRESS

BAD_VALIDATOR = "bva18lmqv2vkt443cas2tyas4nyc8wzm773gnfkt3q"  # one character off: bad checksum
VALIDATOR = "bva18lmqv2vkt443cas2tyas4nyc8wzm773gnfkt3n"
HASH = "ab" * 32
# route -> (a body that passes the schema or not, words of the answer that name the rule or field)
BAD = {
    "multi_send": (
        {
            "outputs": [
                {
                    "to_address": OTHER_ADDRESS,
                    "coins": [{"denom": "BNB", "amount": "1"}, {"symbol": "BNB", "amount": "2"}],
                }
            ]
        },
        "each denom may appear only once",
    ),
    "transfer_out": (
        {"to": "0x" + "0" * 40, "amount": "1", "symbol": "BNB", "expire_time": 4102444800},
        "to address should not be empty",
    ),
    "time_lock": (
        {"description": "é" * 65, "amount": [{"denom": "BNB", "amount": "1"}], "lock_time": 4102444800},
        "limit of 128 bytes (UTF-8)",
    ),
    "time_unlock": ({"time_lock_id": 0}, "time_lock_id"),
    "time_relock": ({"time_lock_id": 1}, "nothing to update for time lock"),
    "htlt": (
        {**NEW_SHAPES["htlt"], "recipient_other_chain": "0xabc"},
        "recipient_other_chain must be empty for a single chain swap",
    ),
    "deposit_htlt": ({"swap_id": HASH, "amount": [{"denom": "BNB", "amount": "0.000000001"}]}, "amount"),
    "claim_htlt": ({"swap_id": HASH, "random_number": "zz" * 32}, "random_number"),
    "refund_htlt": ({"swap_id": HASH[:-2]}, "swap_id"),
    "issue": ({"name": "X", "symbol": "AB-CD", "total_supply": "1"}, "token symbol must be 2~8 alphanumeric"),
    "mint": ({"symbol": "BNB", "amount": "1"}, "cannot mint native token"),
    "burn": ({"symbol": "ANN", "amount": "1"}, "a token symbol needs its -XXX suffix (only BNB and BNB.B have none)"),
    "side_chain_delegate": ({"validator_address": BAD_VALIDATOR, "amount": "1"}, "validator address is invalid"),
    "side_chain_redelegate": (
        {"validator_src_address": VALIDATOR, "validator_dst_address": VALIDATOR, "amount": "1"},
        "cannot redelegate to the same validator",
    ),
    "side_chain_undelegate": ({"validator_address": "bva1" + "q" * 38, "amount": "1"}, "validator address is invalid"),
    "set_account_flags": ({"flags": 2**64}, "flags"),
}


@pytest.fixture
def config_data() -> dict:
    return config_with_new_permissions()


def test_every_new_type_has_a_bad_input_case() -> None:
    assert set(BAD) == set(NEW_SHAPES)


@pytest.mark.parametrize("route", list(BAD))
async def test_bad_input_gets_422_naming_the_rule_and_uses_no_sequence(client, auth, route) -> None:
    body, words = BAD[route]
    headers = await auth("alice")
    r = await post(client, headers, f"{route}/broadcast", body)
    assert r.status_code == 422, r.text
    assert words in r.text
    ok = await post(client, headers, f"{route}/sign", NEW_SHAPES[route])
    assert ok.status_code == 200, ok.text
    assert ok.json()["sequence"] == 0  # the refused request reserved nothing


async def test_transfer_out_refuses_a_mixed_case_address_with_a_bad_checksum(client, auth) -> None:
    body = {**NEW_SHAPES["transfer_out"], "to": "0x7f756B1be93aa2e2fdc3d7cb713abc206f877802"}
    r = await post(client, await auth("alice"), "transfer_out/sign", body)
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {"field": "msg.to", "reason": "to has a bad EIP-55 checksum (mixed case that does not match)"}
    ]


async def test_htlt_to_an_address_of_another_chain_names_the_field(client, auth) -> None:
    body = {**NEW_SHAPES["htlt"], "to_address": encode_address("bnb", decode_address(OTHER_ADDRESS))}
    r = await post(client, await auth("alice"), "htlt/sign", body)
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {"field": "msg.to_address", "reason": "address must start with 'tbnb1' for this wallet's chain"}
    ]


@pytest.mark.parametrize(
    ("route", "body"),
    [
        ("time_lock", {**NEW_SHAPES["time_lock"], "lock_time": True}),
        ("time_lock", {**NEW_SHAPES["time_lock"], "lock_time": "4102444800"}),
        ("htlt", {**NEW_SHAPES["htlt"], "height_span": 359}),
        ("htlt", {**NEW_SHAPES["htlt"], "cross_chain": "yes"}),
        ("set_account_flags", {"flags": 1.0}),
        ("transfer_out", {**NEW_SHAPES["transfer_out"], "extra": 1}),
    ],
    ids=["bool_time", "string_time", "short_span", "string_bool", "float_flags", "extra_field"],
)
async def test_strict_fields_refuse_loose_json(client, auth, route, body) -> None:
    r = await post(client, await auth("alice"), f"{route}/sign", body)
    assert r.status_code == 422, r.text
