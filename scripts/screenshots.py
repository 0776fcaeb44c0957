#!/usr/bin/env python3
"""Screenshots of the console for the README: docs/console-wallets.png, console-audit.png, console-approval.png.

Starts a devnet and the service on free loopback ports (as tests/e2e does), makes some traffic over
the API (signatures, a broadcast, a denial, a large transfer that waits for two approvers, one of
whom approves), and photographs the pages in headless Chromium at a laptop's size. Run from the
repository root: .venv/bin/python scripts/screenshots.py
"""

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from tests.e2e.browser import chromium, wait_for  # noqa: E402
from tests.e2e.conftest import StackRunner  # noqa: E402
from tests.e2e.console_steps import (  # noqa: E402
    LARGE,
    api_post,
    console_login,
    sample_traffic,
    with_approvals,
    with_audit,
)

OUT = ROOT / "docs"
SIZE = (1366, 820)  # a laptop screen's browser window


def main() -> int:
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        runner = StackRunner(Path(tmp))
        try:
            config = with_approvals(with_audit(yaml.safe_load(runner.config_path.read_text())))
            runner.config_path.write_text(yaml.safe_dump(config))
            runner.start_service()
            sample_traffic(runner.service_url)
            waiting = api_post(runner.service_url, "/api/transfer/broadcast", LARGE, "alice")
            assert waiting.status_code == 202, waiting.text
            approval = waiting.json()["approval_id"]
            assert api_post(runner.service_url, f"/api/approvals/{approval}/approve", {}, "bob").status_code == 200
            with chromium(Path(tmp) / "profile") as driver:
                driver.set_window_size(*SIZE)
                console_login(driver, runner.service_url, "alice")
                driver.save_screenshot(str(OUT / "console-wallets.png"))
                driver.get(f"{runner.service_url}/console/audit")
                wait_for(lambda: "Audit log" in driver.title, what="the audit page")
                driver.save_screenshot(str(OUT / "console-audit.png"))
            with chromium(Path(tmp) / "profile-carol") as driver:
                driver.set_window_size(*SIZE)
                console_login(driver, runner.service_url, "carol")
                driver.get(f"{runner.service_url}/console/approvals")
                wait_for(lambda: "Approvals" in driver.title, what="the approvals page")
                driver.save_screenshot(str(OUT / "console-approval.png"))
        finally:
            runner.stop()
    for name in ("console-wallets.png", "console-audit.png", "console-approval.png"):
        print(OUT / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
