"""Command line: serve, devnet, check-config, hash-password, gen-secret, keystore, keys, audit, approvals."""

import argparse
import asyncio
import getpass
import json
import os
import sys
from pathlib import Path
from typing import Any

from app.chain.address import encode_address, key_hash
from app.cli import approvals as approvals_cli
from app.cli import audit as audit_cli
from app.cli import keys as keys_cli
from app.config import ConfigError, ServiceConfig, load_config
from app.keys import KeySetupError, KeySource
from app.services import open_keys
from app.store import StoreSetupError

DEFAULT_CONFIG = "config/config.yml"


def _load(path: str) -> ServiceConfig:
    try:
        return load_config(path)
    except ConfigError as exc:
        print(f"invalid config: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def cmd_serve(args: argparse.Namespace) -> None:
    """Run the service with uvicorn."""
    import uvicorn

    from app.observability.logs import configure_logging
    from app.web.app import create_app
    from app.web.server import HeaderCappedProtocol

    log_config = configure_logging(log_format=args.log_format, level=args.log_level)  # before anything logs
    config = _load(args.config)
    url = f"http://{args.host}:{args.port}"
    print(f"Binance Chain Signing Service on {url} (docs: {url}/docs), {args.workers} worker(s)", flush=True)
    # Several workers need an import string; each worker process then loads the config itself.
    os.environ["SIGNING_SERVICE_CONFIG"] = str(Path(args.config).resolve())
    target: Any = "app.main:app" if args.workers > 1 else create_app(config, serving=True)
    uvicorn.run(
        target,
        host=args.host,
        port=args.port,
        workers=args.workers if args.workers > 1 else None,
        log_level=args.log_level,
        log_config=log_config,  # uvicorn's own loggers (and every worker) use the same handler and format
        access_log=False,  # app.observability logs each request once, with its route template and request id
        # Never trust X-Forwarded-For: uvicorn would otherwise believe it from 127.0.0.1, and a
        # wallet's ip_whitelist would be bypassed by anyone who can reach the loopback port.
        proxy_headers=False,
        server_header=False,
        http=HeaderCappedProtocol,  # 431 for a header block over 64 KB (httptools has no limit of its own)
    )


def open_key_sources(config: ServiceConfig) -> dict[str, KeySource]:
    """Every wallet's key source (HSM and KMS keys are opened to read their public key), then closed."""

    async def read() -> dict[str, KeySource]:
        keys = await open_keys(config)
        for key in keys.values():
            await key.aclose()  # the public key stays readable; nothing more is asked of the backend
        return keys

    try:
        return asyncio.run(read())
    except KeySetupError as exc:  # names the wallet and the reason, never a PIN
        print(f"cannot open a key: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def summarize(config: ServiceConfig, keys: dict[str, KeySource] | None = None) -> dict[str, Any]:
    """A redacted view of the config: names, addresses and grants, never a secret."""
    envs = config.all_environments
    keys = keys if keys is not None else open_key_sources(config)
    return {
        "environments": {
            name: {
                "api_url": env.api_url,
                "hrp": env.hrp,
                "chain_id": env.chain_id or "(read from node)",
                "side_chain_id": env.side_chain_id,
            }
            for name, env in envs.items()
        },
        "wallets": [
            {
                "name": w.name,
                "env_name": w.env_name,
                "address": encode_address(envs[w.env_name].hrp, key_hash(keys[w.name].public_key)),
                "key_source": w.key_source,
                "permissions": [str(p) for p in w.permissions],
                "ip_whitelist": w.ip_whitelist or ["*"],
            }
            for w in config.wallets
        ],
        "users": [
            {
                "username": u.username,
                "grants": {g.wallet_name: [str(p) for p in g.permissions] for g in u.wallet_permissions},
            }
            for u in config.users
        ],
        "access_token_expiry_minutes": config.access_token_expiry_minutes,
        "source": config.source,
    }


def cmd_check_config(args: argparse.Namespace) -> None:
    """Validate a config and print a redacted summary."""
    print(json.dumps(summarize(_load(args.config)), indent=2))


def cmd_hash_password(_: argparse.Namespace) -> None:
    """Read a password (no echo on a terminal, else one line of stdin) and print its bcrypt hash."""
    from app.auth.passwords import hash_password

    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            print("passwords differ", file=sys.stderr)
            raise SystemExit(1)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        print("empty password", file=sys.stderr)
        raise SystemExit(1)
    try:
        print(hash_password(password))
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        raise SystemExit(1) from None


def cmd_gen_secret(_: argparse.Namespace) -> None:
    """Print a random token secret for secret_key."""
    from app.auth.passwords import generate_secret

    print(generate_secret())


def cmd_keystore(args: argparse.Namespace) -> None:
    """keystore create: encrypt a hex key (or a mnemonic's key) into a new Web3 Secret Storage v3 file.

    Input comes without echo from a terminal, else as stdin lines: the key (or the mnemonic, then
    its BIP39 passphrase, empty for none), then the keystore password. The key is never printed.
    """
    from app.chain.errors import InvalidKey
    from app.chain.keys import SigningKey
    from app.keys.keystore import KeystoreError, encrypt, write_new
    from app.secretref import read_secret

    out = Path(args.out)
    try:
        if out.exists():  # fail before asking for the key; O_EXCL below is what really guarantees it
            raise FileExistsError(out)
        if args.account_index and not args.from_mnemonic:
            raise ValueError("--account-index only applies with --from-mnemonic")
        if args.from_mnemonic:
            words = read_secret("Mnemonic: ")
            passphrase = read_secret("BIP39 passphrase (empty for none): ", allow_empty=True)
            key = SigningKey.from_mnemonic(words, passphrase=passphrase, index=args.account_index)
        else:
            key = SigningKey.from_hex(read_secret("Private key (hex): "))
        password = read_secret("Keystore password: ", confirm=True)
        write_new(out, encrypt(key.export_secret(), password, kdf=args.kdf))
    except FileExistsError:
        print(f"{out} exists; refusing to overwrite it", file=sys.stderr)
        raise SystemExit(1) from None
    except (InvalidKey, KeystoreError, ValueError, OSError) as exc:  # messages never hold the key
        print(str(exc), file=sys.stderr)
        raise SystemExit(1) from None
    addresses = {hrp: key.address(hrp) for hrp in ("bnb", "tbnb")}
    print(json.dumps({"keystore": str(out), "account_id": key.account_id.hex(), "addresses": addresses}, indent=2))


def cmd_keys(args: argparse.Namespace) -> None:
    """keys create|import (app/cli/keys.py), or keys show: each wallet's key source and address."""
    if args.keys_command != "show":
        args.func(args)
        return
    config = _load(args.config)
    keys = open_key_sources(config)
    shown = [{"wallet": w.name, **keys_cli.describe(keys[w.name])} for w in config.wallets]
    print(json.dumps(shown, indent=2))


def cmd_audit(args: argparse.Namespace) -> None:
    """List or verify the audit log."""
    try:
        code = audit_cli.run(args, _load(args.config))
    except StoreSetupError as exc:  # names the path and the reason
        print(f"cannot open the store: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    raise SystemExit(code)


def run_devnet(argv: list[str]) -> None:
    """Start the local chain node, pre-funding the wallets of --config (if given) on its hrp."""
    from app.devnet.cli import main as devnet_main

    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--config")
    pre.add_argument("--hrp", default="tbnb")
    known, rest = pre.parse_known_args(argv)
    fund: list[str] = []
    if known.config:
        config = _load(known.config)
        envs = config.all_environments
        keys = open_key_sources(config)
        fund = [
            encode_address(known.hrp, key_hash(keys[w.name].public_key))
            for w in config.wallets
            if envs[w.env_name].hrp == known.hrp
        ]
    devnet_main([*rest, "--hrp", known.hrp], extra_fund=list(dict.fromkeys(fund)))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m app", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the signing service")
    serve.add_argument("--config", default=DEFAULT_CONFIG)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1, help="worker processes (they share the store)")
    serve.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    serve.add_argument("--log-format", default="text", choices=["text", "json"], help="log lines as text or JSON")
    serve.set_defaults(func=cmd_serve)
    check = sub.add_parser("check-config", help="validate a config and print a redacted summary")
    check.add_argument("--config", default=DEFAULT_CONFIG)
    check.set_defaults(func=cmd_check_config)
    sub.add_parser("hash-password", help="bcrypt-hash a password for the config").set_defaults(func=cmd_hash_password)
    sub.add_parser("gen-secret", help="print a random secret_key").set_defaults(func=cmd_gen_secret)
    keystore = sub.add_parser("keystore", help="encrypted key files (Web3 Secret Storage v3)")
    keystore_sub = keystore.add_subparsers(dest="keystore_command", required=True)
    create = keystore_sub.add_parser("create", help="encrypt a private key or a mnemonic's key into a new file")
    create.add_argument("--out", required=True, help="the new file (created with mode 0600, never overwritten)")
    create.add_argument("--kdf", choices=["scrypt", "pbkdf2"], default="scrypt")
    create.add_argument("--from-mnemonic", action="store_true", help="read a BIP39 mnemonic instead of a hex key")
    create.add_argument("--account-index", type=int, default=0, help="m/44'/714'/0'/0/N (with --from-mnemonic)")
    create.set_defaults(func=cmd_keystore)
    audit_cli.add_parser(sub, default_config=DEFAULT_CONFIG)
    approvals_cli.add_parser(sub, default_config=DEFAULT_CONFIG)
    keys_cli.add_parser(sub)
    sub.add_parser(
        "devnet",
        help="run the local chain node (options: --port, --chain-id, --hrp, --fund ADDR, --config FILE)",
        add_help=False,
    )
    return parser


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["devnet"]:
        run_devnet(argv[1:])
        return
    args = build_parser().parse_args(argv)
    if args.command == "audit":
        cmd_audit(args)
        return
    if args.command == "approvals":
        raise SystemExit(approvals_cli.run(args, _load(args.config)))
    if args.command == "keys":
        cmd_keys(args)
        return
    args.func(args)


if __name__ == "__main__":
    main()
