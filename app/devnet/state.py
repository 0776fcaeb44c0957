"""The devnet ledger: accounts, balances, open orders, votes and committed txs, in memory.

It checks a signed tx the way the Binance Chain node's ante handler and message handlers did
(decode, signer, public key, account number, sequence, signature, message rules) and applies it
atomically: every check runs before the first write, so a rejected tx changes nothing.

Deliberate simplifications, so the service can be exercised end to end without a real chain:
- No fees: nothing is ever charged, so a balance moves only by what a message says.
- No matching engine: GTE orders rest on the book until cancelled, IOC orders expire at once
  (their locked funds come straight back). Nothing ever trades.
- One tx is one block: the height is the number of committed txs.

No HTTP here: rejections carry the chain's ABCI code and the server picks the HTTP status.
"""

import base64
import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum

from app.chain.address import decode_address, encode_address, key_hash
from app.chain.amounts import INT64_MAX, UNITS_PER_COIN
from app.chain.errors import DecodeError, InvalidInput
from app.chain.keys import verify
from app.chain.messages import (
    ORDER_TYPE_LIMIT,
    SIDE_BUY,
    SIDE_SELL,
    TIF_GTE,
    TIF_IOC,
    CancelOrder,
    Coin,
    InOut,
    Msg,
    NewOrder,
    Send,
    TokenFreeze,
    TokenUnfreeze,
    Vote,
    check_pair_symbol,
    check_token_symbol,
    signers,
)
from app.chain.tx import SignedTx, canonical_json, decode_tx, order_id, sign_bytes, tx_hash

DEFAULT_GENESIS_COINS: Mapping[str, int] = {"BNB": 1_000_000 * UNITS_PER_COIN, "ANN-457": 1_000_000 * UNITS_PER_COIN}
DEFAULT_PAIR = "ANN-457_BNB"
DEFAULT_PROPOSALS = 10
MAX_MEMO_BYTES = 100  # the node compares Go's len(memo): UTF-8 bytes, not characters
MAX_TX_BYTES = 1 << 20


class Code(IntEnum):
    """ABCI codes the node returned (codespace << 16 | code), from bnc-cosmos-sdk and bnb-chain/node."""

    TX_DECODE = 65538  # root 2
    INVALID_SEQUENCE = 65539  # root 3: bad sequence or account number
    UNAUTHORIZED = 65540  # root 4: signature verification failed, wrong number of signers
    INVALID_PUBKEY = 65544  # root 8
    UNKNOWN_ADDRESS = 65545  # root 9: the ante handler's GetSignerAcc on a never-funded signer
    # root 10, ErrInsufficientCoins: what bank send, order locking and (un)freeze all returned.
    # PROTOCOL.md says 65541 (root 5, ErrInsufficientFunds), which the node only used for fees.
    INSUFFICIENT_COINS = 65546
    INVALID_COINS = 65547  # root 11
    MEMO_TOO_LARGE = 65548  # root 12
    INVALID_MEMO = 65552
    NO_INPUTS = 131173  # bank (codespace 2) 101
    NO_OUTPUTS = 131174  # bank 102
    UNKNOWN_PROPOSAL = 327681  # gov (codespace 5) 1
    INVALID_ORDER_PARAM = 393617  # dex (codespace 6) 401: bad id, pair, price, quantity...
    ORDER_NOT_FOUND = 393621  # dex 405 CodeFailLocateOrderToCancel
    DUPLICATED_ORDER = 393622  # dex 406


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
    """One address's signing state and balances."""

    address: str
    account_number: int
    sequence: int = 0
    public_key: bytes | None = None
    balances: dict[str, Balance] = field(default_factory=dict)

    def balance(self, symbol: str) -> Balance:
        """The balance of symbol, created empty on first use."""
        return self.balances.setdefault(symbol, Balance())

    def free(self, symbol: str) -> int:
        """Free units of symbol (0 if never held), without creating an entry."""
        entry = self.balances.get(symbol)
        return entry.free if entry else 0


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


def split_pair(pair: str) -> tuple[str, str]:
    """BASE_QUOTE -> (BASE, QUOTE)."""
    base, _, quote = pair.partition("_")
    return base, quote


def notional(price: int, quantity: int) -> int:
    """The quote amount a buy locks: price * quantity / 1e8, rounded down as the node did."""
    return price * quantity // UNITS_PER_COIN


