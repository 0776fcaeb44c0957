"""Everything a request needs, built once per app from the validated config."""

from collections.abc import Callable
from dataclasses import dataclass

from app.audit import AuditLog, audit_key
from app.chain.node import NodeClient
from app.config import ServiceConfig
from app.errors import Forbidden, NotFound
from app.permissions import Permission
from app.signer import Signer
from app.store import Store
from app.throttle import LoginThrottle
from app.users import User, UserDirectory
from app.wallets import Environment, Wallet, WalletRegistry


@dataclass(eq=False)
class Services:
    """The config, wallets, users, store and signer of one app instance."""

    config: ServiceConfig
    wallets: WalletRegistry
    users: UserDirectory
    store: Store
    signer: Signer
    audit: AuditLog
    throttle: LoginThrottle

    @classmethod
    async def open(
        cls, config: ServiceConfig, *, node_factory: Callable[[Environment], NodeClient] | None = None
    ) -> "Services":
        """Open the store (creating or migrating its schema) and build everything else."""
        assert config.database_url is not None  # parse_config always sets it
        store = await Store.open(config.database_url)
        return cls(
            config=config,
            wallets=WalletRegistry(config),
            users=UserDirectory(config),
            store=store,
            signer=Signer(store=store, source=config.source, node_factory=node_factory),
            audit=AuditLog(store, audit_key(config)),
            throttle=LoginThrottle(
                store,
                max_failures=config.login_throttle.max_failures,
                window_seconds=config.login_throttle.window_seconds,
            ),
        )

    async def close(self) -> None:
        await self.signer.aclose()
        await self.store.close()

    def visible_wallet(self, user: User, name: str) -> tuple[Wallet, frozenset[Permission]]:
        """The wallet and the user's effective permissions on it.

        A wallet the user has no permission on answers 404 like an unknown one, so wallet
        names are not revealed to users who cannot use them.
        """
        wallet = self.wallets.get(name)
        permissions = user.permissions_on(wallet) if wallet is not None else frozenset()
        if wallet is None or not permissions:
            raise NotFound(f"wallet '{name}' not found")
        return wallet, permissions

    def authorize(self, user: User, wallet_name: str, permission: Permission, *, client_host: str | None) -> Wallet:
        """The wallet if user may do permission with it from client_host; else 404 or 403."""
        wallet, permissions = self.visible_wallet(user, wallet_name)
        if permission not in permissions:
            raise Forbidden(f"permission '{permission}' is not granted on wallet '{wallet_name}'")
        if not wallet.allows_client(client_host):
            raise Forbidden(f"client address is not in the ip_whitelist of wallet '{wallet_name}'")
        return wallet
