"""Benchmark configs: fresh secret, throwaway keys, bcrypt cost 12 (as in production), temp database."""

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bcrypt
import yaml
from mnemonic import Mnemonic

from app.chain.keys import SigningKey

HRP = "tbnb"
CHAIN_ID = "Binance-Dev"
BCRYPT_COST = 12
SIGN_WALLET = "sign_wallet"
BROADCAST_WALLETS = 8
REPLICA_WALLETS = 8  # broadcast by the PostgreSQL replicas only, so their sequences never meet the SQLite service's
COLD_START_WALLETS = 50
USERNAME = "bench"
ALL_PERMISSIONS = ["trade", "transfer"]


@dataclass(frozen=True)
class Wallet:
    name: str
    address: str


@dataclass(frozen=True)
class BenchConfig:
    """The files and names a run needs."""

    path: Path
    cold_start_path: Path
    username: str
    password: str
    wallets: tuple[Wallet, ...]  # the sign wallet first, then the broadcast wallets, then the replicas' ones

    @property
    def sign_wallet(self) -> Wallet:
        return self.wallets[0]

    @property
    def broadcast_wallets(self) -> tuple[Wallet, ...]:
        return self.wallets[1 : 1 + BROADCAST_WALLETS]

    @property
    def replica_wallets(self) -> tuple[Wallet, ...]:
        return self.wallets[1 + BROADCAST_WALLETS :]


def _random_key() -> str:
    while True:  # a random 32-byte string is outside the curve order with probability ~2^-128
        candidate = secrets.token_hex(32)
        try:
            SigningKey.from_hex(candidate)
        except ValueError:
            continue
        return candidate


def _document(*, devnet_url: str, database: Path, wallets: list[dict[str, Any]], password_hash: str) -> dict[str, Any]:
    return {
        "secret_key": secrets.token_urlsafe(32),
        "database_url": f"sqlite:///{database}",
        "environments": {"DEVNET": {"api_url": devnet_url, "hrp": HRP, "chain_id": CHAIN_ID}},
        "wallets": wallets,
        "users": [
            {
                "username": USERNAME,
                "password_hash": password_hash,
                "wallet_permissions": [{"wallet_name": w["name"], "permissions": ALL_PERMISSIONS} for w in wallets],
            }
        ],
    }


def _write(path: Path, document: dict[str, Any]) -> None:
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    path.chmod(0o600)


def write_configs(workdir: Path, *, devnet_url: str) -> BenchConfig:
    """The benchmark config (sign wallet, 8 broadcast + 8 replica wallets) and the cold-start one (50 mnemonics)."""
    password = secrets.token_hex(16)
    password_hash = bcrypt.hashpw(password.encode(), bcrypt.gensalt(BCRYPT_COST)).decode()
    names = [SIGN_WALLET] + [f"bcast_{i}" for i in range(BROADCAST_WALLETS)]
    names += [f"rbcast_{i}" for i in range(REPLICA_WALLETS)]
    keys = [_random_key() for _ in names]
    wallet_docs = [
        {"name": n, "env_name": "DEVNET", "private_key": k, "permissions": ALL_PERMISSIONS}
        for n, k in zip(names, keys, strict=True)
    ]
    path = workdir / "bench.yml"
    _write(
        path,
        _document(
            devnet_url=devnet_url, database=workdir / "service.db", wallets=wallet_docs, password_hash=password_hash
        ),
    )
    words = Mnemonic("english")
    mnemonic_docs = [
        {
            "name": f"m_{i}",
            "env_name": "DEVNET",
            "mnemonic": words.to_mnemonic(secrets.token_bytes(32)),
            "permissions": ALL_PERMISSIONS,
        }
        for i in range(COLD_START_WALLETS)
    ]
    cold = workdir / "cold-start.yml"
    _write(
        cold,
        _document(
            devnet_url=devnet_url,
            database=workdir / "cold-start.db",
            wallets=mnemonic_docs,
            password_hash=password_hash,
        ),
    )
    wallets = tuple(
        Wallet(name=n, address=SigningKey.from_hex(k).address(HRP)) for n, k in zip(names, keys, strict=True)
    )
    return BenchConfig(path=path, cold_start_path=cold, username=USERNAME, password=password, wallets=wallets)


def write_database_config(config: BenchConfig, *, database_url: str, name: str) -> Path:
    """A copy of the benchmark config (same secret, users and wallets) on another database, next to it."""
    document = yaml.safe_load(config.path.read_text(encoding="utf-8"))
    document["database_url"] = database_url
    path = config.path.with_name(name)
    _write(path, document)
    return path
