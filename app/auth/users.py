"""Users: password check and per-wallet grants."""

import asyncio
import hashlib
import hmac
import os
from collections.abc import Iterator
from dataclasses import dataclass, field

import anyio
import anyio.to_thread

from app.auth.fairness import FairSlots
from app.auth.passwords import dummy_hash_like, verify_password
from app.config import LimitsConfig, ServiceConfig
from app.permissions import Permission, effective_permissions


@dataclass(frozen=True, slots=True)
class User:
    """A configured user; the password hash is kept apart, in UserDirectory."""

    username: str
    grants: dict[str, frozenset[Permission]]
    limits: dict[str, LimitsConfig] = field(default_factory=dict)  # per wallet name

    def permissions_on(self, wallet_name: str, wallet_permissions: frozenset[Permission]) -> frozenset[Permission]:
        """What this user may do with a wallet: the intersection of both grants."""
        return effective_permissions(wallet_permissions, self.grants.get(wallet_name, frozenset()))


class UserDirectory:
    """Users by name, and password verification that never blocks the event loop."""

    def __init__(self, config: ServiceConfig) -> None:
        self._users = {
            u.username: User(
                username=u.username,
                grants={g.wallet_name: frozenset(g.permissions) for g in u.wallet_permissions},
                limits={g.wallet_name: g.limits for g in u.wallet_permissions if g.limits is not None},
            )
            for u in config.users
        }
        self._hashes = {u.username: u.password_hash.get_secret_value() for u in config.users}
        # Tokens carry a keyed fingerprint of the hash they were issued under (never the hash):
        # a changed password hash, or a removed user, ends every token issued before.
        key = config.secret_key.get_secret_value().encode()
        self._fingerprints = {
            name: hmac.new(key, b"password-hash\x00" + h.encode(), hashlib.sha256).hexdigest()[:32]
            for name, h in self._hashes.items()
        }
        self._dummy_hash: asyncio.Task[bytes] | None = None
        # Half the cores for bcrypt (at least one), at most one hash at a time per client address:
        # a login storm queues instead of taking every core from the event loop, and one address
        # cannot make another address's login wait behind all of its own.
        self._bcrypt_slots = FairSlots(max(1, (os.cpu_count() or 2) // 2))

    def start(self) -> None:
        """Start making the dummy hash (~0.3 s, in a thread), so start-up does not wait for it."""
        if self._dummy_hash is None:
            hashes = list(self._hashes.values())
            self._dummy_hash = asyncio.get_running_loop().create_task(
                anyio.to_thread.run_sync(dummy_hash_like, hashes), name="dummy-hash"
            )

    async def close(self) -> None:
        if self._dummy_hash is not None:
            await asyncio.gather(self._dummy_hash, return_exceptions=True)

    async def _dummy(self) -> bytes:
        self.start()
        assert self._dummy_hash is not None
        return await asyncio.shield(self._dummy_hash)

    def get(self, username: str) -> User | None:
        """The user called username, or None (e.g. removed from the config since login)."""
        return self._users.get(username)

    def fingerprint_matches(self, username: str, fingerprint: str) -> bool:
        """True if fingerprint is that of username's current password hash (constant time)."""
        current = self._fingerprints.get(username)
        return current is not None and hmac.compare_digest(current, fingerprint)

    def fingerprint(self, username: str) -> str:
        """The fingerprint a token issued now for username carries."""
        return self._fingerprints[username]

    def __iter__(self) -> Iterator[User]:
        return iter(self._users.values())

    async def authenticate(self, username: str, password: str, *, client: str | None = None) -> User | None:
        """The user if the password is right; None for a wrong password or an unknown user alike.

        client (the caller's address) picks the caller's line for a bcrypt slot.
        """
        dummy = await self._dummy()
        slots = self._bcrypt_slots
        async with slots.take(client or ""):
            ok = await verify_password(password, self._hashes.get(username), dummy_hash=dummy, limiter=slots.limiter)
        return self._users[username] if ok else None
