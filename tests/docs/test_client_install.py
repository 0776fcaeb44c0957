"""The README's python-binance-chain install, run as a user runs it: in a fresh venv of its own.

The suite's own .venv already has every package the client imports (requirements.txt), so a missing
runtime dependency of the client shows only in a venv that has nothing else. pip's own cache keeps the
second and later runs fast (about 15 s here); the first downloads the wheels.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.docs import readme

pytestmark = pytest.mark.timeout(600)  # a cold pip cache downloads about 15 MB of wheels
ROOT = readme.ROOT
# Every module of python-binance-chain the README and the end-to-end tests use.
IMPORTS = "import binance_chain.signing.http, binance_chain.messages, binance_chain.wallet, binance_chain.constants"


def install_steps() -> list[readme.Step]:
    return [s for b in readme.bash_blocks(readme.section("Using python-binance-chain")) for s in readme.steps(b)]


def fresh_venv(folder: Path) -> dict[str, str]:
    """A new venv with nothing installed in it; the environment that has it active."""
    base = getattr(sys, "_base_executable", sys.executable)  # the interpreter .venv was made from
    subprocess.run([base, "-m", "venv", str(folder)], check=True, timeout=120)
    return {
        "PATH": f"{folder / 'bin'}:{os.environ['PATH']}",
        "VIRTUAL_ENV": str(folder),
        "HOME": os.environ.get("HOME", "/tmp"),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "LC_ALL": "C.UTF-8",
    }


def run(command: list[str], *, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=540, check=False)


def test_the_readme_client_install_imports_in_a_fresh_venv_without_a_resolver_error(tmp_path: Path) -> None:
    env = fresh_venv(tmp_path / "venv")
    steps = install_steps()
    assert [s.command.split()[:3] for s in steps[:2]] == [["pip", "install", "-r"], ["pip", "install", "--no-deps"]]
    result = run(["bash", "-euo", "pipefail", "-c", "\n".join(s.command for s in steps)], env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ERROR" not in result.stdout + result.stderr, result.stdout + result.stderr
    imported = run([str(tmp_path / "venv" / "bin" / "python"), "-c", IMPORTS], env=env)
    assert imported.returncode == 0, imported.stderr


def test_install_client_script_gives_an_importable_client_in_a_fresh_venv(tmp_path: Path) -> None:
    env = fresh_venv(tmp_path / "venv")
    result = run(["scripts/install-client.sh"], env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ERROR" not in result.stdout + result.stderr, result.stdout + result.stderr
    imported = run([str(tmp_path / "venv" / "bin" / "python"), "-c", IMPORTS], env=env)
    assert imported.returncode == 0, imported.stderr
