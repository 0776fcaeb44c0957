"""Run-wide bookkeeping: every collected test is executed once, and in CI no required part is skipped.

Two ways a run can look green while testing less than it collected: tests that share one node id
(pytest-xdist then runs one of them), and a run that stops short (the progress ends below 100%).
The controller (or a plain run) counts the ids it collected and the ids it got a result for, and fails
the run when they differ. With CI=true, a skip whose reason names a required part (see REQUIRED) fails
the run too: there the machine is set up for them, so a skip means a part was not tested.
"""

import os
from collections import Counter

import pytest

from tests.skips import REQUIRED  # a skip's reason starts with the part's name (tests.skips.required)


class RunCheck:
    """Collected and executed test ids of one run, and the required skips it saw."""

    def __init__(self) -> None:
        self.collected: list[str] = []
        self.executed: set[str] = set()
        self.required_skips: dict[str, str] = {}

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: object, ids: list[str]) -> None:
        self.collected = list(ids)  # every worker collects the same ids

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        if session.items:
            self.collected = [item.nodeid for item in session.items]

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "call" or (report.when == "setup" and not report.passed):
            self.executed.add(report.nodeid)
        if report.skipped and isinstance(report.longrepr, tuple):
            reason = str(report.longrepr[2]).removeprefix("Skipped: ")
            if reason.startswith(tuple(f"{part}: " for part in REQUIRED)):
                self.required_skips[report.nodeid] = reason

    def problems(self) -> list[str]:
        found = [f"{n} tests share the id {nodeid}" for nodeid, n in Counter(self.collected).items() if n > 1]
        missing = sorted(set(self.collected) - self.executed)
        if missing:
            found.append(f"{len(self.executed)} tests executed of {len(set(self.collected))} collected; not run:")
            found += [f"  {nodeid}" for nodeid in missing[:20]]
        if os.environ.get("CI") == "true":
            found += [f"required part skipped in CI: {nodeid}: {why}" for nodeid, why in self.required_skips.items()]
        return found

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if exitstatus not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED) or session.shouldstop:
            return  # interrupted, -x, a usage or collection error: pytest already says why
        if session.config.option.collectonly:
            return
        problems = self.problems()
        if problems:
            reporter = session.config.pluginmanager.get_plugin("terminalreporter")
            if reporter is not None:
                reporter.write_line("RUN CHECK FAILED:\n  " + "\n  ".join(problems), red=True)
            session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):  # the controller (or a plain run) keeps the count
        config.pluginmanager.register(RunCheck(), "runcheck")
