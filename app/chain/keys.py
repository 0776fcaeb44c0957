"""secp256k1 signing keys from hex or BIP39 mnemonics (path m/44'/714'/0'/0/index)."""

import hashlib
import hmac
from functools import cached_property

import coincurve
from mnemonic import Mnemonic

from app.chain.address import encode_address, key_hash
from app.chain.errors import InvalidKey

HARDENED = 0x80000000
BNB_COIN_TYPE = 714
_BIP39 = Mnemonic("english")


def derivation_path(index: int) -> tuple[int, ...]:
    """m/44'/714'/0'/0/index, the Binance Chain account path."""
    if not 0 <= index < HARDENED:
        raise InvalidKey("account_index must be between 0 and 2^31 - 1")
    return (44 | HARDENED, BNB_COIN_TYPE | HARDENED, 0 | HARDENED, 0, index)


def _derive_bip32(seed: bytes, path: tuple[int, ...]) -> bytes:
    """BIP32 private child derivation.

    Written by hand over coincurve rather than pulling in bip-utils (dozens of coins, ~40 modules,
    slower cold start) for these dozen lines; checked against BIP32 test vector 1 and the chain's
    published mnemonic vectors in tests/chain.
    """
    digest = hmac.new(b"Bitcoin seed", seed, hashlib.sha512).digest()
    key, chain_code = coincurve.PrivateKey(digest[:32]), digest[32:]
    for index in path:
        if index & HARDENED:
            data = b"\x00" + key.secret + index.to_bytes(4, "big")
        else:
            data = key.public_key.format(compressed=True) + index.to_bytes(4, "big")
        digest = hmac.new(chain_code, data, hashlib.sha512).digest()
        # add() is the tweak-add mod n; it raises on the (2^-127) invalid cases BIP32 skips.
        key, chain_code = key.add(digest[:32]), digest[32:]
    return key.secret


class SigningKey:
    """A secp256k1 private key that signs the chain's sign bytes.

    repr() never shows the secret, so a key in a log line or a traceback gives nothing away.
    """

    __slots__ = ("__dict__", "_key")

    def __init__(self, secret: bytes) -> None:
        if len(secret) != 32:
            raise InvalidKey("private key must be 32 bytes (64 hex characters)")
        try:
            self._key = coincurve.PrivateKey(secret)
        except ValueError:
            raise InvalidKey("private key is out of the secp256k1 range") from None

    @classmethod
    def from_hex(cls, private_key: str) -> "SigningKey":
        """A key from 64 hex characters (an optional 0x prefix is allowed)."""
        text = private_key.strip()
        text = text[2:] if text[:2].lower() == "0x" else text
        try:
            secret = bytes.fromhex(text)
        except ValueError:
            raise InvalidKey("private key is not hex") from None
        return cls(secret)

    @classmethod
    def from_mnemonic(cls, mnemonic: str, *, passphrase: str = "", index: int = 0) -> "SigningKey":
        """A key from a BIP39 mnemonic at m/44'/714'/0'/0/index."""
        words = " ".join(mnemonic.split())
        if not _BIP39.check(words):
            raise InvalidKey("mnemonic is not a valid BIP39 English phrase (word list or checksum)")
        seed = Mnemonic.to_seed(words, passphrase)
        return cls(_derive_bip32(seed, derivation_path(index)))

    def __repr__(self) -> str:
        return f"SigningKey(public_key={self.public_key.hex()})"

    def export_secret(self) -> bytes:
        """The 32-byte secret, for writing an encrypted keystore only (the keystore CLI)."""
        return bytes(self._key.secret)

    @cached_property
    def public_key(self) -> bytes:
        """The 33-byte compressed public key."""
        return self._key.public_key.format(compressed=True)

    @cached_property
    def account_id(self) -> bytes:
        """The 20-byte account id (what a bech32 address encodes)."""
        return key_hash(self.public_key)

    def address(self, hrp: str) -> str:
        """The bech32 address of this key under hrp."""
        return encode_address(hrp, self.account_id)

    def sign(self, message: bytes) -> bytes:
        """64-byte r||s ECDSA signature over SHA-256(message), RFC6979 nonce, low-S."""
        return self.sign_digest(_sha256(message))

    def sign_digest(self, digest: bytes) -> bytes:
        """64-byte r||s ECDSA signature over a 32-byte digest, RFC6979 nonce, low-S."""
        if len(digest) != 32:
            raise ValueError("digest must be 32 bytes")
        # libsecp256k1 always produces low-S; the recovery byte is dropped (the chain wants r||s).
        return self._key.sign_recoverable(digest, hasher=None)[:64]


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def verify(public_key: bytes, signature: bytes, message: bytes) -> bool:
    """Check a 64-byte r||s signature over SHA-256(message); high-S signatures fail, as on chain."""
    if len(signature) != 64:
        return False
    try:
        key = coincurve.PublicKey(public_key)
        der = coincurve.ecdsa.cdata_to_der(coincurve.ecdsa.deserialize_compact(signature))
        return key.verify(der, message, hasher=_sha256)
    except (ValueError, TypeError):
        return False
