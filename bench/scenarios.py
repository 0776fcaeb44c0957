"""The scenario table and how each kind of scenario runs.

A scenario names its kind (load, broadcast, storm, cold_start), the targets it drives and its
goals. To add one (e.g. issue #5's two replicas on PostgreSQL), add a target to TARGETS if it is
a new kind of server, and a row to SCENARIOS.
"""

import json
import signal
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench import procs, wrk
from bench.configs import BenchConfig, Wallet

Result = dict[str, Any]
SIGN_METRICS = ("rps", "p50_ms", "p99_ms", "errors")
LOGIN_CONNECTIONS = 8
SETTLE_POLL_SECONDS = 0.3  # after a broadcast run, until the requests wrk left in flight have finished
SETTLE_MAX_SECONDS = 15.0


def service_args(config: Path, port: int, workdir: Path) -> list[str]:
    return ["-m", "app", "serve", "--config", str(config), "--port", str(port), "--log-level", "warning"]


def reference_args(kind: str) -> Callable[[Path, int, Path], list[str]]:
    def args(config: Path, port: int, workdir: Path) -> list[str]:
        db = workdir / f"{kind}.db"
        return ["-m", "bench.reference_apps", kind, "--port", str(port), "--config", str(config), "--db", str(db)]

    return args


# Server kinds by name: (config file, port, work dir) -> python arguments.
TARGETS: dict[str, Callable[[Path, int, Path], list[str]]] = {
    "service": service_args,
    "same-work": reference_args("same-work"),
    "bare": reference_args("bare"),
}
ALL = ("service", "same-work", "bare")


@dataclass(frozen=True)
class Scenario:
    """One row of the table."""

    name: str
    kind: str  # a key of RUNNERS
    description: str
    targets: tuple[str, ...] = ALL
    path: str = "/api/transfer/sign"
    message: str = "transfer"  # transfer or order
    connections: int = 32
    wallets: int = 1  # broadcast: how many wallets the requests rotate over
    goals: dict[str, float] = field(default_factory=dict)


SIGN_GOALS = {"min_vs_same_work": 1.0, "aim_vs_bare": 0.85}
SCENARIOS: tuple[Scenario, ...] = (
    Scenario("sign_transfer_c1", "load", "sign a transfer, 1 connection", connections=1, goals=SIGN_GOALS),
    Scenario("sign_transfer_c32", "load", "sign a transfer, 32 connections", goals={**SIGN_GOALS, "max_p99_ms": 50}),
    Scenario(
        "sign_order_c1",
        "load",
        "sign an order, 1 connection",
        path="/api/order/sign",
        message="order",
        connections=1,
        goals=SIGN_GOALS,
    ),
    Scenario(
        "sign_order_c32",
        "load",
        "sign an order, 32 connections",
        path="/api/order/sign",
        message="order",
        goals={**SIGN_GOALS, "max_p99_ms": 50},
    ),
    Scenario(
        "broadcast_1_wallet",
        "broadcast",
        "broadcast transfers on one wallet to the devnet, 8 connections",
        targets=("service",),
        path="/api/transfer/broadcast",
        connections=8,
        goals={"min_rps": 300},
    ),
    Scenario(
        "broadcast_8_wallets",
        "broadcast",
        "broadcast transfers over 8 wallets to the devnet, 32 connections",
        targets=("service",),
        path="/api/transfer/broadcast",
        wallets=8,
    ),
    Scenario(
        "login_storm",
        "storm",
        f"sign a transfer (32 connections) alone, then while {LOGIN_CONNECTIONS} clients "
        "log in continuously (bcrypt cost 12)",
        goals={"max_p99_rise": 2.0},
    ),
    Scenario(
        "cold_start_50_mnemonic",
        "cold_start",
        "spawn until /docs answers 200, 50 mnemonic wallets",
        targets=("service", "bare"),
        goals={"max_seconds": 2.0},
    ),
)


@dataclass
class Context:
    """Everything the runners share."""

    config: BenchConfig
    workdir: Path
    servers: dict[str, procs.Server]
    devnet: procs.Server | None
    token: str
    duration: float
    rounds: int
    warmup: float
    memory: dict[str, dict[str, Any]] = field(default_factory=dict)

    def note_memory(self, target: str, key: str) -> None:
        """Keep the highest VmRSS seen under key (e.g. "loaded") for target."""
        server = self.servers[target]
        reading = procs.memory_mb(server.pid)
        entry = self.memory.setdefault(target, {})
        entry[key] = max(entry.get(key, 0.0), reading["vmrss"])
        entry["peak_hwm"] = reading["vmhwm"]


def rotated(targets: tuple[str, ...], round_index: int) -> list[str]:
    """A/B/A/B: each round starts with the next target."""
    shift = round_index % len(targets)
    return list(targets[shift:] + targets[:shift])


