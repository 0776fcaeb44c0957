"""Encrypted key files in the Web3 Secret Storage v3 format (the JSON keystore Ethereum tools write).

kdf scrypt or pbkdf2 (hmac-sha256), cipher aes-128-ctr, mac = keccak-256(dk[16:32] + ciphertext).

Built on pycryptodome (AES-128-CTR, Keccak-256) and hashlib (scrypt, PBKDF2) rather than
eth-keyfile: eth-keyfile brings eth-keys, eth-utils, eth-typing, eth-hash, py-ecc, cytoolz and
toolz for what is here about a hundred lines over the same primitives. Checked against the
definition's published PBKDF2 and scrypt test vectors (tests/unit/test_keystore.py).
"""

import hashlib
import hmac
import json
import os
import secrets
import uuid
from pathlib import Path
from typing import Any

# Creation defaults. scrypt: geth's "standard" cost (256 MiB, about a second). PBKDF2: OWASP's
# 2023 figure for HMAC-SHA256. Loading runs the KDF once per wallet at start-up.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**18, 8, 1
PBKDF2_ITERATIONS = 600_000
DKLEN = 32
# Upper bounds on what a file may ask for, so a bad file cannot exhaust memory or hang start-up.
MAX_SCRYPT_N, MAX_SCRYPT_RP, MAX_PBKDF2_ITERATIONS = 2**20, 64, 10_000_000
SECRET_BYTES = 32


class KeystoreError(ValueError):
    """A keystore cannot be read or opened; the message never holds key material or the password."""


def encrypt(secret: bytes, password: str, *, kdf: str = "scrypt", work: int | None = None) -> dict[str, Any]:
    """A v3 keystore document holding secret, encrypted under password.

    work overrides the KDF cost (scrypt n or PBKDF2 iterations); tests use it to stay fast.
    """
    if len(secret) != SECRET_BYTES:
        raise KeystoreError("keystore: the private key must be 32 bytes")
    if not password:
        raise KeystoreError("keystore: the password must not be empty")
    salt = secrets.token_bytes(32)
    if kdf == "scrypt":
        params: dict[str, Any] = {"n": work or SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P, "dklen": DKLEN}
    elif kdf == "pbkdf2":
        params = {"c": work or PBKDF2_ITERATIONS, "prf": "hmac-sha256", "dklen": DKLEN}
    else:
        raise KeystoreError(f"keystore: unsupported kdf '{kdf}' (use scrypt or pbkdf2)")
    params["salt"] = salt.hex()
    derived = _derive(kdf, params, password)
    iv = secrets.token_bytes(16)
    ciphertext = _aes_ctr(derived[:16], iv, secret)
    return {
        "crypto": {
            "cipher": "aes-128-ctr",
            "cipherparams": {"iv": iv.hex()},
            "ciphertext": ciphertext.hex(),
            "kdf": kdf,
            "kdfparams": params,
            "mac": _mac(derived, ciphertext).hex(),
        },
        "id": str(uuid.uuid4()),
        "version": 3,
    }


def decrypt(document: Any, password: str) -> bytes:
    """The 32-byte secret of a v3 keystore document; the MAC is checked before decrypting."""
    if not isinstance(document, dict) or document.get("version") != 3:
        raise KeystoreError("keystore: not a version 3 Web3 Secret Storage file")
    crypto = document.get("crypto", document.get("Crypto"))  # geth once wrote "Crypto"
    if not isinstance(crypto, dict):
        raise KeystoreError("keystore: the crypto section is missing")
    if crypto.get("cipher") != "aes-128-ctr":
        raise KeystoreError("keystore: unsupported cipher (only aes-128-ctr)")
    params = crypto.get("kdfparams")
    if not isinstance(params, dict):
        raise KeystoreError("keystore: crypto.kdfparams is missing")
    cipherparams = crypto.get("cipherparams")
    iv = _hex(cipherparams.get("iv") if isinstance(cipherparams, dict) else None, "crypto.cipherparams.iv")
    ciphertext = _hex(crypto.get("ciphertext"), "crypto.ciphertext")
    expected_mac = _hex(crypto.get("mac"), "crypto.mac")
    derived = _derive(crypto.get("kdf"), params, password)
    # Constant-time comparison; a wrong password and a tampered file look the same here.
    if not hmac.compare_digest(_mac(derived, ciphertext), expected_mac):
        raise KeystoreError("keystore password is wrong (MAC mismatch)")
    if len(iv) != 16 or len(ciphertext) != SECRET_BYTES:
        raise KeystoreError("keystore: it does not hold a 32-byte private key")
    return _aes_ctr(derived[:16], iv, ciphertext)


