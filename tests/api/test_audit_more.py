"""The audit row of each issue-16 message keeps what it did (never a memo or a swap's random number)."""

import pytest

from app.signing.fields import DEMO_OTHER, DEMO_SWAP_ID, DEMO_VALIDATORS, DEMO_WALLET_2
from tests.api.more import config_with_new_permissions, post
from tests.api.payloads import NEW_SHAPES

HASH = NEW_SHAPES["htlt"]["random_number_hash"]
SWAP = DEMO_SWAP_ID.hex()
LOCKED = [{"denom": "BNB", "amount": "1"}, {"denom": "ANN-457", "amount": "10"}]
SUMMARY = {
    "multi_send": {
        "outputs": [
            {"to_address": DEMO_WALLET_2, "coins": [{"denom": "BNB", "amount": "0.5"}]},
            {
                "to_address": DEMO_OTHER,
                "coins": [{"denom": "BNB", "amount": "0.25"}, {"denom": "ANN-457", "amount": "3"}],
            },
        ]
    },
    "transfer_out": {
        "to": "0x7F756b1be93AA2e2Fdc3d7cb713abC206F877802",
        "amount": "0.1",
        "symbol": "BNB",
        "expire_time": 4102444800,
    },
    "time_lock": {"description": "team vesting, tranche 1", "amount": LOCKED, "lock_time": 4102444800},
    "time_unlock": {"time_lock_id": 1},
    "time_relock": {
        "time_lock_id": 1,
        "description": "team vesting, tranche 1 (extended)",
        "amount": [{"denom": "BNB", "amount": "2"}, {"denom": "ANN-457", "amount": "10"}],
        "lock_time": 4102531200,
    },
    "htlt": {
        "to_address": DEMO_WALLET_2,
        "amount": [{"denom": "BNB", "amount": "1"}],
        "random_number_hash": HASH,
        "timestamp": 1700000000,
        "height_span": 360,
        "cross_chain": False,
    },
    "deposit_htlt": {"swap_id": SWAP, "amount": [{"denom": "ANN-457", "amount": "10"}]},
    "claim_htlt": {"swap_id": SWAP},
    "refund_htlt": {"swap_id": SWAP},
    "issue": {"name": "Demo Token", "symbol": "DEMO", "total_supply": "1000000", "mintable": True},
    # A mint or burn signature is also a valid freeze, unfreeze and burn or mint: the row says so.
    "mint": {"symbol": "DEMO-1A2", "amount": "500", "also_valid_as": ["freeze", "unfreeze", "burn"]},
    "burn": {"symbol": "ANN-457", "amount": "1", "also_valid_as": ["freeze", "unfreeze", "mint"]},
    "side_chain_delegate": {"validator_address": DEMO_VALIDATORS[0], "amount": "2", "denom": "BNB"},
    "side_chain_redelegate": {
        "validator_src_address": DEMO_VALIDATORS[0],
        "validator_dst_address": DEMO_VALIDATORS[1],
        "amount": "1",
        "denom": "BNB",
    },
    "side_chain_undelegate": {"validator_address": DEMO_VALIDATORS[1], "amount": "1", "denom": "BNB"},
    "set_account_flags": {"flags": 0},
}


@pytest.fixture
def config_data() -> dict:
    return config_with_new_permissions()


def test_every_new_type_has_an_expected_summary() -> None:
    assert set(SUMMARY) == set(NEW_SHAPES)


@pytest.mark.parametrize("route", list(SUMMARY))
async def test_signature_is_audited_with_the_types_summary(client, auth, services, route) -> None:
    r = await post(client, await auth("alice"), f"{route}/sign", NEW_SHAPES[route])
    assert r.status_code == 200, r.text
    [entry] = [e async for e in services.signing.audit.entries()]
    assert (entry["action"], entry["outcome"], entry["sequence"]) == (f"{route}/sign", "signed", 0)
    assert entry["summary"] == {"type": route, **SUMMARY[route]}