def message_body(scenario: Scenario, wallet: Wallet, destination: str) -> dict[str, Any]:
    if scenario.message == "order":
        msg: dict[str, Any] = {
            "symbol": "ANN-457_BNB",
            "side": "buy",
            "order_type": "LIMIT",
            "time_in_force": "GTE",
            "price": "0.000396",
            "quantity": "10",
        }
    else:
        msg = {"to_address": destination, "amount": "0.001", "symbol": "BNB", "memo": "bench"}
    return {"msg": msg, "wallet_name": wallet.name}


def scenario_wallets(ctx: Context, scenario: Scenario) -> tuple[Wallet, ...]:
    if scenario.kind == "broadcast":
        return ctx.config.broadcast_wallets[: scenario.wallets]
    return (ctx.config.sign_wallet,)


def bodies_file(ctx: Context, scenario: Scenario) -> Path:
    """One JSON body per line, one line per wallet (wrk takes them in turn)."""
    # Transfers go to another bench wallet: the sign wallet's for broadcasts, a broadcast wallet's for signs.
    destination = (ctx.config.sign_wallet if scenario.kind == "broadcast" else ctx.config.broadcast_wallets[0]).address
    lines = [json.dumps(message_body(scenario, w, destination)) for w in scenario_wallets(ctx, scenario)]
    path = ctx.workdir / f"{scenario.name}.bodies"
    path.write_text("\n".join(lines) + "\n")
    return path


def drive(ctx: Context, scenario: Scenario, target: str, *, duration: float | None = None) -> wrk.WrkResult:
    """One wrk run of scenario's requests against target."""
    env = {"BENCH_PATH": scenario.path, "BENCH_TOKEN": ctx.token, "BENCH_BODIES": str(bodies_file(ctx, scenario))}
    result = wrk.run(
        url=ctx.servers[target].url,
        script="post.lua",
        connections=scenario.connections,
        duration=duration or ctx.duration,
        env=env,
    )
    ctx.note_memory(target, "loaded_rss")
    return result


def warm_up(ctx: Context, scenario: Scenario) -> None:
    if ctx.warmup > 0:
        for target in scenario.targets:
            drive(ctx, scenario, target, duration=ctx.warmup)


def medians(runs: list[dict[str, Any]], metrics: tuple[str, ...] = SIGN_METRICS) -> dict[str, float]:
    return {m: round(statistics.median(r[m] for r in runs), 2) for m in metrics}


def ratios(summary: dict[str, dict[str, float]], metric: str = "rps") -> dict[str, float]:
    """service/same-work and service/bare of metric's medians."""
    out = {}
    for other in ("same-work", "bare"):
        if "service" in summary and other in summary and summary[other][metric]:
            out[f"service/{other}"] = round(summary["service"][metric] / summary[other][metric], 3)
    return out


def run_load(ctx: Context, scenario: Scenario) -> Result:
    """Interleaved wrk runs on every target; medians per target and the service's ratios."""
    warm_up(ctx, scenario)
    runs: dict[str, list[dict[str, Any]]] = {t: [] for t in scenario.targets}
    for index in range(ctx.rounds):
        for target in rotated(scenario.targets, index):
            runs[target].append(drive(ctx, scenario, target).as_dict())
    summary = {t: medians(r) for t, r in runs.items()}
    return {"runs": runs, "median": summary, "ratios": ratios(summary)}


def devnet_sequences(ctx: Context, wallets: tuple[Wallet, ...]) -> dict[str, int]:
    assert ctx.devnet is not None
    with httpx.Client(base_url=ctx.devnet.url, timeout=10) as client:
        return {w.name: client.get(f"/api/v1/account/{w.address}/sequence").json()["sequence"] for w in wallets}


def settled_sequences(ctx: Context, wallets: tuple[Wallet, ...]) -> dict[str, int]:
    """The chain's sequences once they stop moving (wrk leaves up to `connections` requests in flight)."""
    deadline = time.perf_counter() + SETTLE_MAX_SECONDS
    last = devnet_sequences(ctx, wallets)
    while time.perf_counter() < deadline:
        time.sleep(SETTLE_POLL_SECONDS)
        now = devnet_sequences(ctx, wallets)
        if now == last:
            break
        last = now
    return last


def service_sequences(ctx: Context, wallets: tuple[Wallet, ...]) -> dict[str, int | None]:
    """The next sequence the service will sign with, per wallet (None if it would re-read the node)."""
    headers = {"Authorization": f"Bearer {ctx.token}"}
    with httpx.Client(base_url=ctx.servers["service"].url, headers=headers, timeout=10) as client:
        return {w.name: client.get(f"/api/wallet/{w.name}").json().get("next_sequence") for w in wallets}


