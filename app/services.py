"""The composition root: everything a request needs, built once per app from the validated config."""

import hashlib
import hmac
from dataclasses import dataclass

from app.auth.revocation import RevocationCheck
from app.auth.throttle import LoginThrottle
from app.auth.tokens import TokenVerifier
from app.auth.users import UserDirectory
from app.clock import Clock, SystemClock
from app.config import ServiceConfig, WalletConfig
from app.keys import InProcessKey, KeySource
from app.observability.metrics import Metrics
from app.signing.audit import AuditLog
from app.signing.keyhealth import KeyHealth
from app.signing.node import NodeFactory, Nodes
from app.signing.nodehealth import NodeHealth
from app.signing.service import SigningService
from app.signing.wallets import WalletRegistry
from app.store import Store

_AUDIT_KEY_LABEL = b"bnc-signing-service audit chain v1"


def audit_key(config: ServiceConfig) -> bytes:
    """The configured audit_key, else one derived from secret_key (rotating it then breaks verify)."""
    secret = config.audit_key or config.secret_key
    return hmac.new(secret.get_secret_value().encode(), _AUDIT_KEY_LABEL, hashlib.sha256).digest()


async def open_store(config: ServiceConfig, clock: Clock | None = None) -> Store:
    """The config's store, keyed with its audit key."""
    assert config.database_url is not None  # parse_config always sets it
    return await Store.open(config.database_url, audit_key=audit_key(config), clock=clock)


async def open_key(wallet: WalletConfig) -> KeySource:
    """One wallet's key source: in-process, or opened in its HSM or KMS (KeySetupError names the wallet)."""
    # Imported only when a wallet uses them: boto3 and python-pkcs11 cost memory and start-up time.
    if wallet.pkcs11 is not None:
        from app.keys.pkcs11 import open_pkcs11

        return await open_pkcs11(wallet.pkcs11, wallet_name=wallet.name)
    if wallet.aws_kms is not None:
        from app.keys.kms import open_aws_kms

        return await open_aws_kms(wallet.aws_kms, wallet_name=wallet.name)
    assert wallet.signing_key is not None  # config validation derived it
    return InProcessKey(wallet.signing_key, kind=wallet.key_source)


async def open_keys(config: ServiceConfig) -> dict[str, KeySource]:
    """Every wallet's key source by wallet name; if one cannot be opened, those opened are closed again."""
    opened: dict[str, KeySource] = {}
    try:
        for wallet in config.wallets:
            opened[wallet.name] = await open_key(wallet)
    except BaseException:
        for key in opened.values():
            await key.aclose()
        raise
    return opened


@dataclass(eq=False)
class Services:
    """The config, clock, metrics, wallets, users, tokens, store and signing service of one app instance."""

    config: ServiceConfig
    clock: Clock
    metrics: Metrics
    wallets: WalletRegistry
    users: UserDirectory
    tokens: TokenVerifier
    store: Store
    signing: SigningService
    throttle: LoginThrottle
    key_health: KeyHealth
    node_health: NodeHealth
    revocations: RevocationCheck

    @classmethod
    async def open(
        cls, config: ServiceConfig, *, node_factory: NodeFactory | None = None, clock: Clock | None = None
    ) -> "Services":
        """Open the store (creating what is missing of its schema) and the key sources, and build everything else."""
        clock = clock or SystemClock()
        metrics = Metrics()
        keys = await open_keys(config)
        try:
            store = await open_store(config, clock)
        except BaseException:
            for key in keys.values():
                await key.aclose()
            raise
        wallets = WalletRegistry(config, keys)
        users = UserDirectory(config)
        users.start()
        nodes = Nodes(metrics=metrics, factory=node_factory)
        return cls(
            config=config,
            clock=clock,
            metrics=metrics,
            wallets=wallets,
            users=users,
            tokens=TokenVerifier(
                secret=config.secret_key.get_secret_value(),
                expiry_minutes=config.access_token_expiry_minutes,
                clock=clock,
            ),
            store=store,
            signing=SigningService(
                store=store,
                wallets=wallets,
                audit=AuditLog(store, clock),
                nodes=nodes,
                metrics=metrics,
                clock=clock,
                source=config.source,
                idempotency_ttl_seconds=config.idempotency_ttl_hours * 3600,
                grants=lambda name: user.grants if (user := users.get(name)) is not None else {},
                denial_window_seconds=config.denial_window_seconds,
            ),
            throttle=LoginThrottle(
                store,
                max_failures=config.login_throttle.max_failures,
                window_seconds=config.login_throttle.window_seconds,
                clock=clock,
            ),
            key_health=KeyHealth(wallets, clock),
            node_health=NodeHealth(wallets=wallets, nodes=nodes, clock=clock),
            revocations=RevocationCheck(store, clock),
        )

    async def close(self) -> None:
        await self.users.close()
        await self.signing.notifier.aclose()
        await self.signing.nodes.aclose()
        for wallet in self.wallets:
            await wallet.key.aclose()
        await self.store.close()
