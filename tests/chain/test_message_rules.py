"""The issue-16 messages: amino prefixes, hashes, the two layouts no SDK publishes, and ValidateBasic."""

import hashlib
from typing import Any

import pytest

from app.chain.address import encode_address
from app.chain.codes import AbciCode
from app.chain.errors import InvalidInput, RuleViolation
from app.chain.messages import (
    HTLT,
    MESSAGE_TYPES,
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
    decode_msg,
    encode_msg,
    random_number_hash,
    swap_id,
)
from app.chain.tx import canonical_json

# Amino names as the chain registered them (bnb-chain/node plugins/*/wire.go, bnc-cosmos-sdk
# x/bank/codec.go and x/stake/types/codec.go, as listed in bnb-chain/go-sdk types/msg/wire.go).
AMINO_NAMES = {
    "NewOrder": "dex/NewOrder",
    "CancelOrder": "dex/CancelOrder",
    "Send": "cosmos-sdk/Send",
    "TokenFreeze": "tokens/FreezeMsg",
    "TokenUnfreeze": "tokens/UnfreezeMsg",
    "Vote": "cosmos-sdk/MsgVote",
    "TransferOut": "bridge/TransferOutMsg",
    "TimeLock": "tokens/TimeLockMsg",
    "TimeUnlock": "tokens/TimeUnlockMsg",
    "TimeRelock": "tokens/TimeRelockMsg",
    "HTLT": "tokens/HTLTMsg",
    "DepositHTLT": "tokens/DepositHTLTMsg",
    "ClaimHTLT": "tokens/ClaimHTLTMsg",
    "RefundHTLT": "tokens/RefundHTLTMsg",
    "Issue": "tokens/IssueMsg",
    "Mint": "tokens/MintMsg",
    "Burn": "tokens/BurnMsg",
    "SideChainDelegate": "cosmos-sdk/MsgSideChainDelegate",
    "SideChainRedelegate": "cosmos-sdk/MsgSideChainRedelegate",
    "SideChainUndelegate": "cosmos-sdk/MsgSideChainUndelegate",
    "SetAccountFlags": "scripts/SetAccountFlagsMsg",
}

A_ID = bytes.fromhex("08c7c918f6b72c3c0c21b7d08eb6fc66509998e1")
B_ID = bytes.fromhex("0153f11d6db7e69c7d51e771c697378018fb6c24")
C_ID = bytes.fromhex("40c2979694bbc961023d1d27be6fc4d21a9febe6")
A, B, C = (encode_address("bnb", raw) for raw in (A_ID, B_ID, C_ID))
VAL1 = "bva1echrty7p8r23cwx8g3ezwcza9azy4zq7ca0pzw"
VAL2 = "bva1p7s26ervsmv3w83k5696glautc9sm5rchz5f5e"
BNB = Coin("BNB", 100_000_000)


def _amino_prefix(name: str) -> bytes:
    """go-amino's nameToDisfix: sha256(name), skip zero bytes, 3 disambiguation bytes, skip zeros, 4 bytes."""
    digest = hashlib.sha256(name.encode()).digest().lstrip(b"\x00")[3:].lstrip(b"\x00")
    return digest[:4]


@pytest.mark.parametrize("cls", MESSAGE_TYPES, ids=lambda c: c.__name__)
def test_type_prefix_is_derived_from_the_registered_amino_name(cls: Any) -> None:
    """Each hard-coded prefix is the one go-amino derives from the chain's registered name."""
    assert cls.TYPE_PREFIX == _amino_prefix(AMINO_NAMES[cls.__name__])


def test_random_number_hash_matches_the_node_test() -> None:
    """bnb-chain/node plugins/tokens/swap/utils_test.go TestCalculateRandomHash."""
    rn = bytes.fromhex("52fdfc072182654f163f5f0f9a621d729566c74d10037c4d7bbb0407d1e2c649")
    assert (
        random_number_hash(rn, 1564471835).hex() == "be543130668282f267580badb1c956dacd4502be3b57846443c9921118ffa167"
    )


def test_swap_id_matches_the_node_test() -> None:
    """bnb-chain/node plugins/tokens/swap/utils_test.go TestCalculateSwapID (sender = AddressHash("sender"))."""
    rnh = bytes.fromhex("52fdfc072182654f163f5f0f9a621d729566c74d10037c4d7bbb0407d1e2c649")
    sender = encode_address("bnb", hashlib.sha256(b"sender").digest()[:20])  # tendermint crypto.AddressHash
    found = swap_id(rnh, sender, "0x833914c3A745d924bf71d98F9F9Ae126993E3C88")
    assert found.hex() == "1e2103882a9da088befc55eea4d25b6ef0a634ef483c6249615fa62078f0dc79"


