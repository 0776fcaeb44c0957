"""Run the benchmarks of issues #6 and #5 and print (and save as JSON) the figures.

    python -m bench.run [--quick] [--duration S] [--rounds N] [--out FILE] [--only NAME,...]

Starts on loopback the devnet, the service on a fresh benchmark config and the two reference
apps (bench/reference_apps.py), drives them in turn with wrk, and stops everything at the end.
The replicas_pg_* scenarios also start two service processes on a temporary PostgreSQL database
(SIGNING_SERVICE_BENCH_POSTGRES_URL, default postgresql://postgres@127.0.0.1:5432/test), or are skipped.
"""

import argparse
import json
import shutil
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench import procs, report, wrk
from bench.configs import BenchConfig, write_configs
from bench.reference_apps import issue_token, load_ref_config
from bench.scenarios import RUNNERS, SCENARIOS, TARGETS, Context, Scenario, Skipped, needs_devnet, needs_servers
from bench.venv import server_python

RESULTS_DIR = Path(__file__).resolve().parent / "results"
IDLE_SETTLE_SECONDS = 1.0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a ~1.5 minute smoke run (1 round of 2 s)")
    parser.add_argument("--duration", type=float, help="seconds per wrk run (default 5, quick 2)")
    parser.add_argument("--rounds", type=int, help="interleaved rounds per scenario (default 3, quick 1)")
    parser.add_argument("--out", type=Path, help="JSON results file (default bench/results/<time>.json)")
    parser.add_argument("--only", help="comma-separated scenario names: " + ", ".join(s.name for s in SCENARIOS))
    parser.add_argument("--keep", action="store_true", help="keep the work directory (configs, databases, logs)")
    parser.add_argument(
        "--python",
        choices=["deploy", "current"],
        default="deploy",
        help="servers' interpreter: deploy = .venv-bench with requirements.txt only (default), current = this one",
    )
    args = parser.parse_args(argv)
    args.duration = args.duration or (2.0 if args.quick else 5.0)
    args.rounds = args.rounds or (1 if args.quick else 3)
    args.warmup = 1.0
    return args


def select(only: str | None) -> list[Scenario]:
    if not only:
        return list(SCENARIOS)
    by_name = {s.name: s for s in SCENARIOS}
    names = [n.strip() for n in only.split(",") if n.strip()]
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise SystemExit(f"unknown scenario(s): {', '.join(unknown)}; known: {', '.join(by_name)}")
    return [by_name[n] for n in names]


def start_devnet(
    stack: ExitStack, config: BenchConfig, *, port: int, workdir: Path, python: Path | None = None
) -> procs.Server:
    fund = [arg for w in config.wallets for arg in ("--fund", w.address)]
    args = ["-m", "app", "devnet", "--port", str(port), *fund]
    devnet = procs.spawn("devnet", args, port=port, log_dir=workdir, python=python)
    stack.callback(procs.stop, devnet)
    procs.wait_ready(devnet, path="/api/v1/node-info")
    return devnet


def start_targets(
    stack: ExitStack, names: list[str], config: BenchConfig, workdir: Path, python: Path | None = None
) -> dict[str, procs.Server]:
    servers = {}
    for name in names:
        port = procs.free_port()
        args = TARGETS[name](config.path, port, workdir)
        server = procs.spawn(name, args, port=port, log_dir=workdir, python=python)
        stack.callback(procs.stop, server)
        procs.wait_ready(server)
        servers[name] = server
    return servers


def get_token(servers: dict[str, procs.Server], config: BenchConfig) -> str:
    """A token from the service's login (the reference apps accept it: same secret and claims)."""
    if "service" not in servers:
        return issue_token(config.username, load_ref_config(config.path).secret)
    body = {"username": config.username, "password": config.password}
    answer = httpx.post(servers["service"].url + "/api/auth/login", json=body, timeout=30)
    answer.raise_for_status()
    return str(answer.json()["access_token"])


def run_scenarios(ctx: Context, scenarios: list[Scenario]) -> dict[str, Any]:
    results = {}
    for scenario in scenarios:
        print(f"\n... {scenario.name}", flush=True)
        started = time.perf_counter()
        try:
            result = RUNNERS[scenario.kind](ctx, scenario)
        except Skipped as exc:  # e.g. no PostgreSQL here: say why, run the others
            print(f"  SKIPPED: {exc}", flush=True)
            results[scenario.name] = {"skipped": str(exc)}
            continue
        except Exception as exc:  # one broken scenario must not lose the others' figures
            print(f"  FAILED: {type(exc).__name__}: {exc}", flush=True)
            results[scenario.name] = {"error": f"{type(exc).__name__}: {exc}"}
            continue
        result["wall_seconds"] = round(time.perf_counter() - started, 1)
        report.print_result(scenario, result, rounds=ctx.rounds, duration=ctx.duration)
        results[scenario.name] = result
    return results


def benchmark(args: argparse.Namespace, scenarios: list[Scenario], workdir: Path) -> dict[str, Any]:
    """Start what the scenarios need, run them, stop everything; the results document."""
    python = server_python(args.python)
    print(f"servers run on {python} ({'requirements.txt only' if args.python == 'deploy' else 'the bench venv'})")
    machine = report.machine_info(python)  # before the run: app/ may be edited while it runs
    devnet_port = procs.free_port()
    config = write_configs(workdir, devnet_url=f"http://127.0.0.1:{devnet_port}")
    with ExitStack() as stack:
        devnet = (
            start_devnet(stack, config, port=devnet_port, workdir=workdir, python=python)
            if needs_devnet(scenarios)
            else None
        )
        servers = start_targets(stack, needs_servers(scenarios), config, workdir, python)
        time.sleep(IDLE_SETTLE_SECONDS)
        ctx = Context(
            config=config,
            workdir=workdir,
            servers=servers,
            devnet=devnet,
            token=get_token(servers, config),
            duration=args.duration,
            rounds=args.rounds,
            warmup=args.warmup,
            python=python,
        )
        for name, server in servers.items():  # idle: started, nothing but one login served yet
            ctx.memory[name] = {"idle_rss": procs.memory_mb(server.pid)["vmrss"]}
        results = run_scenarios(ctx, scenarios)
    report.print_memory(ctx.memory)
    goals = [g for s in scenarios for g in report.goal_lines(s, results[s.name])]  # memory: memory_10k
    report.print_goals(goals)
    return {
        "machine": machine,
        "settings": {"duration": args.duration, "rounds": args.rounds, "warmup": args.warmup, "quick": args.quick},
        "scenarios": results,
        "memory": ctx.memory,
        "goals": goals,
    }


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    wrk.require_wrk()
    scenarios = select(args.only)
    out = args.out or RESULTS_DIR / f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    try:
        document = benchmark(args, scenarios, workdir)
    except Exception:
        print(f"benchmark failed; logs and configs kept in {workdir}", file=sys.stderr)
        raise
    if args.keep:
        print(f"\nwork directory kept: {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(document, indent=2) + "\n")
    print(f"\nresults written to {out}")


if __name__ == "__main__":
    main()
