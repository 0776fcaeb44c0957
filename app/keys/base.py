"""The protocol every key source implements, and the errors a key source may raise."""

from typing import Literal, Protocol, get_args, runtime_checkable

# Why a backend failed to sign, as a bounded set (audit rows, log lines and a metric label carry it):
# invalid_signature: it answered a signature that does not verify against the wallet's public key;
# bad_answer: its answer cannot be parsed (not DER, not 64 bytes, r or s out of range, garbage body);
# backend_error: it answered with an error (KMS 4xx/5xx, a PKCS#11 CKR_ code);
# unreachable: no connection, or the connection or the token went away mid-call;
# timeout: no answer within timeout_seconds; closed: the key source was closed (shutting down).
Cause = Literal["invalid_signature", "bad_answer", "backend_error", "unreachable", "timeout", "closed"]
CAUSES: tuple[Cause, ...] = get_args(Cause)


class KeySetupError(Exception):
    """A key source cannot be opened (unreachable backend, wrong PIN, missing key, wrong curve).

    The message names the reason, never a PIN, a password or key material.
    """


class KeyBackendUnavailable(Exception):
    """A key backend failed or did not answer in time while signing; nothing was signed.

    cause is the failure's class (one of CAUSES); the message names the reason, never a secret.
    """

    def __init__(self, message: str, *, cause: Cause) -> None:
        super().__init__(message)
        self.cause: Cause = cause


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
