"""The README's benchmark commands are valid: each one's options parse and its scenarios exist.

The benchmarks themselves run on demand only (minutes of both cores; never in CI), so their
commands are checked, not run.
"""

import shlex

import pytest

from bench import profile, run
from tests.docs import readme


def bench_commands() -> list[list[str]]:
    steps = [step for block in readme.bash_blocks(readme.section("Benchmarks")) for step in readme.steps(block)]
    return [shlex.split(step.command, comments=True) for step in steps if step.command.startswith("python -m bench")]


def test_the_benchmarks_section_shows_both_tools() -> None:
    assert {command[2] for command in bench_commands()} == {"bench.run", "bench.profile"}


@pytest.mark.parametrize("command", bench_commands(), ids=" ".join)
def test_a_documented_benchmark_command_parses(command: list[str]) -> None:
    if command[2] == "bench.run":
        run.select(run.parse_args(command[3:]).only)  # unknown scenario names exit with the known ones
    else:
        profile.parse_args(command[3:])
