"""Approval listings are filtered and paged in the store; one user's junk cannot hide another's request."""

import uuid
from collections.abc import AsyncIterator

import pytest

from app.store import ApprovalRow
from tests.api.test_approvals import BIG, Stack, _pending, approvals_config, open_stack
from tests.api.test_console_approvals import browser, card_of, section

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
async def stack(tmp_path) -> AsyncIterator[Stack]:  # type: ignore[no-untyped-def]
    opened, client = await open_stack(approvals_config(max_pending_per_user=3), tmp_path)
    yield opened
    await client.aclose()
    await opened.services.close()


async def _junk(stack: Stack, count: int, *, status: str = "cancelled") -> None:
    """count requests newer than any so far, as a flood of cancelled ones leaves them."""
    now = stack.services.clock.now()
    for n in range(count):
        row = ApprovalRow(
            id=uuid.uuid4().hex,
            wallet="main",
            message_type="transfer",
            action="broadcast",
            requested_by="alice",
            client_ip=None,
            msg='{"to_address": "x", "amount": "9", "symbol": "BNB"}',
            quorum=2,
            status=status,
            created_at=now + 1 + n / 1000,
            expires_at=now + 600,
            updated_at=now,
            reason=None,
            result=None,
        )
        await stack.services.store.approvals.create(row)


async def test_a_pending_request_is_listed_under_any_number_of_newer_ones(stack: Stack) -> None:
    real = await _pending(stack)
    await _junk(stack, 520)
    pending = (await stack.get("bob", "/api/approvals?status=pending")).json()
    assert [a["approval_id"] for a in pending] == [real["approval_id"]]
    async with browser(stack, "bob") as bob:
        html = (await bob.get("/console/approvals")).text
    card_of(section(html, "to-decide"), real["approval_id"])


async def test_listings_page_with_a_cursor(stack: Stack) -> None:
    made = []
    for _ in range(3):
        made.append((await _pending(stack))["approval_id"])
        stack.clock.advance(1)
    seen, cursor, pages = [], "", 0
    while cursor is not None:
        r = await stack.get("carol", f"/api/approvals?limit=2{'&cursor=' + cursor if cursor else ''}")
        assert r.status_code == 200, r.text
        seen += [a["approval_id"] for a in r.json()]
        cursor, pages = r.headers.get("Next-Cursor"), pages + 1
    assert seen == made[::-1] and pages == 2
    bad = await stack.get("carol", "/api/approvals?cursor=not-an-id")
    assert bad.status_code == 422


async def test_one_user_may_have_only_so_many_pending_requests_per_wallet(stack: Stack) -> None:
    first = await _pending(stack)
    for _ in range(2):
        await _pending(stack)
    r = await stack.post("alice", "/api/transfer/broadcast", BIG)
    assert r.status_code == 429 and r.headers["Retry-After"] == "600", r.text
    assert r.json()["message"] == (
        "you already have 3 pending requests on wallet 'main' (its approvals.max_pending_per_user); "
        "cancel one or wait for decisions"
    )
    assert len((await stack.get("bob", "/api/approvals?status=pending")).json()) == 3
    await stack.post("alice", f"/api/approvals/{first['approval_id']}/cancel")
    assert (await stack.post("alice", "/api/transfer/broadcast", BIG)).status_code == 202
    stack.clock.advance(600)  # all expired: none counts any more
    assert (await stack.post("alice", "/api/transfer/broadcast", BIG)).status_code == 202
