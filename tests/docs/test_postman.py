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

from tests.docs.demo import running_demo
from tests.docs.readme import ROOT

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
    with running_demo(tmp_path_factory.mktemp("postman-demo")) as address:
        yield f"http://{address}"


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


def test_an_import_by_link_with_the_converters_defaults_signs_every_message_without_a_409(
    demo: str, tmp_path: Path
) -> None:
    """README: Postman, *Import* by *Link*: the converter's defaults but *Parameter generation: Example*,
    then baseUrl and the access token set as the README says (the token is what *Get New Access Token* gets)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import postman
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    node_modules = postman.ensure_packages(postman.cache_dir())
    document = httpx.get(f"{demo}/api/openapi.json", timeout=10).text
    postman.CONVERTER_OPTIONS = {"parametersResolution": "Example"}  # what the import settings change, no more
    collection = postman.convert(document, node_modules)
    login = {"username": "demo", "password": "demo-password"}
    token = httpx.post(f"{demo}/api/auth/login", json=login, timeout=10).json()["access_token"]
    collection["variable"] = [{"key": "baseUrl", "value": demo}]
    requests = list(postman._requests(collection["item"]).values())
    for item in requests:
        auth = item["request"].get("auth")
        if auth and auth["type"] == "oauth2":
            auth["oauth2"] += [{"key": "accessToken", "value": token}, {"key": "addTokenTo", "value": "header"}]
    keys = {h["value"] for i in requests for h in i["request"].get("header", []) if h["key"] == "Idempotency-Key"}
    assert keys == {""}, keys  # no shared key: an empty one is no key
    (tmp_path / "collection.json").write_text(json.dumps(collection), encoding="utf-8")
    report_file = tmp_path / "newman.json"
    newman = [shutil.which("node") or "node", str(node_modules / "newman" / "bin" / "newman.js"), "run"]
    subprocess.run(
        [*newman, str(tmp_path / "collection.json"), "--reporters", "json", "--reporter-json-export", str(report_file)],
        capture_output=True,
        timeout=300,
        check=False,
    )
    report = json.loads(report_file.read_text(encoding="utf-8"))
    answers = {
        "/" + "/".join(e["request"]["url"]["path"]): (e["response"]["code"], bytes(e["response"]["stream"]["data"]))
        for e in report["run"]["executions"]
    }
    assert not [path for path, (status, _) in answers.items() if status == 409]
    signs = {path: answer for path, answer in answers.items() if path.endswith("/sign")}
    assert len(signs) == 23 and all(status == 200 for status, _ in signs.values()), signs
