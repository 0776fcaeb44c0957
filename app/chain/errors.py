"""Errors raised by the chain package; the web layer maps them to HTTP statuses."""


class ChainError(Exception):
    """Base class for every error the chain package raises."""


class InvalidInput(ChainError, ValueError):
    """A value that cannot be encoded for the chain (bad address, amount, symbol...)."""


class InvalidKey(InvalidInput):
    """A private key or mnemonic that cannot be used.

    The message never contains the key material itself.
    """


class DecodeError(ChainError, ValueError):
    """Bytes that are not a well-formed Binance Chain transaction."""


class RuleViolation(InvalidInput):
    """A message that breaks one of the chain's own rules (its ValidateBasic).

    `code` is the ABCI code the node answered with (app.chain.codes.AbciCode), so the devnet can
    refuse the tx exactly as the chain did while the web layer shows the message, which names the rule.
    """

    def __init__(self, message: str, *, code: int) -> None:
        super().__init__(message)
        self.code = code
