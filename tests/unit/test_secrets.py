"""Secrets in the config may be inline, {env: VAR} or {file: PATH}; errors name the field, never the value."""

import copy
from pathlib import Path

import pytest
import yaml

from app.chain.keys import SigningKey
from app.config import ConfigError, ServiceConfig, load_config, parse_config
from tests.helpers import KEY_A, MNEMONIC, SECRET, make_config

AUDIT_KEY = "audit-key-with-at-least-32-bytes-of-entropy-abcdefghijklmnop"
PASSPHRASE = "bip39-extra-words"
DB_URL = "postgresql://signer:db-pass-word@db.internal:5432/signer"
HASH = make_config()["users"][0]["password_hash"]

# field path -> (value, how to read it back from the parsed config)
FIELDS = {
    "secret_key": (SECRET, lambda c: c.secret_key.get_secret_value()),
    "audit_key": (AUDIT_KEY, lambda c: c.audit_key.get_secret_value()),
    "database_url": (DB_URL, lambda c: c.database_url),
    "wallets.0.private_key": (KEY_A, lambda c: c.wallets[0].private_key.get_secret_value()),
    "wallets.2.mnemonic": (MNEMONIC, lambda c: c.wallets[2].mnemonic.get_secret_value()),
    "wallets.2.passphrase": (PASSPHRASE, lambda c: c.wallets[2].passphrase.get_secret_value()),
    "users.0.password_hash": (HASH, lambda c: c.users[0].password_hash.get_secret_value()),
}
ALL_SECRETS = [SECRET, AUDIT_KEY, "db-pass-word", KEY_A, MNEMONIC, PASSPHRASE, HASH, *MNEMONIC.split()[:3]]


def _set(data: dict, path: str, value: object) -> None:
    *parents, last = path.split(".")
    node: object = data
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]  # type: ignore[index]
    node[last] = value  # type: ignore[index]


def _data_with(path: str, reference: object) -> dict:
    data = copy.deepcopy(make_config())
    _set(data, path, reference)
    return data


def _private_file(path: Path, text: str, mode: int = 0o600) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n", encoding="utf-8")
    path.chmod(mode)
    return path


