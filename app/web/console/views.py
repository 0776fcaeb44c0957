"""What the console's pages show, gathered from the services: wallets with balances, health.

Reads only: nothing here signs, reserves or writes. The audit page's rows are in audit.py.
"""

import asyncio
from dataclasses import dataclass

from app.auth.users import User
from app.chain.node import Balance
from app.errors import Conflict, NodeTimeout, ServiceError
from app.services import Services
from app.signing.wallets import Environment, Wallet

NODE_CHECK_SECONDS = 3.0
STORE_CHECK_SECONDS = 2.0


@dataclass(frozen=True, slots=True)
class Balances:
    """An account's coins, or why the node could not tell ('unreachable', 'not funded', ...)."""

    coins: tuple[Balance, ...] = ()
    problem: str | None = None


@dataclass(frozen=True, slots=True)
class WalletRow:
    name: str
    environment: str
    address: str
    permissions: tuple[str, ...]
    account_number: int | None
    next_sequence: int | None
    balances: Balances


@dataclass(frozen=True, slots=True)
class Check:
    """One health check: its subject, whether it passed, and what it found."""

    name: str
    ok: bool
    detail: str


def _problem(exc: ServiceError) -> str:
    if isinstance(exc, Conflict):
        return "not funded on the chain"
    if isinstance(exc, NodeTimeout):
        return "node unreachable (no answer in time)"
    return "node unreachable"


async def _balances(services: Services, env: Environment, address: str) -> Balances:
    try:
        coins = await asyncio.wait_for(services.signing.nodes.balances(env, address), NODE_CHECK_SECONDS)
    except TimeoutError:
        return Balances(problem="node unreachable (no answer in time)")
    except ServiceError as exc:
        return Balances(problem=_problem(exc))
    return Balances(coins=coins)


def visible_wallets(services: Services, user: User) -> list[tuple[Wallet, frozenset[str]]]:
    """The wallets the user has at least one effective permission on, with those permissions."""
    found = []
    for wallet in services.wallets:
        permissions = user.permissions_on(wallet.name, wallet.permissions)
        if permissions:
            found.append((wallet, frozenset(str(p) for p in permissions)))
    return found


async def wallet_rows(services: Services, user: User) -> list[WalletRow]:
    """The user's wallets: sequences from the store (as the API shows them), balances from the node.

    Each account's balances are asked once (wallets may share a key), all at once, each bounded in time.
    """
    wallets = visible_wallets(services, user)
    accounts = {w.account_key: w.environment for w, _ in wallets}
    answers = await asyncio.gather(*(_balances(services, env, address) for (_, address), env in accounts.items()))
    balances = dict(zip(accounts, answers, strict=True))
    rows = []
    for wallet, permissions in wallets:
        row = await services.store.sequences.get(wallet.account_key)
        known = row is not None and not row.stale
        rows.append(
            WalletRow(
                name=wallet.name,
                environment=wallet.environment.name,
                address=wallet.address,
                permissions=tuple(sorted(permissions)),
                account_number=row.account_number if known and row else None,
                next_sequence=row.next_sequence if known and row else None,
                balances=balances[wallet.account_key],
            )
        )
    return rows


async def _node_check(services: Services, env: Environment) -> Check:
    started = services.clock.monotonic()
    try:
        network = await asyncio.wait_for(services.signing.nodes.node_info(env), NODE_CHECK_SECONDS)
    except TimeoutError:
        return Check(env.name, False, "unreachable: no answer in time")
    except ServiceError as exc:
        return Check(env.name, False, f"unreachable: {type(exc).__name__}")
    millis = (services.clock.monotonic() - started) * 1000
    expected = env.chain_id
    if expected and network != expected:
        return Check(env.name, False, f"answers as '{network}', configured chain id is '{expected}'")
    return Check(env.name, True, f"reachable, network '{network}', {millis:.0f} ms")


async def _store_check(services: Services) -> Check:
    try:
        await asyncio.wait_for(services.store.ping(), STORE_CHECK_SECONDS)
    except Exception as exc:  # any failure is a failed check; the type names it, the message may hold a URL
        return Check("store", False, f"unreachable: {type(exc).__name__}")
    return Check("store", True, "answers queries")


@dataclass(frozen=True, slots=True)
class Health:
    nodes: tuple[Check, ...]
    store: Check
    key_backends: tuple[Check, ...]


async def health(services: Services) -> Health:
    """Every environment's node (asked now), the store, and the HSM/KMS keys' last check (cached 5 s)."""
    environments = list(services.wallets.environments.values())
    nodes = await asyncio.gather(*(_node_check(services, env) for env in environments))
    store = await _store_check(services)
    backends = await services.key_health.status()
    keys = tuple(
        Check(f"{b.kind} key {i}", b.ok, "answered its last check" if b.ok else "did not answer its last check")
        for i, b in enumerate(backends, start=1)
    )
    return Health(nodes=tuple(nodes), store=store, key_backends=keys)
