"""The scenario table and how each kind of scenario runs.

A scenario names its kind (load, broadcast, storm, cold_start, replicas), the targets it drives and
its goals. To add one, add a target to TARGETS if it is a new kind of server, and a row to SCENARIOS.
The replicas kind (issue #5) starts its own two service processes on a fresh PostgreSQL database
(bench/pg.py) and compares them, in the same run, with the service on SQLite.
"""

import json
import signal
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench import keybackends, pg, procs, wrk
from bench.configs import BenchConfig, Wallet, write_database_config

Result = dict[str, Any]
SIGN_METRICS = ("rps", "p50_ms", "p99_ms", "errors")
LOGIN_CONNECTIONS = 8
SETTLE_POLL_SECONDS = 0.3  # after a broadcast run, until the requests wrk left in flight have finished
SETTLE_MAX_SECONDS = 15.0
MEMORY_REQUESTS = 10_000
MEMORY_SETTLE_SECONDS = 1.0  # after start and after the load, before VmRSS is read
REPLICAS = ("pg-a", "pg-b")  # the service processes sharing one PostgreSQL database
SQLITE_ROW = "sqlite x1"  # the one service on SQLite, driven by as many wrk processes as there are replicas
PG_ROW = "pg x2"  # the replicas together
REPLICA_RATIO = f"{PG_ROW}/{SQLITE_ROW}"


class Skipped(Exception):
    """The scenario cannot run here (e.g. no PostgreSQL); the reason is printed and saved."""


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
    "same-work-loop": reference_args("same-work-loop"),
    "bare": reference_args("bare"),
}
ALL = ("service", "same-work", "same-work-loop", "bare")
SAME_WORK = ("same-work", "same-work-loop")  # the two obvious ways; goals compare with the faster one
FASTER_SAME_WORK = "service/faster same-work"


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


