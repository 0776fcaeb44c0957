"""Flame graphs of the service's sign path under load (issue #14).

    python -m bench.profile [--connections 1,32] [--duration S] [--rate HZ] [--tag NAME]
                            [--message transfer|order] [--raw]

Starts the devnet and the service on a fresh benchmark config (as bench.run does), drives
POST /api/transfer/sign with wrk at each connection count while py-spy samples the service
process, and writes bench/flame/sign-<message>-c<N>-<tag>.svg. py-spy (PyPI) samples from
outside the process, so the service runs unmodified; it needs ptrace rights (root, or
kernel.yama.ptrace_scope=0). `--subprocesses` is not needed: the service is one process.
"""

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from bench import procs, wrk
from bench.configs import write_configs
from bench.run import get_token, start_devnet, start_targets
from bench.scenarios import SCENARIOS, Context, bodies_file, drive
from bench.venv import server_python

FLAME_DIR = Path(__file__).resolve().parent / "flame"
WARMUP_SECONDS = 1.0


def py_spy() -> str:
    """The py-spy executable (next to this Python, or on PATH); exits with how to install it."""
    beside = Path(sys.executable).parent / "py-spy"
    found = str(beside) if beside.exists() else shutil.which("py-spy")
    if found is None:
        raise SystemExit("py-spy is not installed: `pip install py-spy`")
    return found


def record(pid: int, out: Path, *, seconds: float, rate: int, raw: bool) -> subprocess.Popen[bytes]:
    """Start py-spy sampling pid for seconds; the flame graph (or collapsed stacks) go to out when it ends."""
    args = [py_spy(), "record", "--pid", str(pid), "--rate", str(rate), "--duration", str(int(seconds))]
    args += ["--format", "raw" if raw else "flamegraph", "--output", str(out), "--nonblocking"]
    return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("--connections", default="1,32", help="comma-separated wrk connection counts")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds sampled per connection count")
    parser.add_argument("--rate", type=int, default=200, help="py-spy samples per second")
    parser.add_argument("--message", choices=["transfer", "order"], default="transfer")
    parser.add_argument("--tag", default="now", help="file name suffix, e.g. before or after")
    parser.add_argument("--raw", action="store_true", help="collapsed stacks (.txt, one line per stack) instead of SVG")
    parser.add_argument("--python", choices=["deploy", "current"], default="deploy", help="as bench.run's")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    wrk.require_wrk()
    py_spy()
    FLAME_DIR.mkdir(exist_ok=True)
    base = next(s for s in SCENARIOS if s.kind == "load" and s.message == args.message)
    workdir = Path(tempfile.mkdtemp(prefix="bench-profile-"))
    devnet_port = procs.free_port()
    config = write_configs(workdir, devnet_url=f"http://127.0.0.1:{devnet_port}")
    python = server_python(args.python)
    with ExitStack() as stack:
        devnet = start_devnet(stack, config, port=devnet_port, workdir=workdir, python=python)
        servers = start_targets(stack, ["service"], config, workdir, python)
        token = get_token(servers, config)
        ctx = Context(config, workdir, servers, devnet, token, args.duration, 1, WARMUP_SECONDS, python)
        for connections in (int(c) for c in args.connections.split(",")):
            scenario = base.__class__(**{**base.__dict__, "connections": connections})
            bodies_file(ctx, scenario)
            drive(ctx, scenario, "service", duration=WARMUP_SECONDS)
            suffix = "txt" if args.raw else "svg"
            out = FLAME_DIR / f"sign-{args.message}-c{connections}-{args.tag}.{suffix}"
            sampler = record(servers["service"].pid, out, seconds=args.duration, rate=args.rate, raw=args.raw)
            time.sleep(0.2)  # py-spy attaches before the load starts
            result = drive(ctx, scenario, "service", duration=args.duration)
            _, err = sampler.communicate(timeout=args.duration + 60)
            if sampler.returncode != 0:
                raise SystemExit(f"py-spy failed: {err.decode(errors='replace')[-500:]}")
            where = out.relative_to(procs.REPO)
            print(f"c{connections}: {result.rps:.0f} req/s, p99 {result.p99_ms:.1f} ms -> {where}")
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
