"""A fresh demo as scripts/demo.sh sets it up: its config from scripts/demo_config.py, a devnet with its
ledger file and the service, on free ports."""

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.docs.readme import ROOT
from tests.e2e.conftest import free_port, start, stop, wait_until_up


@contextmanager
def running_demo(tmp: Path) -> Iterator[str]:
    """The demo's service address (host:port) while the block runs."""
    devnet_port, port = free_port(), free_port()
    config = tmp / "config.yml"
    node = f"http://127.0.0.1:{devnet_port}"
    subprocess.run(
        [sys.executable, "scripts/demo_config.py", "--node-url", node, "--out", str(config)],
        cwd=ROOT,
        check=True,
        timeout=30,
    )
    args = ["--config", str(config), "--port", str(devnet_port), "--state", str(tmp / "devnet.json")]
    devnet = start(["devnet", *args], tmp / "devnet.log")
    service = None
    try:
        wait_until_up(f"{node}/api/v1/node-info", devnet)
        service = start(["serve", "--config", str(config), "--port", str(port)], tmp / "service.log")
        wait_until_up(f"http://127.0.0.1:{port}/health", service)
        yield f"127.0.0.1:{port}"
    finally:
        for process in (service, devnet):
            if process is not None:
                stop(process)
