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
    "duplicate_wallet": (lambda d: d["wallets"].append(dict(d["wallets"][0])), "wallets.6.name: duplicate wallet name"),
    "duplicate_user": (lambda d: d["users"].append(dict(d["users"][0])), "users.2.username: duplicate username"),
    "grant_on_unknown_wallet": (
        lambda d: d["users"][1]["wallet_permissions"].append({"wallet_name": "ghost", "permissions": ["trade"]}),
        "users.1.wallet_permissions.2.wallet_name: no such wallet",
    ),
    "unknown_permission": (lambda d: d["wallets"][0]["permissions"].append("withdraw"), "wallets.0.permissions.6"),
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
    "unknown_env": (
        lambda d: d["wallets"][0].update(env_name="MOON"),
        "wallets.0.env_name: not a configured environment",
    ),
    "placeholder_secret": (lambda d: d.update(secret_key="change_this"), "secret_key: must be a random string"),
    "short_secret": (lambda d: d.update(secret_key="short"), "gen-secret"),
    "bad_hash": (
        lambda d: d["users"][0].update(password_hash="plaintext"),
        "users.0.password_hash: must be a bcrypt hash",
    ),
    "unknown_field": (lambda d: d["wallets"][0].update(privte_key=KEY_A), "wallets.0.privte_key"),
    "bad_limit_amount": (
        lambda d: d["wallets"][0].update(limits={"max_per_day": {"BNB": "0.123456789"}}),
        "wallets.0.limits.max_per_day.<key>",
    ),
    "bad_limit_symbol": (
        lambda d: d["wallets"][0].update(limits={"allowed_symbols": ["bnb"]}),
        "wallets.0.limits.allowed_symbols: entry 0 is not a token or pair symbol",
    ),
    "bad_limit_destination": (
        lambda d: d["wallets"][0].update(limits={"allowed_destinations": ["tbnb1xyz"]}),
        "wallets.0.limits.allowed_destinations: entry 0: address is not valid bech32",
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


PASTED = KEY_A.upper()  # a private key pasted where a plain value belongs
PASTE_CASES = {
    "ip_whitelist": (lambda d: d["wallets"][0].update(ip_whitelist=["10.0.0.1", PASTED]), "wallets.0.ip_whitelist"),
    "allowed_destinations": (
        lambda d: d["wallets"][0].update(limits={"allowed_destinations": [PASTED]}),
        "wallets.0.limits.allowed_destinations",
    ),
    "allowed_symbols": (
        lambda d: d["wallets"][0].update(limits={"allowed_symbols": [PASTED]}),
        "wallets.0.limits.allowed_symbols",
    ),
    "user_allowed_symbols": (
        lambda d: d["users"][0]["wallet_permissions"][0].update(limits={"allowed_symbols": [PASTED]}),
        "users.0.wallet_permissions.0.limits.allowed_symbols",
    ),
    "env_name": (lambda d: d["wallets"][0].update(env_name=PASTED[:64]), "wallets.0.env_name"),
    "env_name_too_long": (lambda d: d["wallets"][0].update(env_name=PASTED), "wallets.0.env_name"),
    "max_per_tx_key": (lambda d: d["wallets"][0].update(limits={"max_per_tx": {PASTED: 1}}), "max_per_tx"),
    "environment_key": (lambda d: d["environments"].update({PASTED: {"api_url": "x", "hrp": "x"}}), "environments"),
    "unknown_field_key": (lambda d: d["wallets"][0].update({KEY_A: 1}), "wallets.0.<key>"),
    "grant_wallet": (lambda d: d["users"][0]["wallet_permissions"][0].update(wallet_name=PASTED[:64]), "users.0"),
    "trusted_proxies": (lambda d: d.update(trusted_proxies=[PASTED]), "trusted_proxies"),
    "chain_id": (lambda d: d["environments"]["DEVNET"].update(chain_id=PASTED), "environments.<key>.chain_id"),
}


@pytest.mark.parametrize("case", list(PASTE_CASES))
def test_config_errors_never_echo_a_value(case, tmp_path) -> None:
    mutate, where = PASTE_CASES[case]
    with pytest.raises(ConfigError) as caught:
        _parse(_broken(mutate), tmp_path)
    message = str(caught.value)
    assert where in message
    for piece in (PASTED, PASTED[:64], PASTED[:16], KEY_A, KEY_A[:16]):
        assert piece not in message, message


def test_check_config_prints_no_pasted_value(tmp_path) -> None:
    data = _broken(PASTE_CASES["ip_whitelist"][0])
    path = tmp_path / "config.yml"
    path.write_text(yaml.safe_dump(data))
    result = _cli("check-config", "--config", str(path))
    assert result.returncode == 2
    assert "wallets.0.ip_whitelist" in result.stderr
    assert PASTED not in result.stdout + result.stderr and PASTED[:16] not in result.stdout + result.stderr


def test_a_duplicate_yaml_key_is_refused_naming_its_line(tmp_path) -> None:
    data = make_config()
    data["wallets"][0]["ip_whitelist"] = ["10.1.2.3"]
    text = yaml.safe_dump(data, sort_keys=False)
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip() == "ip_whitelist:")
    lines.insert(at + 2, lines[at].replace("ip_whitelist:", "ip_whitelist: '*'"))  # a second ip_whitelist
    path = tmp_path / "c.yml"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert f"duplicate key at line {at + 3}" in str(caught.value)
    assert "*" not in str(caught.value) and "10.1.2.3" not in str(caught.value)


def test_yaml_merge_keys_are_not_duplicates(tmp_path) -> None:
    data = make_config()
    text = yaml.safe_dump({k: v for k, v in data.items() if k != "environments"}, sort_keys=False)
    text += "base: &b {hrp: tbnb, timeout_seconds: 5}\n".replace("base", "x-base")
    path = tmp_path / "c.yml"
    path.write_text(text + "environments:\n  DEVNET:\n    <<: *b\n    api_url: http://devnet.test\n")
    with pytest.raises(ConfigError) as caught:  # the anchor's holder is an unknown field; the merge is no duplicate
        load_config(path)
    assert "duplicate key" not in str(caught.value) and "Extra inputs" in str(caught.value)
