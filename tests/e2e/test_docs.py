"""/docs and /redoc in headless Chromium against the real service: rendered offline, Authorize, Try it out."""

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.payloads import README_SHAPES
from tests.e2e.browser import Requests, chromium, skip_without_chromium, wait_for
from tests.e2e.conftest import Stack
from tests.helpers import PASSWORDS

TRANSFER = {"msg": README_SHAPES["transfer"], "wallet_name": "main"}


@pytest.fixture
def browser(tmp_path) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    skip_without_chromium()
    with chromium(tmp_path / "profile") as driver:
        yield driver


def _authorize(driver: Any, username: str) -> None:
    from selenium.webdriver.common.by import By

    driver.find_element(By.CSS_SELECTOR, "button.authorize").click()
    wait_for(lambda: driver.find_element(By.ID, "oauth_username").is_displayed(), what="the Authorize dialog")
    driver.find_element(By.ID, "oauth_username").send_keys(username)
    driver.find_element(By.ID, "oauth_password").send_keys(PASSWORDS[username])
    driver.find_element(By.CSS_SELECTOR, ".auth-btn-wrapper button.authorize").click()
    # Swagger UI turns the button into Logout once the token endpoint answered 200.
    logout = ".auth-btn-wrapper button[aria-label='Remove authorization']"
    wait_for(lambda: driver.find_element(By.CSS_SELECTOR, logout), what="a token from /api/auth/login")
    driver.find_element(By.CSS_SELECTOR, "button.btn-done").click()


def _try_sign(driver: Any) -> dict[str, Any]:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    operation = driver.find_element(By.ID, "operations-messages-sign_transfer")
    operation.find_element(By.CSS_SELECTOR, ".opblock-summary").click()
    wait_for(lambda: operation.find_element(By.CSS_SELECTOR, ".try-out__btn"), what="Try it out").click()
    body = wait_for(lambda: operation.find_element(By.CSS_SELECTOR, "textarea.body-param__text"), what="the body")
    body.send_keys(Keys.CONTROL, "a")
    body.send_keys(Keys.DELETE)
    body.send_keys(json.dumps(TRANSFER))
    operation.find_element(By.CSS_SELECTOR, "button.execute").click()
    status = wait_for(
        lambda: operation.find_element(By.CSS_SELECTOR, ".live-responses-table tr.response .response-col_status").text,
        what="the live response",
    )
    assert status.strip() == "200", operation.find_element(By.CSS_SELECTOR, ".live-responses-table").text
    live_body = ".live-responses-table tr.response .response-col_description pre.microlight"
    text = operation.find_element(By.CSS_SELECTOR, live_body).text
    answer: dict[str, Any] = json.loads(text)
    return answer


def test_swagger_ui_renders_offline_authorizes_with_a_password_and_signs(stack: Stack, browser) -> None:
    from selenium.webdriver.common.by import By

    requests = Requests(browser)
    browser.get(f"{stack.service_url}/docs")
    operations = wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, ".opblock"), what="operations")
    paths = {o.find_element(By.CSS_SELECTOR, ".opblock-summary-path").text for o in operations}
    assert {"/api/auth/login", "/api/transfer/sign", "/api/wallet"} <= {p.replace("\u200b", "") for p in paths}
    _authorize(browser, "alice")
    answer = _try_sign(browser)
    assert set(answer) >= {"signed_msg", "tx_hash", "sequence"} and answer["sequence"] >= 0
    assert requests.foreign(stack.service_url) == []
    assert requests.csp_violations() == []
    assert f"{stack.service_url}/api/auth/login" in requests.urls  # the password flow, through the page


def test_redoc_renders_offline(stack: Stack, browser) -> None:
    from selenium.webdriver.common.by import By

    requests = Requests(browser)
    browser.get(f"{stack.service_url}/redoc")
    wait_for(
        lambda: "Log in and get a bearer token" in browser.find_element(By.TAG_NAME, "body").text,
        what="ReDoc's rendered operations",
    )
    assert requests.foreign(stack.service_url) == []
    assert requests.csp_violations() == []
