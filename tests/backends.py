"""Real key backends for the tests: a SoftHSM2 token set and a moto KMS server per test session.

SoftHSM2 reads SOFTHSM2_CONF once, when this process first loads the module, so the session's
temporary config is set before any test opens a key, and every token is initialized up front.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests import skips

ROOT = Path(__file__).resolve().parents[1]
MODULE_PATHS = (
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/local/lib/softhsm/libsofthsm2.so",
)
TOKENS = {
    "signer": "signer-pin-4821",
    "fresh": "fresh-pin-7305",
    "doomed": "doomed-pin-1962",
    "roaming": "roaming-pin-6640",  # its directory is moved away and back mid-run
}
SO_PIN = "so-pin-55555"
MAIN_TOKEN = "signer"
SKIP_SOFTHSM = "not installed (apt-get install softhsm2; scripts/test.sh installs it when run as root)"


def _module_path() -> str | None:
    given = os.environ.get("SOFTHSM2_MODULE")
    candidates = (given,) if given else MODULE_PATHS
    return next((path for path in candidates if os.path.isfile(path)), None)


@dataclass
class SoftHsm:
    module: str
    conf: Path
    pins: dict[str, str]
    created: dict[str, dict[str, Any]] = field(default_factory=dict)
    token_dirs: dict[str, Path] = field(default_factory=dict)  # token label -> its directory in tokendir

    @contextmanager
    def token_away(self, label: str) -> Iterator[None]:
        """The token's directory moved out of SoftHSM2's tokendir for the block (the token is gone), then back."""
        home = self.token_dirs[label]
        away = home.parent.parent / f"away-{home.name}"
        home.rename(away)
        try:
            yield
        finally:
            away.rename(home)

    def env(self, pin: str | None) -> dict[str, str]:
        env = {**os.environ, "SOFTHSM2_CONF": str(self.conf), "PYTHONPATH": str(ROOT)}
        env.pop("PKCS11_PIN", None)
        if pin is not None:
            env["PKCS11_PIN"] = pin
        return env

    def cli(
        self, *args: str, token_label: str = MAIN_TOKEN, pin: str | None = "", stdin: str = ""
    ) -> subprocess.CompletedProcess[str]:
        """`python -m app.cli.keys ARGS --pkcs11-module M --token-label T`, the PIN in the environment."""
        command = [sys.executable, "-m", "app.cli.keys", *args, "--pkcs11-module", self.module]
        command += ["--token-label", token_label]
        pin = self.pins[token_label] if pin == "" else pin
        return subprocess.run(
            command, input=stdin, env=self.env(pin), capture_output=True, text=True, timeout=60, check=False, cwd=ROOT
        )

    def create(self, label: str, *, token_label: str = MAIN_TOKEN) -> dict[str, Any]:
        """A secp256k1 key made by `keys create`; its JSON answer."""
        result = self.cli("create", "--key-label", label, token_label=token_label)
        assert result.returncode == 0, result.stderr
        self.created[label] = json.loads(result.stdout)
        return self.created[label]

    def tool(self, label: str, action: str, *, token_label: str = MAIN_TOKEN) -> str:
        """tests/keys/p11tool.py in a subprocess (keys the service must refuse, attributes)."""
        command = [sys.executable, "-m", "tests.keys.p11tool", self.module, token_label, label, action]
        env = self.env(self.pins[token_label])
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=True, cwd=ROOT)
        return result.stdout

    def settings(self, label: str, *, token_label: str = MAIN_TOKEN, **changes: Any) -> Any:
        from app.keys.settings import Pkcs11Settings

        values = {
            "module": self.module,
            "token_label": token_label,
            "key_label": label,
            "pin": self.pins.get(token_label, "some-pin-0000"),
        }
        return Pkcs11Settings.model_validate({**values, **changes})


@pytest.fixture(scope="session")
def softhsm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SoftHsm]:
    module, util = _module_path(), shutil.which("softhsm2-util")
    if module is None or util is None:
        skips.required("SoftHSM2", SKIP_SOFTHSM)
    root = tmp_path_factory.mktemp("softhsm")
    (root / "tokens").mkdir(mode=0o700)
    conf = root / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {root / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n")
    hsm = SoftHsm(module=module, conf=conf, pins=dict(TOKENS))
    for label, pin in TOKENS.items():
        before = set((root / "tokens").iterdir())
        command = [util, "--init-token", "--free", "--label", label, "--pin", pin, "--so-pin", SO_PIN]
        subprocess.run(command, env=hsm.env(None), capture_output=True, timeout=60, check=True)
        (hsm.token_dirs[label],) = set((root / "tokens").iterdir()) - before
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOFTHSM2_CONF", str(conf))
        yield hsm


@pytest.fixture(scope="session")
def hsm_key(softhsm: SoftHsm) -> dict[str, Any]:
    """The session's main key, created through the CLI in token 'signer'."""
    return softhsm.create("hot-1")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class MotoServer:
    process: subprocess.Popen[bytes]
    url: str

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)  # a frozen server must be able to die
            self.process.kill()
        self.process.wait(timeout=10)


def start_moto(log: Path) -> MotoServer:
    """moto_server on a free loopback port, ready within a bounded wait."""
    port = free_port()
    command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    server = MotoServer(process, f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"moto_server exited early: {log.read_text(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(server.url + "/moto-api/", timeout=1):  # noqa: S310 - loopback URL
                return server
        except OSError:
            time.sleep(0.05)  # poll with a deadline: the server binds within a second or two
    server.stop()
    pytest.fail("moto_server did not answer within 30 s")


@pytest.fixture(scope="session")
def aws_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Credentials for moto in the environment (the standard chain), nothing read from ~/.aws or IMDS."""
    empty = tmp_path_factory.mktemp("aws")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_ACCESS_KEY_ID", "testing")
        patch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        patch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # never ask 169.254.169.254
        patch.setenv("AWS_CONFIG_FILE", str(empty / "config"))
        patch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty / "credentials"))
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"):
            patch.delenv(name, raising=False)
        yield


@pytest.fixture(scope="session")
def moto(aws_env: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    server = start_moto(tmp_path_factory.mktemp("moto") / "moto.log")
    yield server
    server.stop()


def kms_client(url: str) -> Any:
    import boto3

    return boto3.client("kms", region_name="us-east-1", endpoint_url=url)


def create_kms_key(client: Any, *, spec: str = "ECC_SECG_P256K1", usage: str = "SIGN_VERIFY") -> str:
    return str(client.create_key(KeySpec=spec, KeyUsage=usage)["KeyMetadata"]["KeyId"])
