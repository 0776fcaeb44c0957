#!/usr/bin/env python3
"""Screenshots of the console for the README: docs/console-wallets.png and docs/console-audit.png.

Starts a devnet and the service on free loopback ports (as tests/e2e does), makes some traffic over
the API (signatures, a broadcast, a denial), and photographs the pages in headless Chromium at a
laptop's size. Run from the repository root: .venv/bin/python scripts/screenshots.py
"""

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from tests.e2e.browser import chromium, wait_for  # noqa: E402
from tests.e2e.conftest import StackRunner  # noqa: E402
from tests.e2e.console_steps import console_login, sample_traffic, with_audit  # noqa: E402

OUT = ROOT / "docs"
SIZE = (1366, 820)  # a laptop screen's browser window


def main() -> int:
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        runner = StackRunner(Path(tmp))
        try:
            runner.config_path.write_text(yaml.safe_dump(with_audit(yaml.safe_load(runner.config_path.read_text()))))
            runner.start_service()
            sample_traffic(runner.service_url)
            with chromium(Path(tmp) / "profile") as driver:
                driver.set_window_size(*SIZE)
                console_login(driver, runner.service_url, "alice")
                driver.save_screenshot(str(OUT / "console-wallets.png"))
                driver.get(f"{runner.service_url}/console/audit")
                wait_for(lambda: "Audit log" in driver.title, what="the audit page")
                driver.save_screenshot(str(OUT / "console-audit.png"))
        finally:
            runner.stop()
    for name in ("console-wallets.png", "console-audit.png"):
        print(OUT / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
