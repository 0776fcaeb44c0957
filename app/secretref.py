"""Secret references in the config: a secret may be inline, `{env: VAR}` or `{file: PATH}`.

References are resolved on the loaded YAML before validation, so every check on a secret (bcrypt
shape, secret_key strength, key decoding) applies to the resolved value. Errors name the field,
the variable or the path, never a value.
"""

import getpass
import os
import re
import stat
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

TOP_LEVEL_SECRETS = ("secret_key", "audit_key", "database_url", "database_password")
WALLET_SECRETS = ("private_key", "mnemonic", "passphrase", "keystore_password")
WALLET_BLOCK_SECRETS = {"pkcs11": ("pin",), "approvals": ("webhook_secret",)}  # secrets inside a wallet's blocks
USER_SECRETS = ("password_hash",)
MAX_SECRET_FILE_BYTES = 64 * 1024
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class SecretReferenceError(ValueError):
    """A reference cannot be resolved; the message names the field, never a secret."""


def resolve_secrets(data: dict[str, Any], *, base_dir: Path) -> dict[str, Any]:
    """A copy of the loaded config with every secret reference replaced by its value.

    Only the known secret fields are looked at; anything malformed elsewhere is left for the
    model's validation to report.
    """
    base_dir = base_dir.resolve()
    resolved = _resolve_fields(data, TOP_LEVEL_SECRETS, prefix="", base_dir=base_dir)
    for section, fields in (("wallets", WALLET_SECRETS), ("users", USER_SECRETS)):
        items = resolved.get(section)
        if isinstance(items, list):
            resolved[section] = [
                _resolve_fields(item, fields, prefix=f"{section}.{index}.", base_dir=base_dir)
                if isinstance(item, dict)
                else item
                for index, item in enumerate(items)
            ]
    for index, wallet in enumerate(resolved.get("wallets") or []):
        for block, fields in WALLET_BLOCK_SECRETS.items():
            if isinstance(wallet, dict) and isinstance(wallet.get(block), dict):
                prefix = f"wallets.{index}.{block}."
                wallet[block] = _resolve_fields(wallet[block], fields, prefix=prefix, base_dir=base_dir)
    return _apply_database_password(resolved)


def _resolve_fields(item: dict[str, Any], fields: tuple[str, ...], *, prefix: str, base_dir: Path) -> dict[str, Any]:
    item = dict(item)
    for name in fields:
        if name in item:
            item[name] = resolve_value(item[name], field=prefix + name, base_dir=base_dir)
    return item


def resolve_value(value: Any, *, field: str, base_dir: Path) -> Any:
    """The secret a field's value stands for; values that are not mappings pass through."""
    if not isinstance(value, dict):
        return value
    if len(value) != 1 or not ({"env", "file"} & value.keys()):
        raise SecretReferenceError(f"{field}: give the secret inline, as {{env: VAR}} or as {{file: PATH}}")
    kind, target = next(iter(value.items()))
    if not isinstance(target, str) or not target:
        raise SecretReferenceError(f"{field}: the {kind} reference needs a non-empty name")
    if kind == "env":
        return _from_env(target, field=field)
    path = Path(target).expanduser()
    return read_private_file(path if path.is_absolute() else base_dir / path, field=field)


def _from_env(name: str, *, field: str) -> str:
    if not _ENV_NAME.match(name):
        raise SecretReferenceError(f"{field}: '{name}' is not a valid environment variable name")
    value = os.environ.get(name, "")
    if not value:
        raise SecretReferenceError(f"{field}: environment variable {name} is not set or empty")
    return value


def read_private_file(path: Path, *, field: str) -> str:
    """The text of a secret file that only its owner may read, less one trailing newline."""
    try:
        # O_NOFOLLOW is not used: a symlink to a private file is fine; the target's mode is checked.
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        raise SecretReferenceError(f"{field}: file {path} does not exist") from None
    except OSError as exc:
        raise SecretReferenceError(f"{field}: cannot open {path}: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())  # checked on the open file, so it cannot be swapped in between
        if not stat.S_ISREG(info.st_mode):
            raise SecretReferenceError(f"{field}: {path} is not a regular file")
        # A secret others on the machine can read is no longer a secret: refuse, do not warn.
        if info.st_mode & 0o077:
            raise SecretReferenceError(
                f"{field}: file {path} is readable or writable by group or others "
                f"(mode {stat.S_IMODE(info.st_mode):04o}); run chmod 600 {path}"
            )
        raw = handle.read(MAX_SECRET_FILE_BYTES + 1)
    if len(raw) > MAX_SECRET_FILE_BYTES:
        raise SecretReferenceError(f"{field}: file {path} is larger than {MAX_SECRET_FILE_BYTES} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SecretReferenceError(f"{field}: file {path} is not UTF-8 text") from None
    text = text.removesuffix("\n").removesuffix("\r")
    if not text:
        raise SecretReferenceError(f"{field}: file {path} is empty")
    return text


def _apply_database_password(data: dict[str, Any]) -> dict[str, Any]:
    """Move database_password (already resolved) into database_url's user-info part."""
    if "database_password" not in data:
        return data
    data = dict(data)
    password = data.pop("database_password")
    url = data.get("database_url")
    parts = urlsplit(url) if isinstance(url, str) else None
    if not isinstance(password, str) or parts is None or not parts.username or parts.password is not None:
        raise SecretReferenceError(
            "database_password: needs a database_url with a user name and no password "
            "(e.g. postgresql://signer@db.internal/signer)"
        )
    user, host = parts.netloc.rsplit("@", 1)
    netloc = f"{user}:{quote(password, safe='')}@{host}"
    data["database_url"] = urlunsplit(parts._replace(netloc=netloc))
    return data


def read_secret(prompt: str, *, confirm: bool = False, allow_empty: bool = False) -> str:
    """A secret typed without echo on a terminal (twice if confirm), else one line of stdin."""
    if sys.stdin.isatty():
        value = getpass.getpass(prompt)
        if confirm and getpass.getpass("Again: ") != value:
            raise ValueError("the two entries differ")
    else:
        value = sys.stdin.readline().rstrip("\r\n")
    if not value and not allow_empty:
        raise ValueError(f"empty input for '{prompt.rstrip(': ')}'")
    return value
