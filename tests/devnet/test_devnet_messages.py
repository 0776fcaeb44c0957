"""The devnet applies the issue-16 messages as the chain did, for txs built and signed by app.chain."""

import hashlib

import httpx
import pytest

from app.chain.address import encode_address
from app.chain.codes import AbciCode
from app.chain.keys import SigningKey
from app.chain.messages import (
    HTLT,
    Burn,
    ClaimHTLT,
    Coin,
    DepositHTLT,
    Issue,
    Mint,
    Msg,
    RefundHTLT,
    Send,
    SetAccountFlags,
    SideChainDelegate,
    SideChainRedelegate,
    SideChainUndelegate,
    TimeLock,
    TimeRelock,
    TimeUnlock,
    TransferOut,
    bsc_address,
    checked,
    random_number_hash,
)
from app.chain.tx import sign_tx
from app.devnet import create_app
from app.devnet.records import CommittedTx, TxRejected
from app.devnet.state import DEFAULT_VALIDATORS, Ledger

CHAIN_ID = "Binance-Dev"
HRP = "tbnb"
COIN = 10**8
NOW = 1_700_000_000
VAL1, VAL2 = DEFAULT_VALIDATORS


def _key(name: str) -> SigningKey:
    return SigningKey.from_hex(hashlib.sha256(name.encode()).hexdigest())


ALICE, BOB, CAROL = _key("alice"), _key("bob"), _key("carol")
A, B, C = (k.address(HRP) for k in (ALICE, BOB, CAROL))
KEYS = {A: ALICE, B: BOB, C: CAROL}


class Clock:
    """A settable clock for the ledger's block time."""

    def __init__(self) -> None:
        self.now = float(NOW)

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ledger(clock: Clock) -> Ledger:
    """Alice and bob hold the default genesis coins (1M BNB, 1M ANN-457)."""
    return Ledger(chain_id=CHAIN_ID, hrp=HRP, genesis=[A, B], clock=clock)


def submit(ledger: Ledger, msg: Msg, memo: str = "") -> CommittedTx:
    """Sign msg with its signer's key at the account's current numbers and broadcast it."""
    signer = msg.signers()[0]
    account = ledger.account(signer)
    assert account is not None
    tx = sign_tx(
        key=KEYS[signer],
        msg=msg,
        chain_id=CHAIN_ID,
        account_number=account.account_number,
        sequence=account.sequence,
        memo=memo,
    )
    committed = ledger.broadcast(tx.encode())
    assert committed.tx.msg == msg  # the devnet decoded what was signed
    return committed


def refused(ledger: Ledger, msg: Msg, code: AbciCode, memo: str = "") -> TxRejected:
    """Broadcast msg, expect the node's refusal with code, and check nothing changed."""
    before = repr(ledger.state)
    with pytest.raises(TxRejected) as caught:
        submit(ledger, msg, memo)
    assert caught.value.code == code, caught.value.message
    assert repr(ledger.state) == before
    return caught.value


def free(ledger: Ledger, address: str, symbol: str = "BNB") -> int:
    account = ledger.account(address)
    return account.free(symbol) if account else 0


def locked(ledger: Ledger, address: str, symbol: str = "BNB") -> int:
    account = ledger.account(address)
    return account.locked(symbol) if account else 0


# ---- multi-send and account flags ----


def test_multi_send_pays_several_accounts_several_coins(ledger: Ledger) -> None:
    msg = checked(
        Send.multi(
            sender=A, outputs=[(B, [Coin("ANN-457", 5 * COIN), Coin("BNB", COIN)]), (C, [Coin("BNB", 2 * COIN)])]
        )
    )
    submit(ledger, msg)
    assert free(ledger, A) == 1_000_000 * COIN - 3 * COIN
    assert free(ledger, A, "ANN-457") == 1_000_000 * COIN - 5 * COIN
    assert free(ledger, B) == 1_000_000 * COIN + COIN
    assert free(ledger, C) == 2 * COIN  # a new account, created by the transfer


def test_multi_send_beyond_the_balance_is_refused(ledger: Ledger) -> None:
    msg = Send.multi(sender=A, outputs=[(B, [Coin("BNB", 600_000 * COIN)]), (C, [Coin("BNB", 600_000 * COIN)])])
    refused(ledger, msg, AbciCode.INSUFFICIENT_COINS)


