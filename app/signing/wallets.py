"""The wallet registry: validated config -> signing wallets, their environments, key sources and policies."""

import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass, field

from app.chain.address import encode_address, key_hash
from app.config import ServiceConfig
from app.errors import IpNotAllowed, PermissionDenied, UnknownWallet
from app.keys import KeySource
from app.permissions import Permission, effective_permissions
from app.signing.policy import Policy
from app.signing.settings import ApprovalsConfig

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True)
class Environment:
    """A chain node the service talks to."""

    name: str
    api_url: str
    hrp: str
    chain_id: str | None
    timeout_seconds: float
    side_chain_id: str = "bsc"  # what side-chain staking messages name (testnet: "chapel")


@dataclass(frozen=True, slots=True, eq=False)
class Wallet:
    """A named key source on one environment. repr() shows no key material."""

    name: str
    environment: Environment
    key: KeySource = field(repr=False)
    address: str
    account_id: bytes
    permissions: frozenset[Permission]
    # None means any client address may use the wallet.
    allowed_networks: tuple[IPNetwork, ...] | None
    policy: Policy | None = None
    approvals: ApprovalsConfig | None = None

    @property
    def account_key(self) -> tuple[str, str]:
        """Wallets holding the same key on the same node share one account (and one sequence)."""
        return (self.environment.api_url, self.address)

    def allows_client(self, host: str | None) -> bool:
        """True if the wallet's ip_whitelist admits host (the client's address)."""
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
    """Every configured wallet by name, and the policies that bind each user on each; built once."""

    def __init__(self, config: ServiceConfig, keys: dict[str, KeySource]) -> None:
        environments = {
            name: Environment(
                name=name,
                api_url=env.api_url.rstrip("/"),
                hrp=env.hrp,
                chain_id=env.chain_id,
                timeout_seconds=env.timeout_seconds,
                side_chain_id=env.side_chain_id,
            )
            for name, env in config.all_environments.items()
        }
        self._wallets: dict[str, Wallet] = {}
        for wc in config.wallets:
            env = environments[wc.env_name]
            key = keys[wc.name]
            account_id = key_hash(key.public_key)
            policy = (
                Policy.compile(wc.limits, who="wallet", scope=f"wallet\n{wc.name}", hrp=env.hrp) if wc.limits else None
            )
            self._wallets[wc.name] = Wallet(
                name=wc.name,
                environment=env,
                key=key,
                address=encode_address(env.hrp, account_id),
                account_id=account_id,
                permissions=frozenset(wc.permissions),
                allowed_networks=_networks(wc.ip_whitelist),
                policy=policy,
                approvals=wc.approvals,
            )
        self._user_policies = {
            (user.username, grant.wallet_name): Policy.compile(
                grant.limits,
                who="user",
                scope=f"user\n{user.username}\n{grant.wallet_name}",
                hrp=self._wallets[grant.wallet_name].environment.hrp,
            )
            for user in config.users
            for grant in user.wallet_permissions
            if grant.limits is not None
        }
        self.environments = {w.environment.name: w.environment for w in self._wallets.values()}

    def get(self, name: str) -> Wallet | None:
        """The wallet called name, or None."""
        return self._wallets.get(name)

    def __iter__(self) -> Iterator[Wallet]:
        return iter(self._wallets.values())

    def policies(self, wallet: Wallet, username: str) -> tuple[Policy, ...]:
        """The wallet's own policy and the user's on it, those that exist."""
        user = self._user_policies.get((username, wallet.name))
        return tuple(p for p in (wallet.policy, user) if p is not None)

    def visible(self, name: str, granted: frozenset[Permission]) -> tuple[Wallet, frozenset[Permission]]:
        """The wallet and the effective permissions of a user granted `granted` on it.

        A wallet the user has no permission on answers 404 like an unknown one, so wallet names
        are not revealed to users who cannot use them.
        """
        wallet = self._wallets.get(name)
        permissions = effective_permissions(wallet.permissions, granted) if wallet is not None else frozenset()
        if wallet is None or not permissions:
            raise UnknownWallet(f"wallet '{name}' not found")
        return wallet, permissions

    def authorize(
        self,
        name: str,
        granted: frozenset[Permission],
        permission: Permission | tuple[Permission, ...],
        *,
        client_host: str | None,
    ) -> Wallet:
        """The wallet if a user granted `granted` may do every permission with it from client_host; else 404 or 403.

        A tuple is a request's own permission, then those of the other messages its signature is
        valid as (app/signing/table.py, permissions_of): each must be granted by wallet and user.
        """
        wallet, permissions = self.visible(name, granted)
        needed = permission if isinstance(permission, tuple) else (permission,)
        for index, each in enumerate(needed):
            if each not in permissions:
                # The chain executes bytes, not routes: a signature valid as a message needing `each` needs it too.
                why = "" if index == 0 else " (the chain accepts the same signature as a message that needs it)"
                raise PermissionDenied(f"permission '{each}' is not granted on wallet '{name}'{why}")
        if not wallet.allows_client(client_host):
            raise IpNotAllowed(f"client address is not in the ip_whitelist of wallet '{name}'")
        return wallet
