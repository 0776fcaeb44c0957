"""The devnet's chain state as plain data: dataclasses of ints, strings and dicts of them.

Everything the ledger knows lives in one LedgerState, so it can be persisted (and compared) as data;
the message handlers (app.devnet.rules_*) read and write it, the Ledger (app.devnet.state) owns it.
"""

from dataclasses import dataclass, field

from app.chain.codes import AbciCode
from app.chain.tx import SignedTx

Code = AbciCode  # the devnet has always called them Code


class TxRejected(Exception):
    """The node refused a tx; nothing in the ledger changed."""

    def __init__(self, code: Code, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(slots=True)
class Balance:
    """Amounts of one token, in units of 1e-8."""

    free: int = 0
    locked: int = 0
    frozen: int = 0

    def is_empty(self) -> bool:
        """True when the account holds none of this token in any state."""
        return not (self.free or self.locked or self.frozen)


@dataclass(slots=True)
class Account:
    """One address's signing state, balances and flags."""

    address: str
    account_number: int
    sequence: int = 0
    public_key: bytes | None = None
    balances: dict[str, Balance] = field(default_factory=dict)
    flags: int = 0  # SetAccountFlagsMsg's uint64 (bit 0: BEP12 memo check)

    def balance(self, symbol: str) -> Balance:
        """The balance of symbol, created empty on first use."""
        return self.balances.setdefault(symbol, Balance())

    def free(self, symbol: str) -> int:
        """Free units of symbol (0 if never held), without creating an entry."""
        entry = self.balances.get(symbol)
        return entry.free if entry else 0

    def locked(self, symbol: str) -> int:
        """Locked units of symbol (0 if never held), without creating an entry."""
        entry = self.balances.get(symbol)
        return entry.locked if entry else 0


@dataclass(frozen=True, slots=True)
class Order:
    """A resting limit order and what it locked."""

    id: str
    sender: str
    symbol: str
    side: int
    price: int
    quantity: int
    timeinforce: int
    tx_hash: str
    height: int
    locked_symbol: str
    locked_amount: int


@dataclass(frozen=True, slots=True)
class CommittedTx:
    """A tx the ledger accepted, with its hash, height and result data."""

    hash: str
    height: int
    tx: SignedTx
    data: str


@dataclass(slots=True)
class Token:
    """A BEP2 token: who issued it, its supply, whether it can be minted and moved to BSC."""

    symbol: str
    name: str
    owner: str  # "" for genesis tokens
    total_supply: int
    mintable: bool = False
    bound_to_bsc: bool = False  # TransferOut needs a BSC contract bound to the token


@dataclass(slots=True)
class TimeLockRecord:
    """Coins an account locked until lock_time (unix seconds); id = the account's sequence after the tx."""

    id: int
    description: str
    amount: dict[str, int]
    lock_time: int


@dataclass(slots=True)
class Swap:
    """A BEP3 hash-timer-locked transfer; coins are held as locked balances of who paid them in."""

    swap_id: str  # hex
    from_: str
    to: str
    out_amount: dict[str, int]
    in_amount: dict[str, int]
    expected_income: str
    recipient_other_chain: str
    random_number_hash: str  # hex
    random_number: str  # hex, set by the claim
    timestamp: int
    cross_chain: bool
    expire_height: int
    index: int
    closed_time: int = 0
    status: str = "Open"  # Open, Completed, Expired


@dataclass(slots=True)
class Unbonding:
    """An undelegated amount, still locked until completion_time (unix seconds)."""

    delegator: str
    validator: str
    amount: int
    completion_time: int


@dataclass(slots=True)
class LedgerState:
    """All of the devnet chain's state."""

    accounts: dict[str, Account] = field(default_factory=dict)
    orders: dict[tuple[str, str], Order] = field(default_factory=dict)  # (symbol, id) -> open order
    votes: dict[int, dict[str, int]] = field(default_factory=dict)
    txs: dict[str, CommittedTx] = field(default_factory=dict)
    tokens: dict[str, Token] = field(default_factory=dict)
    time_locks: dict[str, dict[int, TimeLockRecord]] = field(default_factory=dict)  # address -> id -> lock
    swaps: dict[str, Swap] = field(default_factory=dict)  # swap id hex -> swap
    delegations: dict[str, dict[str, int]] = field(default_factory=dict)  # delegator -> validator -> amount
    unbondings: list[Unbonding] = field(default_factory=list)
    pegged: dict[str, int] = field(default_factory=dict)  # coins moved to BSC by TransferOut, per symbol
    empty_blocks: int = 0  # blocks without txs (Ledger.skip_blocks), so heights can pass a swap's expiry

    @property
    def height(self) -> int:
        """The height of the last block: one block per committed tx, plus the empty ones."""
        return len(self.txs) + self.empty_blocks

    def get_or_create(self, address: str) -> Account:
        """The account at a canonical address, created (next account number) on first use."""
        account = self.accounts.get(address)
        if account is None:
            # Account numbers follow creation order, so the first genesis account is number 0.
            account = Account(address=address, account_number=len(self.accounts))
            self.accounts[address] = account
        return account


@dataclass(frozen=True, slots=True)
class Params:
    """What the chain was configured with: pairs, proposals, side chain, validators."""

    chain_id: str
    hrp: str
    pairs: frozenset[str]
    proposals: int
    side_chain_id: str
    validators: frozenset[str]


@dataclass(frozen=True, slots=True)
class TxContext:
    """What a message handler may know about the tx and its block."""

    params: Params
    height: int  # the height of the block this tx is in
    time: int  # the block time, unix seconds
    tx_hash: str
    sequence: int  # the tx's sequence (the account's before this tx)
    memo: str
