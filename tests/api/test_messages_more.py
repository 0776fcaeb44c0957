"""Every issue-16 message signs, broadcasts through the API and is applied by the devnet as the chain did."""

import pytest

from app.chain.messages import DepositHTLT, Send, TimeLock, TransferOut, swap_id
from tests.api.more import (
    RANDOM_NUMBER,
    config_with_new_permissions,
    fresh_htlt,
    issued_symbol,
    landed,
    post,
)
from tests.api.payloads import NEW_SHAPES, verified
from tests.helpers import KEY_A, OTHER_ADDRESS, address_of, mnemonic_address

MAIN = address_of(KEY_A)
SEED = mnemonic_address(2)  # the "seed" wallet, funded like main
COIN = 10**8
GENESIS = 1_000_000 * COIN
BSC = "0x7F756b1be93AA2e2Fdc3d7cb713abC206F877802"


@pytest.fixture
def config_data() -> dict:
    return config_with_new_permissions()


@pytest.fixture
def ledger(devnet):  # type: ignore[no-untyped-def]
    return devnet.state.ledger


@pytest.mark.parametrize("route", list(NEW_SHAPES))
async def test_every_new_example_signs_a_tx_the_chain_verifies(client, auth, route) -> None:
    r = await post(client, await auth("alice"), f"{route}/sign", NEW_SHAPES[route])
    assert r.status_code == 200, r.text
    tx = verified(r.json()["signed_msg"])
    assert tx.msg.signers() == [MAIN]
    tx.msg.validate()


async def test_multi_send_pays_every_output_from_one_input(client, auth, ledger) -> None:
    msg = {
        "outputs": [
            {"to_address": OTHER_ADDRESS, "coins": [{"denom": "BNB", "amount": "1.5"}]},
            {"to_address": SEED, "coins": [{"denom": "ANN-457", "amount": "2"}, {"denom": "BNB", "amount": "0.5"}]},
        ],
        "memo": "payroll",
    }
    headers = await auth("alice")
    signed = verified((await post(client, headers, "multi_send/sign", msg)).json()["signed_msg"])
    assert isinstance(signed.msg, Send) and signed.memo == "payroll"
    assert [(c.denom, c.amount) for c in signed.msg.inputs[0].coins] == [("ANN-457", 2 * COIN), ("BNB", 2 * COIN)]
    await landed(client, headers, "multi_send", msg)
    assert ledger.account(OTHER_ADDRESS).free("BNB") == 150_000_000
    assert (ledger.account(SEED).free("BNB"), ledger.account(SEED).free("ANN-457")) == (
        GENESIS + COIN // 2,
        GENESIS + 2 * COIN,
    )
    assert ledger.account(MAIN).free("BNB") == GENESIS - 2 * COIN


async def test_transfer_out_moves_bnb_to_the_bsc_peg_with_the_checksummed_address(client, auth, ledger) -> None:
    msg = {"to": BSC.lower(), "amount": "2", "symbol": "BNB", "expire_time": 4102444800}
    headers = await auth("alice")
    signed = verified((await post(client, headers, "transfer_out/sign", msg)).json()["signed_msg"])
    assert signed.msg == TransferOut(from_=MAIN, to=BSC, amount=signed.msg.amount, expire_time=4102444800)  # type: ignore[attr-defined]
    await landed(client, headers, "transfer_out", msg)
    assert ledger.state.pegged["BNB"] == 2 * COIN
    assert ledger.account(MAIN).free("BNB") == GENESIS - 2 * COIN


async def test_time_lock_relock_and_unlock(client, auth, ledger, monkeypatch) -> None:
    headers = await auth("alice")
    lock = {"description": "vesting", "amount": [{"denom": "BNB", "amount": "3"}], "lock_time": 4102444800}
    lock_id = int(await landed(client, headers, "time_lock", lock))
    assert lock_id == 1  # the account's sequence after the tx
    assert ledger.account(MAIN).balance("BNB").locked == 3 * COIN
    relock = {"time_lock_id": lock_id, "amount": [{"denom": "BNB", "amount": "5"}], "lock_time": 4102444900}
    await landed(client, headers, "time_relock", relock)
    record = ledger.time_locks(MAIN)[lock_id]
    assert (record.amount, record.lock_time, record.description) == ({"BNB": 5 * COIN}, 4102444900, "vesting")
    early = await post(client, headers, "time_unlock/broadcast", {"time_lock_id": lock_id})
    assert early.status_code == 400  # the node refuses: the lock time has not come
    monkeypatch.setattr(ledger, "_clock", lambda: 4102444901.0)
    await landed(client, headers, "time_unlock", {"time_lock_id": lock_id})
    assert ledger.time_locks(MAIN) == {}
    assert ledger.account(MAIN).balance("BNB").locked == 0


