"""What a user may do with a wallet: the permission names and the one rule that combines them."""

from enum import StrEnum


class Permission(StrEnum):
    """A capability granted by a wallet and by a user's grant on that wallet."""

    TRADE = "trade"  # new order, cancel order
    TRANSFER = "transfer"  # send one or several coins, multi-send, transfer out to BSC
    FREEZE = "freeze"  # freeze, unfreeze
    RESYNC = "resync"  # re-read account number and sequence from the node
    VOTE = "vote"  # governance votes
    APPROVE = "approve"  # approve or reject others' requests that need a quorum (approvals)
    LOCK = "lock"  # time lock, unlock, relock
    SWAP = "swap"  # atomic swaps (BEP3): HTLT, deposit, claim, refund
    ISSUE = "issue"  # token issue, mint, burn
    STAKE = "stake"  # side-chain delegate, redelegate, undelegate
    ACCOUNT = "account"  # account flags
    AUDIT = "audit"  # read the wallet's audit entries in the console


def effective_permissions(
    wallet_grants: frozenset[Permission], user_grants: frozenset[Permission]
) -> frozenset[Permission]:
    """A user may do X with wallet W only if both W and the user's grant on W allow X."""
    return wallet_grants & user_grants
