"""The README's shell examples as data: sections, `.. code:: bash` blocks, commands and their documented answers.

A command's documented answer is the block of `#` lines right under it (no blank line between):
JSON where a string containing `...` matches any text in its place, `{...}` and `[...]` any object
or list, and a list ending with "..." may go on; or plain text with the same `...` rule. Objects
must have exactly the documented keys.
"""

import json
import re
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.rst"
ANY = "..."
ANY_VALUE = "\x00any value"  # what `{...}` and `[...]` stand for once the answer is read as JSON


@dataclass(frozen=True)
class Step:
    """One shell command of the README and the answer documented under it (None if none is)."""

    command: str
    expected: str | None


def section(title: str, *, level: str = "=", text: str | None = None) -> str:
    """The body of the README section with this title, up to the next heading of the same level."""
    text = README.read_text(encoding="utf-8") if text is None else text
    lines = text.splitlines()
    heading = [i for i, line in enumerate(lines[:-1]) if line == title and set(lines[i + 1]) == {level}]
    assert heading, f"README has no section {title!r}"
    start = heading[0] + 2
    for i in range(start, len(lines) - 1):
        if lines[i] and lines[i + 1] and set(lines[i + 1]) == {level} and len(lines[i + 1]) >= len(lines[i]):
            return "\n".join(lines[start:i])
    return "\n".join(lines[start:])


def bash_blocks(text: str) -> list[str]:
    """The `.. code:: bash` blocks of text, dedented."""
    blocks: list[str] = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.strip() != ".. code:: bash":
            continue
        body: list[str] = []
        for following in lines[i + 1 :]:
            if following and not following.startswith("    "):
                break
            body.append(following[4:])
        blocks.append("\n".join(body).strip("\n"))
    return blocks


def _complete(command: str) -> bool:
    """True when command is a whole shell command: no open quote, no trailing backslash."""
    if command.endswith("\\"):
        return False
    try:
        shlex.split(command, comments=True)
    except ValueError:
        return False
    return True


def steps(block: str) -> list[Step]:
    """The commands of a block, each with the `#` lines right under it."""
    found: list[Step] = []
    lines = block.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip() or line.lstrip().startswith("#"):
            i += 1
            continue
        command = line
        while not _complete(command) and i + 1 < len(lines):
            i += 1
            command += "\n" + lines[i]
        answer: list[str] = []
        while i + 1 < len(lines) and lines[i + 1].lstrip().startswith("#"):
            i += 1
            answer.append(lines[i].lstrip()[1:].strip())
        found.append(Step(command=command, expected=" ".join(answer) if answer else None))
        i += 1
    return found


def _text_matches(pattern: str, actual: str) -> bool:
    regex = ".*".join(re.escape(part) for part in pattern.split(ANY))
    return re.fullmatch(regex, actual, flags=re.DOTALL) is not None


def mismatches(expected: Any, actual: Any, where: str = "answer") -> list[str]:
    """Where actual differs from the documented shape expected (empty if it matches)."""
    if expected == ANY_VALUE:
        return []
    if isinstance(expected, str):
        if isinstance(actual, str) and _text_matches(expected, actual):
            return []
        return [f"{where}: expected {expected!r}, got {actual!r}"]
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{where}: expected an object, got {actual!r}"]
        if set(expected) != set(actual):
            return [f"{where}: keys {sorted(actual)}, documented {sorted(expected)}"]
        return [m for key in expected for m in mismatches(expected[key], actual[key], f"{where}.{key}")]
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return [f"{where}: expected a list, got {actual!r}"]
        open_ended = bool(expected) and expected[-1] == ANY
        items = expected[:-1] if open_ended else expected
        if len(actual) < len(items) or (not open_ended and len(actual) != len(items)):
            return [f"{where}: {len(actual)} items, documented {len(items)}{' or more' if open_ended else ''}"]
        return [m for n, item in enumerate(items) for m in mismatches(item, actual[n], f"{where}[{n}]")]
    if expected != actual or type(expected) is not type(actual):
        return [f"{where}: expected {expected!r}, got {actual!r}"]
    return []


def check_answer(expected: str, output: str) -> list[str]:
    """Compare a command's output with its documented answer: as JSON if the answer is JSON, else as text."""
    try:
        shape = json.loads(expected.replace("{...}", json.dumps(ANY_VALUE)).replace("[...]", json.dumps(ANY_VALUE)))
    except json.JSONDecodeError:
        return mismatches(expected, output.strip())
    try:
        answer = json.loads(output)
    except json.JSONDecodeError:
        return [f"answer is not JSON: {output[:300]!r}"]
    return mismatches(shape, answer)


MARK = "@@README-STEP@@"


def run_steps(
    commands: list[str], *, env: dict[str, str], cwd: Path, timeout: float, prelude: str = ""
) -> list[tuple[int, str]]:
    """Run commands in order in one bash (variables carry over); (exit status, stdout) of each.

    curl is run with --fail-with-body, so an HTTP error is a failed step, as the reader would see it.
    """
    script = ["set -o pipefail", 'curl() { command curl --fail-with-body "$@"; }', prelude]
    for command in commands:
        script += [command, f'printf "\\n{MARK} %s\\n" "$?"']
    result = subprocess.run(
        ["bash", "-c", "\n".join(script)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    outputs: list[tuple[int, str]] = []
    rest = result.stdout
    for _ in commands:
        output, mark, rest = rest.partition(f"\n{MARK} ")
        if not mark:
            raise AssertionError(f"the README's commands stopped early:\n{result.stdout}\n{result.stderr}")
        status, _, rest = rest.partition("\n")
        outputs.append((int(status), output.strip("\n")))
    return outputs
