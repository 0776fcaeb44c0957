"""Config validation fails loudly, names the field and never echoes a secret."""

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from app.cli.main import summarize
from app.config import ConfigError, load_config, parse_config
from tests.helpers import KEY_A, MNEMONIC, SECRET, make_config

ROOT = Path(__file__).resolve().parents[2]


def _parse(data: dict, tmp_path: Path):  # type: ignore[no-untyped-def]
    return parse_config(data, base_dir=tmp_path)


def _broken(mutate) -> dict:  # type: ignore[no-untyped-def]
    data = copy.deepcopy(make_config())
    mutate(data)
    return data


CASES = {
    "duplicate_wallet": (lambda d: d["wallets"].append(dict(d["wallets"][0])), "duplicate wallet name 'main'"),
    "duplicate_user": (lambda d: d["users"].append(dict(d["users"][0])), "duplicate username 'alice'"),
    "grant_on_unknown_wallet": (
        lambda d: d["users"][1]["wallet_permissions"].append({"wallet_name": "ghost", "permissions": ["trade"]}),
        "grant on unknown wallet 'ghost'",
    ),
    "unknown_permission": (lambda d: d["wallets"][0]["permissions"].append("withdraw"), "wallets.0.permissions.5"),
    "bad_key_hex": (lambda d: d["wallets"][0].update(private_key="zz" + KEY_A[2:]), "private key is not hex"),
    "short_key": (lambda d: d["wallets"][0].update(private_key=KEY_A[:-2]), "private key must be 32 bytes"),
    "bad_mnemonic_checksum": (
        lambda d: d["wallets"][2].update(mnemonic=MNEMONIC.replace("accident", "abandon")),
        "mnemonic is not a valid BIP39",
    ),
    "both_key_and_mnemonic": (
        lambda d: d["wallets"][0].update(mnemonic=MNEMONIC),
        "give exactly one key source: private_key, mnemonic, keystore, pkcs11 or aws_kms",
    ),
    "unknown_env": (lambda d: d["wallets"][0].update(env_name="MOON"), "unknown env_name 'MOON'"),
    "placeholder_secret": (lambda d: d.update(secret_key="change_this"), "secret_key: must be a random string"),
    "short_secret": (lambda d: d.update(secret_key="short"), "gen-secret"),
    "bad_hash": (
        lambda d: d["users"][0].update(password_hash="plaintext"),
        "users.0.password_hash: must be a bcrypt hash",
    ),
    "unknown_field": (lambda d: d["wallets"][0].update(privte_key=KEY_A), "wallets.0.privte_key"),
    "bad_limit_amount": (
        lambda d: d["wallets"][0].update(limits={"max_per_day": {"BNB": "0.123456789"}}),
        "wallets.0.limits.max_per_day.BNB",
    ),
    "bad_limit_symbol": (lambda d: d["wallets"][0].update(limits={"allowed_symbols": ["bnb"]}), "'bnb' is not a token"),
    "bad_limit_destination": (
        lambda d: d["wallets"][0].update(limits={"allowed_destinations": ["tbnb1xyz"]}),
        "allowed destination",
    ),
    "bad_whitelist": (lambda d: d["wallets"][0].update(ip_whitelist=["300.1.1.1"]), "not an IP address"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_invalid_config_names_the_problem_and_no_secret(case, tmp_path) -> None:
    mutate, expected = CASES[case]
    data = _broken(mutate)
    with pytest.raises(ConfigError) as caught:
        _parse(data, tmp_path)
    message = str(caught.value)
    assert expected in message
    for secret in (KEY_A, MNEMONIC, SECRET, "zz" + KEY_A[2:], KEY_A[:-2], "plaintext", data["secret_key"]):
        if len(secret) > 8:
            assert secret not in message
    for word in MNEMONIC.split()[:3]:
        assert word not in message


def test_original_readme_format_is_accepted(tmp_path) -> None:
    data = {
        "wallets": [
            {
                "private_key": KEY_A,
                "env_name": "TESTNET",
                "ip_whitelist": ["127.0.0.1"],
                "name": "wallet_1",
                "permissions": ["trade", "transfer", "freeze"],
            },
            {"private_key": KEY_A, "env_name": "TESTNET", "name": "wallet_2", "permissions": ["trade"]},
        ],
        "users": [
            {
                "username": "sam",
                "password_hash": "$2b$12$s7Vim3MM/d9as/Uh3xXcLOOcJ5kxW7D/HCZ8wcq/p8SH9BRuVP4au",
                "wallet_permissions": [
                    {"wallet_name": "wallet_1", "permissions": ["trade", "transfer"]},
                    {"wallet_name": "wallet_2", "permissions": ["transfer"]},
                ],
            }
        ],
        "access_token_expiry_minutes": 10080,
        "secret_key": SECRET,
    }
    config = _parse(data, tmp_path)
    assert config.all_environments["TESTNET"].hrp == "tbnb"
    assert config.database_url == f"sqlite:///{(tmp_path / 'signing-service.db').resolve()}"


def test_environments_override_builtins(tmp_path) -> None:
    data = make_config()
    data["environments"]["PROD"] = {"api_url": "http://127.0.0.1:9", "hrp": "bnb", "chain_id": "X"}
    assert _parse(data, tmp_path).all_environments["PROD"].api_url == "http://127.0.0.1:9"


def test_yaml_errors_do_not_quote_the_file(tmp_path) -> None:
    path = tmp_path / "c.yml"
    path.write_text(f"secret_key: {SECRET}\nwallets: [\n  private_key: {KEY_A}\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert KEY_A not in str(caught.value) and SECRET not in str(caught.value)


def test_summary_has_addresses_and_grants_but_no_secret(tmp_path) -> None:
    data = make_config()
    text = json.dumps(summarize(_parse(data, tmp_path)))
    assert "tbnb10a6kkxlf823w9lwr6l9hzw4uyphcw7qzrud5rr" in text
    for secret in [SECRET, KEY_A, MNEMONIC, *(u["password_hash"] for u in data["users"])]:
        assert secret not in text


def _cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args], cwd=ROOT, input=stdin, capture_output=True, text=True, timeout=60
    )


def test_check_config_cli_prints_a_redacted_summary(tmp_path) -> None:
    path = tmp_path / "config.yml"
    path.write_text(yaml.safe_dump(make_config()))
    result = _cli("check-config", "--config", str(path))
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert [w["name"] for w in summary["wallets"]][:2] == ["main", "trader"]
    assert KEY_A not in result.stdout and SECRET not in result.stdout


def test_check_config_cli_fails_with_the_field_named(tmp_path) -> None:
    path = tmp_path / "config.yml"
    path.write_text(yaml.safe_dump(_broken(lambda d: d.update(secret_key="change_this"))))
    result = _cli("check-config", "--config", str(path))
    assert result.returncode == 2
    assert "secret_key" in result.stderr and "change_this" not in result.stderr


def test_demo_config_is_valid() -> None:
    assert _cli("check-config", "--config", "config/config.yml").returncode == 0


def test_hash_password_cli_reads_stdin_and_prints_a_bcrypt_hash() -> None:
    import bcrypt

    result = _cli("hash-password", stdin="s3cret-pass\n")
    assert result.returncode == 0
    assert bcrypt.checkpw(b"s3cret-pass", result.stdout.strip().encode())


def test_gen_secret_cli_prints_a_long_random_secret() -> None:
    first, second = _cli("gen-secret").stdout.strip(), _cli("gen-secret").stdout.strip()
    assert len(first) >= 43 and first != second
