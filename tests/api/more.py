"""Shared pieces of the issue-16 API tests: a config granting the new permissions, and small helpers."""

import json
import time
from typing import Any

import httpx

from app.chain.messages import random_number_hash
from tests.helpers import make_config

NEW_PERMISSIONS = ["lock", "swap", "issue", "stake", "account"]
RANDOM_NUMBER = bytes(range(32))


def config_with_new_permissions() -> dict:
    """make_config(), with the issue-16 permissions on wallets main and seed and alice's grants on them."""
    data = make_config()
    for wallet in data["wallets"]:
        if wallet["name"] in ("main", "seed"):
            wallet["permissions"] = [*wallet["permissions"], *NEW_PERMISSIONS]
    for grant in data["users"][0]["wallet_permissions"]:
        if grant["wallet_name"] in ("main", "seed"):
            grant["permissions"] = [*grant["permissions"], *NEW_PERMISSIONS]
    return data


async def post(
    client: httpx.AsyncClient, headers: dict[str, str], route: str, msg: dict[str, Any], *, wallet: str = "main"
) -> httpx.Response:
    """POST /api/<route> with {"msg": msg, "wallet_name": wallet}."""
    return await client.post(f"/api/{route}", json={"msg": msg, "wallet_name": wallet}, headers=headers)


async def landed(client: httpx.AsyncClient, headers: dict[str, str], route: str, msg: dict, **kw: Any) -> str:
    """Broadcast msg, require the node to accept it, and return the tx's data (e.g. a lock or swap id)."""
    r = await post(client, headers, f"{route}/broadcast", msg, **kw)
    assert r.status_code == 200, r.text
    [answer] = r.json()
    assert answer["ok"] is True
    return answer["data"]  # type: ignore[no-any-return]


def fresh_htlt(to_address: str, *, amount: str = "1", **fields: Any) -> dict[str, Any]:
    """An HTLT body with a timestamp of now and the matching hash of RANDOM_NUMBER."""
    now = int(time.time())
    return {
        "to_address": to_address,
        "random_number_hash": random_number_hash(RANDOM_NUMBER, now).hex(),
        "timestamp": now,
        "amount": [{"denom": "BNB", "amount": amount}],
        "height_span": 360,
        **fields,
    }


def issued_symbol(data: str) -> str:
    """The SYMBOL-XXX an issue broadcast's data names."""
    return json.loads(data)["symbol"]  # type: ignore[no-any-return]
