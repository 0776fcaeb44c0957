"""Request models for issuing and managing a BEP2 token (IssueMsg, MintMsg, BurnMsg).

Issuing and minting create coins, so they spend nothing; a burn destroys the wallet's own coins,
so its amount is spend. The chain names an issued token SYMBOL-XXX (XXX from the tx hash): the
issue broadcast's "data" carries it, and a mint needs that name (the demo's example is a
placeholder until then). Only the token's owner may mint, and only a mintable token.
"""

from typing import Annotated, Any

from pydantic import ConfigDict, Field, StrictBool

from app.chain.messages.tokens import MAX_TOKEN_NAME_BYTES
from app.signing.fields import SignableMsg, shown, utf8_within
from app.signing.requests import Amount, TokenSymbol

# The bare symbol, as the issuer writes it: the chain checks 2-8 alphanumerics (plus ".B") and adds -XXX.
IssueSymbol = Annotated[str, Field(min_length=1, max_length=10, examples=["DEMO"])]


class IssueMsg(SignableMsg):
    """Issue a new token: its whole supply is credited to the wallet, which becomes its owner."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"name": "Demo Token", "symbol": "DEMO", "total_supply": "1000000", "mintable": True}]
        },
    )
    name: Annotated[str, Field(min_length=1, max_length=MAX_TOKEN_NAME_BYTES), utf8_within(MAX_TOKEN_NAME_BYTES)]
    symbol: IssueSymbol
    total_supply: Amount
    mintable: StrictBool = False

    def audit_summary(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "symbol": self.symbol,
            "total_supply": shown(self.total_supply),
            "mintable": self.mintable,
        }


class MintMsg(SignableMsg):
    """Mint more of a mintable token the wallet owns (its SYMBOL-XXX name)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"symbol": "DEMO-1A2", "amount": "500"}]})
    symbol: TokenSymbol
    amount: Amount

    def audit_summary(self) -> dict[str, Any]:
        return {"symbol": self.symbol, "amount": shown(self.amount)}


class BurnMsg(SignableMsg):
    """Destroy an amount of a token the wallet holds (lowers its supply)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"symbol": "ANN-457", "amount": "1"}]})
    symbol: TokenSymbol
    amount: Amount

    def audit_summary(self) -> dict[str, Any]:
        return {"symbol": self.symbol, "amount": shown(self.amount)}
