"""Prepare steps, one per message type: request model -> chain message, checked before any sequence.

Each returns a builder that takes the reserved sequence (orders need it for their id) and the
memo. Each builds the chain message with the wallet's address as sender and runs the chain's own
ValidateBasic (`checked`). A broken rule (RuleViolation) or a value the chain cannot encode
(InvalidInput) becomes InvalidRequest, a 422 naming the field and the rule, before the pipeline
reserves a sequence, so bad input never burns one. None of these messages depends on the sequence.
"""

from collections.abc import Callable

from app.chain.address import normalize_address
from app.chain.errors import InvalidInput
from app.chain.messages import (
    HTLT,
    NATIVE_TOKEN,
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
    bsc_address,
    checked,
    sorted_coins,
)
from app.chain.tx import order_id
from app.errors import InvalidRequest
from app.signing.fields import chain_coins
from app.signing.prepared import Prepared
from app.signing.requests import CancelOrderMsg, FreezeMsg, OrderMsg, TransferMsg, VoteMsg
from app.signing.requests_account import SetAccountFlagsMsg
from app.signing.requests_bank import MultiSendMsg, TransferOutMsg
from app.signing.requests_locks import TimeLockMsg, TimeRelockMsg, TimeUnlockMsg
from app.signing.requests_staking import SideChainDelegateMsg, SideChainRedelegateMsg, SideChainUndelegateMsg
from app.signing.requests_swaps import ClaimHTLTMsg, DepositHTLTMsg, HTLTMsg, RefundHTLTMsg
from app.signing.requests_tokens import BurnMsg, IssueMsg, MintMsg
from app.signing.wallets import Wallet


def _ready(build: Callable[[], Msg], *, memo: str = "") -> Prepared:
    """The chain message, after its ValidateBasic; InvalidRequest (422) naming the rule otherwise."""
    try:
        msg = checked(build())
    except InvalidInput as exc:  # RuleViolation is one: its message names the chain's rule
        raise InvalidRequest("msg", str(exc)) from None
    return Prepared(lambda _sequence: msg, memo=memo)


def _address(address: str, wallet: Wallet, field: str) -> str:
    """A bech32 address of the wallet's chain, canonical (lower case), or InvalidRequest for field."""
    try:
        return normalize_address(address, wallet.environment.hrp)
    except InvalidInput as exc:
        raise InvalidRequest(field, str(exc)) from None


def _hex(value: str) -> bytes:
    return bytes.fromhex(value)  # the request model admits only hex digits of a fixed length


def prepare_multi_send(msg: MultiSendMsg, wallet: Wallet) -> Prepared:
    outputs = [
        (_address(o.to_address, wallet, f"msg.outputs.{i}.to_address"), chain_coins(o.coins))
        for i, o in enumerate(msg.outputs)
    ]
    return _ready(lambda: Send.multi(sender=wallet.address, outputs=outputs), memo=msg.memo)


def prepare_transfer_out(msg: TransferOutMsg, wallet: Wallet) -> Prepared:
    try:
        to = bsc_address(msg.to)  # a mixed-case address must carry a valid EIP-55 checksum
    except InvalidInput as exc:
        raise InvalidRequest("msg.to", str(exc)) from None
    amount = Coin(denom=msg.symbol, amount=msg.amount)
    return _ready(lambda: TransferOut(from_=wallet.address, to=to, amount=amount, expire_time=msg.expire_time))


def prepare_time_lock(msg: TimeLockMsg, wallet: Wallet) -> Prepared:
    return _ready(
        lambda: TimeLock(
            from_=wallet.address,
            description=msg.description,
            amount=sorted_coins(chain_coins(msg.amount)),
            lock_time=msg.lock_time,
        )
    )


def prepare_time_unlock(msg: TimeUnlockMsg, wallet: Wallet) -> Prepared:
    return _ready(lambda: TimeUnlock(from_=wallet.address, time_lock_id=msg.time_lock_id))


def prepare_time_relock(msg: TimeRelockMsg, wallet: Wallet) -> Prepared:
    return _ready(
        lambda: TimeRelock(
            from_=wallet.address,
            time_lock_id=msg.time_lock_id,
            description=msg.description,
            amount=sorted_coins(chain_coins(msg.amount)),
            lock_time=msg.lock_time,
        )
    )


def prepare_htlt(msg: HTLTMsg, wallet: Wallet) -> Prepared:
    to = _address(msg.to_address, wallet, "msg.to_address")
    return _ready(
        lambda: HTLT(
            from_=wallet.address,
            to=to,
            random_number_hash=_hex(msg.random_number_hash),
            timestamp=msg.timestamp,
            amount=sorted_coins(chain_coins(msg.amount)),
            height_span=msg.height_span,
            expected_income=msg.expected_income,
            recipient_other_chain=msg.recipient_other_chain,
            sender_other_chain=msg.sender_other_chain,
            cross_chain=msg.cross_chain,
        )
    )