async def test_account_flags_show_in_the_account_api() -> None:
    app = create_app(chain_id=CHAIN_ID, hrp=HRP, genesis=[A, B])
    submit(app.state.ledger, checked(SetAccountFlags(from_=B, flags=1)))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://devnet") as http:
        assert (await http.get(f"/api/v1/account/{B}")).json()["flags"] == 1


def test_memo_required_account_refuses_a_transfer_without_digits(ledger: Ledger) -> None:
    """BEP12: once bob sets flag 1, transfers to him need a memo of digits only."""
    submit(ledger, SetAccountFlags(from_=B, flags=1))
    pay = Send.simple(sender=A, to=B, coins=[Coin("BNB", COIN)])
    refused(ledger, pay, AbciCode.INVALID_MEMO)
    refused(ledger, pay, AbciCode.INVALID_MEMO, memo="deposit-7")
    submit(ledger, pay, memo="123456")
    assert free(ledger, B) == 1_000_001 * COIN


def test_flags_beyond_uint64_are_not_a_valid_tx(ledger: Ledger) -> None:
    refused(ledger, SetAccountFlags(from_=A, flags=2**64 + 1), AbciCode.TX_DECODE)


# ---- transfer out ----

BSC_TO = bsc_address("0x35552c16704d214347f29fa77f77da6d75d7c752")


def test_transfer_out_moves_bnb_off_the_chain(ledger: Ledger) -> None:
    submit(ledger, TransferOut(from_=A, to=BSC_TO, amount=Coin("BNB", 3 * COIN), expire_time=NOW + 600))
    assert free(ledger, A) == 1_000_000 * COIN - 3 * COIN
    assert ledger.state.pegged == {"BNB": 3 * COIN}


def test_transfer_out_expiring_within_a_minute_is_refused(ledger: Ledger) -> None:
    msg = TransferOut(from_=A, to=BSC_TO, amount=Coin("BNB", COIN), expire_time=NOW + 60)
    assert "60 seconds" in refused(ledger, msg, AbciCode.BRIDGE_INVALID_EXPIRE_TIME).message


def test_transfer_out_of_an_unbound_token_is_refused(ledger: Ledger) -> None:
    msg = TransferOut(from_=A, to=BSC_TO, amount=Coin("ANN-457", COIN), expire_time=NOW + 600)
    refused(ledger, msg, AbciCode.BRIDGE_TOKEN_NOT_BOUND)


# ---- time locks ----


def test_time_lock_locks_until_its_time_then_unlocks(ledger: Ledger, clock: Clock) -> None:
    committed = submit(
        ledger, TimeLock(from_=A, description="vesting", amount=(Coin("BNB", COIN),), lock_time=NOW + 3600)
    )
    lock_id = int(committed.data)
    assert lock_id == 1  # the account's sequence after the tx, as the chain numbers locks
    assert (free(ledger, A), locked(ledger, A)) == (1_000_000 * COIN - COIN, COIN)
    refused(ledger, TimeUnlock(from_=A, time_lock_id=lock_id), AbciCode.TIMELOCK_CANNOT_UNLOCK)
    clock.now += 3600
    submit(ledger, TimeUnlock(from_=A, time_lock_id=lock_id))
    assert (free(ledger, A), locked(ledger, A)) == (1_000_000 * COIN, 0)
    assert ledger.time_locks(A) == {}


def test_time_relock_adds_coins_and_time(ledger: Ledger) -> None:
    submit(ledger, TimeLock(from_=A, description="v", amount=(Coin("BNB", COIN),), lock_time=NOW + 3600))
    submit(ledger, TimeRelock(from_=A, time_lock_id=1, amount=(Coin("BNB", 3 * COIN),), lock_time=NOW + 7200))
    record = ledger.time_locks(A)[1]
    assert (record.amount, record.lock_time, record.description) == ({"BNB": 3 * COIN}, NOW + 7200, "v")
    assert locked(ledger, A) == 3 * COIN


def test_time_relock_with_fewer_coins_is_refused(ledger: Ledger) -> None:
    submit(ledger, TimeLock(from_=A, description="v", amount=(Coin("BNB", 2 * COIN),), lock_time=NOW + 3600))
    refused(ledger, TimeRelock(from_=A, time_lock_id=1, amount=(Coin("BNB", COIN),)), AbciCode.TIMELOCK_INVALID_AMOUNT)