class Ledger:
    """The devnet chain state and its tx rules.

    Methods are synchronous and never yield mid-tx; the server calls them from one asyncio event
    loop, so each tx applies atomically. The lock also makes them safe from worker threads.
    """

    def __init__(
        self,
        *,
        chain_id: str,
        hrp: str,
        genesis: Sequence[str] = (),
        genesis_coins: Mapping[str, int] | None = None,
        pairs: Sequence[str] | None = None,
        proposals: int = DEFAULT_PROPOSALS,
    ) -> None:
        coins = dict(DEFAULT_GENESIS_COINS if genesis_coins is None else genesis_coins)
        _check_genesis_coins(coins)
        if proposals < 0:
            raise ValueError("proposals must be >= 0")
        self.chain_id = chain_id
        self.hrp = hrp
        self.pairs = frozenset(check_pair_symbol(p) for p in (pairs if pairs is not None else default_pairs(coins)))
        self.proposals = proposals
        self._accounts: dict[str, Account] = {}
        self._orders: dict[tuple[str, str], Order] = {}  # (symbol, id) -> open order
        self._votes: dict[int, dict[str, int]] = {}
        self._txs: dict[str, CommittedTx] = {}
        self._lock = threading.Lock()
        for address in dict.fromkeys(self.normalize(a) for a in genesis):  # each address funded once
            self._fund(address, coins)

    # ---- reads ----

    @property
    def height(self) -> int:
        """Number of committed txs (one tx per block)."""
        return len(self._txs)

    def normalize(self, address: str) -> str:
        """Canonical lower-case bech32 of address under this chain's hrp; InvalidInput otherwise."""
        return encode_address(self.hrp, decode_address(address, self.hrp))

    def account(self, address: str) -> Account | None:
        """The account at address, or None if it was never funded or the address is invalid."""
        try:
            return self._accounts.get(self.normalize(address))
        except InvalidInput:
            return None

    def tx(self, hash_hex: str) -> CommittedTx | None:
        """A committed tx by its hash (any case)."""
        return self._txs.get(hash_hex.upper())

    def open_orders(self, address: str) -> list[Order]:
        """Open orders of address, oldest first."""
        try:
            owner = self.normalize(address)
        except InvalidInput:
            return []
        return [o for o in self._orders.values() if o.sender == owner]

    def vote(self, proposal_id: int, voter: str) -> int | None:
        """The option (1..4) voter chose on proposal_id, if any."""
        return self._votes.get(proposal_id, {}).get(voter)

    # ---- writes ----

    def broadcast(self, raw: bytes) -> CommittedTx:
        """Check and apply signed tx bytes; TxRejected (with nothing changed) if the node would refuse them."""
        with self._lock:
            tx = self._decode(raw)
            account = self._authenticate(tx)
            digest = tx_hash(raw)
            data = self._apply(tx, account, digest)
            account.sequence += 1
            account.public_key = tx.public_key
            committed = CommittedTx(hash=digest, height=self.height + 1, tx=tx, data=data)
            self._txs[digest] = committed
            return committed

    def bump_sequence(self, address: str, by: int = 1) -> int:
        """Advance address's sequence by `by`, as if another client had used the key; return the new one.

        KeyError if the account was never funded (or the address is invalid), ValueError if the
        sequence would leave 0..2^63 - 1.
        """
        with self._lock:
            account = self._existing(address)
            return self._put_sequence(account, account.sequence + by)

    def set_sequence(self, address: str, sequence: int) -> int:
        """Set address's sequence (for tests that need a given state); return it. Errors as bump_sequence."""
        with self._lock:
            return self._put_sequence(self._existing(address), sequence)

    def _existing(self, address: str) -> Account:
        account = self.account(address)
        if account is None:
            raise KeyError(address)
        return account

    @staticmethod
    def _put_sequence(account: Account, sequence: int) -> int:
        if not 0 <= sequence <= INT64_MAX:
            raise ValueError("sequence must be between 0 and 2^63 - 1")
        account.sequence = sequence
        return sequence

    def _fund(self, address: str, coins: Mapping[str, int]) -> None:
        account = self._get_or_create(address)
        for symbol, amount in coins.items():
            account.balance(symbol).free += amount

    def _get_or_create(self, address: str) -> Account:
        account = self._accounts.get(address)
        if account is None:
            # Account numbers follow creation order, so the first genesis account is number 0.
            account = Account(address=address, account_number=len(self._accounts))
            self._accounts[address] = account
        return account

    # ---- ante handler ----

    def _decode(self, raw: bytes) -> SignedTx:
        if not raw or len(raw) > MAX_TX_BYTES:
            raise TxRejected(Code.TX_DECODE, "tx parse error")
        try:
            tx = decode_tx(raw, self.hrp)
        except (DecodeError, InvalidInput):
            raise TxRejected(Code.TX_DECODE, "tx parse error") from None
        if not _fits_int64(tx):
            raise TxRejected(Code.TX_DECODE, "tx parse error")
        return tx

    def _authenticate(self, tx: SignedTx) -> Account:
        signer = self._single_signer(tx.msg)
        account = self._accounts.get(signer)
        if account is None:
            raise TxRejected(Code.UNKNOWN_ADDRESS, f"account {signer} does not exist")
        # The key in the signature must be the one the signer's address commits to.
        if key_hash(tx.public_key) != decode_address(signer):
            raise TxRejected(Code.INVALID_PUBKEY, "pubkey does not match signer address")
        if tx.account_number != account.account_number:
            raise TxRejected(
                Code.INVALID_SEQUENCE,
                f"Invalid account number. Got {tx.account_number}, expected {account.account_number}",
            )
        if tx.sequence != account.sequence:
            raise TxRejected(Code.INVALID_SEQUENCE, f"Invalid sequence. Got {tx.sequence}, expected {account.sequence}")
        self._check_signature(tx)
        return account

    @staticmethod
    def _single_signer(msg: Msg) -> str:
        if isinstance(msg, Send) and not msg.inputs:
            raise TxRejected(Code.NO_INPUTS, "no inputs to send transaction")
        found = signers(msg)
        if len(found) != 1:
            raise TxRejected(Code.UNAUTHORIZED, f"wrong number of signers: expected {len(found)}, got 1 signature")
        return found[0]

    def _check_signature(self, tx: SignedTx) -> None:
        if not verify(tx.public_key, tx.signature, self.sign_doc(tx)):
            raise TxRejected(Code.UNAUTHORIZED, "signature verification failed")

    def sign_doc(self, tx: SignedTx) -> bytes:
        """The bytes the node checks the signature against, rebuilt from the tx and this chain's id.

        Using this devnet's chain id makes a tx signed for another chain fail verification.
        """
        doc = sign_bytes(
            msg=tx.msg,
            chain_id=self.chain_id,
            account_number=tx.account_number,
            sequence=tx.sequence,
            memo=tx.memo,
            source=tx.source,
        )
        if not tx.data:
            return doc
        # The node signs non-empty data too (Go's []byte: base64); app.chain only signs "data": null.
        fields = json.loads(doc)
        fields["data"] = base64.b64encode(tx.data).decode()
        return canonical_json(fields)

    # ---- message handlers (check everything, then write) ----

    def _apply(self, tx: SignedTx, account: Account, digest: str) -> str:
        self._check_memo(tx)
        msg = tx.msg
        if isinstance(msg, NewOrder):
            return self._new_order(msg, account, tx.sequence, digest)
        if isinstance(msg, CancelOrder):
            return self._cancel_order(msg, account)
        if isinstance(msg, Send):
            return self._send(msg, account)
        if isinstance(msg, TokenUnfreeze):  # before TokenFreeze: TokenUnfreeze subclasses it
            return self._unfreeze(msg, account)
        if isinstance(msg, TokenFreeze):
            return self._freeze(msg, account)
        if isinstance(msg, Vote):
            return self._vote(msg, account)
        raise TxRejected(Code.TX_DECODE, "tx parse error")  # decode_msg knows no other type

    @staticmethod
    def _check_memo(tx: SignedTx) -> None:
        if len(tx.memo.encode()) > MAX_MEMO_BYTES:
            raise TxRejected(Code.MEMO_TOO_LARGE, f"memo too large: at most {MAX_MEMO_BYTES} bytes")
        if tx.memo and not isinstance(tx.msg, Send):
            raise TxRejected(Code.INVALID_MEMO, "invalid memo: only transfers may carry a memo")

    def _new_order(self, msg: NewOrder, account: Account, sequence: int, digest: str) -> str:
        locked_symbol, amount = self._check_order(msg, sequence)
        if (msg.symbol, msg.id) in self._orders:
            raise TxRejected(Code.DUPLICATED_ORDER, f"Duplicated order [{msg.id}] on symbol [{msg.symbol}]")
        if account.free(locked_symbol) < amount:
            raise TxRejected(Code.INSUFFICIENT_COINS, f"insufficient funds: do not have enough {locked_symbol} to lock")
        data = json.dumps({"order_id": msg.id}, separators=(",", ":"))
        if msg.timeinforce == TIF_IOC:
            return data  # no matching engine: an IOC order expires at once and its lock is released
        balance = account.balance(locked_symbol)
        balance.free -= amount
        balance.locked += amount
        self._orders[(msg.symbol, msg.id)] = Order(
            id=msg.id,
            sender=msg.sender,
            symbol=msg.symbol,
            side=msg.side,
            price=msg.price,
            quantity=msg.quantity,
            timeinforce=msg.timeinforce,
            tx_hash=digest,
            height=self.height + 1,
            locked_symbol=locked_symbol,
            locked_amount=amount,
        )
        return data

    def _check_order(self, msg: NewOrder, sequence: int) -> tuple[str, int]:
        """Validate a new order; return the symbol and amount it locks."""
        expected = order_id(decode_address(msg.sender), sequence)
        if msg.id != expected:
            raise TxRejected(Code.INVALID_ORDER_PARAM, f"invalid order id: expected `{expected}`")
        if msg.symbol not in self.pairs:
            raise TxRejected(Code.INVALID_ORDER_PARAM, f"trading pair not found: {msg.symbol}")
        _check_order_fields(msg)
        base, quote = split_pair(msg.symbol)
        if msg.side == SIDE_SELL:
            return base, msg.quantity
        amount = notional(msg.price, msg.quantity)
        if amount > INT64_MAX:
            raise TxRejected(Code.INVALID_ORDER_PARAM, "notional value of the order is too large (cannot fit in int64)")
        if amount == 0:
            raise TxRejected(Code.INVALID_ORDER_PARAM, "notional value of the order is too small")
        return quote, amount

    def _cancel_order(self, msg: CancelOrder, account: Account) -> str:
        order = self._orders.get((msg.symbol, msg.refid))
        if order is None:
            raise TxRejected(Code.ORDER_NOT_FOUND, f"Failed to find order [{msg.refid}]")
        if order.sender != msg.sender:
            raise TxRejected(Code.ORDER_NOT_FOUND, f"Order [{msg.refid}] does not belong to transaction sender")
        balance = account.balance(order.locked_symbol)
        balance.locked -= order.locked_amount
        balance.free += order.locked_amount
        del self._orders[(msg.symbol, msg.refid)]
        return ""

    def _send(self, msg: Send, account: Account) -> str:
        if not msg.outputs:
            raise TxRejected(Code.NO_OUTPUTS, "no outputs to send transaction")
        for side in (*msg.inputs, *msg.outputs):
            _check_coins(side)
        totals = _coin_totals(msg.inputs)
        if totals != _coin_totals(msg.outputs):
            raise TxRejected(Code.INVALID_COINS, "inputs and outputs don't match")
        for denom, amount in totals.items():
            if account.free(denom) < amount:
                raise TxRejected(
                    Code.INSUFFICIENT_COINS, f"insufficient funds: {account.free(denom)}{denom} < {amount}{denom}"
                )
        for denom, amount in totals.items():
            account.balance(denom).free -= amount
        for output in msg.outputs:
            receiver = self._get_or_create(output.address)
            for coin in output.coins:
                receiver.balance(coin.denom).free += coin.amount
        return ""

    def _freeze(self, msg: TokenFreeze, account: Account) -> str:
        _check_token_amount(msg)
        if account.free(msg.symbol) < msg.amount:
            raise TxRejected(Code.INSUFFICIENT_COINS, "insufficient funds: do not have enough token to freeze")
        balance = account.balance(msg.symbol)
        balance.free -= msg.amount
        balance.frozen += msg.amount
        return ""

    def _unfreeze(self, msg: TokenUnfreeze, account: Account) -> str:
        _check_token_amount(msg)
        balance = account.balances.get(msg.symbol)
        if balance is None or balance.frozen < msg.amount:
            raise TxRejected(Code.INSUFFICIENT_COINS, "insufficient funds: do not have enough token to unfreeze")
        balance.frozen -= msg.amount
        balance.free += msg.amount
        return ""

    def _vote(self, msg: Vote, account: Account) -> str:
        if not 1 <= msg.proposal_id <= self.proposals:
            raise TxRejected(Code.UNKNOWN_PROPOSAL, f"Unknown proposal with id {msg.proposal_id}")
        # A second vote by the same voter replaces the first, as in cosmos gov.
        self._votes.setdefault(msg.proposal_id, {})[account.address] = msg.option
        return ""


