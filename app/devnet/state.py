"""The devnet ledger: accounts, balances, orders, votes, tokens, locks, swaps and delegations, in memory.

It checks a signed tx the way the Binance Chain node's ante handler and message handlers did
(decode, signer, public key, account number, sequence, signature, message rules) and applies it
atomically: every check runs before the first write, so a rejected tx changes nothing.

Deliberate simplifications, so the service can be exercised end to end without a real chain:
- No fees: nothing is ever charged, so a balance moves only by what a message says.
- No matching engine: GTE orders rest on the book until cancelled, IOC orders expire at once
  (their locked funds come straight back). Nothing ever trades.
- One tx is one block: the height is the number of committed txs (plus skip_blocks' empty ones);
  the block time is the clock's time when the tx arrives.
- Coins waiting in a time lock, a swap or a delegation are locked balances of who paid them in
  (the chain held them in module accounts).

No HTTP here: rejections carry the chain's ABCI code and the server picks the HTTP status.
The state itself is plain data (app.devnet.records.LedgerState, on `ledger.state`).
"""

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Callable, Mapping, Sequence

from app.chain.address import decode_address, encode_address, key_hash
from app.chain.amounts import INT64_MAX, UNITS_PER_COIN
from app.chain.errors import DecodeError, InvalidInput, RuleViolation
from app.chain.keys import verify
from app.chain.messages import (
    BSC_SIDE_CHAIN_ID,
    NATIVE_TOKEN,
    VALIDATOR_HRP,
    Msg,
    Send,
    check_pair_symbol,
    check_token_symbol,
)
from app.chain.tx import SignedTx, canonical_json, decode_tx, sign_bytes, tx_hash
from app.devnet import rules_stake
from app.devnet.dispatch import fits_int64, handler_for
from app.devnet.records import (
    Account,
    Balance,
    Code,
    CommittedTx,
    LedgerState,
    Order,
    Params,
    Swap,
    TimeLockRecord,
    Token,
    TxContext,
    TxRejected,
)
from app.devnet.rules_core import notional, split_pair

DEFAULT_GENESIS_COINS: Mapping[str, int] = {"BNB": 1_000_000 * UNITS_PER_COIN, "ANN-457": 1_000_000 * UNITS_PER_COIN}
DEFAULT_PAIR = "ANN-457_BNB"
DEFAULT_PROPOSALS = 10
# Two side-chain validators, so delegating and redelegating work out of the box.
DEFAULT_VALIDATORS = tuple(
    encode_address(VALIDATOR_HRP, hashlib.sha256(f"devnet validator {i}".encode()).digest()[:20]) for i in (1, 2)
)
MAX_MEMO_BYTES = 100  # the node compares Go's len(memo): UTF-8 bytes, not characters
MAX_TX_BYTES = 1 << 20

