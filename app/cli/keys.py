"""`python -m app keys create|import`: put a wallet's secp256k1 key into a PKCS#11 token.

The PIN comes from an environment variable (--pin-env, default PKCS11_PIN) or a prompt, never from
an argument (arguments show in `ps`). `keys import` reads the key without echo on a terminal, else
as stdin lines: the hex key, or the mnemonic then its BIP39 passphrase (empty for none), then the
PIN unless it is in the environment. Nothing secret is printed.
"""

import argparse
import json
import os
import sys
from typing import Any

from app.chain.address import encode_address, key_hash
from app.chain.errors import InvalidKey
from app.keys.base import KeySetupError, KeySource
from app.secretref import read_secret

HRPS = ("bnb", "tbnb")
DEFAULT_PIN_ENV = "PKCS11_PIN"


def add_parser(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Register `keys create` and `keys import`; returns nothing (`keys show` is added by app/cli/main.py)."""
    keys = sub.add_parser("keys", help="keys kept in an HSM (PKCS#11): create or import them")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    # allow_abbrev=False: "--pin 1234" must be an error, not an abbreviation of --pin-env.
    create = keys_sub.add_parser(
        "create", help="generate a secp256k1 key pair inside a PKCS#11 token", allow_abbrev=False
    )
    _token_arguments(create)
    imports = keys_sub.add_parser(
        "import", help="import a hex key or a mnemonic's key into a PKCS#11 token", allow_abbrev=False
    )
    _token_arguments(imports)
    imports.add_argument("--from-mnemonic", action="store_true", help="read a BIP39 mnemonic instead of a hex key")
    imports.add_argument("--account-index", type=int, default=0, help="m/44'/714'/0'/0/N (with --from-mnemonic)")
    for parser in (create, imports):
        parser.set_defaults(func=_exit_with_run)
    show = keys_sub.add_parser("show", help="each wallet's key source and address (opens HSM and KMS keys)")
    show.add_argument("--config", default="config/config.yml")
    show.set_defaults(func=None)  # carried out by app/cli/main.py, which loads the config


def _token_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pkcs11-module", required=True, help="absolute path of the PKCS#11 module (.so)")
    parser.add_argument("--token-label", required=True, help="label of the (initialized) token")
    parser.add_argument("--key-label", required=True, help="CKA_LABEL of the new key (the config's key_label)")
    parser.add_argument(
        "--pin-env", default=DEFAULT_PIN_ENV, help=f"variable holding the user PIN (default {DEFAULT_PIN_ENV})"
    )


def _exit_with_run(args: argparse.Namespace) -> None:
    code = run(args)
    if code:
        raise SystemExit(code)


def run(args: argparse.Namespace) -> int:
    """Carry out `keys create` or `keys import`; 0 on success, 1 with the reason on stderr."""
    from app.keys.ecdsa import KeyFormatError  # asn1crypto too: only for these commands
    from app.keys.pkcs11_module import Refused  # python-pkcs11 is loaded only for these commands

    try:
        if args.keys_command == "create":
            public_key = _create(args)
        else:
            public_key = _import(args)
    except (Refused, KeySetupError, KeyFormatError, InvalidKey, ValueError, OSError) as exc:  # never hold a secret
        print(f"keys {args.keys_command}: {exc}", file=sys.stderr)
        return 1
    found = {"token_label": args.token_label, "key_label": args.key_label, **_identity(public_key)}
    print(json.dumps(found, indent=2))
    return 0


def describe(key_source: KeySource) -> dict[str, Any]:
    """A wallet's key for `keys show`: kind, public key, addresses and where the key lives (no secret)."""
    details: dict[str, str] = getattr(key_source, "details", {})
    return {"kind": key_source.kind, **_identity(key_source.public_key), **details}


def _identity(public_key: bytes) -> dict[str, Any]:
    account_id = key_hash(public_key)
    addresses = {hrp: encode_address(hrp, account_id) for hrp in HRPS}
    return {"public_key": public_key.hex(), "account_id": account_id.hex(), "addresses": addresses}


def _pin(args: argparse.Namespace) -> str:
    from_env = os.environ.get(args.pin_env, "")
    return from_env or read_secret("Token user PIN: ")


def _create(args: argparse.Namespace) -> bytes:
    from app.keys.pkcs11_admin import admin_session, generate_secp256k1

    session = admin_session(args.pkcs11_module, args.token_label, _pin(args))
    try:
        return generate_secp256k1(session, args.key_label)
    finally:
        session.close()


def _import(args: argparse.Namespace) -> bytes:
    from app.chain.keys import SigningKey
    from app.keys.pkcs11_admin import admin_session, import_secp256k1

    if args.account_index and not args.from_mnemonic:
        raise ValueError("--account-index only applies with --from-mnemonic")
    if args.from_mnemonic:
        words = read_secret("Mnemonic: ")
        passphrase = read_secret("BIP39 passphrase (empty for none): ", allow_empty=True)
        key = SigningKey.from_mnemonic(words, passphrase=passphrase, index=args.account_index)
    else:
        key = SigningKey.from_hex(read_secret("Private key (hex): "))
    session = admin_session(args.pkcs11_module, args.token_label, _pin(args))
    try:
        # SigningKey keeps its secret private; handing it to the token, once, is the one exception.
        return import_secp256k1(session, args.key_label, secret=key.export_secret(), public_key=key.public_key)
    finally:
        session.close()


def main(argv: list[str] | None = None) -> int:
    """`python -m app.cli.keys create|import ...` until the app's CLI registers add_parser()."""
    parser = argparse.ArgumentParser(prog="python -m app.cli.keys")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["keys", *(sys.argv[1:] if argv is None else argv)])
    return run(args)


if __name__ == "__main__":
    raise SystemExit(main())
