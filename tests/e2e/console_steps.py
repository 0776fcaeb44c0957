"""Steps shared by the console's browser tests and scripts/screenshots.py: its config, log in, sample traffic."""

from typing import Any

import httpx

from tests.api.payloads import README_SHAPES
from tests.e2e.browser import wait_for
from tests.helpers import OTHER_ADDRESS, PASSWORDS, password_hash

TRANSFER = {"msg": README_SHAPES["transfer"], "wallet_name": "main"}
ORDER = {"msg": README_SHAPES["order"], "wallet_name": "main"}
# Over with_approvals()'s threshold (5 BNB): waits for the quorum.
LARGE = {
    "msg": {"to_address": OTHER_ADDRESS, "amount": "250", "symbol": "BNB", "memo": "invoice 2024-117"},
    "wallet_name": "main",
}


def with_audit(config: dict) -> dict:
    """make_config() plus the audit permission on main, for the wallet and for alice's grant on it."""
    main = next(w for w in config["wallets"] if w["name"] == "main")
    main["permissions"] = [*main["permissions"], "audit"]
    alice = next(u for u in config["users"] if u["username"] == "alice")
    grant = next(g for g in alice["wallet_permissions"] if g["wallet_name"] == "main")
    grant["permissions"] = [*grant["permissions"], "audit"]
    return config


def with_approvals(config: dict, *, quorum: int = 2) -> dict:
    """main's transfers over 5 BNB wait for quorum approvers: bob (who also trades on main) and carol."""
    main = next(w for w in config["wallets"] if w["name"] == "main")
    main["permissions"] = [*main["permissions"], "approve"]
    main["approvals"] = {"quorum": quorum, "above": {"BNB": "5"}, "expire_after_seconds": 3600}
    bob = next(u for u in config["users"] if u["username"] == "bob")
    grant = next(g for g in bob["wallet_permissions"] if g["wallet_name"] == "main")
    grant["permissions"] = [*grant["permissions"], "approve"]
    carol = {"wallet_name": "main", "permissions": ["approve"]}
    config["users"].append(
        {"username": "carol", "password_hash": password_hash("carol"), "wallet_permissions": [carol]}
    )
    return config


def api_token(service_url: str, username: str) -> dict[str, str]:
    r = httpx.post(f"{service_url}/api/auth/login", json={"username": username, "password": PASSWORDS[username]})
    r.raise_for_status()
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def api_post(service_url: str, path: str, body: dict, username: str) -> httpx.Response:
    return httpx.post(f"{service_url}{path}", json=body, headers=api_token(service_url, username), timeout=10)


def console_login(driver: Any, service_url: str, username: str) -> None:
    """Log in through the console's form, as a person would."""
    from selenium.webdriver.common.by import By

    driver.get(f"{service_url}/console/login")
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(PASSWORDS[username])
    driver.find_element(By.CSS_SELECTOR, "form.stack button[type=submit]").click()
    wallets = f"{service_url}/console/wallets"
    wait_for(lambda: driver.current_url == wallets, what=f"the wallets page after logging in as {username}")


def sample_traffic(service_url: str) -> None:
    """Two signatures, one broadcast and one denial: what an audit page usually shows."""
    assert api_post(service_url, "/api/transfer/sign", TRANSFER, "alice").status_code == 200
    assert api_post(service_url, "/api/order/sign", ORDER, "bob").status_code == 200
    assert api_post(service_url, "/api/transfer/broadcast", TRANSFER, "alice").status_code == 200
    assert api_post(service_url, "/api/transfer/sign", TRANSFER, "bob").status_code == 403