def test_time_lock_less_than_a_minute_ahead_is_refused(ledger: Ledger) -> None:
    msg = TimeLock(from_=A, description="v", amount=(Coin("BNB", COIN),), lock_time=NOW + 30)
    refused(ledger, msg, AbciCode.TIMELOCK_INVALID_LOCK_TIME)


def test_time_lock_breaking_validate_basic_is_refused_with_its_code(ledger: Ledger) -> None:
    msg = TimeLock(from_=A, description="", amount=(Coin("BNB", COIN),), lock_time=NOW + 3600)
    refused(ledger, msg, AbciCode.TIMELOCK_INVALID_DESCRIPTION)


# ---- atomic swaps ----

SECRET = bytes(range(32))
HASH_LOCK = random_number_hash(SECRET, NOW)


def _htlt(**changes: object) -> HTLT:
    fields: dict[str, object] = {
        "from_": A,
        "to": B,
        "random_number_hash": HASH_LOCK,
        "timestamp": NOW,
        "amount": (Coin("BNB", 2 * COIN),),
        "height_span": 400,
        "expected_income": "5ANN-457",
    }
    return HTLT(**{**fields, **changes})  # type: ignore[arg-type]


def test_single_chain_swap_deposit_and_claim_pay_both_sides(ledger: Ledger) -> None:
    msg = _htlt()
    committed = submit(ledger, msg)
    assert committed.data == msg.swap_id.hex()  # sha256(hash lock ‖ sender ‖ sender_other_chain)
    assert locked(ledger, A) == 2 * COIN
    submit(ledger, DepositHTLT(from_=B, amount=(Coin("ANN-457", 5 * COIN),), swap_id=msg.swap_id))
    submit(ledger, ClaimHTLT(from_=A, swap_id=msg.swap_id, random_number=SECRET))
    assert free(ledger, B) == 1_000_002 * COIN
    assert free(ledger, A, "ANN-457") == 1_000_005 * COIN
    assert (locked(ledger, A), locked(ledger, B, "ANN-457")) == (0, 0)
    swap = ledger.swap(msg.swap_id.hex())
    assert swap is not None and swap.status == "Completed"


def test_claim_with_the_wrong_random_number_is_refused(ledger: Ledger) -> None:
    msg = _htlt(cross_chain=True, recipient_other_chain="0xabc")
    submit(ledger, msg)
    refused(
        ledger, ClaimHTLT(from_=B, swap_id=msg.swap_id, random_number=bytes(32)), AbciCode.SWAP_MISMATCHED_RANDOM_NUMBER
    )


def test_refund_only_after_the_expire_height(ledger: Ledger) -> None:
    msg = _htlt(cross_chain=True, recipient_other_chain="0xabc")
    submit(ledger, msg)
    refused(ledger, RefundHTLT(from_=A, swap_id=msg.swap_id), AbciCode.SWAP_REFUND_UNEXPIRED)
    ledger.skip_blocks(400)
    submit(ledger, RefundHTLT(from_=A, swap_id=msg.swap_id))
    assert (free(ledger, A), locked(ledger, A)) == (1_000_000 * COIN, 0)
    refused(ledger, ClaimHTLT(from_=B, swap_id=msg.swap_id, random_number=SECRET), AbciCode.SWAP_UNEXPECTED_STATUS)


def test_htlt_with_a_stale_timestamp_is_refused(ledger: Ledger, clock: Clock) -> None:
    clock.now += 1801
    refused(ledger, _htlt(), AbciCode.SWAP_INVALID_TIMESTAMP)


def test_htlt_with_a_short_height_span_is_refused(ledger: Ledger) -> None:
    refused(ledger, _htlt(height_span=100), AbciCode.SWAP_INVALID_HEIGHT_SPAN)


# ---- tokens ----


