"""A key in AWS KMS (ECC_SECG_P256K1, SIGN_VERIFY): the process can sign, never read it.

boto3 runs on the wallet's bounded worker threads (app.keys.offload), never on the event loop, each
call under `timeout_seconds`. Credentials come from the standard AWS chain only (environment,
shared config or profile, container or instance role): the config file has none.
"""

import hashlib
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    NoCredentialsError,
    ReadTimeoutError,
)
from botocore.exceptions import ConnectionError as BotoConnectionError

from app.keys.base import Cause, KeyBackendUnavailable, KeySetupError
from app.keys.ecdsa import (
    KeyFormatError,
    checked_compact,
    format_cause,
    is_high_s,
    public_key_from_spki,
    split_der,
)
from app.keys.offload import Offload, unavailable
from app.keys.settings import AwsKmsSettings

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient
else:
    KMSClient = Any

WORKERS = 4
KEY_SPEC = "ECC_SECG_P256K1"
ALGORITHM = "ECDSA_SHA_256"
RAW_LIMIT = 4096  # KMS takes at most 4096 bytes with MessageType=RAW; longer sign bytes go as a digest


class _Refused(Exception):
    """Why the key cannot be used (names no credential)."""


def _client(settings: AwsKmsSettings) -> KMSClient:
    session = boto3.session.Session(region_name=settings.region)
    if session.get_credentials() is None:
        raise NoCredentialsError()
    config = Config(
        connect_timeout=settings.timeout_seconds,
        read_timeout=settings.timeout_seconds,
        retries={"total_max_attempts": 2, "mode": "standard"},  # one retry (throttling); the deadline bounds both
        max_pool_connections=WORKERS,
    )
    return session.client("kms", endpoint_url=settings.endpoint_url, config=config)


def reason(exc: BaseException) -> str:
    """An operator-facing reason: the AWS error code or the connection failure, no credential."""
    if isinstance(exc, NoCredentialsError):
        return "no AWS credentials in the standard chain (environment, profile, container or instance role)"
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return f"KMS {error.get('Code', 'error')}: {error.get('Message', '')}".rstrip(": ")
    if isinstance(exc, BotoCoreError):
        return f"cannot reach KMS ({type(exc).__name__})"
    return str(exc)


def cause_of(exc: BaseException) -> Cause:
    """The failure class of a KMS call's exception (app.keys.base.Cause)."""
    if isinstance(exc, KeyFormatError):
        return format_cause(exc)
    if isinstance(exc, ConnectTimeoutError | ReadTimeoutError):  # botocore gave up waiting, before the offload deadline
        return "timeout"
    if isinstance(exc, BotoConnectionError | ConnectionClosedError):  # refused, reset or closed without an answer
        return "unreachable"
    if isinstance(exc, ClientError | NoCredentialsError):  # KMS answered with an error (4xx, 5xx)
        return "backend_error"
    if isinstance(exc, BotoCoreError | _Refused):  # an answer botocore or this module cannot use
        return "bad_answer"
    return "backend_error"


def _describe_key(client: KMSClient, key_id: str) -> tuple[str, bytes]:
    """(key ARN, compressed public key) of a secp256k1 signing key; _Refused otherwise."""
    answer = client.get_public_key(KeyId=key_id)
    spec = answer.get("KeySpec") or answer.get("CustomerMasterKeySpec")
    if spec != KEY_SPEC:
        raise _Refused(f"KMS key {key_id} is {spec}, not {KEY_SPEC} (secp256k1)")
    if answer.get("KeyUsage") != "SIGN_VERIFY":
        raise _Refused(f"KMS key {key_id} is not a SIGN_VERIFY key")
    if ALGORITHM not in answer.get("SigningAlgorithms", []):
        raise _Refused(f"KMS key {key_id} does not offer {ALGORITHM}")
    return answer["KeyId"], public_key_from_spki(answer["PublicKey"])