# ---- helpers without state ----


def default_pairs(coins: Mapping[str, int]) -> list[str]:
    """ANN-457_BNB plus every genesis coin other than BNB against BNB."""
    pairs = {DEFAULT_PAIR}
    pairs.update(f"{symbol}_BNB" for symbol in coins if symbol != "BNB")
    return sorted(pairs)


def _check_genesis_coins(coins: Mapping[str, int]) -> None:
    for symbol, amount in coins.items():
        check_token_symbol(symbol)
        if not 0 < amount <= INT64_MAX:
            raise ValueError(f"genesis amount of {symbol} must be between 1 and 2^63 - 1 units")


def _fits_int64(tx: SignedTx) -> bool:
    """The node decodes these fields as int64: larger varints are not a valid tx."""
    msg = tx.msg
    numbers = [tx.account_number, tx.sequence, tx.source]
    if isinstance(msg, NewOrder):
        numbers += [msg.price, msg.quantity, msg.side, msg.ordertype, msg.timeinforce]
    elif isinstance(msg, Send):
        numbers += [c.amount for side in (*msg.inputs, *msg.outputs) for c in side.coins]
    elif isinstance(msg, TokenFreeze):
        numbers.append(msg.amount)
    elif isinstance(msg, Vote):
        numbers.append(msg.proposal_id)
    return all(n <= INT64_MAX for n in numbers)


