"""One message of every type, with every field set: shared by the declaration and sign-bytes tests."""

from app.chain.address import encode_address
from app.chain.messages import (
    HTLT,
    Burn,
    CancelOrder,
    ClaimHTLT,
    Coin,
    DepositHTLT,
    Issue,
    Mint,
    Msg,
    NewOrder,
    RefundHTLT,
    Send,
    SetAccountFlags,
    SideChainDelegate,
    SideChainRedelegate,
    SideChainUndelegate,
    TimeLock,
    TimeRelock,
    TimeUnlock,
    TokenFreeze,
    TokenUnfreeze,
    TransferOut,
    Vote,
)

A = encode_address("bnb", bytes(range(20)))
B = encode_address("bnb", bytes(range(1, 21)))
VAL1 = "bva1echrty7p8r23cwx8g3ezwcza9azy4zq7ca0pzw"
VAL2 = "bva1p7s26ervsmv3w83k5696glautc9sm5rchz5f5e"
BNB = Coin("BNB", 100_000_000)

SAMPLES: list[Msg] = [
    NewOrder(sender=A, id="00-1", symbol="ABC-123_BNB", side=1, price=1, quantity=2, timeinforce=1),
    CancelOrder(sender=A, symbol="ABC-123_BNB", refid="00-1"),
    Send.simple(sender=A, to=B, coins=[BNB]),
    TokenFreeze(from_=A, symbol="ABC-123", amount=5),
    TokenUnfreeze(from_=A, symbol="ABC-123", amount=5),
    Vote(proposal_id=7, voter=A, option=1),
    TransferOut(from_=A, to="0x" + "11" * 20, amount=BNB, expire_time=100),
    TimeLock(from_=A, description="d", amount=(BNB,), lock_time=100),
    TimeUnlock(from_=A, time_lock_id=1),
    TimeRelock(from_=A, time_lock_id=1, description="d", amount=(BNB,), lock_time=100),
    HTLT(
        from_=A,
        to=B,
        random_number_hash=bytes(32),
        timestamp=1,
        amount=(BNB,),
        height_span=360,
        expected_income="1:BNB",
        recipient_other_chain="r",
        sender_other_chain="s",
        cross_chain=True,
    ),
    DepositHTLT(from_=A, amount=(BNB,), swap_id=bytes(32)),
    ClaimHTLT(from_=A, swap_id=bytes(32), random_number=bytes(32)),
    RefundHTLT(from_=A, swap_id=bytes(32)),
    Issue(from_=A, name="N", symbol="ABC", total_supply=1, mintable=True),
    Mint(from_=A, symbol="ABC-123", amount=5),
    Burn(from_=A, symbol="ABC-123", amount=5),
    SideChainDelegate(delegator_addr=A, validator_addr=VAL1, delegation=BNB),
    SideChainRedelegate(delegator_addr=A, validator_src_addr=VAL1, validator_dst_addr=VAL2, amount=BNB),
    SideChainUndelegate(delegator_addr=A, validator_addr=VAL1, amount=BNB),
    SetAccountFlags(from_=A, flags=1),
]