async def test_time_lock_signs_sorted_coins(client, auth) -> None:
    msg = {"description": "d", "amount": [{"denom": "BNB", "amount": "1"}, {"denom": "ANN-457", "amount": "1"}]}
    r = await post(client, await auth("alice"), "time_lock/sign", {**msg, "lock_time": 4102444800})
    tx = verified(r.json()["signed_msg"])
    assert isinstance(tx.msg, TimeLock) and [c.denom for c in tx.msg.amount] == ["ANN-457", "BNB"]


async def test_single_chain_swap_htlt_deposit_claim(client, auth, ledger) -> None:
    headers = await auth("alice")
    htlt = fresh_htlt(SEED, amount="4", expected_income="1000000000:ANN-457")
    data = await landed(client, headers, "htlt", htlt)
    expected_id = swap_id(bytes.fromhex(htlt["random_number_hash"]), MAIN)
    assert data == expected_id.hex()
    assert ledger.account(MAIN).balance("BNB").locked == 4 * COIN
    deposit = {"swap_id": data, "amount": [{"denom": "ANN-457", "amount": "10"}]}
    signed = verified((await post(client, headers, "deposit_htlt/sign", deposit, wallet="seed")).json()["signed_msg"])
    assert isinstance(signed.msg, DepositHTLT) and signed.msg.from_ == SEED
    await landed(client, headers, "deposit_htlt", deposit, wallet="seed")
    await landed(client, headers, "claim_htlt", {"swap_id": data, "random_number": RANDOM_NUMBER.hex()})
    assert ledger.swap(data).status == "Completed"
    assert ledger.account(SEED).free("BNB") == GENESIS + 4 * COIN
    assert ledger.account(MAIN).free("ANN-457") == GENESIS + 10 * COIN


async def test_expired_swap_is_refunded(client, auth, ledger) -> None:
    headers = await auth("alice")
    data = await landed(client, headers, "htlt", fresh_htlt(OTHER_ADDRESS, amount="2"))
    early = await post(client, headers, "refund_htlt/broadcast", {"swap_id": data})
    assert early.status_code == 400  # not expired yet
    ledger.skip_blocks(360)
    await landed(client, headers, "refund_htlt", {"swap_id": data})
    assert ledger.swap(data).status == "Expired"
    assert ledger.account(MAIN).balance("BNB").locked == 0


async def test_issue_mint_burn_change_the_supply(client, auth, ledger) -> None:
    headers = await auth("alice")
    issue = {"name": "Demo Token", "symbol": "DEMO", "total_supply": "1000", "mintable": True}
    symbol = issued_symbol(await landed(client, headers, "issue", issue))
    assert symbol.startswith("DEMO-") and ledger.token(symbol).owner == MAIN
    await landed(client, headers, "mint", {"symbol": symbol, "amount": "500"})
    await landed(client, headers, "burn", {"symbol": symbol, "amount": "200"})
    assert ledger.token(symbol).total_supply == 1300 * COIN
    assert ledger.account(MAIN).free(symbol) == 1300 * COIN


async def test_delegate_redelegate_undelegate(client, auth, ledger) -> None:
    first, second = sorted(ledger.params.validators)
    headers = await auth("alice")
    await landed(client, headers, "side_chain_delegate", {"validator_address": first, "amount": "5"})
    assert ledger.delegations(MAIN) == {first: 5 * COIN}
    assert ledger.account(MAIN).balance("BNB").locked == 5 * COIN
    move = {"validator_src_address": first, "validator_dst_address": second, "amount": "2"}
    await landed(client, headers, "side_chain_redelegate", move)
    assert ledger.delegations(MAIN) == {first: 3 * COIN, second: 2 * COIN}
    await landed(client, headers, "side_chain_undelegate", {"validator_address": second, "amount": "2"})
    assert ledger.delegations(MAIN) == {first: 3 * COIN}
    assert [(u.validator, u.amount) for u in ledger.state.unbondings] == [(second, 2 * COIN)]


async def test_set_account_flags_sets_the_memo_check(client, auth, ledger) -> None:
    headers = await auth("alice")
    await landed(client, headers, "set_account_flags", {"flags": 1})
    assert ledger.account(MAIN).flags == 1
    transfer = {"to_address": MAIN, "amount": "1", "symbol": "BNB"}
    r = await post(client, headers, "transfer/broadcast", transfer, wallet="seed")
    assert r.status_code == 400  # BEP12: a transfer to MAIN now needs a memo of digits
    await landed(client, headers, "transfer", {**transfer, "memo": "12345"}, wallet="seed")
