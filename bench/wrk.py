"""Driving wrk (Debian's package) with the lua scripts in bench/lua and reading their JSON line."""

import json
import os
import shutil
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

LUA_DIR = Path(__file__).resolve().parent / "lua"
MARKER = "BENCH_JSON "
INSTALL_HINT = "wrk is not installed: `sudo apt-get install -y wrk` (Debian/Ubuntu) or https://github.com/wg/wrk"


def require_wrk() -> str:
    """The wrk executable; exits with how to install it if it is missing."""
    path = shutil.which("wrk")
    if path is None:
        raise SystemExit(INSTALL_HINT)
    return path


@dataclass(frozen=True)
class WrkResult:
    """One wrk run: throughput, latency (ms) and errors."""

    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    status_errors: int  # responses with a status above 399
    socket_errors: int  # connect, read, write and timeouts

    @property
    def errors(self) -> int:
        return self.status_errors + self.socket_errors

    @property
    def ok(self) -> int:
        """Answered below 400 (the apps never answer 1xx or 3xx here, so: 2xx)."""
        return self.requests - self.status_errors

    def as_dict(self) -> dict[str, float]:
        return {**asdict(self), "errors": self.errors, "ok": self.ok}


def parse(stdout: str) -> WrkResult:
    """The figures from report.lua's line in wrk's output."""
    line = next((x for x in stdout.splitlines() if x.startswith(MARKER)), None)
    if line is None:
        raise RuntimeError(f"wrk printed no {MARKER.strip()} line:\n{stdout}")
    data = json.loads(line[len(MARKER) :])
    seconds = data["duration_us"] / 1e6
    lat, err = data["latency_us"], data["errors"]
    return WrkResult(
        requests=data["requests"],
        seconds=round(seconds, 3),
        rps=round(data["requests"] / seconds, 1) if seconds else 0.0,
        p50_ms=lat["p50"] / 1000,
        p90_ms=lat["p90"] / 1000,
        p99_ms=lat["p99"] / 1000,
        max_ms=lat["max"] / 1000,
        status_errors=err["status"],
        socket_errors=err["connect"] + err["read"] + err["write"] + err["timeout"],
    )


def command(*, url: str, script: str, connections: int, duration: float, threads: int = 1) -> list[str]:
    """wrk's command line; one thread by default, so wrk takes as little CPU from the server as it can."""
    return [
        require_wrk(),
        f"-t{min(threads, connections)}",
        f"-c{connections}",
        f"-d{max(1, round(duration))}s",
        "--timeout",
        "10s",  # slow answers count as latency, not as errors
        "-s",
        str(LUA_DIR / script),
        url,
    ]


def start(*, url: str, script: str, connections: int, duration: float, env: dict[str, str]) -> subprocess.Popen[str]:
    """Start wrk in the background; finish(process) for its result."""
    return subprocess.Popen(
        command(url=url, script=script, connections=connections, duration=duration),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **env},
    )


def finish(process: subprocess.Popen[str]) -> WrkResult:
    stdout, _ = process.communicate(timeout=120)
    return parse(stdout)


def run(*, url: str, script: str, connections: int, duration: float, env: dict[str, str]) -> WrkResult:
    """Run wrk to completion and return its figures."""
    return finish(start(url=url, script=script, connections=connections, duration=duration, env=env))
