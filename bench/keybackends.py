"""The key backends of issue #11 for the `keys_sign` scenario: a SoftHSM2 token and a moto KMS server.

remote_keys() makes a SoftHSM2 token with a key created through `python -m app keys create` and
an ECC_SECG_P256K1 key in a moto_server on loopback, a devnet that funds them, and a service
whose config has one in-process, one PKCS#11 and one KMS wallet (the bench config's secret and
user, so the run's token works). Raises scenarios.Skipped when SoftHSM2 or moto is missing.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import yaml

from bench import procs
from bench.configs import ALL_PERMISSIONS, BenchConfig, Wallet

MODULES = ("/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so")
PIN = "bench-pin-2718"
KINDS = ("in-process", "pkcs11", "aws_kms")


class Unavailable(Exception):
    """A backend cannot be set up here; the reason says what to install."""


def _softhsm(root: Path, env: dict[str, str]) -> tuple[dict[str, object], str]:
    module = next((m for m in MODULES if os.path.isfile(m)), None)
    util = shutil.which("softhsm2-util")
    if module is None or util is None:
        raise Unavailable("SoftHSM2 is not installed (apt-get install softhsm2)")
    (root / "tokens").mkdir(mode=0o700)
    conf = root / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {root / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n")
    env["SOFTHSM2_CONF"] = str(conf)
    init = [util, "--init-token", "--free", "--label", "bench", "--pin", PIN, "--so-pin", "so-pin-31415"]
    subprocess.run(init, env=env, capture_output=True, timeout=60, check=True)
    create = [sys.executable, "-m", "app", "keys", "create", "--pkcs11-module", module, "--token-label", "bench"]
    made = subprocess.run(
        [*create, "--key-label", "bench-hot"],
        env={**env, "PKCS11_PIN": PIN},
        cwd=procs.REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    block = {"module": module, "token_label": "bench", "key_label": "bench-hot", "pin": {"env": "BENCH_HSM_PIN"}}
    return block, str(json.loads(made.stdout)["addresses"]["tbnb"])


def _kms(stack: ExitStack, workdir: Path, env: dict[str, str]) -> tuple[dict[str, object], str]:
    try:
        import boto3

        from app.chain.address import encode_address, key_hash
        from app.keys.ecdsa import public_key_from_spki
    except ImportError as exc:
        raise Unavailable(f"boto3 is not installed ({exc.name})") from exc
    port = procs.free_port()
    moto = procs.spawn("moto", ["-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)], port=port, log_dir=workdir)
    stack.callback(procs.stop, moto)
    try:
        procs.wait_ready(moto, path="/moto-api/")
    except Exception as exc:
        raise Unavailable(f"moto_server did not start (pip install 'moto[server]'): {exc}") from exc
    fake = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench"}  # moto accepts any credentials
    env.update(fake, AWS_EC2_METADATA_DISABLED="true")
    client = boto3.client(
        "kms",
        region_name="us-east-1",
        endpoint_url=moto.url,
        aws_access_key_id=fake["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=fake["AWS_SECRET_ACCESS_KEY"],
    )
    key_id = client.create_key(KeySpec="ECC_SECG_P256K1", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    public_key = public_key_from_spki(client.get_public_key(KeyId=key_id)["PublicKey"])
    address = encode_address("tbnb", key_hash(public_key))
    return {"key_id": key_id, "region": "us-east-1", "endpoint_url": moto.url}, address


@contextmanager
def remote_keys(
    config: BenchConfig, workdir: Path, python: Path | None = None
) -> Iterator[tuple[procs.Server, dict[str, Wallet]]]:
    """A devnet and a service (on python) with one wallet per key kind; (the service, wallets by kind)."""
    with ExitStack() as stack:
        root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-keys-", dir=workdir)))
        env = dict(os.environ)
        hsm_block, hsm_address = _softhsm(root, env)
        kms_block, kms_address = _kms(stack, workdir, env)
        document = yaml.safe_load(config.path.read_text(encoding="utf-8"))
        local = document["wallets"][0]  # the sign wallet: in-process
        wallets = {
            "in-process": Wallet(local["name"], config.sign_wallet.address),
            "pkcs11": Wallet("hsm_wallet", hsm_address),
            "aws_kms": Wallet("kms_wallet", kms_address),
        }
        document["wallets"] = [
            local,
            {"name": "hsm_wallet", "env_name": "DEVNET", "permissions": ALL_PERMISSIONS, "pkcs11": hsm_block},
            {"name": "kms_wallet", "env_name": "DEVNET", "permissions": ALL_PERMISSIONS, "aws_kms": kms_block},
        ]
        grants = [{"wallet_name": w["name"], "permissions": ALL_PERMISSIONS} for w in document["wallets"]]
        document["users"][0]["wallet_permissions"] = grants
        devnet_port = procs.free_port()
        document["environments"]["DEVNET"]["api_url"] = f"http://127.0.0.1:{devnet_port}"
        document["database_url"] = f"sqlite:///{root / 'keys.db'}"
        path = root / "keys.yml"
        path.write_text(yaml.safe_dump(document), encoding="utf-8")
        path.chmod(0o600)
        fund = [arg for w in wallets.values() for arg in ("--fund", w.address)]
        devnet_args = ["-m", "app", "devnet", "--port", str(devnet_port), *fund]
        devnet = procs.spawn("keys-devnet", devnet_args, port=devnet_port, log_dir=workdir, python=python)
        stack.callback(procs.stop, devnet)
        procs.wait_ready(devnet, path="/api/v1/node-info")
        port = procs.free_port()
        service_args = ["-m", "app", "serve", "--config", str(path), "--port", str(port), "--log-level", "warning"]
        service = procs.spawn(
            "keys-service", service_args, port=port, log_dir=workdir, env={**env, "BENCH_HSM_PIN": PIN}, python=python
        )
        stack.callback(procs.stop, service)
        procs.wait_ready(service)
        yield service, wallets
