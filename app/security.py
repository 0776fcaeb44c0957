"""Password hashing and JWT access tokens.

bcrypt is slow on purpose (~0.2 s): callers run it in a worker thread so the event loop never
blocks. Tokens are HS256 only, with required claims, so a token with alg "none" or another
algorithm is never accepted.
"""

import secrets
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass

import anyio
import anyio.to_thread
import bcrypt
import jwt

ALGORITHM = "HS256"
ISSUER = "bnc-signing-service"
AUDIENCE = "bnc-signing-service"
BCRYPT_MAX_BYTES = 72


class InvalidToken(Exception):
    """A token that is malformed, expired, tampered with or signed with another key."""


def hash_password(password: str, *, rounds: int = 12) -> str:
    """A bcrypt hash for the config file."""
    raw = password.encode()
    if len(raw) > BCRYPT_MAX_BYTES:
        raise ValueError(f"password longer than {BCRYPT_MAX_BYTES} bytes (bcrypt's limit)")
    return bcrypt.hashpw(raw, bcrypt.gensalt(rounds)).decode()


def dummy_hash_like(password_hashes: list[str]) -> bytes:
    """A hash of a random password at the highest cost among password_hashes.

    Unknown usernames are checked against it, so that they cost the same time as a wrong password
    and response timing does not reveal which usernames exist.
    """
    costs = [int(h[4:6]) for h in password_hashes if h[4:6].isdigit()]
    return bcrypt.hashpw(secrets.token_bytes(16), bcrypt.gensalt(max(costs, default=12)))


def _check(password: bytes, password_hash: bytes) -> bool:
    try:
        return bcrypt.checkpw(password, password_hash)
    except ValueError:  # malformed hash; config validation makes this unreachable in practice
        return False


async def verify_password(
    password: str, password_hash: str | None, *, dummy_hash: bytes, limiter: anyio.CapacityLimiter | None = None
) -> bool:
    """True if password matches password_hash; with no hash (unknown user) dummy_hash is checked."""
    raw = password.encode()
    if len(raw) > BCRYPT_MAX_BYTES:
        raise ValueError(f"password longer than {BCRYPT_MAX_BYTES} bytes (bcrypt's limit)")
    if password_hash is None:
        await anyio.to_thread.run_sync(_check, raw, dummy_hash, limiter=limiter)
        return False
    return await anyio.to_thread.run_sync(_check, raw, password_hash.encode(), limiter=limiter)


def generate_secret() -> str:
    """A token secret with 256 bits of entropy."""
    return secrets.token_urlsafe(32)


@dataclass(frozen=True, slots=True)
class TokenClaims:
    """What the service reads from a valid access token."""

    username: str
    issued_at: int
    expires_at: int
    token_id: str


def issue_token(*, username: str, secret: str, expiry_minutes: int) -> tuple[str, int]:
    """A signed access token and its lifetime in seconds."""
    now = int(time.time())
    lifetime = expiry_minutes * 60
    claims = {
        "sub": username,
        "iat": now,
        "exp": now + lifetime,
        "jti": uuid.uuid4().hex,
        "iss": ISSUER,
        "aud": AUDIENCE,
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM), lifetime


# Verified tokens, so a bot's every request does not pay for HMAC and claim checks again. Only
# tokens that passed every check are kept, keyed with the secret they passed under; expiry is
# re-checked on every hit. Bounded: the oldest entries go first.
_VERIFIED: OrderedDict[tuple[str, str], "TokenClaims"] = OrderedDict()
_VERIFIED_MAX = 4096


def decode_token(token: str, *, secret: str) -> TokenClaims:
    """Verify signature, algorithm, expiry, issuer and audience; raise InvalidToken otherwise."""
    cached = _VERIFIED.get((token, secret))
    if cached is not None:
        if cached.expires_at > time.time():
            return cached
        _VERIFIED.pop((token, secret), None)
        raise InvalidToken("ExpiredSignatureError")
    claims = _decode(token, secret)
    _VERIFIED[(token, secret)] = claims
    if len(_VERIFIED) > _VERIFIED_MAX:
        _VERIFIED.popitem(last=False)
    return claims


def _decode(token: str, secret: str) -> TokenClaims:
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],  # fixed: never trust the token's own alg header
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": ["sub", "exp", "iat", "jti", "iss", "aud"]},
        )
    except jwt.PyJWTError as exc:
        raise InvalidToken(type(exc).__name__) from None
    sub = claims["sub"]
    if not isinstance(sub, str) or not sub:
        raise InvalidToken("bad sub")
    return TokenClaims(
        username=sub, issued_at=int(claims["iat"]), expires_at=int(claims["exp"]), token_id=str(claims["jti"])
    )