SIGN_GOALS = {"min_vs_same_work": 1.0, "aim_vs_bare": 0.6}  # issue #14: 1.0x, stretch 0.6x bare
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
        "replicas_pg_sign",
        "replicas",
        "sign a transfer, 32 connections: two replicas on one PostgreSQL database vs one service on SQLite",
        targets=("service",),
    ),
    Scenario(
        "replicas_pg_broadcast",
        "replicas",
        "broadcast transfers over 8 wallets, 32 connections: two replicas on PostgreSQL vs one on SQLite",
        targets=("service",),
        path="/api/transfer/broadcast",
        wallets=8,
    ),
    Scenario(
        "cold_start_50_mnemonic",
        "cold_start",
        "spawn until /docs answers 200, 50 mnemonic wallets",
        targets=("service", "bare"),
        goals={"max_seconds": 2.0},
    ),
    Scenario(
        "memory_10k",
        "memory",
        f"a fresh service: VmRSS idle, then after {MEMORY_REQUESTS:,} signed transfers (8 connections)",
        targets=("service",),
        connections=8,
        goals={"max_idle_mb": 80.0, "max_growth_mb": 10.0},
    ),
    Scenario(
        "keys_sign",
        "keys",
        "sign a transfer, 8 connections: in-process key vs SoftHSM2 (PKCS#11) vs moto KMS, one service",
        targets=(),
        connections=8,
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
    python: Path | None = None  # the servers' interpreter (bench/venv.py); the bench's own if None
    memory: dict[str, dict[str, Any]] = field(default_factory=dict)

    def note_memory(self, target: str, key: str) -> None:
        """Keep the highest VmRSS seen under key (e.g. "loaded") for target."""
        server = self.servers[target]
        reading = procs.memory_mb(server.pid)
        entry = self.memory.setdefault(target, {})
        entry[key] = max(entry.get(key, 0.0), reading["vmrss"])
        entry["peak_hwm"] = reading["vmhwm"]


def is_broadcast(scenario: Scenario) -> bool:
    return scenario.path.endswith("/broadcast")


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
    if is_broadcast(scenario):
        return ctx.config.broadcast_wallets[: scenario.wallets]
    return (ctx.config.sign_wallet,)


def bodies_file(ctx: Context, scenario: Scenario, wallets: tuple[Wallet, ...] | None = None, tag: str = "") -> Path:
    """One JSON body per line, one line per wallet (wrk takes them in turn); the scenario's wallets by default."""
    # Transfers go to another bench wallet: the sign wallet's for broadcasts, a broadcast wallet's for signs.
    destination = (ctx.config.sign_wallet if is_broadcast(scenario) else ctx.config.broadcast_wallets[0]).address
    wallets = wallets or scenario_wallets(ctx, scenario)
    lines = [json.dumps(message_body(scenario, w, destination)) for w in wallets]
    path = ctx.workdir / f"{scenario.name}{tag}.bodies"
    path.write_text("\n".join(lines) + "\n")
    return path


def wrk_env(ctx: Context, scenario: Scenario, bodies: Path) -> dict[str, str]:
    return {"BENCH_PATH": scenario.path, "BENCH_TOKEN": ctx.token, "BENCH_BODIES": str(bodies)}


def drive(ctx: Context, scenario: Scenario, target: str, *, duration: float | None = None) -> wrk.WrkResult:
    """One wrk run of scenario's requests against target."""
    env = wrk_env(ctx, scenario, bodies_file(ctx, scenario))
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
    """service/X of metric's medians for each reference app X, and service/(the faster same-work variant)."""
    out = {}
    for other in (*SAME_WORK, "bare"):
        if "service" in summary and other in summary and summary[other][metric]:
            out[f"service/{other}"] = round(summary["service"][metric] / summary[other][metric], 3)
    variants = [summary[v][metric] for v in SAME_WORK if v in summary and summary[v][metric]]
    if "service" in summary and variants:
        out[FASTER_SAME_WORK] = round(summary["service"][metric] / max(variants), 3)
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


def service_sequences(ctx: Context, wallets: tuple[Wallet, ...], target: str = "service") -> dict[str, int | None]:
    """The next sequence target will sign with, per wallet (None if it would re-read the node)."""
    headers = {"Authorization": f"Bearer {ctx.token}"}
    with httpx.Client(base_url=ctx.servers[target].url, headers=headers, timeout=10) as client:
        return {w.name: client.get(f"/api/wallet/{w.name}").json().get("next_sequence") for w in wallets}


def checked_broadcast(
    ctx: Context,
    wallets: tuple[Wallet, ...],
    servers: tuple[str, ...],
    connections: int,
    run: Callable[[], wrk.WrkResult],
) -> dict[str, Any]:
    """run() (wrk broadcasting on wallets through servers); then the chain's sequences must have moved
    by what was answered, and match every server's next sequence."""
    before = settled_sequences(ctx, wallets)
    result = run()
    after = settled_sequences(ctx, wallets)
    committed = sum(after[w] - before[w] for w in after)
    in_sync = all(service_sequences(ctx, wallets, s) == after for s in dict.fromkeys(servers))
    # wrk drops the requests in flight when it stops, so up to `connections` commits are never answered.
    unanswered = committed - result.ok
    contiguous = in_sync and 0 <= unanswered <= connections and result.errors == 0
    return {
        **result.as_dict(),
        "committed": committed,
        "committed_per_s": round(committed / result.seconds, 1) if result.seconds else 0.0,
        "unanswered_commits": unanswered,
        "service_in_sync_with_chain": in_sync,
        "sequences_ok": contiguous,
    }


def broadcast_once(ctx: Context, scenario: Scenario) -> dict[str, Any]:
    """One run on the service, checked."""
    wallets = scenario_wallets(ctx, scenario)
    return checked_broadcast(ctx, wallets, ("service",), scenario.connections, lambda: drive(ctx, scenario, "service"))


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
    server = procs.spawn(f"cold-{target}", args, port=port, log_dir=ctx.workdir, python=ctx.python)
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


@dataclass(frozen=True)
class Side:
    """One side of the replica comparison: one wrk process per entry of servers, each with an equal share
    of the connections (the SQLite side names its one service twice, so both sides get the same load)."""

    row: str
    servers: tuple[str, ...]
    wallets: tuple[Wallet, ...]
    bodies: Path


def combined(results: list[wrk.WrkResult]) -> wrk.WrkResult:
    """wrk runs made at the same time as one: counts and req/s add up; latencies are the worst run's
    (wrk reports percentiles, not histograms, so they cannot be merged exactly)."""
    return wrk.WrkResult(
        requests=sum(r.requests for r in results),
        seconds=max(r.seconds for r in results),
        rps=round(sum(r.rps for r in results), 1),
        p50_ms=max(r.p50_ms for r in results),
        p90_ms=max(r.p90_ms for r in results),
        p99_ms=max(r.p99_ms for r in results),
        max_ms=max(r.max_ms for r in results),
        status_errors=sum(r.status_errors for r in results),
        socket_errors=sum(r.socket_errors for r in results),
    )


def drive_side(ctx: Context, scenario: Scenario, side: Side, *, duration: float | None = None) -> list[wrk.WrkResult]:
    """Parallel wrk runs, one per server of side, splitting scenario.connections between them."""
    env = wrk_env(ctx, scenario, side.bodies)
    share = max(1, scenario.connections // len(side.servers))
    seconds = duration or ctx.duration
    processes = []
    try:
        for server in side.servers:
            url = ctx.servers[server].url
            processes.append(wrk.start(url=url, script="post.lua", connections=share, duration=seconds, env=env))
        results = [wrk.finish(p) for p in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
    for server in dict.fromkeys(side.servers):
        ctx.note_memory(server, "loaded_rss")
    return results


@contextmanager
def pg_replicas(ctx: Context) -> Iterator[tuple[str, ...]]:
    """REPLICAS: service processes on one fresh PostgreSQL database, in ctx.servers while the block runs;
    stopped, and the database dropped, on exit. Raises Skipped if PostgreSQL cannot be used."""
    with ExitStack() as stack:
        try:
            url = stack.enter_context(pg.temporary_database())
        except pg.Unavailable as exc:
            raise Skipped(str(exc)) from exc
        config = write_database_config(ctx.config, database_url=url, name="replicas-pg.yml")
        for name in REPLICAS:  # one after the other: the first one creates the schema
            port = procs.free_port()
            args = service_args(config, port, ctx.workdir)
            server = procs.spawn(name, args, port=port, log_dir=ctx.workdir, python=ctx.python)
            stack.callback(procs.stop, server)  # before the database is dropped
            stack.callback(ctx.servers.pop, name, None)
            procs.wait_ready(server)
            ctx.servers[name] = server
        yield REPLICAS


def replica_round(ctx: Context, scenario: Scenario, side: Side) -> dict[str, Any]:
    """One measured run of side (checked against the chain if it broadcasts)."""
    per_server: list[wrk.WrkResult] = []

    def run() -> wrk.WrkResult:
        per_server.extend(drive_side(ctx, scenario, side))
        return combined(per_server)

    if is_broadcast(scenario):
        figures = checked_broadcast(ctx, side.wallets, side.servers, scenario.connections, run)
    else:
        figures = run().as_dict()
    return {**figures, "per_server": [r.as_dict() for r in per_server]}


def run_replicas(ctx: Context, scenario: Scenario) -> Result:
    """Two service processes on one fresh PostgreSQL database (one wrk each, half the connections each)
    against the one service on SQLite (two wrk processes, half the connections each), interleaved."""
    broadcasts = is_broadcast(scenario)
    if broadcasts:  # separate wallets: the two stores must never sign on the same account
        sqlite_wallets = ctx.config.broadcast_wallets[: scenario.wallets]
        pg_wallets = ctx.config.replica_wallets[: scenario.wallets]
    else:
        sqlite_wallets = pg_wallets = (ctx.config.sign_wallet,)
    with pg_replicas(ctx) as replicas:
        sides = {
            SQLITE_ROW: Side(
                SQLITE_ROW,
                ("service",) * len(replicas),
                sqlite_wallets,
                bodies_file(ctx, scenario, sqlite_wallets, "-sqlite"),
            ),
            PG_ROW: Side(PG_ROW, replicas, pg_wallets, bodies_file(ctx, scenario, pg_wallets, "-pg")),
        }
        if ctx.warmup > 0:
            for side in sides.values():
                drive_side(ctx, scenario, side, duration=ctx.warmup)
        runs: dict[str, list[dict[str, Any]]] = {row: [] for row in sides}
        for index in range(ctx.rounds):
            for row in rotated(tuple(sides), index):
                runs[row].append(replica_round(ctx, scenario, sides[row]))
    metrics = (*SIGN_METRICS, "committed_per_s") if broadcasts else SIGN_METRICS
    summary = {row: medians(row_runs, metrics) for row, row_runs in runs.items()}
    for i, name in enumerate(replicas):  # each replica's own share, to see the load was balanced
        summary[name] = medians([r["per_server"][i] for r in runs[PG_ROW]])
    ratios = {}
    if summary[SQLITE_ROW]["rps"]:
        ratios[REPLICA_RATIO] = round(summary[PG_ROW]["rps"] / summary[SQLITE_ROW]["rps"], 3)
    if broadcasts and summary[SQLITE_ROW]["committed_per_s"]:
        ratio = summary[PG_ROW]["committed_per_s"] / summary[SQLITE_ROW]["committed_per_s"]
        ratios[f"{REPLICA_RATIO} committed/s"] = round(ratio, 3)
    result: Result = {"runs": runs, "median": summary, "ratios": ratios}
    if broadcasts:
        result["sequences_ok"] = all(r["sequences_ok"] for row_runs in runs.values() for r in row_runs)
    return result


def run_keys(ctx: Context, scenario: Scenario) -> Result:
    """Sign with an in-process key, a SoftHSM2 key and a moto KMS key on one service, interleaved (issue #11)."""
    try:
        with keybackends.remote_keys(ctx.config, ctx.workdir, ctx.python) as (service, wallets):
            ctx.servers["keys-service"] = service
            login = {"username": ctx.config.username, "password": ctx.config.password}
            answer = httpx.post(service.url + "/api/auth/login", json=login, timeout=30)
            answer.raise_for_status()
            token = str(answer.json()["access_token"])
            try:
                bodies = {kind: bodies_file(ctx, scenario, (wallet,), f"-{kind}") for kind, wallet in wallets.items()}
                runs: dict[str, list[dict[str, Any]]] = {kind: [] for kind in wallets}
                for index in range(ctx.rounds):
                    for kind in rotated(tuple(wallets), index):
                        env = {**wrk_env(ctx, scenario, bodies[kind]), "BENCH_TOKEN": token}
                        result = wrk.run(
                            url=service.url,
                            script="post.lua",
                            connections=scenario.connections,
                            duration=ctx.duration,
                            env=env,
                        )
                        runs[kind].append(result.as_dict())
            finally:
                ctx.servers.pop("keys-service", None)
    except keybackends.Unavailable as exc:
        raise Skipped(str(exc)) from exc
    summary = {kind: medians(kind_runs) for kind, kind_runs in runs.items()}
    base = summary["in-process"]["rps"]
    ratios = {f"{kind}/in-process": round(summary[kind]["rps"] / base, 3) for kind in ("pkcs11", "aws_kms") if base}
    return {"runs": runs, "median": summary, "ratios": ratios}


def run_memory(ctx: Context, scenario: Scenario) -> Result:
    """A fresh service process on the same config: VmRSS idle, then after MEMORY_REQUESTS signs (issue #14)."""
    port = procs.free_port()
    args = service_args(ctx.config.path, port, ctx.workdir)
    server = procs.spawn("memory-service", args, port=port, log_dir=ctx.workdir, python=ctx.python)
    try:
        procs.wait_ready(server)
        ctx.servers["memory-service"] = server
        time.sleep(MEMORY_SETTLE_SECONDS)
        idle = procs.memory_mb(server.pid)["vmrss"]
        env = wrk_env(ctx, scenario, bodies_file(ctx, scenario))
        loads: list[wrk.WrkResult] = []
        while sum(r.requests for r in loads) < MEMORY_REQUESTS:  # wrk runs for a time, not a count
            run = wrk.run(url=server.url, script="post.lua", connections=scenario.connections, duration=2, env=env)
            loads.append(run)
        load = combined(loads)
        time.sleep(MEMORY_SETTLE_SECONDS)
        after = procs.memory_mb(server.pid)
    finally:
        ctx.servers.pop("memory-service", None)
        procs.stop(server)
    figures = {
        "idle_rss": idle,
        "requests": load.requests,
        "errors": load.errors,
        "rss_after": after["vmrss"],
        "growth": round(after["vmrss"] - idle, 1),
        "peak_hwm": after["vmhwm"],
    }
    return {"runs": {"service": [figures]}, "median": {"service": figures}}


RUNNERS: dict[str, Callable[[Context, Scenario], Result]] = {
    "memory": run_memory,
    "keys": run_keys,
    "load": run_load,
    "broadcast": run_broadcast,
    "storm": run_storm,
    "cold_start": run_cold_start,
    "replicas": run_replicas,
}


def needs_servers(scenarios: list[Scenario]) -> list[str]:
    """Targets that must be running for these scenarios (cold starts spawn their own)."""
    names = [t for s in scenarios if s.kind != "cold_start" for t in s.targets]
    return list(dict.fromkeys(names))


def needs_devnet(scenarios: list[Scenario]) -> bool:
    return any(s.kind != "cold_start" and "service" in s.targets for s in scenarios)