def load(path: Path, password: str) -> bytes:
    """Read and decrypt the keystore file at path (the caller checks the file's permissions)."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise KeystoreError(f"keystore: cannot read {path}: {exc.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise KeystoreError(f"keystore: {path} is not JSON") from None
    return decrypt(document, password)


def write_new(path: Path, document: dict[str, Any]) -> None:
    """Write document to a new file only its owner can read; never replaces an existing file."""
    # O_EXCL refuses an existing file (or symlink); 0o600 is set at creation, so there is no
    # moment when the file is readable by others.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(document, indent=2) + "\n")
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def _derive(kdf: Any, params: dict[str, Any], password: str) -> bytes:
    dklen = _int(params, "dklen", 32, 64)
    if dklen < DKLEN:
        raise KeystoreError("keystore: kdfparams.dklen must be at least 32")
    salt = _hex(params.get("salt"), "crypto.kdfparams.salt")
    secret = password.encode("utf-8")
    if kdf == "scrypt":
        n, r, p = _int(params, "n", 2, MAX_SCRYPT_N), _int(params, "r", 1, 64), _int(params, "p", 1, 64)
        if n & (n - 1) or r * p > MAX_SCRYPT_RP:
            raise KeystoreError("keystore: scrypt n must be a power of two and r*p at most 64")
        if n < 2 ** (16 * r):
            maxmem = 128 * r * (n + p + 2) + 2**20  # OpenSSL's own need plus slack; it refuses less
            return hashlib.scrypt(secret, salt=salt, n=n, r=r, p=p, dklen=dklen, maxmem=maxmem)
        # OpenSSL refuses n >= 2^(16r) (RFC 7914's bound), which old files with r=1, p=8 (geth's
        # own test vector among them) use; pycryptodome computes them, about half as fast.
        from Crypto.Protocol.KDF import scrypt as pycryptodome_scrypt  # pycryptodome: only for keystores

        derived: bytes = pycryptodome_scrypt(secret, salt, dklen, N=n, r=r, p=p)
        return derived
    if kdf == "pbkdf2":
        if params.get("prf") != "hmac-sha256":
            raise KeystoreError("keystore: unsupported pbkdf2 prf (only hmac-sha256)")
        iterations = _int(params, "c", 1, MAX_PBKDF2_ITERATIONS)
        return hashlib.pbkdf2_hmac("sha256", secret, salt, iterations, dklen)
    raise KeystoreError("keystore: unsupported kdf (use scrypt or pbkdf2)")


def _mac(derived: bytes, ciphertext: bytes) -> bytes:
    from Crypto.Hash import keccak  # here, not at start-up: pycryptodome costs ~2 MB of idle RSS, keystores are rare

    return keccak.new(digest_bits=256, data=derived[16:32] + ciphertext).digest()


def _aes_ctr(key: bytes, iv: bytes, data: bytes) -> bytes:
    from Crypto.Cipher import AES  # pycryptodome: only for keystores (see _mac)

    # The whole 16-byte iv is the initial counter block, incremented as a big-endian integer.
    return AES.new(key, AES.MODE_CTR, nonce=b"", initial_value=iv).encrypt(data)


def _hex(value: Any, where: str) -> bytes:
    try:
        return bytes.fromhex(value.removeprefix("0x"))
    except (AttributeError, ValueError):
        raise KeystoreError(f"keystore: {where} is not hex") from None


def _int(params: dict[str, Any], name: str, low: int, high: int) -> int:
    value = params.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise KeystoreError(f"keystore: kdfparams.{name} must be an integer from {low} to {high}")
    return value
