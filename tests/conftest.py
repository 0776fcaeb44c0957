"""Run-wide checks: every log record, HTTP answer and process log is searched for secrets at the end.

Under pytest-xdist each worker searches what it captured and writes its findings to a folder the
controller made (LEAKCHECK_DIR, inherited by the workers); the controller fails the run if any
worker found a leak.
"""

import logging
import os
import tempfile
from pathlib import Path

import pytest

from tests import leakcheck

_DIR_VAR = "SIGNING_SERVICE_LEAKCHECK_DIR"
# SoftHSM2 and moto fixtures, for the key, API and end-to-end tests; the run check (executed = collected)
pytest_plugins = ["tests.runcheck", "tests.backends"]


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):  # the controller (or a plain run) makes the folder
        os.environ[_DIR_VAR] = tempfile.mkdtemp(prefix="leakcheck-")


def pytest_sessionstart(session: pytest.Session) -> None:
    handler = leakcheck.CaptureHandler(level=logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s %(exc_text)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    folder = Path(os.environ[_DIR_VAR])
    worker = getattr(session.config, "workerinput", {}).get("workerid", "main")
    (folder / f"{worker}.txt").write_text("\n".join(leakcheck.leaks()))
    if hasattr(session.config, "workerinput"):
        return
    found = [line for path in sorted(folder.glob("*.txt")) for line in path.read_text().splitlines() if line]
    if found:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = "SECRET LEAK: a secret appeared in the run's logs or answers:\n  " + "\n  ".join(found[:20])
        if reporter is not None:
            reporter.write_line(message, red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
