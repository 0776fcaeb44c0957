"""Real processes: the devnet and the service, started with the CLI on free loopback ports."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import yaml

from tests import leakcheck
from tests.helpers import CHAIN_ID, FUNDED, HRP, make_config

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_up(url: str, process: subprocess.Popen, *, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: process exited with {process.returncode}")
        try:
            httpx.get(url, timeout=0.5)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up in {timeout} s")


def start(args: list[str], log: Path) -> subprocess.Popen:
    leakcheck.add_log_file(log)  # searched for secrets after the run
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with log.open("wb") as out:
        # A session of its own, so a SIGKILL can reach uvicorn's worker processes too.
        return subprocess.Popen(
            [sys.executable, "-m", "app", *args],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)  # the whole session: uvicorn's workers included
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@dataclass(frozen=True)
class Stack:
    """A running devnet and service, and where their logs go."""

    devnet_url: str
    service_url: str
    logs: tuple[Path, ...]


class StackRunner:
    """Starts a devnet and a service on free ports; restart() kills and restarts the service only."""

    def __init__(
        self,
        tmp: Path,
        *,
        workers: int = 1,
        devnet_args: tuple[str, ...] = (),
        extra_wallets: list[dict] | None = None,
        extra_fund: tuple[str, ...] = (),
    ) -> None:
        self.tmp, self.workers = tmp, workers
        self.devnet_port, self.service_port = free_port(), free_port()
        self.devnet_url = f"http://127.0.0.1:{self.devnet_port}"
        self.service_url = f"http://127.0.0.1:{self.service_port}"
        self.config_path = tmp / "config.yml"
        config = make_config(api_url=self.devnet_url)
        for wallet in extra_wallets or []:  # granted to alice with the wallet's own permissions
            config["wallets"].append(wallet)
            alice = next(u for u in config["users"] if u["username"] == "alice")
            alice["wallet_permissions"].append({"wallet_name": wallet["name"], "permissions": wallet["permissions"]})
        self.config_path.write_text(yaml.safe_dump(config))
        self.logs: list[Path] = []
        fund = [arg for address in (*FUNDED, *extra_fund) for arg in ("--fund", address)]
        args = ["devnet", "--port", str(self.devnet_port), "--chain-id", CHAIN_ID, "--hrp", HRP, *fund, *devnet_args]
        self.devnet = start(args, self._log("devnet"))
        self.service: subprocess.Popen | None = None
        wait_until_up(f"{self.devnet_url}/api/v1/node-info", self.devnet)

    def _log(self, name: str) -> Path:
        path = self.tmp / f"{name}-{len(self.logs)}.log"
        self.logs.append(path)
        return path

    def start_service(self) -> None:
        args = ["serve", "--config", str(self.config_path), "--port", str(self.service_port), "--log-level", "debug"]
        self.service = start([*args, "--workers", str(self.workers)], self._log("service"))
        wait_until_up(f"{self.service_url}/docs", self.service)

    def kill_service(self) -> None:
        """SIGKILL: no shutdown handler runs (workers are killed with their parent's process group)."""
        assert self.service is not None
        os.killpg(self.service.pid, signal.SIGKILL)
        self.service.wait()

    def stop(self) -> None:
        for process in (self.service, self.devnet):
            if process is not None and process.poll() is None:
                stop(process)

    def stack(self) -> "Stack":
        return Stack(devnet_url=self.devnet_url, service_url=self.service_url, logs=tuple(self.logs))


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    runner = StackRunner(tmp_path_factory.mktemp("stack"))
    try:
        runner.start_service()
        yield runner.stack()
    finally:
        runner.stop()
