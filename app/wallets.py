"""The wallet registry: validated config -> signing wallets, their environments and grants."""

import ipaddress
from dataclasses import dataclass, field

from app.chain.keys import SigningKey
from app.config import LimitsConfig, ServiceConfig
from app.permissions import Permission

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True)
class Environment:
    """A chain node the service talks to."""

    name: str
    api_url: str
    hrp: str
    chain_id: str | None
    timeout_seconds: float


@dataclass(frozen=True, slots=True, eq=False)
class Wallet:
    """A named signing key on one environment. repr() shows no key material."""

    name: str
    environment: Environment
    key: SigningKey = field(repr=False)
    address: str
    permissions: frozenset[Permission]
    # None means any client address may use the wallet.
    allowed_networks: tuple[IPNetwork, ...] | None
    limits: LimitsConfig | None = None

    @property
    def account_key(self) -> tuple[str, str]:
        """Wallets holding the same key on the same node share one account (and one sequence)."""
        return (self.environment.api_url, self.address)

    def allows_client(self, host: str | None) -> bool:
        """True if the wallet's ip_whitelist admits host (the direct peer's address)."""
        if self.allowed_networks is None:
            return True
        if host is None:
            return False
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        return any(address in network for network in self.allowed_networks)


def _networks(entries: list[str] | None) -> tuple[IPNetwork, ...] | None:
    if entries is None or "*" in entries:
        return None
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


class WalletRegistry:
    """Every configured wallet by name; built once from the validated config."""

    def __init__(self, config: ServiceConfig) -> None:
        environments = {
            name: Environment(
                name=name,
                api_url=env.api_url.rstrip("/"),
                hrp=env.hrp,
                chain_id=env.chain_id,
                timeout_seconds=env.timeout_seconds,
            )
            for name, env in config.all_environments.items()
        }
        self._wallets: dict[str, Wallet] = {}
        for wc in config.wallets:
            env = environments[wc.env_name]
            self._wallets[wc.name] = Wallet(
                name=wc.name,
                environment=env,
                key=wc.signing_key,
                address=wc.signing_key.address(env.hrp),
                permissions=frozenset(wc.permissions),
                allowed_networks=_networks(wc.ip_whitelist),
                limits=wc.limits,
            )
        self.environments = {w.environment.name: w.environment for w in self._wallets.values()}

    def get(self, name: str) -> Wallet | None:
        """The wallet called name, or None."""
        return self._wallets.get(name)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._wallets.values())