class KmsKeySource:
    """A KeySource over one asymmetric KMS key."""

    kind = "aws_kms"

    def __init__(self, *, wallet_name: str, settings: AwsKmsSettings, client: KMSClient, arn: str, public_key: bytes):
        self.wallet_name = wallet_name
        self.public_key = public_key
        self.high_s_normalized = 0  # how many KMS signatures needed s -> n - s (about half)
        self._settings = settings
        self._client = client
        # Sign with the key id GetPublicKey resolved (an ARN on AWS), not the alias: re-pointing the alias
        # later cannot make this wallet sign with a key other than the one whose address was shown.
        self._arn = arn
        timeout = settings.timeout_seconds
        self._offload = Offload(wallet_name=wallet_name, workers=WORKERS, timeout=timeout, prefix="kms")
        self._closed = False

    def __repr__(self) -> str:
        return f"KmsKeySource(wallet={self.wallet_name!r}, public_key={self.public_key.hex()})"

    @property
    def details(self) -> dict[str, str]:
        """Where the key is: for `keys show` and check-config (not for unauthenticated callers)."""
        found = {"key_id": self._arn, "region": self._settings.region}
        if self._settings.endpoint_url:
            found["endpoint_url"] = self._settings.endpoint_url
        return found

    async def sign_message(self, message: bytes) -> bytes:
        """The chain's signature over SHA-256(message); KMS hashes (MessageType=RAW)."""
        digest = hashlib.sha256(message).digest()
        if len(message) > RAW_LIMIT:
            return await self.sign(digest)
        return await self._sign(message, "RAW", digest)

    async def sign(self, digest: bytes) -> bytes:
        """The signature over a 32-byte SHA-256 digest (MessageType=DIGEST: right on AWS, not on moto)."""
        if len(digest) != 32:
            raise ValueError("digest must be 32 bytes")
        return await self._sign(digest, "DIGEST", digest)

    async def check(self) -> None:
        """GetPublicKey: KMS answers, and the key is still the one shown at start-up."""
        _, public_key = await self._call(partial(_describe_key, self._client, self._arn))
        if public_key != self.public_key:
            raise unavailable(self.wallet_name, "the KMS key's public key changed", cause="bad_answer")

    async def aclose(self) -> None:
        """Stop taking calls and close the client's connections."""
        if not self._closed:
            self._closed = True
            self._offload.shutdown()
            self._client.close()

    async def _sign(self, payload: bytes, message_type: Literal["RAW", "DIGEST"], digest: bytes) -> bytes:
        der = await self._call(partial(self._sign_blocking, payload, message_type))
        try:
            r, s = split_der(der)
            signature = checked_compact(r, s, public_key=self.public_key, digest=digest)
        except KeyFormatError as exc:
            raise unavailable(self.wallet_name, str(exc), cause=format_cause(exc)) from None
        self.high_s_normalized += is_high_s(s)
        return signature

    def _sign_blocking(self, payload: bytes, message_type: Literal["RAW", "DIGEST"]) -> bytes:
        client, arn = self._client, self._arn
        answer = client.sign(KeyId=arn, Message=payload, MessageType=message_type, SigningAlgorithm="ECDSA_SHA_256")
        return bytes(answer["Signature"])

    async def _call(self, fn: Any) -> Any:
        if self._closed:
            raise unavailable(self.wallet_name, "the key source is closed", cause="closed")
        try:
            return await self._offload.call(fn)
        except (ClientError, BotoCoreError, _Refused, KeyFormatError) as exc:
            # Sign-time reasons go to authenticated callers: the AWS error code and text, no credential.
            raise unavailable(self.wallet_name, reason(exc), cause=cause_of(exc)) from None


def _setup_error(wallet_name: str, exc: BaseException) -> KeySetupError:
    why = str(exc).split("unavailable: ", 1)[-1] if isinstance(exc, KeyBackendUnavailable) else reason(exc)
    return KeySetupError(f"wallet '{wallet_name}': {why}")


async def open_aws_kms(settings: AwsKmsSettings, *, wallet_name: str) -> KmsKeySource:
    """Read the key's public key, check it and sign once: KeySetupError naming the wallet and the reason."""
    opener = Offload(wallet_name=wallet_name, workers=1, timeout=settings.timeout_seconds, prefix="kms-open")
    client = None
    try:
        client = await opener.call(partial(_client, settings))
        arn, public_key = await opener.call(partial(_describe_key, client, settings.key_id))
    except (KeyBackendUnavailable, ClientError, BotoCoreError, _Refused, KeyFormatError) as exc:
        if client is not None:
            client.close()
        raise _setup_error(wallet_name, exc) from None
    finally:
        opener.shutdown()
    source = KmsKeySource(wallet_name=wallet_name, settings=settings, client=client, arn=arn, public_key=public_key)
    try:
        await source.sign_message(b"bnc-signing-service kms self-test")  # kms:Sign is allowed and verifies
    except KeyBackendUnavailable as exc:
        await source.aclose()
        raise _setup_error(wallet_name, exc) from None
    source.high_s_normalized = 0  # count the wallet's signatures only
    return source
