"""Run-wide checks: every log record, HTTP answer and process log is searched for secrets at the end."""

import logging

import pytest

from tests import leakcheck


def pytest_sessionstart(session: pytest.Session) -> None:
    handler = leakcheck.CaptureHandler(level=logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s %(exc_text)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    found = leakcheck.leaks()
    if found:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = "SECRET LEAK: a secret appeared in the run's logs or answers:\n  " + "\n  ".join(found[:20])
        if reporter is not None:
            reporter.write_line(message, red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
