"""ABCI codes the node answered with: codespace << 16 | code, from bnc-cosmos-sdk and bnb-chain/node.

Root codes are bnc-cosmos-sdk types/errors.go (codespace 1); the others are the modules' errors.go:
bank 2 (x/bank), stake 4 (x/stake/types), gov 5, dex 6, timelock 7 (plugins/tokens/timelock),
atomic swap 8 (plugins/tokens/swap), bridge 12 (plugins/bridge/types).
"""

from enum import IntEnum

_ROOT, _BANK, _STAKE, _GOV, _DEX, _TIMELOCK, _SWAP, _BRIDGE = 1, 2, 4, 5, 6, 7, 8, 12


def _code(space: int, code: int) -> int:
    return space << 16 | code


class AbciCode(IntEnum):
    """The codes the devnet answers with, named after the chain's error constructors."""

    INTERNAL = _code(_ROOT, 1)
    TX_DECODE = _code(_ROOT, 2)
    INVALID_SEQUENCE = _code(_ROOT, 3)  # bad sequence or account number
    UNAUTHORIZED = _code(_ROOT, 4)  # signature verification failed, wrong signers, not the owner
    INSUFFICIENT_FUNDS = _code(_ROOT, 5)  # only fees and BurnMsg's "amount should be more than 0"
    INVALID_ADDRESS = _code(_ROOT, 7)
    INVALID_PUBKEY = _code(_ROOT, 8)
    UNKNOWN_ADDRESS = _code(_ROOT, 9)  # the ante handler's GetSignerAcc on a never-funded signer
    # ErrInsufficientCoins: what bank send, order locking, (un)freeze, locks and burns returned.
    # PROTOCOL.md says 65541 (root 5, ErrInsufficientFunds), which the node only used for fees.
    INSUFFICIENT_COINS = _code(_ROOT, 10)
    INVALID_COINS = _code(_ROOT, 11)
    INVALID_ACCOUNT_FLAGS = _code(_ROOT, 15)
    MEMO_TOO_LARGE = _code(_ROOT, 12)
    INVALID_MEMO = _code(_ROOT, 16)
    NO_INPUTS = _code(_BANK, 101)
    NO_OUTPUTS = _code(_BANK, 102)
    STAKE_INVALID_VALIDATOR = _code(_STAKE, 101)  # validator does not exist
    STAKE_INVALID_DELEGATION = _code(_STAKE, 102)  # bad amount, denom, shares, self-redelegation
    STAKE_INVALID_INPUT = _code(_STAKE, 103)  # side chain id missing or too long
    STAKE_INVALID_SIDE_CHAIN = _code(_STAKE, 106)
    UNKNOWN_PROPOSAL = _code(_GOV, 1)
    INVALID_ORDER_PARAM = _code(_DEX, 401)  # bad id, pair, price, quantity...
    ORDER_NOT_FOUND = _code(_DEX, 405)  # CodeFailLocateOrderToCancel
    DUPLICATED_ORDER = _code(_DEX, 406)
    TIMELOCK_INVALID_DESCRIPTION = _code(_TIMELOCK, 1)
    TIMELOCK_INVALID_LOCK_TIME = _code(_TIMELOCK, 2)
    TIMELOCK_INVALID_RELOCK = _code(_TIMELOCK, 3)
    TIMELOCK_INVALID_ID = _code(_TIMELOCK, 4)
    TIMELOCK_NOT_FOUND = _code(_TIMELOCK, 5)
    TIMELOCK_INVALID_AMOUNT = _code(_TIMELOCK, 6)
    TIMELOCK_CANNOT_UNLOCK = _code(_TIMELOCK, 7)
    TIMELOCK_ALREADY_EXISTS = _code(_TIMELOCK, 9)
    SWAP_INVALID_ADDR_OTHER_CHAIN = _code(_SWAP, 1)
    SWAP_INVALID_RANDOM_NUMBER_HASH = _code(_SWAP, 2)
    SWAP_INVALID_RANDOM_NUMBER = _code(_SWAP, 3)
    SWAP_INVALID_HEIGHT_SPAN = _code(_SWAP, 4)
    SWAP_INVALID_SWAP_ID = _code(_SWAP, 5)
    SWAP_DUPLICATED_ID = _code(_SWAP, 6)
    SWAP_CLAIM_EXPIRED = _code(_SWAP, 7)
    SWAP_REFUND_UNEXPIRED = _code(_SWAP, 8)
    SWAP_MISMATCHED_RANDOM_NUMBER = _code(_SWAP, 9)
    SWAP_NOT_FOUND = _code(_SWAP, 10)
    SWAP_UNEXPECTED_STATUS = _code(_SWAP, 12)
    SWAP_INVALID_TIMESTAMP = _code(_SWAP, 13)
    SWAP_INVALID_SINGLE_CHAIN = _code(_SWAP, 14)
    SWAP_INVALID_EXPECTED_INCOME = _code(_SWAP, 15)
    SWAP_UNEXPECTED_CLAIM_SINGLE_CHAIN = _code(_SWAP, 16)
    BRIDGE_INVALID_CONTRACT_ADDRESS = _code(_BRIDGE, 4)
    BRIDGE_TOKEN_NOT_BOUND = _code(_BRIDGE, 5)
    BRIDGE_INVALID_EXPIRE_TIME = _code(_BRIDGE, 7)
