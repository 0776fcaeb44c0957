"""The README's API examples, followed in order by bash against a real demo (devnet and service processes).

The demo is set up as scripts/demo.sh does (its config written by scripts/demo_config.py from
config/config.yml), on free ports; `localhost:8000` in the examples is replaced by the service's
address. Every command must succeed and print exactly the answer documented under it.
"""

import os
from collections.abc import Iterator

import pytest

from tests.docs import readme
from tests.docs.demo import running_demo

pytestmark = pytest.mark.timeout(120)
ROOT = readme.ROOT


def api_steps() -> list[readme.Step]:
    return [step for block in readme.bash_blocks(readme.section("API")) for step in readme.steps(block)]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh demo: devnet (with its state file) and service on the demo config; the service's host:port."""
    with running_demo(tmp_path_factory.mktemp("demo")) as address:
        yield address


def test_the_api_section_documents_every_command_it_shows() -> None:
    steps = api_steps()
    paths = ["auth/login", "order/sign", "order/broadcast", "cancel_order/broadcast", "transfer/broadcast"]
    paths += ["transfer/sign", "freeze/broadcast", "unfreeze/broadcast", "vote/broadcast", "wallet/resync"]
    for path in paths:
        assert any(f"/api/{path}" in step.command for step in steps), path
    curls = [step for step in steps if step.command.startswith("curl")]
    assert curls and all(step.expected for step in curls), [s.command for s in curls if not s.expected]


def test_readme_api_examples_answer_as_documented_when_followed_in_order(demo: str) -> None:
    steps = api_steps()
    commands = [step.command.replace("localhost:8000", demo) for step in steps]
    assert all("localhost:" not in command for command in commands)
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), "LC_ALL": "C.UTF-8"}
    results = readme.run_steps(commands, env=env, cwd=ROOT, timeout=90)
    problems: list[str] = []
    for step, (status, output) in zip(steps, results, strict=True):
        first_line = step.command.splitlines()[0][:100]
        if status != 0:
            problems.append(f"{first_line}\n  exit status {status}: {output[:300]}")
        elif step.expected is None:
            if output:
                problems.append(f"{first_line}\n  printed an answer the README does not show: {output[:300]}")
        else:
            problems += [f"{first_line}\n  {m}" for m in readme.check_answer(step.expected, output)]
    assert not problems, "\n".join(problems)


# ---- the parser and matcher the test above relies on ----

SAMPLE = """Intro

API
===

Text.

.. code:: bash

    X=$(echo '{"a":
      1}')   # a comment on the line
    echo "$X"
    # {"a": 1}

    # a note, not an answer
    echo one \\
      two
    # one two

Next
====

.. code:: bash

    echo not-in-api
"""


def test_steps_join_continued_and_quoted_lines_and_take_the_comment_under_them() -> None:
    blocks = readme.bash_blocks(readme.section("API", text=SAMPLE))
    assert len(blocks) == 1
    assert readme.steps(blocks[0]) == [
        readme.Step(command="X=$(echo '{\"a\":\n  1}')   # a comment on the line", expected=None),
        readme.Step(command='echo "$X"', expected='{"a": 1}'),
        readme.Step(command="echo one \\\n  two", expected="one two"),
    ]


@pytest.mark.parametrize(
    ("expected", "output", "ok"),
    [
        ('{"a": "db01...", "b": 0}', '{"a": "db01ff", "b": 0}', True),
        ('{"a": "db01...", "b": 0}', '{"a": "d501ff", "b": 0}', False),
        ('{"a": "...", "b": 0}', '{"a": "x", "b": 0, "c": 1}', False),  # an undocumented key
        ('{"b": 0}', '{"b": false}', False),
        ('[{"d": "{\\"id\\":\\"7F...-1\\"}"}]', '[{"d": "{\\"id\\":\\"7F00-1\\"}"}]', True),
        ('[{"d": "{\\"id\\":\\"7F...-2\\"}"}]', '[{"d": "{\\"id\\":\\"7F00-1\\"}"}]', False),
        ('[1, "..."]', "[1, 2, 3]", True),
        ("[1]", "[1, 2]", False),
        ("7F75...-1", "7F75AB-1\n", True),
        ('{"a": {...}, "b": [...]}', '{"a": {"x": 1}, "b": [2]}', True),
        ('{"a": {...}}', '{"a": {"x": 1}, "b": [2]}', False),
    ],
)
def test_documented_answers_match_precisely(expected: str, output: str, ok: bool) -> None:
    assert (readme.check_answer(expected, output) == []) is ok
