"""Postman as a tested client: the live /api/openapi.json of a real demo, converted by Postman's own converter
(scripts/postman.py: openapi-to-postmanv2) and run with newman. Every sign and broadcast must succeed, but
for the two broadcasts that cannot land on a fresh demo as the chain behaves, which must be refused so.

The npm packages (pinned in scripts/postman.py) are installed into a cache outside the checkout when missing.
"""

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.docs.readme import ROOT
from tests.e2e.conftest import free_port, start, stop, wait_until_up

pytestmark = [
    pytest.mark.timeout(420),  # a first run installs the npm packages (about 20 s here, 10 minutes at most)
    pytest.mark.skipif(
        shutil.which("npm") is None or shutil.which("node") is None,
        reason="needs node and npm (Node 18 or newer) for openapi-to-postmanv2 and newman",
    ),
]
REFUSED = {  # scripts/postman.py EXPECTED_REFUSALS, and README: Postman
    "/api/time_unlock/broadcast": "Can not unlock: lock time(",
    "/api/refund_htlt/broadcast": "is still not reached",
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh demo as scripts/demo.sh sets it up (devnet with its ledger, service), on free ports; its URL."""
    tmp = tmp_path_factory.mktemp("postman-demo")
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
        yield f"http://127.0.0.1:{port}"
    finally:
        for process in (service, devnet):
            if process is not None:
                stop(process)


def _requests(items: list[dict]) -> list[dict]:
    found = []
    for item in items:
        found += _requests(item["item"]) if "item" in item else [item]
    return found


def test_the_converted_collection_runs_green_with_newman_against_a_real_demo(demo: str, tmp_path: Path) -> None:
    collection_file, report_file = tmp_path / "collection.json", tmp_path / "newman.json"
    newman_args = ["--reporters", "cli,json", "--reporter-json-export", str(report_file)]
    started = time.monotonic()
    run = subprocess.run(
        [sys.executable, "scripts/postman.py", "--url", demo, "--out", str(collection_file), "--run"]
        + [f"--newman-arg={arg}" for arg in newman_args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=400,
        check=False,
    )
    elapsed = time.monotonic() - started
    assert run.returncode == 0, f"{run.stdout[-6000:]}\n{run.stderr[-3000:]}"

    document = httpx.get(f"{demo}/api/openapi.json", timeout=10).json()
    message_paths = {p for p in document["paths"] if p.endswith(("/sign", "/broadcast"))}
    assert len(message_paths) == 46

    # The bodies are the document's own examples, as the converter put them (no "<string>" placeholders).
    collection = json.loads(collection_file.read_text(encoding="utf-8"))
    for item in _requests(collection["item"]):
        path = "/" + "/".join(f"{{{p[1:]}}}" if p.startswith(":") else p for p in item["request"]["url"]["path"])
        operation = document["paths"][path][item["request"]["method"].lower()]
        if "requestBody" in operation:
            example = operation["requestBody"]["content"]["application/json"]["example"]
            assert json.loads(item["request"]["body"]["raw"]) == example, path

    # What newman sent and got, request by request: every message path once, each with its one right answer.
    report = json.loads(report_file.read_text(encoding="utf-8"))
    # (newman's JSON report lists an item's execution once more when its pre-request script sent a request.)
    answers: dict[str, list[tuple[int, str]]] = {}
    executions = {execution["item"]["id"]: execution for execution in report["run"]["executions"]}
    for execution in executions.values():
        path = "/" + "/".join(execution["request"]["url"]["path"])
        body = bytes(execution["response"]["stream"]["data"]).decode()
        answers.setdefault(path, []).append((execution["response"]["code"], body))
    for path in sorted(message_paths):
        [(status, body)] = answers[path]
        if path in REFUSED:
            assert (status, REFUSED[path] in body) == (400, True), (path, body)
        else:
            assert status == 200, (path, body)
    assert report["run"]["failures"] == []
    print(f"collection converted and run in {elapsed:.1f} s")  # shown with -s: the timing of this test
