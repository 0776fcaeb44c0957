"""A Docker engine and a base image for tests/deploy/test_container.py, on a machine that pulls no registry image.

- engine(): uses the running dockerd, or starts a plain one (overlay2, else vfs; bridge networking)
  and waits for it with a deadline; the caller stops what it started.
- base_image(): a Debian bookworm image made with debootstrap from the Debian mirror, with the
  host's CA bundle in it (this network re-signs TLS, and pip in the build must trust it) and
  python-is-python3 (the Dockerfile runs `python -m venv`). It is kept as a docker image tag named
  after a hash of its inputs, so it is built once per machine.
"""

import hashlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
DEBIAN_SUITE = "bookworm"
DEBIAN_MIRROR = os.environ.get("DEBIAN_MIRROR", "http://deb.debian.org/debian")
BASE_PACKAGES = ("python3", "python3-venv", "python-is-python3", "ca-certificates")
BASE_REPOSITORY = "bnc-signing-service-base"
ENGINE_START_SECONDS = 60
DEBOOTSTRAP_SECONDS = 420


class EngineUnavailable(Exception):
    """No Docker engine can be had here (not installed); the tests skip with this reason."""


def docker(*args: str, timeout: float = 60, check: bool = True, env: dict[str, str] | None = None) -> str:
    """Run the docker client; its stdout, stripped. CalledProcessError (with stderr) when check fails."""
    result = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout, check=False, env=env)
    if check and result.returncode != 0:
        raise subprocess.CalledProcessError(result.returncode, ["docker", *args], result.stdout, result.stderr)
    return result.stdout.strip()


def engine_answers() -> bool:
    """True when a Docker engine answers on the default socket."""
    if shutil.which("docker") is None:
        return False
    try:
        docker("version", "--format", "{{.Server.Version}}", timeout=10)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
        return False
    return True


@dataclass
class Engine:
    """The engine in use, and the dockerd process if this run started it."""

    process: subprocess.Popen | None
    storage_driver: str

    def stop(self) -> None:
        """Stop dockerd if this run started it (containers it ran are gone with it)."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def _start_dockerd(storage_driver: str, log: Path) -> subprocess.Popen | None:
    """dockerd with this storage driver, once it answers; None if it exited (the driver does not work here)."""
    with log.open("ab") as out:
        process = subprocess.Popen(
            ["dockerd", "--storage-driver", storage_driver], stdout=out, stderr=out, start_new_session=True
        )
    deadline = time.monotonic() + ENGINE_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return None
        if engine_answers():
            return process
        time.sleep(0.2)
    process.kill()
    process.wait(timeout=10)
    raise RuntimeError(f"dockerd did not answer within {ENGINE_START_SECONDS} s; see {log}")


def engine(log: Path) -> Engine:
    """The Docker engine: the running one, or a dockerd started now (overlay2, falling back to vfs)."""
    if engine_answers():
        return Engine(process=None, storage_driver=docker("info", "--format", "{{.Driver}}"))
    missing = [tool for tool in ("docker", "dockerd") if shutil.which(tool) is None]
    if missing:
        raise EngineUnavailable(
            f"{' and '.join(missing)} not installed: ./scripts/test.sh installs docker.io with apt-get (as root)"
        )
    for driver in ("overlay2", "vfs"):
        process = _start_dockerd(driver, log)
        if process is not None:
            return Engine(process=process, storage_driver=driver)
    raise RuntimeError(f"dockerd exited at start with overlay2 and with vfs; see {log}")


def base_tag() -> str:
    """The base image's tag: a hash of everything it is made from."""
    digest = hashlib.sha256()
    for part in (DEBIAN_SUITE, DEBIAN_MIRROR, *BASE_PACKAGES):
        digest.update(part.encode() + b"\0")
    digest.update(HOST_CA_BUNDLE.read_bytes())
    return f"{BASE_REPOSITORY}:{DEBIAN_SUITE}-{digest.hexdigest()[:12]}"


def base_image() -> str:
    """The tag of the debootstrapped base, built now if this machine has not got it yet."""
    tag = base_tag()
    if docker("image", "inspect", "--format", "{{.Id}}", tag, check=False, timeout=30):
        return tag  # made by an earlier run on this machine
    if shutil.which("debootstrap") is None:
        raise EngineUnavailable("debootstrap not installed: ./scripts/test.sh installs it with apt-get (as root)")
    with tempfile.TemporaryDirectory(prefix="bnc-base-") as tmp:  # outside the repository
        rootfs = Path(tmp) / "rootfs"
        subprocess.run(
            [
                "debootstrap",
                "--variant=minbase",
                f"--include={','.join(BASE_PACKAGES)}",
                DEBIAN_SUITE,
                str(rootfs),
                DEBIAN_MIRROR,
            ],
            capture_output=True,
            timeout=DEBOOTSTRAP_SECONDS,
            check=True,
        )
        # The host's bundle holds the CA this network re-signs TLS with; pip reads it via PIP_CERT.
        shutil.copyfile(HOST_CA_BUNDLE, rootfs / "etc/ssl/certs/ca-certificates.crt")
        for cache in ("var/cache/apt/archives", "var/lib/apt/lists"):
            shutil.rmtree(rootfs / cache, ignore_errors=True)
        tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
        changes = ["ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt", "ENV LANG=C.UTF-8"]
        subprocess.run(
            ["docker", "import", *(arg for c in changes for arg in ("--change", c)), "-", tag],
            stdin=tar.stdout,
            capture_output=True,
            timeout=180,
            check=True,
        )
        assert tar.stdout is not None
        tar.stdout.close()
        if tar.wait(timeout=30) != 0:
            raise RuntimeError("tar of the debootstrapped tree failed")
    return tag