@pytest.mark.parametrize(
    "address",
    [  # the test vectors of EIP-55 itself (eips.ethereum.org/EIPS/eip-55)
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
        "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
    ],
)
def test_bsc_address_checksums_as_eip55(address: str) -> None:
    """Lower-case input comes back in the EIP-55 form; the checksummed form is accepted as is."""
    assert bsc_address(address.lower()) == address
    assert bsc_address(address) == address


def test_bsc_address_with_a_broken_checksum_is_refused() -> None:
    """Mixed case that does not match the checksum is a typo, not an address."""
    with pytest.raises(InvalidInput, match="checksum"):
        bsc_address("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD")


# ---- layouts no SDK publishes a vector for: checked against encodings assembled by hand here ----


def test_multi_send_encoding_matches_an_independently_assembled_one() -> None:
    """NOT an SDK vector (none publishes a multi-output, multi-coin send): the hex below is assembled by
    hand from bnc-cosmos-sdk x/bank/msgs.go's field order (MsgSend 1 inputs, 2 outputs; Input/Output
    1 address, 2 coins; Coin 1 denom, 2 amount) and compared with what Send.multi builds."""
    msg = Send.multi(sender=A, outputs=[(B, [Coin("XYZ-000", 5), Coin("BNB", 1)]), (C, [Coin("BNB", 2)])])
    expected = (
        "2a2c87fa"  # cosmos-sdk/Send
        "0a2c" "0a14" + A_ID.hex() + "1207" "0a03424e421003" "120b" "0a0758595a2d3030301005"  # input: 3 BNB, 5 XYZ
        + "122c" "0a14" + B_ID.hex() + "1207" "0a03424e421001" "120b" "0a0758595a2d3030301005"  # out B
        + "121f" "0a14" + C_ID.hex() + "1207" "0a03424e421002"  # out C: 2 BNB
    )  # fmt: skip
    assert encode_msg(msg).hex() == expected
    assert decode_msg(bytes.fromhex(expected), "bnb") == msg


def test_multi_send_sign_json_matches_an_independently_written_one() -> None:
    """NOT an SDK vector: the JSON json.Marshal(MsgSend) gives, written out by hand (sorted keys)."""
    msg = Send.multi(sender=A, outputs=[(B, [Coin("XYZ-000", 5), Coin("BNB", 1)]), (C, [Coin("BNB", 2)])])
    expected = (
        f'{{"inputs":[{{"address":"{A}","coins":[{{"amount":3,"denom":"BNB"}},{{"amount":5,"denom":"XYZ-000"}}]}}],'
        f'"outputs":[{{"address":"{B}","coins":[{{"amount":1,"denom":"BNB"}},{{"amount":5,"denom":"XYZ-000"}}]}},'
        f'{{"address":"{C}","coins":[{{"amount":2,"denom":"BNB"}}]}}]}}'
    )
    assert canonical_json(msg.sign_dict()).decode() == expected


def test_set_account_flags_encoding_matches_an_independently_assembled_one() -> None:
    """NOT an SDK vector (none publishes one): assembled by hand from bnb-chain/node plugins/account/msg.go
    (SetAccountFlagsMsg 1 from, 2 flags uint64) and its JSON tags."""
    msg = SetAccountFlags(from_=A, flags=1)
    assert encode_msg(msg).hex() == "bea6e301" "0a14" + A_ID.hex() + "1001"  # fmt: skip
    assert canonical_json(msg.sign_dict()).decode() == f'{{"flags":1,"from":"{A}"}}'
    assert decode_msg(encode_msg(msg), "bnb") == msg


# ---- builders ----


def test_multi_send_input_is_the_sum_of_the_outputs() -> None:
    """Send.multi sorts each output's coins and lists each denom once on the input, with its total."""
    msg = checked(Send.multi(sender=A, outputs=[(B, [Coin("XYZ-000", 5), BNB]), (C, [BNB])]))
    assert msg.inputs[0].coins == (Coin("BNB", 200_000_000), Coin("XYZ-000", 5))
    assert [c.denom for c in msg.outputs[0].coins] == ["BNB", "XYZ-000"]


def test_multi_send_refuses_a_denom_twice_in_one_output() -> None:
    """sdk.Coins must be unique per denom."""
    with pytest.raises(InvalidInput, match="only once"):
        Send.multi(sender=A, outputs=[(B, [BNB, BNB])])


