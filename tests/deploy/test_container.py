"""The image, built and run for real: the README's container example as written, on free ports.

It builds the image on a base made from the Debian mirror (no registry image can be pulled here),
runs the README's commands (config with its store in the /data volume, `docker run -d ...`), and
checks from outside: /health through the published port, the image's HEALTHCHECK reporting
healthy, the serving process not root, and a sign through the container against a devnet on the host.

Networking: the container runs on the default bridge, as the README's example does. The image's
HEALTHCHECK asks 127.0.0.1:8000 inside the container, so the container needs its own network
namespace (--network host would put it on the host's port 8000, which another service on a shared
machine may hold); and the devnet on the host listens on the bridge's gateway address (docker0)
only, reached from the container as host.docker.internal (--add-host ...:host-gateway). Nothing is
bound to a public interface and no traffic leaves the machine.
"""

import os
import shlex
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests import skips
from tests.deploy import docker_engine
from tests.deploy.docker_engine import docker
from tests.docs import readme
from tests.e2e.conftest import free_port, stop, wait_until_up

pytestmark = pytest.mark.timeout(900)  # a bare machine took ~80 s: debootstrap, pip in the build, the run
ROOT = readme.ROOT
IMAGE = "bnc-signing-service:test"
BUILD_SECONDS = 600
HEALTHY_WITHIN_SECONDS = 90  # the first check runs 30 s after start


def docker_blocks() -> tuple[list[readme.Step], list[readme.Step]]:
    """The README's Docker section: (build and devnet commands, the commands that run the container)."""
    blocks = readme.bash_blocks(readme.section("Docker", level="-"))
    assert len(blocks) >= 2, "the README's Docker section lost a block"
    return readme.steps(blocks[0]), readme.steps(blocks[1])


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[docker_engine.Engine]:
    try:
        found = docker_engine.engine(tmp_path_factory.mktemp("dockerd") / "dockerd.log")
    except docker_engine.EngineUnavailable as exc:
        skips.required("container", str(exc))
    try:
        yield found
    finally:
        found.stop()


@pytest.fixture(scope="module")
def image(engine: docker_engine.Engine) -> str:
    """The image built with the README's build command, on the Debian base, with the legacy builder."""
    try:
        base = docker_engine.base_image()
    except docker_engine.EngineUnavailable as exc:
        skips.required("container", str(exc))
    build = docker_blocks()[0][0].command
    assert build == "docker build -t bnc-signing-service .", build
    args = ["build", "-q", "--build-arg", f"PYTHON_IMAGE={base}", "-t", IMAGE, "."]
    started = time.monotonic()
    env = {**os.environ, "DOCKER_BUILDKIT": "0"}  # the legacy builder: no BuildKit frontend image to pull
    subprocess.run(["docker", *args], cwd=ROOT, env=env, capture_output=True, timeout=BUILD_SECONDS, check=True)
    print(f"image built in {time.monotonic() - started:.1f} s on {base} ({engine.storage_driver})")
    return IMAGE


