"""Headless Chromium (Debian's chromium + chromium-driver) through selenium, and what it fetched.

Every request the page makes is read from Chrome's performance log (DevTools Network events), so a
test can assert that nothing went to another origin; the browser log holds CSP violations.
"""

import json
import logging
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests import skips

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
# This machine's network is closed: Chromium must not try to reach Google's services on its own.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1440,900",
)
# Not network requests: inline data, the page's own blobs, Chromium's built-in pages (its new-tab page).
LOCAL_SCHEMES = ("data", "blob", "about", "chrome", "chrome-error", "chrome-untrusted")


def skip_without_chromium() -> None:
    """Skip the calling test, saying why, where Chromium or its driver is not installed."""
    if CHROMIUM is None or CHROMEDRIVER is None:
        skips.required("browser", "needs Debian's chromium and chromium-driver (scripts/test.sh installs them as root)")
    try:
        import selenium  # noqa: F401
    except ImportError:
        skips.required("browser", "needs selenium (requirements-test.txt)")


@contextmanager
def chromium(profile: Path) -> Iterator[Any]:
    """A headless Chromium with a fresh profile in profile, quit afterwards."""
    skip_without_chromium()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    # selenium logs each WebDriver command at DEBUG, the keys a test types included: the passwords the
    # test itself types are not the service leaking them (tests/leakcheck.py searches every log record).
    logging.getLogger("selenium").setLevel(logging.INFO)
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


class Requests:
    """The URLs a driver's pages requested, read from its performance log as it fills."""

    def __init__(self, driver: Any) -> None:
        self._driver = driver
        self.urls: list[str] = []
        self.console: list[dict[str, Any]] = []

    def read(self) -> list[str]:
        for entry in self._driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message.get("method") == "Network.requestWillBeSent":
                self.urls.append(message["params"]["request"]["url"])
        self.console.extend(self._driver.get_log("browser"))
        return self.urls

    def foreign(self, origin: str) -> list[str]:
        """Requested URLs outside origin (scheme, host and port) and not local (data:, blob:)."""
        mine = urlsplit(origin)
        return [
            url
            for url in self.read()
            if urlsplit(url).scheme not in LOCAL_SCHEMES
            and (urlsplit(url).scheme, urlsplit(url).netloc) != (mine.scheme, mine.netloc)
        ]

    def csp_violations(self) -> list[str]:
        self.read()
        return [e["message"] for e in self.console if "Content Security Policy" in e.get("message", "")]


def wait_for(condition: Callable[[], Any], *, timeout: float = 20.0, what: str = "condition") -> Any:
    """Poll condition until it returns something truthy (ignoring errors meanwhile); fail after timeout."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            result = condition()
            if result:
                return result
        except Exception as exc:  # the page is still rendering: try again
            last = exc
        time.sleep(0.1)
    detail = f" (last error: {last!r})" if last else ""
    raise AssertionError(f"timed out after {timeout} s waiting for {what}{detail}")