def test_htlt_swap_id_is_what_the_chain_computes() -> None:
    """wallet-core's deposit vector deposits into the swap its HTLT vector creates."""
    rnh = bytes.fromhex("e8eae926261ab77d018202434791a335249b470246a7b02e28c3b2fb6ffad8f3")
    msg = HTLT(from_=A, to=B, random_number_hash=rnh, timestamp=1567746273, amount=(BNB,), height_span=400)
    assert msg.swap_id.hex() == "dd8fd4719741844d35eb35ddbeca9531d5493a8e4667689c55e73c77503dd9e5"


# ---- ValidateBasic: every rule names itself and carries the chain's code ----

RNH = bytes(32)
SWAP = bytes(32)
GOOD: list[Msg] = [
    Send.multi(sender=A, outputs=[(B, [BNB]), (C, [BNB])]),
    TransferOut(from_=A, to=bsc_address("0x35552c16704d214347f29fa77f77da6d75d7c752"), amount=BNB, expire_time=1),
    TimeLock(from_=A, description="vesting", amount=(BNB,), lock_time=1_900_000_000),
    TimeUnlock(from_=A, time_lock_id=1),
    TimeRelock(from_=A, time_lock_id=1, lock_time=1_900_000_001),
    HTLT(from_=A, to=B, random_number_hash=RNH, timestamp=1, amount=(BNB,), height_span=360),
    DepositHTLT(from_=B, amount=(BNB,), swap_id=SWAP),
    ClaimHTLT(from_=A, swap_id=SWAP, random_number=bytes(32)),
    RefundHTLT(from_=A, swap_id=SWAP),
    Issue(from_=A, name="Token", symbol="TOK", total_supply=1, mintable=True),
    Mint(from_=A, symbol="TOK-1A2", amount=1),
    Burn(from_=A, symbol="TOK-1A2", amount=1),
    SideChainDelegate(delegator_addr=A, validator_addr=VAL1, delegation=BNB),
    SideChainRedelegate(delegator_addr=A, validator_src_addr=VAL1, validator_dst_addr=VAL2, amount=BNB),
    SideChainUndelegate(delegator_addr=A, validator_addr=VAL1, amount=BNB),
    SetAccountFlags(from_=A, flags=1),
]


@pytest.mark.parametrize("msg", GOOD, ids=lambda m: type(m).__name__)
def test_valid_messages_pass_validate_basic(msg: Msg) -> None:
    """A well-formed message of each type passes and round-trips through its amino encoding."""
    assert checked(msg) is msg
    assert decode_msg(encode_msg(msg), "bnb") == msg


TO = "0x" + "11" * 20


def _htlt(**changes: Any) -> HTLT:
    fields: dict[str, Any] = {"from_": A, "to": B, "random_number_hash": RNH, "timestamp": 1, "amount": (BNB,)}
    return HTLT(**{**fields, "height_span": 400, **changes})


def _lock(**changes: Any) -> TimeLock:
    return TimeLock(**{"from_": A, "description": "d", "amount": (BNB,), "lock_time": 5, **changes})


def _issue(**changes: Any) -> Issue:
    return Issue(**{"from_": A, "name": "T", "symbol": "TOK", "total_supply": 1, "mintable": False, **changes})


