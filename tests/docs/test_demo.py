"""./scripts/demo.sh as a newcomer runs it: other ports work, a restart keeps service and devnet in step,
and the checkout stays clean."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.docs.readme import ROOT
from tests.e2e.conftest import free_port, wait_until_up

pytestmark = [
    pytest.mark.timeout(150),
    pytest.mark.skipif(
        not (ROOT / ".venv" / "bin" / "python").exists(),
        reason="scripts/demo.sh uses the checkout's .venv: run ./scripts/test.sh (which creates it) first",
    ),
]
WALLET_1 = "tbnb10a6kkxlf823w9lwr6l9hzw4uyphcw7qzrud5rr"
TRANSFER = {"to_address": "tbnb1yqprw3vkaw72vaw4yws0adxq6qw5nunzny0tvt", "amount": "1", "symbol": "BNB"}


class Demo:
    """scripts/demo.sh in its own process group, with PORT, DEVNET_PORT and DEMO_DIR set."""

    def __init__(self, demo_dir: Path) -> None:
        self.demo_dir, self.port, self.devnet_port = demo_dir, free_port(), free_port()
        self.url, self.devnet_url = f"http://127.0.0.1:{self.port}", f"http://127.0.0.1:{self.devnet_port}"
        self.log = demo_dir.parent / "demo.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        env = {**os.environ, "PORT": str(self.port), "DEVNET_PORT": str(self.devnet_port)}
        env["DEMO_DIR"] = str(self.demo_dir)
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                ["scripts/demo.sh"], cwd=ROOT, env=env, stdout=out, stderr=out, start_new_session=True
            )
        deadline = time.monotonic() + 90  # pip checks requirements.txt first
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()
            try:
                httpx.get(f"{self.url}/health", timeout=0.5)
                return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise AssertionError(f"demo did not come up in 90 s:\n{self.log.read_text()}")

    def stop(self) -> None:
        """What Ctrl-C does: SIGINT to the whole process group."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def token(self) -> str:
        login = {"username": "demo", "password": "demo-password"}
        return httpx.post(f"{self.url}/api/auth/login", json=login, timeout=10).json()["access_token"]

    def post(self, path: str, msg: dict) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token()}"}
        body = {"msg": msg, "wallet_name": "wallet_1"}
        return httpx.post(f"{self.url}/api/{path}", json=body, headers=headers, timeout=15)

    def chain_sequence(self) -> int:
        return httpx.get(f"{self.devnet_url}/api/v1/account/{WALLET_1}/sequence", timeout=5).json()["sequence"]


def git_status() -> str:
    return subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout


def test_demo_on_other_ports_survives_a_restart_in_step_and_leaves_git_clean(tmp_path: Path) -> None:
    before = git_status()
    demo = Demo(tmp_path / "demo-state")
    demo.start()
    try:
        # The service follows DEVNET_PORT: a broadcast reaches this run's devnet, not one on 8080.
        assert demo.post("transfer/broadcast", TRANSFER).status_code == 200
        assert demo.chain_sequence() == 1
    finally:
        demo.stop()
    assert sorted(p.name for p in demo.demo_dir.iterdir() if not p.name.startswith("signer.db")) == [
        "config.yml",
        "devnet.json",
    ]
    demo.start()  # both restarted: the devnet reloads its ledger, the service its store
    try:
        signed = demo.post("transfer/sign", TRANSFER)
        assert signed.status_code == 200, signed.text
        assert signed.json()["sequence"] == 1 == demo.chain_sequence()
        assert demo.post("transfer/broadcast", TRANSFER).status_code == 200  # reconciles past the unsent one
        assert demo.chain_sequence() == 2
    finally:
        demo.stop()
    log = demo.log.read_text()
    assert "devnet state loaded from" in log
    assert log.count(" funded: ") == 1  # the restart funded nothing, and says so
    assert git_status() == before


def _run_demo_to_its_end(demo: Demo) -> str:
    """scripts/demo.sh run until it exits by itself (it must: it refuses to start); what it printed."""
    env = {**os.environ, "PORT": str(demo.port), "DEVNET_PORT": str(demo.devnet_port), "DEMO_DIR": str(demo.demo_dir)}
    result = subprocess.run(
        ["scripts/demo.sh"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode != 0, result.stdout + result.stderr
    return result.stdout + result.stderr


def test_demo_refuses_to_start_when_any_http_server_holds_the_devnet_port(tmp_path: Path) -> None:
    demo = Demo(tmp_path / "demo-state")
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(demo.devnet_port)],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_up(f"{demo.devnet_url}/", server)
        output = _run_demo_to_its_end(demo)
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert f"demo: port {demo.devnet_port} on 127.0.0.1 is in use" in output
    assert "DEVNET_PORT=" in output and "Signing service:" not in output


def test_a_second_demo_on_the_first_demos_devnet_port_refuses_to_start(tmp_path: Path) -> None:
    first = Demo(tmp_path / "first")
    first.start()
    try:
        second = Demo(tmp_path / "second")
        second.devnet_port, second.devnet_url = first.devnet_port, first.devnet_url
        output = _run_demo_to_its_end(second)
    finally:
        first.stop()
    assert f"demo: port {first.devnet_port} on 127.0.0.1 is in use" in output


def test_the_default_demo_folder_is_ignored_by_git() -> None:
    for path in (".demo/config.yml", ".demo/devnet.json", ".demo/signer.db", ".demo/signer.db.locks/x"):
        result = subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT, timeout=30, check=False)
        assert result.returncode == 0, f"{path} is not ignored"


def test_readme_documents_the_demo_variables() -> None:
    text = (ROOT / "README.rst").read_text(encoding="utf-8")
    for name in ("PORT", "DEVNET_PORT", "CONFIG", "DEMO_DIR"):
        assert f"``{name}``" in text, name
