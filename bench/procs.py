"""Server processes on loopback: start on a free port, wait until ready, read RSS, stop."""

import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
READY_TIMEOUT_SECONDS = 30.0
POLL_SECONDS = 0.01


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """A running server process and where it listens."""

    name: str
    process: subprocess.Popen[bytes]
    port: int
    log: Path
    started_at: float = field(default_factory=time.perf_counter)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid


def spawn(
    name: str,
    args: list[str],
    *,
    port: int,
    log_dir: Path,
    env: dict[str, str] | None = None,
    python: Path | None = None,
) -> Server:
    """Start `python <args>` from the repository root, output to log_dir/name.log (env: the whole environment).

    python: the interpreter (bench/venv.py); the one running the bench if None.
    """
    log = log_dir / f"{name}.log"
    command = [str(python or sys.executable), *args]
    with log.open("ab") as out:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=REPO, stdout=out, stderr=subprocess.STDOUT, env=env)
    return Server(name=name, process=process, port=port, log=log, started_at=started)


def wait_ready(server: Server, *, path: str = "/docs", timeout: float = READY_TIMEOUT_SECONDS) -> float:
    """Poll GET path until it answers 200; seconds since spawn. Raises if the process dies or time runs out."""
    deadline = time.perf_counter() + timeout
    with httpx.Client(timeout=1.0) as client:
        while time.perf_counter() < deadline:
            if server.process.poll() is not None:
                raise RuntimeError(f"{server.name} exited ({server.process.returncode}): {tail(server.log)}")
            try:
                if client.get(server.url + path).status_code == 200:
                    return time.perf_counter() - server.started_at
            except httpx.TransportError:
                pass
            time.sleep(POLL_SECONDS)
    raise RuntimeError(f"{server.name} not ready after {timeout:.0f} s: {tail(server.log)}")


def stop(server: Server) -> None:
    """SIGTERM, then SIGKILL if it is still running after 5 s."""
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


def tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def memory_mb(pid: int) -> dict[str, float]:
    """VmRSS (now) and VmHWM (peak) of a process, in MB (MiB)."""
    values: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key.lower()] = round(int(rest.split()[0]) / 1024, 1)
    return values
