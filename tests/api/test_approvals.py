"""The two-person rule through the real app and the in-process devnet.

Every rule of who may decide, exactly-once execution, expiry on the injected clock, the audit chain
across the flow, and the signed webhook.
"""

import asyncio
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from app.chain.node import NodeClient
from app.clock import FakeClock
from app.config import ConfigError, parse_config
from app.devnet import create_app as create_devnet
from app.main import create_app
from app.services import Services
from app.signing.wallets import Environment
from tests import leakcheck
from tests.api.payloads import verified
from tests.helpers import CHAIN_ID, FUNDED, HRP, OTHER_ADDRESS, PASSWORDS, make_config, password_hash

pytestmark = pytest.mark.timeout(60)
WEBHOOK_SECRET = "webhook-secret-0123456789abcdef"
BIG = {
    "msg": {"to_address": OTHER_ADDRESS, "amount": "10", "symbol": "BNB", "memo": "invoice 7"},
    "wallet_name": "main",
}
SMALL = {"msg": {"to_address": OTHER_ADDRESS, "amount": "1", "symbol": "BNB"}, "wallet_name": "main"}


def approvals_config(**rule: Any) -> dict[str, Any]:
    data = make_config()
    main = next(w for w in data["wallets"] if w["name"] == "main")
    main["permissions"] = [*main["permissions"], "approve"]
    main["approvals"] = {"quorum": 2, "above": {"BNB": "5"}, "expire_after_seconds": 600, **rule}
    grants = {"bob": ["transfer", "approve"], "carol": ["approve"], "dave": ["trade"]}
    for user in data["users"]:
        if user["username"] == "bob":
            user["wallet_permissions"] = [g for g in user["wallet_permissions"] if g["wallet_name"] != "main"]
    data["users"] = [u for u in data["users"] if u["username"] != "bob"]
    for name, permissions in grants.items():
        data["users"].append(
            {
                "username": name,
                "password_hash": password_hash(name),
                "wallet_permissions": [{"wallet_name": "main", "permissions": permissions}],
            }
        )
    return data


class Stack:
    def __init__(self, client: httpx.AsyncClient, services: Services, clock: FakeClock, devnet: Any) -> None:
        self.client, self.services, self.clock, self.devnet = client, services, clock, devnet
        self._tokens: dict[str, str] = {}

    async def as_(self, user: str) -> dict[str, str]:
        if user not in self._tokens:
            r = await self.client.post("/api/auth/login", json={"username": user, "password": PASSWORDS[user]})
            assert r.status_code == 200, r.text
            self._tokens[user] = r.json()["access_token"]
        return {"Authorization": f"Bearer {self._tokens[user]}"}

    async def post(self, user: str, path: str, body: Any = None) -> httpx.Response:
        return await self.client.post(path, json=body, headers=await self.as_(user))

    async def get(self, user: str, path: str) -> httpx.Response:
        return await self.client.get(path, headers=await self.as_(user))

    async def audit(self) -> list[dict[str, Any]]:
        return [e async for e in self.services.signing.audit.entries()]


async def open_stack(
    data: dict[str, Any], tmp_path: Any, *, transport: Any = None, devnet: Any = None, node_timeout: float = 5
) -> tuple[Stack, Any]:
    clock = FakeClock()
    devnet = devnet or create_devnet(chain_id=CHAIN_ID, hrp=HRP, genesis=FUNDED)
    config = parse_config(data, base_dir=tmp_path)

    def node_factory(env: Environment) -> NodeClient:
        return NodeClient(env.api_url, timeout=node_timeout, transport=httpx.ASGITransport(devnet))  # type: ignore[arg-type]

    services = await Services.open(config, node_factory=node_factory, clock=clock)
    if transport is not None:  # the webhook receiver
        services.signing.notifier._client = httpx.AsyncClient(transport=transport)

    async def keep(response: httpx.Response) -> None:
        await response.aread()
        leakcheck.record(f"{response.headers}\n{response.text}")

    app = create_app(services.config, services=services)
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app), base_url="http://t", event_hooks={"response": [keep]}
    )
    return Stack(client, services, clock, devnet), client


