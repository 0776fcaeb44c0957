"""Printing the figures and checking them against the issue's goals (measured, never asserted)."""

import hashlib
import json
import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.procs import REPO
from bench.scenarios import FASTER_SAME_WORK, Scenario


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


_VERSIONS = """
import json, sys
from pathlib import Path
out = {}
for name in sys.argv[1:]:
    try:
        out[name] = metadata.version(name)
    except metadata.PackageNotFoundError:
        out[name] = "(not installed)"
out["(distributions installed)"] = len(list(metadata.distributions()))
print(json.dumps(out))
"""


def _versions(python: Path, *packages: str) -> dict[str, Any]:
    """Versions as the servers' interpreter sees them (it may be another venv than the bench's)."""
    done = subprocess.run([str(python), "-c", _VERSIONS, *packages], capture_output=True, text=True, timeout=60)
    return json.loads(done.stdout) if done.returncode == 0 else {"error": done.stderr[-300:]}


def app_tree_hash() -> str:
    """SHA-256 over app/ as it is on disk: runs of the same uncommitted code compare equal."""
    digest = hashlib.sha256()
    for path in sorted((REPO / "app").rglob("*.py")):
        digest.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def machine_info(python: Path) -> dict[str, Any]:
    """Enough about the machine, the servers' interpreter and the code to compare two runs."""
    wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split("[")[0].strip()
    return {
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "cpu": _cpu_model(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "server_python": str(python),
        "git_commit": _git("rev-parse", "HEAD"),
        "git_dirty": bool(_git("status", "--porcelain", "--", "app")),
        "app_tree_sha256": app_tree_hash(),
        "wrk": wrk_version,
        "packages": _versions(
            python, "fastapi", "starlette", "uvicorn", "pydantic", "sqlalchemy", "coincurve", "uvloop", "cryptography"
        ),
    }


def _service(result: dict[str, Any], key: str) -> float | None:
    return result.get("median", {}).get("service", {}).get(key)


def goal_lines(scenario: Scenario, result: dict[str, Any]) -> list[dict[str, Any]]:
    """Each goal of scenario: what was measured and whether it was met."""
    checks: list[tuple[str, float | None, bool]] = []
    goals, ratios = scenario.goals, result.get("ratios", {})
    if "min_vs_same_work" in goals and FASTER_SAME_WORK in ratios:
        value, goal = ratios[FASTER_SAME_WORK], goals["min_vs_same_work"]
        checks.append((f"throughput >= {goal}x the faster same-work variant", value, value >= goal))
    if "aim_vs_bare" in goals and "service/bare" in ratios:
        value = ratios["service/bare"]
        checks.append((f"throughput >= {goals['aim_vs_bare']}x bare (stretch)", value, value >= goals["aim_vs_bare"]))
    if "max_p99_ms" in goals and (p99 := _service(result, "p99_ms")) is not None:
        checks.append((f"p99 <= {goals['max_p99_ms']} ms", p99, p99 <= goals["max_p99_ms"]))
    if "min_rps" in goals and (rps := _service(result, "rps")) is not None:
        ok = rps >= goals["min_rps"] and bool(result.get("sequences_ok"))
        checks.append((f">= {goals['min_rps']} tx/s with contiguous sequences", rps, ok))
    if "max_p99_rise" in goals and (rise := _service(result, "p99_rise")) is not None:
        checks.append(
            (f"sign p99 rises <= {goals['max_p99_rise']}x in a login storm", rise, rise <= goals["max_p99_rise"])
        )
    if "max_seconds" in goals and (seconds := _service(result, "seconds")) is not None:
        checks.append((f"cold start <= {goals['max_seconds']} s", seconds, seconds <= goals["max_seconds"]))
    if "max_idle_mb" in goals and (idle := _service(result, "idle_rss")) is not None:
        checks.append((f"idle RSS <= {goals['max_idle_mb']:.0f} MB", idle, idle <= goals["max_idle_mb"]))
    if "max_growth_mb" in goals and (growth := _service(result, "growth")) is not None:
        requests, errors = _service(result, "requests") or 0, _service(result, "errors") or 0
        ok = growth <= goals["max_growth_mb"] and errors == 0
        checks.append((f"RSS after {requests:,.0f} requests <= idle + {goals['max_growth_mb']:.0f} MB", growth, ok))
    return [{"scenario": scenario.name, "goal": g, "measured": v, "met": m} for g, v, m in checks]


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.2f}" if abs(value) < 100 else f"{value:.0f}"
    return str(value)


def print_table(title: str, rows: dict[str, dict[str, Any]], columns: list[str]) -> None:
    """A plain text table: one row per target."""
    print(f"\n{title}")
    widths = [max(len(c), 9) for c in columns]
    width = max([11, *(len(t) + 2 for t in rows)])
    print("  " + f"{'target':<{width}}" + "".join(f"{c:>{w + 2}}" for c, w in zip(columns, widths, strict=True)))
    for target, values in rows.items():
        cells = "".join(f"{_fmt(values.get(c, '')):>{w + 2}}" for c, w in zip(columns, widths, strict=True))
        print(f"  {target:<{width}}{cells}")


def print_result(scenario: Scenario, result: dict[str, Any], *, rounds: int, duration: float) -> None:
    """The medians of one scenario, its ratios and extra checks."""
    how = f"median of {rounds} x {duration:g} s" if scenario.kind != "cold_start" else "median of 3"
    title = f"== {scenario.name}: {scenario.description} ({how})"
    medians = result["median"]
    columns = list(next(iter(medians.values())).keys()) if medians else []
    print_table(title, medians, columns)
    if result.get("ratios"):
        print("  ratios (req/s): " + ", ".join(f"{k} {v:.2f}" for k, v in result["ratios"].items()))
    if "sequences_ok" in result:
        print(f"  sequences contiguous, none lost: {result['sequences_ok']}")
        for target, runs in result["runs"].items():
            print(
                f"    {target}: committed {[r['committed'] for r in runs]}, answered 2xx {[r['ok'] for r in runs]}, "
                f"in sync with chain {[r['service_in_sync_with_chain'] for r in runs]}"
            )
    sys.stdout.flush()


def print_memory(memory: dict[str, dict[str, Any]]) -> None:
    print_table(
        "== memory (MB): VmRSS idle after start, highest right after a loaded run, VmHWM peak",
        memory,
        ["idle_rss", "loaded_rss", "peak_hwm"],
    )


def print_goals(goals: list[dict[str, Any]]) -> None:
    print("\n== goals (measured, not asserted)")
    for goal in goals:
        mark = "met " if goal["met"] else "MISS"
        print(f"  [{mark}] {goal['scenario']}: {goal['goal']} -- measured {_fmt(goal['measured'])}")
