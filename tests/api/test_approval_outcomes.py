"""Approved broadcasts whose outcome is not known: never `failed` on a guess, resolved from the chain.

The devnet's fault injection makes the node apply a tx and withhold its answer (or never see it);
a cancelled approval stands in for a crash in the middle of the broadcast.
"""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import yaml

from app.cli.approvals import resolve_one
from app.config import parse_config
from app.devnet import create_app as create_devnet
from app.devnet.faults import Endpoint, FaultKind, FaultSpec
from app.main import create_app
from app.services import open_store
from app.signing.outcomes import LANDING_GRACE_SECONDS, LEASE_SECONDS
from app.store import ApprovalRow
from tests.api.test_approvals import BIG, SMALL, Stack, _pending, approvals_config, open_stack
from tests.api.test_audit import _cli
from tests.helpers import CHAIN_ID, FUNDED, HRP, OTHER_ADDRESS

pytestmark = pytest.mark.timeout(60)
BNB = 10**8


class Faulty:
    """The devnet with faults on, and an event set each time it applies a tx."""

    def __init__(self) -> None:
        self.applied = asyncio.Event()
        self.app = create_devnet(
            chain_id=CHAIN_ID, hrp=HRP, genesis=FUNDED, faults_enabled=True, on_change=lambda _: self.applied.set()
        )

    def fault(self, kind: FaultKind) -> None:
        self.app.state.faults.add(FaultSpec(kind=kind, endpoint=Endpoint.BROADCAST))

    def received(self) -> int:
        account = self.app.state.ledger.account(OTHER_ADDRESS)
        return account.balance("BNB").free if account is not None else 0


@pytest.fixture
async def faulty(tmp_path) -> AsyncIterator[tuple[Stack, Faulty]]:  # type: ignore[no-untyped-def]
    devnet = Faulty()
    opened, client = await open_stack(approvals_config(), tmp_path, devnet=devnet.app, node_timeout=0.5)
    yield opened, devnet
    await client.aclose()
    await opened.services.close()


async def _approved(stack: Stack, pending: dict[str, Any]) -> dict[str, Any]:
    path = f"/api/approvals/{pending['approval_id']}"
    assert (await stack.post("bob", f"{path}/approve")).status_code == 200
    done = await stack.post("carol", f"{path}/approve")
    assert done.status_code == 200, done.text
    return done.json()  # type: ignore[no-any-return]


async def _status(stack: Stack, approval_id: str) -> dict[str, Any]:
    return (await stack.get("alice", f"/api/approvals/{approval_id}")).json()  # type: ignore[no-any-return]


async def test_a_landed_tx_whose_answer_was_lost_is_unknown_then_resolved_executed(faulty) -> None:  # type: ignore[no-untyped-def]
    stack, devnet = faulty
    pending = await _pending(stack)
    devnet.fault(FaultKind.DROP_AFTER_APPLY)  # the node applies the tx, its answer never comes
    body = await _approved(stack, pending)
    assert devnet.received() == 10 * BNB  # it landed
    assert body["status"] == "unknown" and len(body["result"]["tx_hash"]) == 64, body
    assert body["result"]["sequence"] == 0
    # The next request on the account resolves it from the chain before signing anything.
    r = await stack.post("alice", "/api/transfer/broadcast", SMALL)
    assert r.status_code == 200, r.text
    now = await _status(stack, pending["approval_id"])
    assert now["status"] == "executed" and now["result"]["tx_hash"] == body["result"]["tx_hash"]
    assert now["result"]["node_response"][0]["ok"] is True
    assert devnet.received() == 11 * BNB
    outcomes = [e["outcome"] for e in await stack.audit()]
    assert outcomes[3:] == ["sending", "failed", "approval_unknown", "approval_executed", "sending", "broadcast"]
    assert (await stack.services.signing.audit.verify()).ok


async def test_a_tx_the_chain_never_saw_blocks_the_account_until_it_is_known_lost(faulty) -> None:  # type: ignore[no-untyped-def]
    stack, devnet = faulty
    pending = await _pending(stack)
    devnet.fault(FaultKind.TIMEOUT)  # the node never sees the tx
    body = await _approved(stack, pending)
    assert body["status"] == "unknown" and devnet.received() == 0
    early = await stack.post("alice", "/api/transfer/broadcast", SMALL)
    assert early.status_code == 409 and early.headers["Retry-After"] == str(int(LANDING_GRACE_SECONDS)), early.text
    assert pending["approval_id"] in early.json()["message"]
    stack.clock.advance(LANDING_GRACE_SECONDS)
    late = await stack.post("alice", "/api/transfer/broadcast", SMALL)
    assert late.status_code == 200, late.text
    now = await _status(stack, pending["approval_id"])
    assert now["status"] == "failed" and "did not reach the chain" in now["reason"]
    assert devnet.received() == 1 * BNB  # the small one, once; the lost one can no longer land (its sequence is used)


