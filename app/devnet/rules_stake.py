"""Side-chain staking on the devnet ledger: delegations are locked BNB, per (delegator, validator).

As bnc-cosmos-sdk x/stake/handler_sidechain.go did it, without shares, rewards or slashing: a
delegation is an amount; an undelegation stays locked until the unbonding time has passed (released
at the next block), a redelegation moves the amount between validators at once.
"""

from app.chain.messages import NATIVE_TOKEN, SideChainDelegate, SideChainRedelegate, SideChainUndelegate
from app.devnet.records import Account, Code, LedgerState, TxContext, TxRejected, Unbonding
from app.devnet.rules_locks import check_free

MIN_DELEGATION_CHANGE = 100_000_000  # x/stake/types/params.go defaultMinDelegationChange: 1 BNB
UNBONDING_SECONDS = 3 * 24 * 3600  # defaultUnbondingTime: 3 days
BAD = Code.STAKE_INVALID_DELEGATION


def _check_side_chain(ctx: TxContext, side_chain_id: str) -> None:
    if side_chain_id != ctx.params.side_chain_id:
        raise TxRejected(Code.STAKE_INVALID_SIDE_CHAIN, "invalid side chain id")


def _check_denom(denom: str) -> None:
    if denom != NATIVE_TOKEN:
        raise TxRejected(BAD, "invalid coin denomination")


def _delegated(state: LedgerState, delegator: str, validator: str, amount: int) -> int:
    """What delegator has on validator, if it covers amount (ValidateUnbondAmount)."""
    held = state.delegations.get(delegator, {}).get(validator)
    if held is None:
        raise TxRejected(BAD, "no delegation for this (address, validator) pair")
    if held < amount:
        raise TxRejected(BAD, f"not enough shares only have {held}")
    return held


def _set(state: LedgerState, delegator: str, validator: str, amount: int) -> None:
    per_validator = state.delegations.setdefault(delegator, {})
    if amount:
        per_validator[validator] = amount
    else:
        per_validator.pop(validator, None)
        if not per_validator:
            del state.delegations[delegator]


def delegate(state: LedgerState, ctx: TxContext, msg: SideChainDelegate, account: Account) -> str:
    """Lock BNB as a delegation to a side-chain validator."""
    _check_side_chain(ctx, msg.side_chain_id)
    if msg.delegation.amount < MIN_DELEGATION_CHANGE:
        raise TxRejected(BAD, f"invalid amount: delegation must not be less than {MIN_DELEGATION_CHANGE}")
    if msg.validator_addr not in ctx.params.validators:
        raise TxRejected(Code.STAKE_INVALID_VALIDATOR, "validator does not exist for that address")
    _check_denom(msg.delegation.denom)
    amount = msg.delegation.amount
    check_free(account, {NATIVE_TOKEN: amount})
    balance = account.balance(NATIVE_TOKEN)
    balance.free -= amount
    balance.locked += amount
    held = state.delegations.get(msg.delegator_addr, {}).get(msg.validator_addr, 0)
    _set(state, msg.delegator_addr, msg.validator_addr, held + amount)
    return ""


def redelegate(state: LedgerState, ctx: TxContext, msg: SideChainRedelegate, account: Account) -> str:
    """Move part of a delegation to another validator; the BNB stays locked."""
    _check_side_chain(ctx, msg.side_chain_id)
    _check_denom(msg.amount.denom)
    if msg.validator_dst_addr not in ctx.params.validators:
        raise TxRejected(BAD, "redelegation dst validator not found")
    held = _delegated(state, msg.delegator_addr, msg.validator_src_addr, msg.amount.amount)
    _set(state, msg.delegator_addr, msg.validator_src_addr, held - msg.amount.amount)
    moved_to = state.delegations.get(msg.delegator_addr, {}).get(msg.validator_dst_addr, 0)
    _set(state, msg.delegator_addr, msg.validator_dst_addr, moved_to + msg.amount.amount)
    return ""


def undelegate(state: LedgerState, ctx: TxContext, msg: SideChainUndelegate, account: Account) -> str:
    """End part of a delegation; the BNB unlocks UNBONDING_SECONDS later."""
    _check_side_chain(ctx, msg.side_chain_id)
    _check_denom(msg.amount.denom)
    held = _delegated(state, msg.delegator_addr, msg.validator_addr, msg.amount.amount)
    _set(state, msg.delegator_addr, msg.validator_addr, held - msg.amount.amount)
    completion = ctx.time + UNBONDING_SECONDS
    state.unbondings.append(Unbonding(msg.delegator_addr, msg.validator_addr, msg.amount.amount, completion))
    return str(completion)


def mature_unbondings(state: LedgerState, now: int) -> None:
    """Unlock every undelegation whose unbonding time has passed (the chain's end-block step)."""
    due = [u for u in state.unbondings if u.completion_time <= now]
    for entry in due:
        balance = state.get_or_create(entry.delegator).balance(NATIVE_TOKEN)
        balance.locked -= entry.amount
        balance.free += entry.amount
    state.unbondings[:] = [u for u in state.unbondings if u.completion_time > now]