__all__ = [
    "DEFAULT_GENESIS_COINS",
    "DEFAULT_PAIR",
    "DEFAULT_PROPOSALS",
    "DEFAULT_VALIDATORS",
    "MAX_MEMO_BYTES",
    "MAX_TX_BYTES",
    "Account",
    "Balance",
    "Code",
    "CommittedTx",
    "Ledger",
    "Order",
    "Swap",
    "TxRejected",
    "default_pairs",
    "notional",
    "split_pair",
]


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
        validators: Sequence[str] = DEFAULT_VALIDATORS,
        side_chain_id: str = BSC_SIDE_CHAIN_ID,
        clock: Callable[[], float] = time.time,
    ) -> None:
        coins = dict(DEFAULT_GENESIS_COINS if genesis_coins is None else genesis_coins)
        _check_genesis_coins(coins)
        if proposals < 0:
            raise ValueError("proposals must be >= 0")
        self.chain_id = chain_id
        self.hrp = hrp
        self.pairs = frozenset(check_pair_symbol(p) for p in (pairs if pairs is not None else default_pairs(coins)))
        self.proposals = proposals
        self.params = Params(
            chain_id=chain_id,
            hrp=hrp,
            pairs=self.pairs,
            proposals=proposals,
            side_chain_id=side_chain_id,
            validators=frozenset(encode_address(VALIDATOR_HRP, decode_address(v, VALIDATOR_HRP)) for v in validators),
        )
        self.state = LedgerState()
        # Names this ledger (saved with --state, shown in node-info): a demo tells its own devnet from another.
        self.ledger_id = secrets.token_hex(8)
        self._clock = clock
        self._lock = threading.Lock()
        for symbol in coins:
            bound = symbol == NATIVE_TOKEN  # BNB is bound to its BSC contract; genesis tokens are not
            self.state.tokens[symbol] = Token(symbol, symbol, owner="", total_supply=0, bound_to_bsc=bound)
        for address in dict.fromkeys(self.normalize(a) for a in genesis):  # each address funded once
            self._fund(address, coins)

    # ---- reads ----

    @property
    def height(self) -> int:
        """Number of blocks: one per committed tx, plus those skip_blocks added."""
        return self.state.height

    def now(self) -> int:
        """The block time of the next tx (unix seconds)."""
        return int(self._clock())

    def normalize(self, address: str) -> str:
        """Canonical lower-case bech32 of address under this chain's hrp; InvalidInput otherwise."""
        return encode_address(self.hrp, decode_address(address, self.hrp))

    def account(self, address: str) -> Account | None:
        """The account at address, or None if it was never funded or the address is invalid."""
        try:
            return self.state.accounts.get(self.normalize(address))
        except InvalidInput:
            return None

    def tx(self, hash_hex: str) -> CommittedTx | None:
        """A committed tx by its hash (any case)."""
        return self.state.txs.get(hash_hex.upper())

    def open_orders(self, address: str) -> list[Order]:
        """Open orders of address, oldest first."""
        try:
            owner = self.normalize(address)
        except InvalidInput:
            return []
        return [o for o in self.state.orders.values() if o.sender == owner]

    def vote(self, proposal_id: int, voter: str) -> int | None:
        """The option (1..4) voter chose on proposal_id, if any."""
        return self.state.votes.get(proposal_id, {}).get(voter)

    def token(self, symbol: str) -> Token | None:
        """A token by symbol (genesis coins and issued tokens)."""
        return self.state.tokens.get(symbol)

    def swap(self, swap_id_hex: str) -> Swap | None:
        """An atomic swap by its id (hex, any case)."""
        return self.state.swaps.get(swap_id_hex.lower())

    def time_locks(self, address: str) -> dict[int, TimeLockRecord]:
        """The open time locks of address, by id."""
        return dict(self.state.time_locks.get(address, {}))

    def delegations(self, address: str) -> dict[str, int]:
        """What address has delegated, per validator."""
        return dict(self.state.delegations.get(address, {}))

    # ---- writes ----

    def broadcast(self, raw: bytes) -> CommittedTx:
        """Check and apply signed tx bytes; TxRejected (with nothing changed) if the node would refuse them."""
        with self._lock:
            now = self.now()
            rules_stake.mature_unbondings(self.state, now)
            tx = self._decode(raw)
            account = self._authenticate(tx)
            digest = tx_hash(raw)
            data = self._apply(tx, account, TxContext(self.params, self.height + 1, now, digest, tx.sequence, tx.memo))
            account.sequence += 1
            account.public_key = tx.public_key
            committed = CommittedTx(hash=digest, height=self.height + 1, tx=tx, data=data)
            self.state.txs[digest] = committed
            return committed

    def skip_blocks(self, count: int) -> int:
        """Add `count` empty blocks (for tests of swap expiry); return the new height."""
        if count < 0:
            raise ValueError("count must be >= 0")
        with self._lock:
            self.state.empty_blocks += count
            return self.height

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
        account = self.state.get_or_create(address)
        for symbol, amount in coins.items():
            account.balance(symbol).free += amount
            self.state.tokens[symbol].total_supply += amount

    # ---- ante handler ----

    def _decode(self, raw: bytes) -> SignedTx:
        if not raw or len(raw) > MAX_TX_BYTES:
            raise TxRejected(Code.TX_DECODE, "tx parse error")
        try:
            tx = decode_tx(raw, self.hrp)
        except (DecodeError, InvalidInput):
            raise TxRejected(Code.TX_DECODE, "tx parse error") from None
        if not fits_int64(tx):
            raise TxRejected(Code.TX_DECODE, "tx parse error")
        return tx

    def _authenticate(self, tx: SignedTx) -> Account:
        signer = self._single_signer(tx.msg)
        account = self.state.accounts.get(signer)
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
        found = msg.signers()
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

    def _apply(self, tx: SignedTx, account: Account, ctx: TxContext) -> str:
        self._check_memo(tx)
        handler, validate = handler_for(tx.msg)
        if validate:
            try:
                tx.msg.validate()
            except RuleViolation as exc:
                raise TxRejected(Code(exc.code), str(exc)) from None
        return handler(self.state, ctx, tx.msg, account)

    @staticmethod
    def _check_memo(tx: SignedTx) -> None:
        if len(tx.memo.encode()) > MAX_MEMO_BYTES:
            raise TxRejected(Code.MEMO_TOO_LARGE, f"memo too large: at most {MAX_MEMO_BYTES} bytes")
        if tx.memo and not isinstance(tx.msg, Send):
            raise TxRejected(Code.INVALID_MEMO, "invalid memo: only transfers may carry a memo")


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
