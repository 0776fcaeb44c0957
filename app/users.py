"""Users: password check and per-wallet grants."""

import asyncio
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field

import anyio

from app.config import LimitsConfig, ServiceConfig
from app.permissions import Permission, effective_permissions
from app.security import dummy_hash_like, verify_password
from app.wallets import Wallet


@dataclass(frozen=True, slots=True)
class User:
    """A configured user; the password hash is kept apart, in UserDirectory."""

    username: str
    grants: dict[str, frozenset[Permission]]
    limits: dict[str, LimitsConfig] = field(default_factory=dict)  # per wallet name

    def permissions_on(self, wallet: Wallet) -> frozenset[Permission]:
        """What this user may do with wallet: the intersection of both grants."""
        return effective_permissions(wallet.permissions, self.grants.get(wallet.name, frozenset()))


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
        # The dummy hash costs as much as a login (~0.3 s): made in the background, so start-up
        # does not wait for it; the first unknown-user login does, if it comes that early.
        self._dummy_hash: Future[bytes] = Future()
        threading.Thread(target=self._make_dummy, name="dummy-hash", daemon=True).start()
        self._bcrypt_slots: anyio.CapacityLimiter | None = None

    def _make_dummy(self) -> None:
        try:
            self._dummy_hash.set_result(dummy_hash_like(list(self._hashes.values())))
        except BaseException as exc:  # pragma: no cover - bcrypt does not fail on a random password
            self._dummy_hash.set_exception(exc)

    def get(self, username: str) -> User | None:
        """The user called username, or None (e.g. removed from the config since login)."""
        return self._users.get(username)

    async def authenticate(self, username: str, password: str) -> User | None:
        """The user if the password is right; None for a wrong password or an unknown user alike."""
        if self._bcrypt_slots is None:
            # One bcrypt at a time: a login storm queues its logins instead of taking every core
            # from the event loop, so signing latency holds while logins wait their turn.
            self._bcrypt_slots = anyio.CapacityLimiter(1)
        dummy = await asyncio.wrap_future(self._dummy_hash)
        ok = await verify_password(password, self._hashes.get(username), dummy_hash=dummy, limiter=self._bcrypt_slots)
        return self._users[username] if ok else None