@pytest.fixture
def host_devnet(tmp_path: Path) -> Iterator[tuple[str, int]]:
    """The README's devnet command, on a free port; (the gateway address it listens on, its port)."""
    gateway_step, devnet_step = docker_blocks()[0][1:3]
    assert gateway_step.command.startswith("GATEWAY=$(ip -4 -o addr show docker0")
    gateway = subprocess.run(
        ["bash", "-c", gateway_step.command + '\nprintf %s "$GATEWAY"'],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    assert gateway, "docker0 has no IPv4 address"
    port = free_port()
    command = substitute(
        devnet_step.command,
        {"--port 8080": f"--port {port}", ".demo/devnet-docker.json": str(tmp_path / "devnet.json")},
    )
    argv = [arg.replace("$GATEWAY", gateway) for arg in shlex.split(command)]
    assert argv[:4] == [".venv/bin/python", "-m", "app", "devnet"], argv
    # The interpreter running the tests stands in for .venv/bin/python (the same in CI).
    log = tmp_path / "devnet.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, *argv[1:]], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        wait_until_up(f"http://{gateway}:{port}/api/v1/node-info", process)
        yield gateway, port
    finally:
        stop(process)


def substitute(command: str, table: dict[str, str]) -> str:
    """command with each key replaced; every key must occur (so the README cannot drift from the test)."""
    for old, new in table.items():
        assert old in command, f"{old!r} is no longer in the README's command {command!r}"
        command = command.replace(old, new)
    return command


def replace_all(command: str, table: dict[str, str], used: set[str]) -> str:
    """command with each key of table that it holds replaced, in table order; the keys found go into used."""
    for old, new in table.items():
        if old in command:
            used.add(old)
            command = command.replace(old, new)
    return command


def wait_healthy(name: str) -> str:
    """The container's health status once it is no longer "starting" (or at the deadline)."""
    deadline = time.monotonic() + HEALTHY_WITHIN_SECONDS
    status = ""
    while time.monotonic() < deadline:
        status = docker("inspect", "--format", "{{.State.Health.Status}}", name)
        if status != "starting":
            return status
        time.sleep(1)
    return status


def sign_vote(base_url: str) -> dict:
    login = {"username": "demo", "password": "demo-password"}
    token = httpx.post(f"{base_url}/api/auth/login", json=login, timeout=15).json()["access_token"]
    body = {"msg": {"proposal_id": 1, "option": "Yes"}, "wallet_name": "wallet_1"}
    headers = {"Authorization": f"Bearer {token}"}
    answer = httpx.post(f"{base_url}/api/vote/sign", json=body, headers=headers, timeout=15)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_readme_container_example_serves_signs_and_reports_healthy_as_non_root(
    image: str, host_devnet: tuple[str, int], tmp_path: Path
) -> None:
    _, devnet_port = host_devnet
    port, name, volume = free_port(), f"signer-test-{uuid.uuid4().hex[:8]}", f"signer-data-{uuid.uuid4().hex[:8]}"
    config_dir = tmp_path / "container"
    table = {
        "$PWD/.demo/container": str(config_dir),
        ".demo/container": str(config_dir),
        "host.docker.internal:8080": f"host.docker.internal:{devnet_port}",
        "127.0.0.1:8000:8000": f"127.0.0.1:{port}:8000",
        "localhost:8000": f"127.0.0.1:{port}",
        "--name signer": f"--name {name}",
        "signer-data:/data": f"{volume}:/data",
        "bnc-signing-service": image,
    }
    steps = docker_blocks()[1]
    used: set[str] = set()
    commands = [replace_all(step.command, table, used) for step in steps]
    assert used == set(table), f"the README's container commands no longer use {set(table) - used}"
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), "LC_ALL": "C.UTF-8"}
    try:
        results = readme.run_steps(commands, env=env, cwd=ROOT, timeout=180)
        for step, command, (status, output) in zip(steps, commands, results, strict=True):
            assert status == 0, f"{command}\nexit status {status}: {output}\n{docker('logs', name, check=False)}"
            if step.expected is not None:
                assert readme.check_answer(step.expected, output) == [], (command, output)

        # A sign through the container reaches the devnet on the host and returns a signed tx.
        signed = sign_vote(f"http://127.0.0.1:{port}")
        assert signed["signed_msg"].startswith("9001f0625dee") and signed["chain_id"] == "Binance-Dev"
        assert signed["sequence"] == 0 and len(signed["tx_hash"]) == 64

        # Not root: the user exec gets, and the serving process itself as the host's kernel sees it.
        assert docker("exec", name, "id", "-u") == "10001"
        pid = docker("inspect", "--format", "{{.State.Pid}}", name)
        uids = next(line for line in Path(f"/proc/{pid}/status").read_text().splitlines() if line.startswith("Uid:"))
        assert uids.split()[1:] == ["10001"] * 4, uids

        # The store is in the volume, not in the read-only config folder.
        assert "signer.db" in docker("exec", name, "ls", "/data").split()
        assert sorted(p.name for p in config_dir.iterdir()) == ["config.yml"]

        assert wait_healthy(name) == "healthy", docker("inspect", "--format", "{{json .State.Health}}", name)
    finally:
        docker("rm", "-f", name, check=False)
        docker("volume", "rm", "-f", volume, check=False)


def test_readme_names_the_failure_the_data_volume_avoids() -> None:
    text = readme.section("Docker", level="-")
    assert "Read-only file system: '/config/signing-service.db.locks'" in text.replace("\n", " ")
    assert "database_url: sqlite:////data/signer.db" in text
