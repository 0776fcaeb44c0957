"""The console's approvals page in headless Chromium against a real uvicorn process and the devnet.

main's transfers over 5 BNB need two approvers (bob, carol); alice requests them over the API.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.e2e.browser import Requests, chromium, skip_without_chromium, wait_for
from tests.e2e.conftest import Stack, StackRunner
from tests.e2e.console_steps import LARGE, api_post, api_token, console_login, with_approvals, with_audit
from tests.helpers import OTHER_ADDRESS


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    runner = StackRunner(tmp_path_factory.mktemp("console-approvals"))
    try:
        config = with_approvals(with_audit(yaml.safe_load(runner.config_path.read_text())), quorum=2)
        runner.config_path.write_text(yaml.safe_dump(config))
        runner.start_service()
        yield runner.stack()
    finally:
        runner.stop()


@pytest.fixture
def profiles(tmp_path: Path) -> Path:
    skip_without_chromium()
    return tmp_path


def requested(stack: Stack) -> str:
    r = api_post(stack.service_url, "/api/transfer/broadcast", LARGE, "alice")
    assert r.status_code == 202, r.text
    return str(r.json()["approval_id"])


def as_requester(stack: Stack, approval_id: str) -> Any:
    r = httpx.get(f"{stack.service_url}/api/approvals/{approval_id}", headers=api_token(stack.service_url, "alice"))
    r.raise_for_status()
    return r.json()


def open_card(driver: Any, approval_id: str) -> Any:
    """The approvals page through the navigation, and the request's card in 'Waiting for your decision'."""
    from selenium.webdriver.common.by import By

    driver.find_element(By.LINK_TEXT, "Approvals").click()
    wait_for(lambda: driver.find_elements(By.ID, "to-decide"), what="the approvals page")
    return driver.find_element(By.CSS_SELECTOR, f"#to-decide article[data-approval='{approval_id}']")


def detail_status(driver: Any, approval_id: str) -> str:
    from selenium.webdriver.common.by import By

    card = driver.find_element(By.CSS_SELECTOR, f"article[data-approval='{approval_id}']")
    return str(card.get_attribute("data-status"))


def test_two_approvers_in_two_browser_sessions_execute_the_transfer(stack: Stack, profiles: Path) -> None:
    from selenium.webdriver.common.by import By

    approval_id = requested(stack)
    with chromium(profiles / "bob") as bob, chromium(profiles / "carol") as carol:
        seen = [Requests(bob), Requests(carol)]
        console_login(bob, stack.service_url, "bob")
        console_login(carol, stack.service_url, "carol")
        card = open_card(bob, approval_id)
        message = card.find_element(By.CSS_SELECTOR, "dl.message").text
        for shown in (OTHER_ADDRESS, "250 BNB", "invoice 2024-117", "broadcast"):
            assert shown in message, shown
        assert card.find_element(By.CSS_SELECTOR, ".requested-by").text == "alice"
        assert card.find_element(By.CSS_SELECTOR, ".quorum").text == "0 of 2"
        card.find_element(By.CSS_SELECTOR, ".approve-form button").click()
        wait_for(lambda: "You approved this request." in bob.page_source, what="bob's approval")
        assert detail_status(bob, approval_id) == "pending"

        card = open_card(carol, approval_id)
        assert card.find_element(By.CSS_SELECTOR, ".quorum").text == "1 of 2"
        card.find_element(By.CSS_SELECTOR, ".approve-form button").click()
        wait_for(lambda: detail_status(carol, approval_id) == "executed", what="the executed request")
        shown_hash = carol.find_element(By.CSS_SELECTOR, ".outcome-box .tx-hash").text
        for requests in seen:
            assert requests.foreign(stack.service_url) == [] and requests.csp_violations() == []
    body = as_requester(stack, approval_id)
    assert body["status"] == "executed"
    assert shown_hash == body["result"]["node_response"][0]["hash"]
    assert [a["user"] for a in body["approvals"]] == ["bob", "carol"]


def test_a_reject_with_a_reason_shows_as_rejected_with_the_reason(stack: Stack, profiles: Path) -> None:
    from selenium.webdriver.common.by import By

    approval_id = requested(stack)
    with chromium(profiles / "bob") as bob:
        requests = Requests(bob)
        console_login(bob, stack.service_url, "bob")
        card = open_card(bob, approval_id)
        card.find_element(By.CSS_SELECTOR, ".reject-form input[name=reason]").send_keys("over this month's budget")
        card.find_element(By.CSS_SELECTOR, ".reject-form button").click()
        wait_for(lambda: detail_status(bob, approval_id) == "rejected", what="the rejected request")
        outcome = bob.find_element(By.CSS_SELECTOR, ".outcome-box").text
        assert requests.foreign(stack.service_url) == [] and requests.csp_violations() == []
    assert outcome == "Rejected by bob: over this month's budget"
    assert as_requester(stack, approval_id)["rejected_by"]["reason"] == "over this month's budget"
