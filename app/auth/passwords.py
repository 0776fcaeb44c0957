"""bcrypt password hashes: made for the config file, checked off the event loop.

bcrypt is slow on purpose (~0.2 s): every check runs in a worker thread, bounded by a limiter
(app/auth/fairness.py shares those slots fairly between client addresses).
"""

import secrets

import anyio
import anyio.to_thread
import bcrypt

BCRYPT_MAX_BYTES = 72


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
    password: str, password_hash: str | None, *, dummy_hash: bytes, limiter: anyio.CapacityLimiter
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
