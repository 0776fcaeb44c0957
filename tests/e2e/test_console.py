"""The console in headless Chromium against a real uvicorn process and the devnet."""

from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from tests.e2e.browser import Requests, chromium, skip_without_chromium, wait_for
from tests.e2e.conftest import Stack, StackRunner
from tests.e2e.console_steps import TRANSFER, api_post, console_login, with_audit

DENIED_BACKGROUND = "rgba(253, 236, 234, 1)"  # --bad-bg in console.css


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    runner = StackRunner(tmp_path_factory.mktemp("console"))
    try:
        runner.config_path.write_text(yaml.safe_dump(with_audit(yaml.safe_load(runner.config_path.read_text()))))
        runner.start_service()
        yield runner.stack()
    finally:
        runner.stop()


@pytest.fixture
def browser(tmp_path) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    skip_without_chromium()
    with chromium(tmp_path / "profile") as driver:
        yield driver


def _row(driver: Any, wallet: str) -> Any:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, f"table#wallets tr[data-wallet='{wallet}']")


def test_log_in_and_see_the_wallets_with_their_sequences(stack: Stack, browser) -> None:
    from selenium.webdriver.common.by import By

    signed = api_post(stack.service_url, "/api/transfer/sign", TRANSFER, "alice").json()
    requests = Requests(browser)
    console_login(browser, stack.service_url, "alice")
    main = _row(browser, "main")
    assert main.find_element(By.CSS_SELECTOR, ".sequence").text == str(signed["sequence"] + 1)
    assert "BNB" in main.find_element(By.CSS_SELECTOR, ".balances").text
    assert _row(browser, "empty").find_element(By.CSS_SELECTOR, ".balances").text == "not funded on the chain"
    assert requests.foreign(stack.service_url) == [] and requests.csp_violations() == []


def test_a_request_denied_over_the_api_is_highlighted_on_the_audit_page(stack: Stack, browser) -> None:
    from selenium.webdriver.common.by import By

    denied = api_post(stack.service_url, "/api/transfer/sign", TRANSFER, "bob")
    assert denied.status_code == 403
    console_login(browser, stack.service_url, "alice")
    browser.find_element(By.LINK_TEXT, "Audit").click()
    wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "table#audit"), what="the audit page")
    rows = browser.find_elements(By.CSS_SELECTOR, "table#audit tr.denied")
    [row] = [r for r in rows if "bob" in r.text]
    assert "permission 'transfer' is not granted on wallet 'main'" in row.text
    cell = row.find_element(By.CSS_SELECTOR, "td:nth-child(2)")
    assert cell.value_of_css_property("background-color") == DENIED_BACKGROUND  # highlighted, styled
    assert browser.find_element(By.ID, "chain-status").text.startswith("HASH CHAIN intact")


def test_a_forged_form_without_the_csrf_token_is_refused(stack: Stack, browser) -> None:
    from selenium.webdriver.common.by import By

    console_login(browser, stack.service_url, "alice")
    # The page has no script of its own (the CSP allows none); the driver edits the DOM as a forger would.
    browser.execute_script(
        "const f = document.querySelector('form.logout');"
        "f.querySelector('input[name=csrf_token]').remove(); f.submit();"
    )
    wait_for(lambda: "no valid CSRF token" in browser.find_element(By.TAG_NAME, "body").text, what="the refusal")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Refused"
    browser.get(f"{stack.service_url}/console/wallets")
    assert browser.current_url.endswith("/console/wallets")  # still logged in: nothing was done


def test_log_out(stack: Stack, browser) -> None:
    from selenium.webdriver.common.by import By

    console_login(browser, stack.service_url, "alice")
    browser.find_element(By.CSS_SELECTOR, "form.logout button").click()
    wait_for(lambda: browser.current_url == f"{stack.service_url}/console/login", what="the login page")
    browser.get(f"{stack.service_url}/console/audit")
    assert browser.current_url == f"{stack.service_url}/console/login"


def test_the_console_pages_make_no_request_to_another_origin(stack: Stack, browser) -> None:
    from selenium.webdriver.common.by import By

    requests = Requests(browser)
    console_login(browser, stack.service_url, "alice")
    for page in ("Approvals", "Audit", "Health", "Wallets"):
        browser.find_element(By.LINK_TEXT, page).click()
        wait_for(lambda p=page: browser.find_element(By.CSS_SELECTOR, "nav a.active").text == p, what=page)
    stylesheet = f"{stack.service_url}/console/static/console.css"
    assert stylesheet in requests.read()
    assert requests.foreign(stack.service_url) == [] and requests.csp_violations() == []
    assert browser.find_element(By.CSS_SELECTOR, ".topbar").value_of_css_property("display") == "flex"  # styled