@pytest.fixture
async def stack(tmp_path) -> AsyncIterator[Stack]:  # type: ignore[no-untyped-def]
    opened, client = await open_stack(approvals_config(), tmp_path)
    yield opened
    await client.aclose()
    await opened.services.close()


async def _pending(stack: Stack, body: dict[str, Any] = BIG, action: str = "broadcast") -> dict[str, Any]:
    r = await stack.post("alice", f"/api/transfer/{action}", body)
    assert r.status_code == 202, r.text
    return r.json()  # type: ignore[no-any-return]


async def test_a_transfer_over_the_threshold_waits_and_signs_nothing(stack: Stack) -> None:
    pending = await _pending(stack)
    assert {k: pending[k] for k in ("status", "wallet_name", "message_type", "action", "quorum", "approvals")} == {
        "status": "pending",
        "wallet_name": "main",
        "message_type": "transfer",
        "action": "broadcast",
        "quorum": 2,
        "approvals": [],
    }
    assert pending["requested_by"] == "alice" and pending["msg"] == BIG["msg"]
    info = (await stack.get("alice", "/api/wallet/main")).json()
    assert info["next_sequence"] is None  # nothing reserved: the account was never even read
    [row] = await stack.audit()
    assert (row["outcome"], row["approval_id"]) == ("approval_requested", pending["approval_id"])


async def test_a_transfer_under_the_threshold_runs_at_once(stack: Stack) -> None:
    r = await stack.post("alice", "/api/transfer/sign", SMALL)
    assert r.status_code == 200, r.text


async def test_two_approvals_execute_the_broadcast_once_with_the_node_answer(stack: Stack) -> None:
    pending = await _pending(stack)
    path = f"/api/approvals/{pending['approval_id']}"
    first = await stack.post("bob", f"{path}/approve")
    assert first.status_code == 200 and first.json()["status"] == "pending", first.text
    done = await stack.post("carol", f"{path}/approve")
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["status"] == "executed" and [a["user"] for a in body["approvals"]] == ["bob", "carol"]
    answer = body["result"]["node_response"]
    assert answer[0]["ok"] is True
    ledger = stack.devnet.state.ledger
    assert ledger.account(OTHER_ADDRESS).balance("BNB").free == 10 * 10**8
    seen = await stack.get("alice", path)
    assert seen.json()["result"]["node_response"] == answer
    outcomes = [e["outcome"] for e in await stack.audit()]
    assert outcomes == [
        "approval_requested",
        "approval_granted",
        "approval_granted",
        "sending",
        "broadcast",
        "approval_executed",
    ]
    assert (await stack.services.signing.audit.verify()).ok


async def test_an_approved_sign_stores_the_signed_tx_for_the_requester(stack: Stack) -> None:
    pending = await _pending(stack, action="sign")
    path = f"/api/approvals/{pending['approval_id']}"
    await stack.post("bob", f"{path}/approve")
    await stack.post("carol", f"{path}/approve")
    result = (await stack.get("alice", path)).json()["result"]
    tx = verified(result["signed_msg"])
    assert (tx.sequence, tx.memo) == (0, "invoice 7")


async def test_the_rules_of_who_may_decide(stack: Stack) -> None:
    pending = await _pending(stack)
    path = f"/api/approvals/{pending['approval_id']}"
    own = await stack.post("alice", f"{path}/approve")
    assert own.status_code == 403 and "own request" in own.json()["message"]
    no_approve = await stack.post("dave", f"{path}/approve")  # trade on the wallet, but not approve
    assert no_approve.status_code == 403 and "approve" in no_approve.json()["message"]
    carol_only = await stack.post("carol", f"{path}/approve")
    assert carol_only.status_code == 200
    again = await stack.post("carol", f"{path}/approve")
    assert again.status_code == 409 and "already decided" in again.json()["message"]
    cancel_by_other = await stack.post("bob", f"{path}/cancel")
    assert cancel_by_other.status_code == 403


