"""A user may do X with wallet W only if both W and the user's grant on W allow X."""

import pytest

from app.signing.table import MESSAGE_TYPES
from tests.api.payloads import PAYLOAD_OF, PERMISSION_OF

ROUTES = [path for spec in MESSAGE_TYPES for path in (spec.name, *spec.aliases)]


def test_every_registered_route_is_covered_by_the_matrix() -> None:
    assert set(ROUTES) == set(PERMISSION_OF)
    for spec in MESSAGE_TYPES:
        for path in (spec.name, *spec.aliases):
            assert PERMISSION_OF[path] == spec.permission


@pytest.mark.parametrize("action", ["sign", "broadcast"])
@pytest.mark.parametrize("route", ROUTES)
async def test_bob_may_only_trade_on_main(client, auth, route, action) -> None:
    headers = await auth("bob")
    r = await client.post(
        f"/api/{route}/{action}", json={"msg": PAYLOAD_OF[route], "wallet_name": "main"}, headers=headers
    )
    if PERMISSION_OF[route] == "trade":
        # A cancel's broadcast reaches the node, which refuses a cancel of an order that does not exist.
        expected = 400 if (route, action) in (("cancel_order", "broadcast"), ("order/cancel", "broadcast")) else 200
        assert r.status_code == expected, r.text
    else:
        assert r.status_code == 403, r.text
        assert PERMISSION_OF[route] in r.json()["message"]


@pytest.mark.parametrize("route", ROUTES)
async def test_wallet_without_any_effective_permission_is_invisible(client, auth, route) -> None:
    headers = await auth("bob")  # bob's grant on trader is transfer, which trader does not allow
    r = await client.post(
        f"/api/{route}/sign", json={"msg": PAYLOAD_OF[route], "wallet_name": "trader"}, headers=headers
    )
    assert r.status_code == 404


@pytest.mark.parametrize("route", ROUTES)
async def test_wallet_permissions_cap_a_full_user_grant(client, auth, route) -> None:
    headers = await auth("alice")  # alice has every permission on main_alias, which allows only transfer
    r = await client.post(
        f"/api/{route}/sign", json={"msg": PAYLOAD_OF[route], "wallet_name": "main_alias"}, headers=headers
    )
    assert r.status_code == (200 if PERMISSION_OF[route] == "transfer" else 403), r.text


@pytest.mark.parametrize("route", ROUTES)
async def test_unknown_wallet_gets_404(client, auth, route) -> None:
    headers = await auth("alice")
    r = await client.post(f"/api/{route}/sign", json={"msg": PAYLOAD_OF[route], "wallet_name": "nope"}, headers=headers)
    assert r.status_code == 404
    assert r.json() == {"code": 404, "message": "wallet 'nope' not found", "detail": "wallet 'nope' not found"}


async def test_ip_whitelist_refuses_other_clients(client, auth) -> None:
    headers = await auth("alice")  # the test client connects from 127.0.0.1; fenced allows 10.1.2.0/24
    r = await client.post(
        "/api/order/sign", json={"msg": PAYLOAD_OF["order"], "wallet_name": "fenced"}, headers=headers
    )
    assert r.status_code == 403
    assert "ip_whitelist" in r.json()["message"]


async def test_ip_whitelist_ignores_forwarded_headers(client, auth) -> None:
    headers = {
        **(await auth("alice")),
        "X-Forwarded-For": "10.1.2.3",
        "X-Real-IP": "10.1.2.3",
        "Forwarded": "for=10.1.2.3",
    }
    r = await client.post(
        "/api/order/sign", json={"msg": PAYLOAD_OF["order"], "wallet_name": "fenced"}, headers=headers
    )
    assert r.status_code == 403


@pytest.mark.parametrize(
    ("user", "wallet", "status"), [("alice", "main", 200), ("bob", "main", 403), ("bob", "trader", 404)]
)
async def test_resync_needs_the_resync_permission(client, auth, user, wallet, status) -> None:
    r = await client.post("/api/wallet/resync", json={"wallet_name": wallet}, headers=await auth(user))
    assert r.status_code == status, r.text