def broadcast_once(ctx: Context, scenario: Scenario) -> dict[str, Any]:
    """One run; then the chain's sequences must have moved by what was answered, and match the service's."""
    wallets = scenario_wallets(ctx, scenario)
    before = settled_sequences(ctx, wallets)
    result = drive(ctx, scenario, "service")
    after = settled_sequences(ctx, wallets)
    committed = sum(after[w] - before[w] for w in after)
    in_sync = service_sequences(ctx, wallets) == after
    # wrk drops the requests in flight when it stops, so up to `connections` commits are never answered.
    unanswered = committed - result.ok
    contiguous = in_sync and 0 <= unanswered <= scenario.connections and result.errors == 0
    return {
        **result.as_dict(),
        "committed": committed,
        "committed_per_s": round(committed / result.seconds, 1) if result.seconds else 0.0,
        "unanswered_commits": unanswered,
        "service_in_sync_with_chain": in_sync,
        "sequences_ok": contiguous,
    }


def run_broadcast(ctx: Context, scenario: Scenario) -> Result:
    """Broadcast to the devnet; sequences are checked after every run."""
    warm_up(ctx, scenario)
    runs = [broadcast_once(ctx, scenario) for _ in range(ctx.rounds)]
    summary = medians(runs, (*SIGN_METRICS, "committed_per_s"))
    return {
        "runs": {"service": runs},
        "median": {"service": summary},
        "sequences_ok": all(r["sequences_ok"] for r in runs),
    }


def storm_once(ctx: Context, scenario: Scenario, target: str) -> dict[str, Any]:
    """Sign alone, then sign while LOGIN_CONNECTIONS clients log in (stopped with SIGINT when the sign run ends)."""
    alone = drive(ctx, scenario, target)
    env = {"BENCH_USERNAME": ctx.config.username, "BENCH_PASSWORD": ctx.config.password}
    logins = wrk.start(
        url=ctx.servers[target].url,
        script="login.lua",
        connections=LOGIN_CONNECTIONS,
        duration=ctx.duration + 30,
        env=env,
    )
    try:
        time.sleep(0.5)  # let the storm begin
        storm = drive(ctx, scenario, target)
    finally:
        logins.send_signal(signal.SIGINT)  # wrk stops and prints its figures
    login = wrk.finish(logins)
    return {
        "alone": alone.as_dict(),
        "storm": storm.as_dict(),
        "login": {"rps": login.rps, "p99_ms": login.p99_ms, "errors": login.errors},
    }


def run_storm(ctx: Context, scenario: Scenario) -> Result:
    """Sign p99 alone and during a login storm, interleaved over the targets."""
    warm_up(ctx, scenario)
    runs: dict[str, list[dict[str, Any]]] = {t: [] for t in scenario.targets}
    for index in range(ctx.rounds):
        for target in rotated(scenario.targets, index):
            runs[target].append(storm_once(ctx, scenario, target))
    summary = {}
    for target, target_runs in runs.items():
        alone = medians([r["alone"] for r in target_runs])
        storm = medians([r["storm"] for r in target_runs])
        summary[target] = {
            **{f"alone_{k}": v for k, v in alone.items()},
            **{f"storm_{k}": v for k, v in storm.items()},
            "login_rps": round(statistics.median(r["login"]["rps"] for r in target_runs), 1),
            "p99_rise": round(storm["p99_ms"] / alone["p99_ms"], 2) if alone["p99_ms"] else 0.0,
        }
    return {"runs": runs, "median": summary}


def cold_start_once(ctx: Context, target: str) -> dict[str, float]:
    port = procs.free_port()
    args = TARGETS[target](ctx.config.cold_start_path, port, ctx.workdir)
    server = procs.spawn(f"cold-{target}", args, port=port, log_dir=ctx.workdir)
    try:
        seconds = procs.wait_ready(server)
        return {"seconds": round(seconds, 3), **procs.memory_mb(server.pid)}
    finally:
        procs.stop(server)


def run_cold_start(ctx: Context, scenario: Scenario) -> Result:
    """Median of 3 starts per target (the first one also creates the database)."""
    runs = {t: [cold_start_once(ctx, t) for _ in range(3)] for t in scenario.targets}
    summary = {t: {"seconds": statistics.median(r["seconds"] for r in rs)} for t, rs in runs.items()}
    return {"runs": runs, "median": summary}


RUNNERS: dict[str, Callable[[Context, Scenario], Result]] = {
    "load": run_load,
    "broadcast": run_broadcast,
    "storm": run_storm,
    "cold_start": run_cold_start,
}


def needs_servers(scenarios: list[Scenario]) -> list[str]:
    """Targets that must be running for these scenarios (cold starts spawn their own)."""
    names = [t for s in scenarios if s.kind != "cold_start" for t in s.targets]
    return list(dict.fromkeys(names))


def needs_devnet(scenarios: list[Scenario]) -> bool:
    return any(s.kind != "cold_start" and "service" in s.targets for s in scenarios)