def prepare_deposit_htlt(msg: DepositHTLTMsg, wallet: Wallet) -> Prepared:
    return _ready(
        lambda: DepositHTLT(
            from_=wallet.address, amount=sorted_coins(chain_coins(msg.amount)), swap_id=_hex(msg.swap_id)
        )
    )


def prepare_claim_htlt(msg: ClaimHTLTMsg, wallet: Wallet) -> Prepared:
    return _ready(
        lambda: ClaimHTLT(from_=wallet.address, swap_id=_hex(msg.swap_id), random_number=_hex(msg.random_number))
    )


def prepare_refund_htlt(msg: RefundHTLTMsg, wallet: Wallet) -> Prepared:
    return _ready(lambda: RefundHTLT(from_=wallet.address, swap_id=_hex(msg.swap_id)))


def prepare_issue(msg: IssueMsg, wallet: Wallet) -> Prepared:
    return _ready(
        lambda: Issue(
            from_=wallet.address,
            name=msg.name,
            symbol=msg.symbol,
            total_supply=msg.total_supply,
            mintable=msg.mintable,
        )
    )


def prepare_mint(msg: MintMsg, wallet: Wallet) -> Prepared:
    return _ready(lambda: Mint(from_=wallet.address, symbol=msg.symbol, amount=msg.amount))


def prepare_burn(msg: BurnMsg, wallet: Wallet) -> Prepared:
    return _ready(lambda: Burn(from_=wallet.address, symbol=msg.symbol, amount=msg.amount))


def prepare_delegate(msg: SideChainDelegateMsg, wallet: Wallet) -> Prepared:
    return _ready(
        lambda: SideChainDelegate(
            delegator_addr=wallet.address,
            validator_addr=msg.validator_address,
            delegation=Coin(NATIVE_TOKEN, msg.amount),
            side_chain_id=wallet.environment.side_chain_id,
        )
    )


def prepare_redelegate(msg: SideChainRedelegateMsg, wallet: Wallet) -> Prepared:
    return _ready(
        lambda: SideChainRedelegate(
            delegator_addr=wallet.address,
            validator_src_addr=msg.validator_src_address,
            validator_dst_addr=msg.validator_dst_address,
            amount=Coin(NATIVE_TOKEN, msg.amount),
            side_chain_id=wallet.environment.side_chain_id,
        )
    )


def prepare_undelegate(msg: SideChainUndelegateMsg, wallet: Wallet) -> Prepared:
    return _ready(
        lambda: SideChainUndelegate(
            delegator_addr=wallet.address,
            validator_addr=msg.validator_address,
            amount=Coin(NATIVE_TOKEN, msg.amount),
            side_chain_id=wallet.environment.side_chain_id,
        )
    )


def prepare_set_account_flags(msg: SetAccountFlagsMsg, wallet: Wallet) -> Prepared:
    return _ready(lambda: SetAccountFlags(from_=wallet.address, flags=msg.flags))


def prepare_order(msg: OrderMsg, wallet: Wallet) -> Prepared:
    def build(sequence: int) -> Msg:
        return NewOrder(
            sender=wallet.address,
            id=order_id(wallet.account_id, sequence),
            symbol=msg.symbol,
            side=msg.side,
            price=msg.price,
            quantity=msg.quantity,
            timeinforce=msg.time_in_force,
            ordertype=msg.order_type,
        )

    _ready(lambda: build(0))  # the chain's rules, before a sequence: only the id depends on it
    return Prepared(build)


def prepare_cancel(msg: CancelOrderMsg, wallet: Wallet) -> Prepared:
    return _ready(lambda: CancelOrder(sender=wallet.address, symbol=msg.symbol, refid=msg.target))


def prepare_transfer(msg: TransferMsg, wallet: Wallet) -> Prepared:
    to = _address(msg.to_address, wallet, "msg.to_address")
    coins = [Coin(denom=token, amount=units) for token, units in msg.coins()]
    return _ready(lambda: Send.simple(sender=wallet.address, to=to, coins=coins), memo=msg.memo)


def prepare_freeze(msg: FreezeMsg, wallet: Wallet) -> Prepared:
    return _ready(lambda: TokenFreeze(from_=wallet.address, symbol=msg.symbol, amount=msg.amount))


def prepare_unfreeze(msg: FreezeMsg, wallet: Wallet) -> Prepared:
    return _ready(lambda: TokenUnfreeze(from_=wallet.address, symbol=msg.symbol, amount=msg.amount))


def prepare_vote(msg: VoteMsg, wallet: Wallet) -> Prepared:
    return _ready(lambda: Vote(proposal_id=msg.proposal_id, voter=wallet.address, option=msg.option))