async def _crash_mid_broadcast(stack: Stack, devnet: Faulty) -> dict[str, Any]:
    """Approve, and kill the execution after the node applied its tx (as a crash would)."""
    pending = await _pending(stack)
    path = f"/api/approvals/{pending['approval_id']}"
    await stack.post("bob", f"{path}/approve")
    devnet.fault(FaultKind.DROP_AFTER_APPLY)
    devnet.applied.clear()
    approving = asyncio.ensure_future(stack.post("carol", f"{path}/approve"))
    await devnet.applied.wait()
    approving.cancel()
    with pytest.raises(asyncio.CancelledError):
        await approving
    assert (await _status(stack, pending["approval_id"]))["status"] == "executing"
    return pending


async def test_a_request_left_executing_by_a_crash_is_resolved_at_start_up(faulty) -> None:  # type: ignore[no-untyped-def]
    stack, devnet = faulty
    pending = await _crash_mid_broadcast(stack, devnet)
    assert await stack.services.signing.outcomes.resolve_all() == {}  # still within its lease: maybe running
    stack.clock.advance(LEASE_SECONDS)
    assert await stack.services.signing.outcomes.resolve_all() == {pending["approval_id"]: "executed"}
    assert (await _status(stack, pending["approval_id"]))["status"] == "executed"
    assert devnet.received() == 10 * BNB


async def test_a_request_left_executing_is_resolved_by_the_next_request_on_its_account(faulty) -> None:  # type: ignore[no-untyped-def]
    stack, devnet = faulty
    pending = await _crash_mid_broadcast(stack, devnet)
    stack.clock.advance(LEASE_SECONDS)
    r = await stack.post("alice", "/api/transfer/sign", {**SMALL, "wallet_name": "main_alias"})
    assert r.status_code == 200, r.text  # main_alias shares main's key: the same account
    assert (await _status(stack, pending["approval_id"]))["status"] == "executed"
    assert r.json()["sequence"] == 1  # after the landed tx, not over it


async def test_an_execution_interrupted_before_sending_is_failed(faulty) -> None:  # type: ignore[no-untyped-def]
    stack, _ = faulty
    pending = await _pending(stack, BIG)
    row_id = pending["approval_id"]
    await stack.post("bob", f"/api/approvals/{row_id}/approve")
    # The quorum's claim committed, then the process died before anything was signed.
    assert await stack.services.store.approvals.move(row_id, from_status="pending", status="executing")
    stack.clock.advance(LEASE_SECONDS)
    assert await stack.services.signing.outcomes.resolve_all() == {row_id: "failed"}
    assert (await _status(stack, row_id))["reason"] == "interrupted before its tx was sent"


async def test_an_operator_resolves_one_by_hand(faulty) -> None:  # type: ignore[no-untyped-def]
    stack, devnet = faulty
    pending = await _pending(stack)
    devnet.fault(FaultKind.TIMEOUT)
    assert (await _approved(stack, pending))["status"] == "unknown"
    row_id = pending["approval_id"]
    code, line = await resolve_one(stack.services, row_id, force=False)  # within the grace: the chain cannot tell
    assert code == 1 and line.startswith(f"approval {row_id} is unknown (node ")
    code, line = await resolve_one(stack.services, row_id, force=True)  # the operator knows it is lost
    assert code == 0 and line.startswith(f"approval {row_id} is failed (tx ") and "did not reach the chain" in line
    assert await resolve_one(stack.services, row_id, force=True) == (
        0,
        f"approval {row_id} is failed: nothing to resolve",
    )


async def test_the_approvals_cli_lists_and_resolves(faulty, tmp_path) -> None:  # type: ignore[no-untyped-def]
    stack, devnet = faulty
    pending = await _pending(stack)
    devnet.fault(FaultKind.TIMEOUT)
    assert (await _approved(stack, pending))["status"] == "unknown"
    path = tmp_path / "cli.yml"
    data = {**approvals_config(), "database_url": stack.services.config.database_url}
    path.write_text(yaml.safe_dump(data))
    listed = _cli("approvals", "unresolved", "--config", str(path))
    assert listed.returncode == 0, listed.stderr
    [line] = listed.stdout.splitlines()
    assert json.loads(line)["approval_id"] == pending["approval_id"] and json.loads(line)["status"] == "unknown"
    missing = _cli("approvals", "resolve", "0" * 32, "--config", str(path))
    assert missing.returncode == 1 and "not found" in missing.stderr
    unreachable = _cli("approvals", "resolve", pending["approval_id"], "--force", "--config", str(path))
    assert unreachable.returncode == 1 and "not resolved: node http://devnet.test unreachable" in unreachable.stderr


async def test_start_up_resolves_what_a_crash_left_executing(tmp_path) -> None:  # type: ignore[no-untyped-def]
    config = parse_config(approvals_config(), base_dir=tmp_path)
    store = await open_store(config)
    stale = ApprovalRow(
        id=uuid.uuid4().hex,
        wallet="main",
        message_type="transfer",
        action="broadcast",
        requested_by="alice",
        client_ip=None,
        msg="{}",
        quorum=2,
        status="executing",
        created_at=1.0,
        expires_at=601.0,
        updated_at=1.0,  # claimed long ago; nothing was recorded as sent
        reason=None,
        result=None,
    )
    await store.approvals.create(stale)
    await store.close()
    app = create_app(config)
    async with app.router.lifespan_context(app):
        row = await app.state.services.store.approvals.get(stale.id)
    assert row is not None and (row.status, row.reason) == ("failed", "interrupted before its tx was sent")
