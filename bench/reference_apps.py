"""Reference apps the service is measured against, on the same FastAPI/uvicorn.

- bare: the framework ceiling. Same body shape, same HS256 token check, no work.
- same-work: the same work as a sign, written the obvious way: token check, body, one SQLite
  transaction (WAL, synchronous=FULL like the service) that reserves the sequence and appends the
  audit row, one secp256k1 signature over a SHA-256 digest. Sync routes: the blocking sqlite3 call
  runs in FastAPI's thread pool.
- same-work-loop: the same work, the other obvious way: async routes that make the blocking
  sqlite3 call on the event loop itself (no thread hop; one request at a time does its fsync).

Both also answer POST /api/auth/login with a bcrypt check (in a worker thread) and a token, for
the login-storm scenario. They read only secret_key, wallets and users from the service's config.

    python -m bench.reference_apps bare|same-work|same-work-loop --port P --config FILE [--db FILE]
"""

import argparse
import hashlib
import json
import secrets
import sqlite3
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import anyio.to_thread
import bcrypt
import jwt
import uvicorn
import yaml
from coincurve import PrivateKey
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import OAuth2PasswordBearer
from pydantic import BaseModel, ConfigDict, Field

ALGORITHM = "HS256"
ISSUER = AUDIENCE = "bnc-signing-service"  # the service's claims, so its tokens work here
CHAIN_ID = "Binance-Dev"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TransferMsg(_Model):
    to_address: Annotated[str, Field(min_length=1, max_length=128)]
    amount: Decimal
    symbol: Annotated[str, Field(min_length=1, max_length=32)]
    memo: Annotated[str, Field(max_length=100)] = ""


class OrderMsg(_Model):
    symbol: Annotated[str, Field(min_length=1, max_length=64)]
    side: str | int
    price: Decimal
    quantity: Decimal
    order_type: str | int = 2
    time_in_force: str | int = 1


class TransferRequest(_Model):
    msg: TransferMsg
    wallet_name: Annotated[str, Field(min_length=1, max_length=64)]


class OrderRequest(_Model):
    msg: OrderMsg
    wallet_name: Annotated[str, Field(min_length=1, max_length=64)]


class LoginRequest(_Model):
    username: Annotated[str, Field(min_length=1, max_length=64)]
    password: Annotated[str, Field(min_length=1, max_length=1024)]


@dataclass(frozen=True)
class RefConfig:
    """What the reference apps take from the service's config file."""

    secret: str
    users: dict[str, bytes]  # username -> bcrypt hash
    keys: dict[str, PrivateKey]  # wallet name -> key (random for wallets without a hex key)


