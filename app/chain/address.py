"""Bech32 account addresses: RIPEMD160(SHA256(compressed public key)) under an hrp."""

import hashlib
from functools import lru_cache

import bech32

from app.chain.errors import InvalidInput

ADDRESS_LENGTH = 20


def key_hash(public_key: bytes) -> bytes:
    """The 20-byte account id of a 33-byte compressed secp256k1 public key."""
    sha = hashlib.sha256(public_key).digest()
    return hashlib.new("ripemd160", sha).digest()


@lru_cache(maxsize=4096)
def encode_address(hrp: str, raw: bytes) -> str:
    """Bech32-encode a 20-byte account id."""
    if len(raw) != ADDRESS_LENGTH:
        raise InvalidInput(f"an address holds {ADDRESS_LENGTH} bytes, not {len(raw)}")
    words = bech32.convertbits(raw, 8, 5)
    assert words is not None  # 8->5 bit conversion with padding cannot fail
    return bech32.bech32_encode(hrp, words)


@lru_cache(maxsize=4096)  # pure and hot: cache by string (only valid addresses, <= 90 chars, are ever kept)
def decode_address(address: str, hrp: str | None = None) -> bytes:
    """The 20-byte account id of a bech32 address, checking its checksum and (if given) its hrp."""
    if not isinstance(address, str) or not address.isascii() or len(address) > 90:
        raise InvalidInput("address is not a bech32 string")
    found_hrp, words = bech32.bech32_decode(address)
    if found_hrp is None or words is None:
        raise InvalidInput("address is not valid bech32 (bad characters or checksum)")
    if hrp is not None and found_hrp != hrp:
        raise InvalidInput(f"address must start with '{hrp}1' for this wallet's chain")
    raw = bech32.convertbits(words, 5, 8, False)
    if raw is None or len(raw) != ADDRESS_LENGTH:
        raise InvalidInput(f"address must hold {ADDRESS_LENGTH} bytes")
    return bytes(raw)


def normalize_address(address: str, hrp: str) -> str:
    """The canonical (lower-case) form of an address, as the node re-encodes it for signing."""
    return encode_address(hrp, decode_address(address, hrp))
