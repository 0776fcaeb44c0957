"""HSM and KMS wallets in the config and on the command line: check-config, keys show, one key source per wallet."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from app.config import ConfigError, parse_config
from tests.backends import ROOT, SoftHsm
from tests.helpers import KEY_A, make_config

pytestmark = pytest.mark.timeout(120)


def _hsm_config(softhsm: SoftHsm, label: str) -> dict:  # type: ignore[type-arg]
    data = make_config()
    data["wallets"].append(
        {
            "name": "hsm",
            "env_name": "DEVNET",
            "permissions": ["transfer"],
            "pkcs11": {
                "module": softhsm.module,
                "token_label": "signer",
                "key_label": label,
                "pin": {"env": "HSM_PIN"},
            },
        }
    )
    return data


def _run(softhsm: SoftHsm, config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = softhsm.env(None) | {"HSM_PIN": softhsm.pins["signer"]}
    command = [sys.executable, "-m", "app", *args, "--config", str(config)]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False, cwd=ROOT)


def test_check_config_and_keys_show_print_the_hsm_wallets_address_and_never_the_pin(softhsm, tmp_path) -> None:  # type: ignore[no-untyped-def]
    created = softhsm.create("cli-shown")
    config = tmp_path / "config.yml"
    config.write_text(yaml.safe_dump(_hsm_config(softhsm, "cli-shown")))
    checked = _run(softhsm, config, "check-config")
    assert checked.returncode == 0, checked.stderr
    wallet = next(w for w in json.loads(checked.stdout)["wallets"] if w["name"] == "hsm")
    assert (wallet["key_source"], wallet["address"]) == ("pkcs11", created["addresses"]["tbnb"])
    shown = _run(softhsm, config, "keys", "show")
    assert shown.returncode == 0, shown.stderr
    entry = next(e for e in json.loads(shown.stdout) if e["wallet"] == "hsm")
    assert entry["kind"] == "pkcs11" and entry["addresses"] == created["addresses"]
    for output in (checked.stdout, checked.stderr, shown.stdout, shown.stderr):
        assert softhsm.pins["signer"] not in output


def test_check_config_stops_on_a_missing_hsm_key_naming_the_wallet(softhsm, tmp_path) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "config.yml"
    config.write_text(yaml.safe_dump(_hsm_config(softhsm, "no-such-key")))
    checked = _run(softhsm, config, "check-config")
    assert checked.returncode == 2
    assert "wallet 'hsm'" in checked.stderr and "no-such-key" in checked.stderr
    assert softhsm.pins["signer"] not in checked.stderr


def test_a_wallet_with_two_key_sources_is_refused_naming_the_wallet(tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = make_config()
    data["wallets"].append(
        {
            "name": "mixed",
            "env_name": "DEVNET",
            "private_key": KEY_A,
            "aws_kms": {"key_id": "alias/x", "region": "us-east-1"},
        }
    )
    with pytest.raises(ConfigError) as caught:
        parse_config(data, base_dir=tmp_path)
    assert "wallets.6: give exactly one key source" in str(caught.value)
    assert KEY_A not in str(caught.value)