def load_ref_config(path: Path) -> RefConfig:
    """Read secret_key, users and wallets from a service config (inline values only)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    keys = {}
    for wallet in data.get("wallets", []):
        hex_key = wallet.get("private_key")
        keys[wallet["name"]] = PrivateKey(bytes.fromhex(hex_key) if hex_key else secrets.token_bytes(32))
    users = {u["username"]: u["password_hash"].encode() for u in data.get("users", [])}
    return RefConfig(secret=str(data["secret_key"]), users=users, keys=keys)


def issue_token(username: str, secret: str) -> str:
    now = int(time.time())
    claims = {"sub": username, "iat": now, "exp": now + 3600, "jti": uuid.uuid4().hex, "iss": ISSUER, "aud": AUDIENCE}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def token_checker(config: RefConfig) -> Any:
    """A dependency that returns the username of a valid bearer token (the service's claim rules)."""
    scheme = OAuth2PasswordBearer(tokenUrl="/api/auth/login")

    async def current_user(token: Annotated[str, Depends(scheme)]) -> str:
        try:
            claims = jwt.decode(
                token,
                config.secret,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                issuer=ISSUER,
                options={"require": ["sub", "exp", "iat", "jti", "iss", "aud"]},
            )
        except jwt.PyJWTError:
            raise HTTPException(401, "invalid or expired token") from None
        if claims["sub"] not in config.users:
            raise HTTPException(401, "invalid or expired token")
        return str(claims["sub"])

    return current_user


def add_login(app: FastAPI, config: RefConfig) -> None:
    """POST /api/auth/login: bcrypt in a worker thread, then a token."""
    dummy = bcrypt.hashpw(b"dummy", bcrypt.gensalt(12))

    @app.post("/api/auth/login")
    async def login(body: LoginRequest) -> dict[str, Any]:
        stored = config.users.get(body.username, dummy)
        ok = await anyio.to_thread.run_sync(bcrypt.checkpw, body.password.encode(), stored)
        if not ok or body.username not in config.users:
            raise HTTPException(401, "incorrect username or password")
        return {"access_token": issue_token(body.username, config.secret), "token_type": "bearer"}


def check_wallet(config: RefConfig, name: str) -> PrivateKey:
    key = config.keys.get(name)
    if key is None:
        raise HTTPException(404, f"wallet '{name}' not found")
    return key


def create_bare_app(config: RefConfig) -> FastAPI:
    """Token check and body parsing only: the most any app on this stack can serve."""
    app = FastAPI(title="bench bare")
    User = Annotated[str, Depends(token_checker(config))]
    add_login(app, config)

    def answer(wallet_name: str) -> dict[str, Any]:
        check_wallet(config, wallet_name)
        return {"signed_msg": "00", "tx_hash": "00", "sequence": 0, "account_number": 0, "chain_id": CHAIN_ID}

    @app.post("/api/transfer/sign")
    async def sign_transfer(body: TransferRequest, user: User) -> dict[str, Any]:
        return answer(body.wallet_name)

    @app.post("/api/order/sign")
    async def sign_order(body: OrderRequest, user: User) -> dict[str, Any]:
        return answer(body.wallet_name)

    return app


class Ledger:
    """One SQLite connection (WAL) shared by the worker threads, one transaction at a time."""

    def __init__(self, path: Path, wallets: list[str]) -> None:
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")  # the service's durability: fsync on every commit
        self._db.execute("CREATE TABLE IF NOT EXISTS accounts (wallet TEXT PRIMARY KEY, next_sequence INTEGER)")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS audit (id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL, record TEXT)"
        )
        self._db.executemany("INSERT OR IGNORE INTO accounts VALUES (?, 0)", [(w,) for w in wallets])

    def sign(self, *, user: str, wallet: str, key: PrivateKey, msg: BaseModel) -> dict[str, Any]:
        """Reserve the next sequence, sign, append the audit row: one transaction."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                (next_sequence,) = self._db.execute(
                    "UPDATE accounts SET next_sequence = next_sequence + 1 WHERE wallet = ? RETURNING next_sequence",
                    (wallet,),
                ).fetchone()
                sequence = next_sequence - 1
                doc = json.dumps(
                    {"chain_id": CHAIN_ID, "msg": msg.model_dump(mode="json"), "sequence": sequence},
                    sort_keys=True,
                    separators=(",", ":"),
                ).encode()
                signature = key.sign_recoverable(hashlib.sha256(doc).digest(), hasher=None)[:64]
                tx_hash = hashlib.sha256(doc + signature).hexdigest().upper()
                record = json.dumps({"user": user, "wallet": wallet, "sequence": sequence, "tx_hash": tx_hash})
                self._db.execute("INSERT INTO audit (at, record) VALUES (?, ?)", (time.time(), record))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return {
            "signed_msg": (doc + signature).hex(),
            "tx_hash": tx_hash,
            "sequence": sequence,
            "account_number": 0,
            "chain_id": CHAIN_ID,
        }


def create_same_work_app(config: RefConfig, db_path: Path, *, on_event_loop: bool = False) -> FastAPI:
    """The sign's work in plain code, the blocking sqlite3 call in FastAPI's thread pool (sync routes)
    or, on_event_loop, on the event loop itself (async routes)."""
    app = FastAPI(title="bench same-work-loop" if on_event_loop else "bench same-work")
    User = Annotated[str, Depends(token_checker(config))]
    ledger = Ledger(db_path, list(config.keys))
    add_login(app, config)

    def sign(body: TransferRequest | OrderRequest, user: str) -> dict[str, Any]:
        key = check_wallet(config, body.wallet_name)
        return ledger.sign(user=user, wallet=body.wallet_name, key=key, msg=body.msg)

    for path, model in (("/api/transfer/sign", TransferRequest), ("/api/order/sign", OrderRequest)):
        if on_event_loop:

            async def on_loop(body: model, user: User) -> dict[str, Any]:  # type: ignore[valid-type]
                return sign(body, user)

            app.post(path)(on_loop)
        else:

            def in_thread_pool(body: model, user: User) -> dict[str, Any]:  # type: ignore[valid-type]
                return sign(body, user)

            app.post(path)(in_thread_pool)
    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.reference_apps", description=__doc__)
    parser.add_argument("kind", choices=["bare", "same-work", "same-work-loop"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--config", type=Path, required=True, help="the service's (benchmark) config file")
    parser.add_argument("--db", type=Path, help="same-work's SQLite file (default: a new temporary file)")
    args = parser.parse_args(argv)
    config = load_ref_config(args.config)
    if args.kind == "bare":
        app = create_bare_app(config)
    else:
        db = args.db or Path(tempfile.mkdtemp(prefix=f"bench-{args.kind}-")) / f"{args.kind}.db"
        app = create_same_work_app(config, db, on_event_loop=args.kind == "same-work-loop")
    # The service's uvicorn settings (app/__main__.py), so only the app differs.
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", proxy_headers=False, server_header=False)


if __name__ == "__main__":
    main()