def _check_order_fields(msg: NewOrder) -> None:
    problems = {
        "ordertype must be 2 (limit)": msg.ordertype != ORDER_TYPE_LIMIT,
        "side must be 1 (buy) or 2 (sell)": msg.side not in (SIDE_BUY, SIDE_SELL),
        "timeinforce must be 1 (GTE) or 3 (IOC)": msg.timeinforce not in (TIF_GTE, TIF_IOC),
        "price must be positive": msg.price <= 0,
        "quantity must be positive": msg.quantity <= 0,
    }
    for problem, failed in problems.items():
        if failed:
            raise TxRejected(Code.INVALID_ORDER_PARAM, f"Invalid order parameter value - {problem}")


def _check_coins(side: InOut) -> None:
    """Non-empty, valid symbols, positive amounts, denoms sorted and unique (sdk.Coins.IsValid)."""
    coins = side.coins
    if not coins:
        raise TxRejected(Code.INVALID_COINS, f"invalid coins: {side.address} moves no coins")
    denoms = [c.denom for c in coins]
    if denoms != sorted(set(denoms)):
        raise TxRejected(Code.INVALID_COINS, "invalid coins: denoms must be sorted and unique")
    for coin in coins:
        _check_coin(coin)


def _check_coin(coin: Coin) -> None:
    try:
        check_token_symbol(coin.denom)
    except InvalidInput:
        raise TxRejected(Code.INVALID_COINS, f"invalid coins: bad denom {coin.denom!r}") from None
    if coin.amount <= 0:
        raise TxRejected(Code.INVALID_COINS, f"invalid coins: {coin.denom} amount must be positive")


def _coin_totals(sides: Sequence[InOut]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for side in sides:
        for coin in side.coins:
            totals[coin.denom] = totals.get(coin.denom, 0) + coin.amount
    return totals


def _check_token_amount(msg: TokenFreeze) -> None:
    try:
        check_token_symbol(msg.symbol)
    except InvalidInput:
        raise TxRejected(Code.INVALID_COINS, f"invalid coins: bad symbol {msg.symbol!r}") from None
    if msg.amount <= 0:
        raise TxRejected(Code.INVALID_COINS, "invalid coins: amount must be positive")
