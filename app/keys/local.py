"""Keys held in this process: a hex private key, a BIP39 mnemonic or a decrypted keystore."""

import hashlib

from app.chain.keys import SigningKey


class InProcessKey:
    """A KeySource whose secret is in memory; signing is pure CPU, so it may run anywhere.

    sign_now() exists only here: the signing pipeline uses it to sign inside the reservation's
    group commit (no I/O there), while remote backends sign after the reservation commits.
    """

    __slots__ = ("_key", "kind")

    def __init__(self, key: SigningKey, *, kind: str) -> None:
        self._key = key
        self.kind = kind

    def __repr__(self) -> str:
        return f"InProcessKey(kind={self.kind!r}, public_key={self.public_key.hex()})"

    @property
    def public_key(self) -> bytes:
        return self._key.public_key

    @property
    def signing_key(self) -> SigningKey:
        """The chain-level key (for tests and the keystore CLI; never for a response)."""
        return self._key

    def sign_now(self, digest: bytes) -> bytes:
        """64-byte low-S r || s over a 32-byte digest (RFC6979 nonce)."""
        return self._key.sign_digest(digest)

    async def sign_message(self, message: bytes) -> bytes:
        """64-byte low-S r || s over SHA-256(message)."""
        return self.sign_now(hashlib.sha256(message).digest())

    async def sign(self, digest: bytes) -> bytes:
        return self.sign_now(digest)

    async def check(self) -> None:
        return None

    async def aclose(self) -> None:
        return None