BAD: list[tuple[Msg, AbciCode, str]] = [
    (Send(inputs=(), outputs=()), AbciCode.NO_INPUTS, "no inputs"),
    (Send.multi(sender=A, outputs=[(B, [Coin("BNB", 0)])]), AbciCode.INVALID_COINS, "positive"),
    (Send.multi(sender=A, outputs=[(B, [Coin("ABC", 1)])]), AbciCode.INVALID_COINS, "bad symbol"),
    (
        TransferOut(from_=A, to="0x" + "00" * 20, amount=BNB, expire_time=1),
        AbciCode.BRIDGE_INVALID_CONTRACT_ADDRESS,
        "empty",
    ),
    (TransferOut(from_=A, to="bnb1nope", amount=BNB, expire_time=1), AbciCode.BRIDGE_INVALID_CONTRACT_ADDRESS, "0x"),
    (TransferOut(from_=A, to=TO, amount=BNB, expire_time=0), AbciCode.BRIDGE_INVALID_EXPIRE_TIME, "expire"),
    (_lock(description=""), AbciCode.TIMELOCK_INVALID_DESCRIPTION, "description"),
    (_lock(description="x" * 129), AbciCode.TIMELOCK_INVALID_DESCRIPTION, "128"),
    (_lock(lock_time=253402300800), AbciCode.TIMELOCK_INVALID_LOCK_TIME, "lock time"),
    (_lock(amount=()), AbciCode.INVALID_COINS, "at least one coin"),
    (TimeUnlock(from_=A, time_lock_id=0), AbciCode.TIMELOCK_INVALID_ID, "time lock id"),
    (TimeRelock(from_=A, time_lock_id=1), AbciCode.TIMELOCK_INVALID_RELOCK, "nothing to update"),
    (_htlt(random_number_hash=bytes(31)), AbciCode.SWAP_INVALID_RANDOM_NUMBER_HASH, "random number hash should be 32"),
    (_htlt(height_span=359), AbciCode.SWAP_INVALID_HEIGHT_SPAN, "height span"),
    (_htlt(height_span=518401), AbciCode.SWAP_INVALID_HEIGHT_SPAN, "height span"),
    (_htlt(sender_other_chain="0x1"), AbciCode.SWAP_INVALID_ADDR_OTHER_CHAIN, "single chain"),
    (_htlt(cross_chain=True), AbciCode.SWAP_INVALID_ADDR_OTHER_CHAIN, "Missing recipient"),
    (_htlt(expected_income="9" * 65), AbciCode.SWAP_INVALID_EXPECTED_INCOME, "expected income"),
    (_htlt(amount=()), AbciCode.INVALID_COINS, "at least one coin"),
    (DepositHTLT(from_=B, amount=(BNB,), swap_id=bytes(33)), AbciCode.SWAP_INVALID_SWAP_ID, "swapID should be 32"),
    (ClaimHTLT(from_=A, swap_id=SWAP, random_number=bytes(31)), AbciCode.SWAP_INVALID_RANDOM_NUMBER, "should be 32"),
    (RefundHTLT(from_=A, swap_id=b""), AbciCode.SWAP_INVALID_SWAP_ID, "swapID"),
    (_issue(symbol="TOOLONGSYM"), AbciCode.INVALID_COINS, "2~8"),
    (_issue(symbol="TO-K"), AbciCode.INVALID_COINS, "alphanumeric"),
    (_issue(name="x" * 33), AbciCode.INVALID_COINS, "token name"),
    (_issue(total_supply=9 * 10**18 + 1), AbciCode.INVALID_COINS, "total supply"),
    (Mint(from_=A, symbol="BNB", amount=1), AbciCode.INVALID_COINS, "native"),
    (Mint(from_=A, symbol="TOK", amount=1), AbciCode.INVALID_COINS, "symbol"),
    (Mint(from_=A, symbol="TOK-1A2M", amount=99_999_999), AbciCode.INVALID_COINS, "no less than"),
    (Burn(from_=A, symbol="TOK-1A2", amount=0), AbciCode.INSUFFICIENT_FUNDS, "more than 0"),
    (SideChainDelegate(delegator_addr=A, validator_addr=B, delegation=BNB), AbciCode.INVALID_ADDRESS, "bva1"),
    (
        SideChainDelegate(delegator_addr=A, validator_addr=VAL1, delegation=BNB, side_chain_id=""),
        AbciCode.STAKE_INVALID_INPUT,
        "side chain id",
    ),
    (
        SideChainRedelegate(delegator_addr=A, validator_src_addr=VAL1, validator_dst_addr=VAL1, amount=BNB),
        AbciCode.STAKE_INVALID_DELEGATION,
        "same validator",
    ),
    (
        SideChainUndelegate(delegator_addr=A, validator_addr=VAL1, amount=Coin("BNB", 0)),
        AbciCode.STAKE_INVALID_DELEGATION,
        "positive",
    ),
    (SetAccountFlags(from_=A.upper(), flags=1), AbciCode.INVALID_ADDRESS, "from address"),
    (SetAccountFlags(from_=A, flags=2**64), AbciCode.INVALID_ACCOUNT_FLAGS, "64-bit"),
]


@pytest.mark.parametrize(
    ("msg", "code", "words"), BAD, ids=lambda x: type(x).__name__ if not isinstance(x, str) else ""
)
def test_validate_basic_refuses_with_the_chains_code(msg: Msg, code: AbciCode, words: str) -> None:
    """Each broken rule raises RuleViolation (an InvalidInput, so a 422) naming it, with the node's code."""
    with pytest.raises(RuleViolation, match=words) as caught:
        msg.validate()
    assert caught.value.code == code
