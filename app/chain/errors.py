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
