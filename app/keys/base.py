"""The protocol every key source implements, and the errors a key source may raise."""

from typing import Protocol, runtime_checkable


class KeySetupError(Exception):
    """A key source cannot be opened (unreachable backend, wrong PIN, missing key, wrong curve).

    The message names the reason, never a PIN, a password or key material.
    """


class KeyBackendUnavailable(Exception):
    """A key backend failed or did not answer in time while signing; nothing was signed."""


@runtime_checkable
class KeySource(Protocol):
    """Where a wallet's private key lives; the service only ever asks it for signatures.

    kind names the source for operators ("private_key", "mnemonic", "keystore", "pkcs11", "aws_kms").
    public_key is the 33-byte compressed secp256k1 public key.
    sign(digest) signs a 32-byte SHA-256 digest of the sign bytes and returns the 64-byte compact
    r || s signature with s in the low half of the curve order (the chain refuses high-S).
    """

    @property
    def kind(self) -> str: ...

    @property
    def public_key(self) -> bytes: ...

    async def sign(self, digest: bytes) -> bytes: ...

    async def check(self) -> None:
        """Raise KeyBackendUnavailable if the backend cannot sign now (for /ready)."""
        ...

    async def aclose(self) -> None: ...