async def test_a_user_with_no_permission_on_the_wallet_sees_404(tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = approvals_config()
    data["users"].append({"username": "dave2", "password_hash": password_hash("dave"), "wallet_permissions": []})
    PASSWORDS.setdefault("dave2", PASSWORDS["dave"])
    opened, client = await open_stack(data, tmp_path)
    try:
        pending = await _pending(opened)
        r = await opened.post("dave2", f"/api/approvals/{pending['approval_id']}/approve")
        assert r.status_code == 404 and r.json()["message"] == f"approval '{pending['approval_id']}' not found"
        assert (await opened.get("dave2", "/api/approvals")).json() == []
    finally:
        PASSWORDS.pop("dave2")
        await client.aclose()
        await opened.services.close()


async def test_one_rejection_ends_the_request_and_keeps_its_reason(stack: Stack) -> None:
    pending = await _pending(stack)
    path = f"/api/approvals/{pending['approval_id']}"
    await stack.post("bob", f"{path}/approve")
    rejected = await stack.post("carol", f"{path}/reject", {"reason": "not in the payment plan"})
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["rejected_by"]["reason"] == "not in the payment plan"
    late = await stack.post("carol", f"{path}/approve")
    assert late.status_code == 409  # carol already decided
    cancel = await stack.post("alice", f"{path}/cancel")
    assert cancel.status_code == 409 and "rejected" in cancel.json()["message"]
    reasons = [e.get("reason") for e in await stack.audit() if e["outcome"] == "approval_rejected"]
    assert reasons == ["not in the payment plan"]


async def test_the_requester_may_cancel_a_pending_request(stack: Stack) -> None:
    pending = await _pending(stack)
    path = f"/api/approvals/{pending['approval_id']}"
    cancelled = await stack.post("alice", f"{path}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    r = await stack.post("bob", f"{path}/approve")
    assert r.status_code == 409 and "cancelled" in r.json()["message"]


async def test_a_request_past_its_expiry_is_expired_and_cannot_be_approved(stack: Stack) -> None:
    pending = await _pending(stack)
    path = f"/api/approvals/{pending['approval_id']}"
    await stack.post("bob", f"{path}/approve")
    stack.clock.advance(600)  # tokens live 60 minutes: still valid
    r = await stack.post("carol", f"{path}/approve")
    assert r.status_code == 409 and "expired" in r.json()["message"]
    assert (await stack.get("alice", path)).json()["status"] == "expired"
    assert [e["outcome"] for e in await stack.audit()][-1] == "approval_expired"


async def test_listing_filters_by_status_and_wallet(stack: Stack) -> None:
    first = await _pending(stack)
    stack.clock.advance(1)
    second = await _pending(stack)
    await stack.post("alice", f"/api/approvals/{second['approval_id']}/cancel")
    pending = (await stack.get("bob", "/api/approvals?status=pending")).json()
    assert [a["approval_id"] for a in pending] == [first["approval_id"]]
    everything = (await stack.get("carol", "/api/approvals?wallet_name=main")).json()
    assert [a["approval_id"] for a in everything] == [second["approval_id"], first["approval_id"]]
    assert (await stack.get("carol", "/api/approvals?wallet_name=trader")).json() == []


async def test_the_idempotency_key_replays_the_same_202(stack: Stack) -> None:
    headers = {**(await stack.as_("alice")), "Idempotency-Key": "pay-7"}
    first = await stack.client.post("/api/transfer/broadcast", json=BIG, headers=headers)
    again = await stack.client.post("/api/transfer/broadcast", json=BIG, headers=headers)
    assert (first.status_code, again.status_code) == (202, 202)
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    assert len((await stack.get("bob", "/api/approvals")).json()) == 1


async def test_concurrent_approvals_execute_once(tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = approvals_config(quorum=1)
    opened, client = await open_stack(data, tmp_path)
    try:
        pending = await _pending(opened)
        path = f"/api/approvals/{pending['approval_id']}/approve"
        answers = await asyncio.gather(*(opened.post(user, path) for user in ("bob", "carol")))
        statuses = sorted(r.status_code for r in answers)
        assert statuses == [200, 409], [r.text for r in answers]
        ledger = opened.devnet.state.ledger
        assert ledger.account(OTHER_ADDRESS).balance("BNB").free == 10 * 10**8  # sent once
        outcomes = [e["outcome"] for e in await opened.audit()]
        assert outcomes.count("broadcast") == 1 and outcomes.count("approval_executed") == 1
    finally:
        await client.aclose()
        await opened.services.close()


async def test_limits_are_checked_again_at_execution(tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = approvals_config(quorum=1)
    main = next(w for w in data["wallets"] if w["name"] == "main")
    main["limits"] = {"max_per_day": {"BNB": "15"}}
    opened, client = await open_stack(data, tmp_path)
    try:
        first, second = await _pending(opened), await _pending(opened)
        ok = await opened.post("bob", f"/api/approvals/{first['approval_id']}/approve")
        assert ok.json()["status"] == "executed"
        over = await opened.post("bob", f"/api/approvals/{second['approval_id']}/approve")
        assert over.json()["status"] == "failed"
        assert over.json()["reason"] == "limit wallet max_per_day BNB is 15; 10 already used in 24 h"
    finally:
        await client.aclose()
        await opened.services.close()


async def test_every_status_change_is_posted_to_the_webhook_signed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    received: list[tuple[bytes, str]] = []

    def receiver(request: httpx.Request) -> httpx.Response:
        received.append((request.content, request.headers["X-Signature-SHA256"]))
        return httpx.Response(204)

    data = approvals_config(webhook_url="http://hooks.test/approvals", webhook_secret=WEBHOOK_SECRET)
    opened, client = await open_stack(data, tmp_path, transport=httpx.MockTransport(receiver))
    try:
        pending = await _pending(opened)
        await opened.post("bob", f"/api/approvals/{pending['approval_id']}/reject", {"reason": "no"})
        await opened.services.signing.notifier.drain()
    finally:
        await client.aclose()
        await opened.services.close()
    assert [json.loads(body)["status"] for body, _ in received] == ["pending", "rejected"]
    for body, signature in received:
        assert signature == hmac.new(WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()


def test_check_config_refuses_a_quorum_larger_than_the_approvers(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError) as caught:
        parse_config(approvals_config(quorum=3), base_dir=tmp_path)
    assert "wallets.0.approvals.quorum: 3 approvers needed but only 2 user(s) may approve on this wallet" in str(
        caught.value
    )


async def test_a_replayed_idempotency_key_after_execution_returns_the_current_state(stack: Stack) -> None:
    headers = {**(await stack.as_("alice")), "Idempotency-Key": "pay-8"}
    first = await stack.client.post("/api/transfer/broadcast", json=BIG, headers=headers)
    path = f"/api/approvals/{first.json()['approval_id']}"
    await stack.post("bob", f"{path}/approve")
    await stack.post("carol", f"{path}/approve")
    again = await stack.client.post("/api/transfer/broadcast", json=BIG, headers=headers)
    assert again.status_code == 200, again.text
    assert again.json()["status"] == "executed" and again.json()["result"]["node_response"][0]["ok"] is True
    assert again.headers["Idempotent-Replayed"] == "true"


async def test_a_requester_who_lost_the_grant_is_refused_at_execution(tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = approvals_config()
    opened, client = await open_stack(data, tmp_path)
    try:
        pending = await _pending(opened)
    finally:
        await client.aclose()
        await opened.services.close()
    alice = next(u for u in data["users"] if u["username"] == "alice")
    alice["wallet_permissions"] = [g for g in alice["wallet_permissions"] if g["wallet_name"] != "main"]
    restarted, client = await open_stack(data, tmp_path)  # the same store, the new config
    try:
        path = f"/api/approvals/{pending['approval_id']}"
        await restarted.post("bob", f"{path}/approve")
        done = await restarted.post("carol", f"{path}/approve")
        assert done.status_code == 200, done.text
        assert done.json()["status"] == "failed"
        assert done.json()["reason"] == "requester 'alice' may no longer use wallet 'main': wallet 'main' not found"
        assert restarted.devnet.state.ledger.account(OTHER_ADDRESS) is None  # nothing was sent
        rows = await restarted.audit()
        denied = [r for r in rows if r["outcome"] == "denied"]
        assert denied and denied[-1]["user"] == "alice" and denied[-1]["approval_id"] == pending["approval_id"]
        assert rows[-1]["outcome"] == "approval_failed"
    finally:
        await client.aclose()
        await restarted.services.close()
