"""Token issuing, minting and burning, transfers out to BSC and account flags on the devnet ledger.

As bnb-chain/node plugins/tokens/{issue,burn}/handler.go, plugins/bridge/handler.go and
plugins/account/handler.go did them. No fees are charged (the devnet charges none), so TransferOut
moves only the amount, not the relay fee.
"""

import json

from app.chain.messages import TOKEN_MAX_TOTAL_SUPPLY, Burn, Issue, Mint, SetAccountFlags, TransferOut
from app.chain.messages.bridge import MIN_EXPIRE_SECONDS
from app.devnet.records import Account, Code, LedgerState, Token, TxContext, TxRejected

TX_HASH_SUFFIX_LENGTH = 3  # the node's TokenSymbolTxHashSuffixLen


def issue(state: LedgerState, ctx: TxContext, msg: Issue, account: Account) -> str:
    """Create SYMBOL-XXX (XXX = the first 3 hex digits of the tx hash) and credit its supply to the issuer."""
    symbol = f"{msg.symbol.upper()}-{ctx.tx_hash[:TX_HASH_SUFFIX_LENGTH].upper()}"
    if symbol in state.tokens:
        raise TxRejected(Code.INVALID_COINS, f"symbol({msg.symbol}) already exists")
    if symbol.partition("-")[0] in ("BNB", "BNB.B"):
        raise TxRejected(Code.INTERNAL, "unable to create token struct: native token symbol should not be suffixed")
    token = Token(symbol=symbol, name=msg.name, owner=msg.from_, total_supply=msg.total_supply, mintable=msg.mintable)
    state.tokens[symbol] = token
    account.balance(symbol).free += msg.total_supply
    return json.dumps(
        {
            "name": token.name,
            "symbol": symbol,
            "original_symbol": msg.symbol.upper(),
            "total_supply": str(token.total_supply),
            "owner": token.owner,
            "mintable": token.mintable,
        },
        separators=(",", ":"),
    )


def mint(state: LedgerState, ctx: TxContext, msg: Mint, account: Account) -> str:
    """Add to a mintable token's supply and to its owner's balance; only the owner may."""
    token = state.tokens.get(msg.symbol.upper())
    if token is None:
        raise TxRejected(Code.INVALID_COINS, f"symbol({msg.symbol}) does not exist")
    if not token.mintable:
        raise TxRejected(Code.INVALID_COINS, f"token({msg.symbol}) cannot be minted")
    if token.owner != msg.from_:
        raise TxRejected(Code.UNAUTHORIZED, f"only the owner can mint token {msg.symbol}")
    if msg.amount > TOKEN_MAX_TOTAL_SUPPLY - token.total_supply:
        raise TxRejected(
            Code.INVALID_COINS, f"mint amount is too large, the max total supply is {TOKEN_MAX_TOTAL_SUPPLY}"
        )
    token.total_supply += msg.amount
    account.balance(token.symbol).free += msg.amount
    return str(token.total_supply)


def burn(state: LedgerState, ctx: TxContext, msg: Burn, account: Account) -> str:
    """Destroy coins the sender holds (any holder since BEP82) and lower the supply."""
    symbol = msg.symbol.upper()
    token = state.tokens.get(symbol)
    if token is None:
        raise TxRejected(Code.INVALID_COINS, f"token {msg.symbol} does not exist")
    if account.free(symbol) < msg.amount or token.total_supply < msg.amount:
        raise TxRejected(Code.INSUFFICIENT_COINS, "do not have enough token to burn")
    account.balance(symbol).free -= msg.amount
    token.total_supply -= msg.amount
    return ""


def transfer_out(state: LedgerState, ctx: TxContext, msg: TransferOut, account: Account) -> str:
    """Move coins to BSC: they leave the account (into the peg) once the expire time is far enough ahead."""
    if msg.expire_time <= ctx.time + MIN_EXPIRE_SECONDS:
        raise TxRejected(
            Code.BRIDGE_INVALID_EXPIRE_TIME, f"expire time should be {MIN_EXPIRE_SECONDS} seconds after now({ctx.time})"
        )
    symbol = msg.amount.denom
    token = state.tokens.get(symbol)
    if token is None:
        raise TxRejected(Code.INVALID_COINS, f"symbol({symbol}) does not exist")
    if not token.bound_to_bsc:
        raise TxRejected(Code.BRIDGE_TOKEN_NOT_BOUND, f"token {symbol} is not bound")
    if account.free(symbol) < msg.amount.amount:
        raise TxRejected(
            Code.INSUFFICIENT_COINS, f"insufficient funds: {account.free(symbol)}{symbol} < {msg.amount.amount}{symbol}"
        )
    account.balance(symbol).free -= msg.amount.amount
    state.pegged[symbol] = state.pegged.get(symbol, 0) + msg.amount.amount
    return ""


def set_account_flags(state: LedgerState, ctx: TxContext, msg: SetAccountFlags, account: Account) -> str:
    """Replace the account's flags."""
    account.flags = msg.flags
    return ""