def test_issue_names_the_token_from_the_tx_hash_and_credits_the_supply(ledger: Ledger) -> None:
    committed = submit(ledger, Issue(from_=A, name="Test Token", symbol="tok", total_supply=1000 * COIN, mintable=True))
    symbol = "TOK-" + committed.hash[:3]
    token = ledger.token(symbol)
    assert token is not None and (token.owner, token.total_supply) == (A, 1000 * COIN)
    assert free(ledger, A, symbol) == 1000 * COIN
    submit(ledger, Mint(from_=A, symbol=symbol, amount=50 * COIN))
    submit(ledger, Burn(from_=A, symbol=symbol, amount=20 * COIN))
    assert (token.total_supply, free(ledger, A, symbol)) == (1030 * COIN, 1030 * COIN)


def test_only_the_owner_may_mint(ledger: Ledger) -> None:
    symbol = "TOK-" + submit(ledger, Issue(from_=A, name="T", symbol="TOK", total_supply=COIN, mintable=True)).hash[:3]
    refused(ledger, Mint(from_=B, symbol=symbol, amount=COIN), AbciCode.UNAUTHORIZED)


def test_burning_more_than_held_is_refused(ledger: Ledger) -> None:
    symbol = "TOK-" + submit(ledger, Issue(from_=A, name="T", symbol="TOK", total_supply=COIN, mintable=False)).hash[:3]
    refused(ledger, Burn(from_=A, symbol=symbol, amount=2 * COIN), AbciCode.INSUFFICIENT_COINS)
    refused(ledger, Mint(from_=A, symbol=symbol, amount=COIN), AbciCode.INVALID_COINS)  # not mintable


def test_issue_with_a_bad_symbol_is_refused(ledger: Ledger) -> None:
    refused(
        ledger, Issue(from_=A, name="T", symbol="TOOLONGSYM", total_supply=COIN, mintable=False), AbciCode.INVALID_COINS
    )


# ---- side-chain staking ----


def test_delegations_are_locked_and_undelegations_unlock_after_unbonding(ledger: Ledger, clock: Clock) -> None:
    submit(ledger, SideChainDelegate(delegator_addr=A, validator_addr=VAL1, delegation=Coin("BNB", 3 * COIN)))
    submit(
        ledger,
        SideChainRedelegate(
            delegator_addr=A, validator_src_addr=VAL1, validator_dst_addr=VAL2, amount=Coin("BNB", COIN)
        ),
    )
    assert ledger.delegations(A) == {VAL1: 2 * COIN, VAL2: COIN}
    assert locked(ledger, A) == 3 * COIN
    submit(ledger, SideChainUndelegate(delegator_addr=A, validator_addr=VAL2, amount=Coin("BNB", COIN)))
    assert (ledger.delegations(A), locked(ledger, A)) == ({VAL1: 2 * COIN}, 3 * COIN)
    clock.now += 3 * 24 * 3600
    submit(ledger, SetAccountFlags(from_=B, flags=0))  # any next block completes the unbonding
    assert (free(ledger, A), locked(ledger, A)) == (1_000_000 * COIN - 2 * COIN, 2 * COIN)


def test_delegating_to_an_unknown_validator_is_refused(ledger: Ledger) -> None:
    stranger = encode_address("bva", bytes(20))
    msg = SideChainDelegate(delegator_addr=A, validator_addr=stranger, delegation=Coin("BNB", COIN))
    refused(ledger, msg, AbciCode.STAKE_INVALID_VALIDATOR)


def test_delegation_below_one_bnb_or_to_another_side_chain_is_refused(ledger: Ledger) -> None:
    refused(
        ledger,
        SideChainDelegate(delegator_addr=A, validator_addr=VAL1, delegation=Coin("BNB", COIN - 1)),
        AbciCode.STAKE_INVALID_DELEGATION,
    )
    chapel = SideChainDelegate(
        delegator_addr=A, validator_addr=VAL1, delegation=Coin("BNB", COIN), side_chain_id="chapel"
    )
    refused(ledger, chapel, AbciCode.STAKE_INVALID_SIDE_CHAIN)


def test_undelegating_more_than_delegated_is_refused(ledger: Ledger) -> None:
    submit(ledger, SideChainDelegate(delegator_addr=A, validator_addr=VAL1, delegation=Coin("BNB", COIN)))
    refused(
        ledger,
        SideChainUndelegate(delegator_addr=A, validator_addr=VAL1, amount=Coin("BNB", 2 * COIN)),
        AbciCode.STAKE_INVALID_DELEGATION,
    )
