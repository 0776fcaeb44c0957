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
    sign_message(message) is what the signing pipeline calls: it returns the chain's signature over
    SHA-256(message), where message is the tx's sign bytes. Each backend hashes where it must: an
    in-process key or an HSM (CKM_ECDSA signs a bare digest) hashes here, AWS KMS hashes itself
    (MessageType=RAW), which is the only mode that is right on both AWS and moto.
    sign(digest) signs a 32-byte SHA-256 digest that the caller computed (kept from the first
    protocol); KMS implements it with MessageType=DIGEST, right on AWS but hashed again by moto, so
    new code calls sign_message.
    Both return the 64-byte compact r || s with s in the low half of the curve order (the chain
    refuses high-S) and raise KeyBackendUnavailable when the backend fails or exceeds its timeout.
    """

    @property
    def kind(self) -> str: ...

    @property
    def public_key(self) -> bytes: ...

    async def sign_message(self, message: bytes) -> bytes: ...

    async def sign(self, digest: bytes) -> bytes: ...

    async def check(self) -> None:
        """Raise KeyBackendUnavailable if the backend cannot sign now (for /ready)."""
        ...

    async def aclose(self) -> None: ...