def _error(data: dict, base_dir: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_config(data, base_dir=base_dir)
    message = str(caught.value)
    for secret in ALL_SECRETS:
        assert secret not in message
    return message


@pytest.mark.parametrize("field", list(FIELDS))
def test_secret_is_read_from_an_environment_variable(field, tmp_path, monkeypatch) -> None:
    value, read_back = FIELDS[field]
    monkeypatch.setenv("SIGNER_TEST_SECRET", value)
    config = parse_config(_data_with(field, {"env": "SIGNER_TEST_SECRET"}), base_dir=tmp_path)
    assert read_back(config) == value


@pytest.mark.parametrize("field", list(FIELDS))
def test_secret_is_read_from_a_private_file_relative_to_the_config(field, tmp_path, monkeypatch) -> None:
    value, read_back = FIELDS[field]
    _private_file(tmp_path / "secrets" / "value", value)
    monkeypatch.chdir(tmp_path.parent)  # relative to the config's folder, not to the working directory
    config = parse_config(_data_with(field, {"file": "secrets/value"}), base_dir=tmp_path)
    assert read_back(config) == value


def test_secret_file_loses_only_one_trailing_newline(tmp_path) -> None:
    path = tmp_path / "key"
    path.write_text(SECRET + "  \n\n", encoding="utf-8")
    path.chmod(0o600)
    config = parse_config(_data_with("secret_key", {"file": str(path)}), base_dir=tmp_path / "elsewhere")
    assert config.secret_key.get_secret_value() == SECRET + "  \n"


def test_passphrase_from_the_environment_changes_the_derived_key(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SEED_PASSPHRASE", PASSPHRASE)
    config = parse_config(_data_with("wallets.2.passphrase", {"env": "SEED_PASSPHRASE"}), base_dir=tmp_path)
    expected = SigningKey.from_mnemonic(MNEMONIC, passphrase=PASSPHRASE, index=2)
    assert config.wallets[2].signing_key.public_key == expected.public_key


@pytest.mark.parametrize("value", [None, ""])
def test_missing_or_empty_environment_variable_names_field_and_variable(value, tmp_path, monkeypatch) -> None:
    if value is None:
        monkeypatch.delenv("SIGNER_MISSING_KEY", raising=False)
    else:
        monkeypatch.setenv("SIGNER_MISSING_KEY", value)
    message = _error(_data_with("wallets.0.private_key", {"env": "SIGNER_MISSING_KEY"}), tmp_path)
    assert message == "wallets.0.private_key: environment variable SIGNER_MISSING_KEY is not set or empty"


def test_group_readable_secret_file_is_refused_with_chmod_advice(tmp_path) -> None:
    path = _private_file(tmp_path / "key.txt", KEY_A, mode=0o644)
    message = _error(_data_with("wallets.0.private_key", {"file": "key.txt"}), tmp_path)
    assert message.startswith("wallets.0.private_key: file ")
    assert str(path) in message
    assert "mode 0644" in message
    assert f"chmod 600 {path}" in message


def test_world_writable_secret_file_is_refused(tmp_path) -> None:
    _private_file(tmp_path / "secret", SECRET, mode=0o602)
    assert "chmod 600" in _error(_data_with("secret_key", {"file": "secret"}), tmp_path)


def test_missing_secret_file_names_field_and_path(tmp_path) -> None:
    message = _error(_data_with("users.0.password_hash", {"file": "nope.txt"}), tmp_path)
    assert message == f"users.0.password_hash: file {tmp_path / 'nope.txt'} does not exist"


def test_empty_secret_file_is_refused(tmp_path) -> None:
    (tmp_path / "empty").write_text("\n", encoding="utf-8")
    (tmp_path / "empty").chmod(0o600)
    assert "is empty" in _error(_data_with("secret_key", {"file": "empty"}), tmp_path)


@pytest.mark.parametrize(
    "reference", [{"vault": "x"}, {"env": "A", "file": "b"}, {"env": ""}, {"file": 3}, {"env": "NOT A NAME"}]
)
def test_malformed_reference_is_refused_naming_the_field(reference, tmp_path) -> None:
    assert _error(_data_with("wallets.0.private_key", reference), tmp_path).startswith("wallets.0.private_key: ")


def test_secret_key_checks_apply_after_resolution(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SHORT_SECRET", "too-short")
    message = _error(_data_with("secret_key", {"env": "SHORT_SECRET"}), tmp_path)
    assert "secret_key: must be a random string of at least 32 bytes" in message
    assert "too-short" not in message


def test_password_hash_checks_apply_after_resolution(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("PLAIN_PASSWORD", "plaintext-password")
    message = _error(_data_with("users.0.password_hash", {"env": "PLAIN_PASSWORD"}), tmp_path)
    assert "users.0.password_hash: must be a bcrypt hash" in message
    assert "plaintext-password" not in message


@pytest.mark.parametrize("audit_key", ["short-audit-key", "changeme"])
def test_weak_audit_key_is_refused(audit_key, tmp_path) -> None:
    message = _error(_data_with("audit_key", audit_key), tmp_path)
    assert message.startswith("audit_key: must be a random string of at least 32 bytes")
    assert audit_key not in message


def test_audit_key_is_optional(tmp_path) -> None:
    assert parse_config(make_config(), base_dir=tmp_path).audit_key is None


def test_database_password_is_put_into_the_database_url(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("PGPASSWORD_TEST", "p@ss/word:1")
    data = make_config()
    data.update(database_url="postgresql://signer@db.internal:5432/signer")
    data["database_password"] = {"env": "PGPASSWORD_TEST"}
    config = parse_config(data, base_dir=tmp_path)
    assert config.database_url == "postgresql://signer:p%40ss%2Fword%3A1@db.internal:5432/signer"


@pytest.mark.parametrize("url", ["sqlite:///x.db", "postgresql://signer:inline@db/signer", None])
def test_database_password_needs_a_url_with_a_user_and_no_password(url, tmp_path) -> None:
    data = make_config()
    data.update(database_url=url, database_password="db-pass-word")
    message = _error(data, tmp_path)
    assert message.startswith("database_password: needs a database_url with a user name")


def test_load_config_resolves_files_next_to_the_config_file(tmp_path, monkeypatch) -> None:
    folder = tmp_path / "etc"
    _private_file(folder / "secret_key", SECRET)
    _private_file(folder / "keys" / "main", KEY_A)
    data = make_config()
    data["secret_key"] = {"file": "secret_key"}
    data["wallets"][0]["private_key"] = {"file": "keys/main"}
    (folder / "config.yml").write_text(yaml.safe_dump(data), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    config: ServiceConfig = load_config("etc/config.yml")
    assert config.secret_key.get_secret_value() == SECRET
    assert config.wallets[0].signing_key.public_key == SigningKey.from_hex(KEY_A).public_key
