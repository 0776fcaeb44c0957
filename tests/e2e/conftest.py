"""Real processes: the devnet and the service, started with the CLI on free loopback ports."""

import os
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
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "app", *args], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=env
        )


def stop(process: subprocess.Popen) -> None:
    process.terminate()
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


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("stack")
    devnet_port, service_port = free_port(), free_port()
    devnet_url, service_url = f"http://127.0.0.1:{devnet_port}", f"http://127.0.0.1:{service_port}"
    config_path = tmp / "config.yml"
    config_path.write_text(yaml.safe_dump(make_config(api_url=devnet_url)))
    fund = [arg for address in FUNDED for arg in ("--fund", address)]
    devnet_log, service_log = tmp / "devnet.log", tmp / "service.log"
    devnet = start(["devnet", "--port", str(devnet_port), "--chain-id", CHAIN_ID, "--hrp", HRP, *fund], devnet_log)
    processes = [devnet]
    try:
        wait_until_up(f"{devnet_url}/api/v1/node-info", devnet)
        service = start(
            ["serve", "--config", str(config_path), "--port", str(service_port), "--log-level", "debug"], service_log
        )
        processes.append(service)
        wait_until_up(f"{service_url}/docs", service)
        yield Stack(devnet_url=devnet_url, service_url=service_url, logs=(devnet_log, service_log))
    finally:
        for process in reversed(processes):
            stop(process)
