"""Users: password check and per-wallet grants."""

from dataclasses import dataclass, field

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
        self._dummy_hash = dummy_hash_like(list(self._hashes.values()))

    def get(self, username: str) -> User | None:
        """The user called username, or None (e.g. removed from the config since login)."""
        return self._users.get(username)

    async def authenticate(self, username: str, password: str) -> User | None:
        """The user if the password is right; None for a wrong password or an unknown user alike."""
        ok = await verify_password(password, self._hashes.get(username), dummy_hash=self._dummy_hash)
        return self._users[username] if ok else None
