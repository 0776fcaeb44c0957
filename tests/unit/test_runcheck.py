"""tests/runcheck.py in a pytest run of its own: executed = collected, and no required skip in CI."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.timeout(120)

TESTS = """
from tests import skips

def test_one():
    pass

def test_two():
    pass

def test_needs_postgres():
    skips.required("PostgreSQL", "no server here")
"""
DUPLICATE = """
def pytest_collection_modifyitems(items):
    items.append(items[0])  # what schemathesis' parametrize did: two tests, one id
"""


def run_pytest(folder: Path, *args: str, ci: bool = False) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("CI", "PYTEST_"))}
    env["PYTHONPATH"] = str(ROOT)
    if ci:
        env["CI"] = "true"
    command = [sys.executable, "-m", "pytest", "-p", "tests.runcheck", "-p", "no:cacheprovider", "-rs", *args]
    return subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, timeout=100, check=False)


@pytest.fixture
def suite(tmp_path: Path) -> Path:
    (tmp_path / "test_sample.py").write_text(TESTS)
    return tmp_path


def test_a_run_that_executes_all_it_collects_passes_and_says_why_it_skipped(suite: Path) -> None:
    result = run_pytest(suite, "-n", "0")
    assert result.returncode == 0, result.stdout
    assert "SKIPPED [1]" in result.stdout and ": PostgreSQL: no server here" in result.stdout


@pytest.mark.parametrize("workers", ["0", "2"])
def test_tests_sharing_one_id_fail_the_run(suite: Path, workers: str) -> None:
    (suite / "conftest.py").write_text(DUPLICATE)
    result = run_pytest(suite, "-n", workers)
    assert result.returncode == 1, result.stdout
    assert "RUN CHECK FAILED" in result.stdout
    assert "2 tests share the id test_sample.py::test_one" in result.stdout


def test_a_run_that_stops_short_of_what_it_collected_fails(suite: Path) -> None:
    (suite / "conftest.py").write_text(
        "def pytest_runtest_protocol(item):\n    return True if item.name == 'test_two' else None  # never run\n"
    )
    result = run_pytest(suite, "-n", "0")
    assert result.returncode == 1, result.stdout
    assert "2 tests executed of 3 collected; not run:" in result.stdout
    assert "test_sample.py::test_two" in result.stdout


def test_a_required_part_skipped_fails_in_ci_only(suite: Path) -> None:
    result = run_pytest(suite, "-n", "0", ci=True)
    assert result.returncode == 1, result.stdout
    found = "required part skipped in CI: test_sample.py::test_needs_postgres: PostgreSQL: no server here"
    assert found in result.stdout


def test_an_optional_skip_passes_in_ci(suite: Path) -> None:
    (suite / "test_sample.py").write_text("import pytest\n\ndef test_x():\n    pytest.skip('terraform: no registry')\n")
    assert run_pytest(suite, "-n", "0", ci=True).returncode == 0


def test_the_test_script_waits_for_the_dpkg_lock_on_every_apt_get() -> None:
    script = (ROOT / "scripts" / "test.sh").read_text(encoding="utf-8")
    assert "apt=(apt-get -qq -o DPkg::Lock::Timeout=600)" in script
    assert "apt-get update" not in script and "apt-get install" not in script  # every call goes through ${apt[@]}


def test_ci_runs_with_ci_true() -> None:
    assert 'export CI="${CI:-true}"' in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
