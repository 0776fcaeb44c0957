"""The console's approvals page over HTTP (in-process): what each user sees, the forms, CSRF, refusals.

main needs two approvals for a transfer over 5 BNB (tests/api/test_approvals.py's config): alice
requests, bob and carol may approve, dave has `trade` on main but not `approve`.
"""

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from tests.api.test_approvals import BIG, Stack, approvals_config, open_stack
from tests.api.test_console import csrf_of, log_in
from tests.helpers import OTHER_ADDRESS

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
async def stack(tmp_path) -> AsyncIterator[Stack]:  # type: ignore[no-untyped-def]
    data = approvals_config()
    main = next(w for w in data["wallets"] if w["name"] == "main")
    main["permissions"] = [*main["permissions"], "audit"]
    bob = next(u for u in data["users"] if u["username"] == "bob")
    bob["wallet_permissions"][0]["permissions"].append("audit")
    opened, client = await open_stack(data, tmp_path)
    yield opened
    await client.aclose()
    await opened.services.close()


@asynccontextmanager
async def browser(stack: Stack, username: str) -> AsyncIterator[httpx.AsyncClient]:
    """A console session of its own (its own cookie jar) on the stack's app."""
    async with httpx.AsyncClient(transport=stack.client._transport, base_url="http://t") as client:
        r = await log_in(client, username)
        assert r.status_code == 303, r.text
        yield client


async def pending(stack: Stack) -> str:
    r = await stack.post("alice", "/api/transfer/broadcast", BIG)
    assert r.status_code == 202, r.text
    return str(r.json()["approval_id"])


def card_of(html: str, approval_id: str) -> str:
    found = re.search(rf'<article class="card approval" id="approval-{approval_id}".*?</article>', html, re.S)
    assert found, html
    return found.group(0)


def section(html: str, section_id: str) -> str:
    found = re.search(rf'<section class="section" id="{section_id}">.*?</section>', html, re.S)
    assert found, html
    return found.group(0)


async def post(client: httpx.AsyncClient, approval_id: str, verb: str, **fields: str) -> httpx.Response:
    page = await client.get(f"/console/approvals/{approval_id}")
    return await client.post(f"/console/approvals/{approval_id}/{verb}", data={"csrf_token": csrf_of(page), **fields})


async def status(stack: Stack, approval_id: str) -> Any:
    return (await stack.get("alice", f"/api/approvals/{approval_id}")).json()


async def test_an_approver_sees_the_full_message_and_both_buttons(stack: Stack) -> None:
    approval_id = await pending(stack)
    async with browser(stack, "bob") as bob:
        html = (await bob.get("/console/approvals")).text
    card = card_of(section(html, "to-decide"), approval_id)
    for shown in (
        '<dd class="strong">main</dd>',
        '<span class="tag">transfer</span>',
        '<span class="mono">broadcast</span>',
        f'<dt>Destination</dt><dd class="mono value">{OTHER_ADDRESS}</dd>',
        '<dt>Amount</dt><dd class="mono value amount">10 BNB</dd>',
        '<dt>Memo</dt><dd class="value">invoice 7</dd>',
        '<dd class="requested-by">alice</dd>',
        '<span class="quorum">0 of 2</span>',
        "(in 10 min)",
    ):
        assert shown in card, shown
    assert 'class="approve-form"' in card and 'class="reject-form"' in card and 'name="reason"' in card
    assert 'class="cancel-form"' not in card


async def test_the_requester_gets_cancel_and_no_decision_buttons(stack: Stack) -> None:
    approval_id = await pending(stack)
    async with browser(stack, "alice") as alice:
        html = (await alice.get("/console/approvals")).text
    assert "You have the 'approve' permission on no wallet." in section(html, "to-decide")
    card = card_of(section(html, "own"), approval_id)
    assert 'class="cancel-form"' in card and 'class="approve-form"' not in card and 'class="reject-form"' not in card


async def test_a_user_without_approve_sees_the_request_but_no_buttons(stack: Stack) -> None:
    approval_id = await pending(stack)
    async with browser(stack, "dave") as dave:
        listed = (await dave.get("/console/approvals")).text
        one = await dave.get(f"/console/approvals/{approval_id}")
        refused = await post(dave, approval_id, "approve")
    assert f'id="approval-{approval_id}"' not in listed  # not his to decide, not his own
    assert one.status_code == 200 and 'class="approve-form"' not in card_of(one.text, approval_id)
    assert refused.status_code == 403 and "permission &#39;approve&#39; is not granted" in refused.text
    assert refused.text.count("<h1>Refused</h1>") == 1


async def test_after_approving_the_approver_sees_his_vote_and_no_more_buttons(stack: Stack) -> None:
    approval_id = await pending(stack)
    async with browser(stack, "bob") as bob:
        r = await post(bob, approval_id, "approve")
        assert (r.status_code, r.headers["location"]) == (303, f"/console/approvals/{approval_id}?done=approve")
        page = (await bob.get(r.headers["location"])).text
    card = card_of(page, approval_id)
    assert "You approved this request." in page and '<span class="quorum">1 of 2</span>' in card
    assert 'class="approve-form"' not in card and "it waits for 1 more approval." in card
    assert [a["user"] for a in (await status(stack, approval_id))["approvals"]] == ["bob"]


async def test_a_form_without_the_csrf_token_is_refused_and_changes_nothing(stack: Stack) -> None:
    approval_id = await pending(stack)
    async with browser(stack, "bob") as bob:
        forged = await bob.post(f"/console/approvals/{approval_id}/approve", data={})
        wrong = await bob.post(f"/console/approvals/{approval_id}/reject", data={"csrf_token": "0" * 64, "reason": "x"})
    assert forged.status_code == 403 and "no valid CSRF token" in forged.text
    assert wrong.status_code == 403
    body = await status(stack, approval_id)
    assert (body["status"], body["approvals"]) == ("pending", [])


async def test_two_approvals_in_the_console_execute_it_and_show_the_tx_hash(stack: Stack) -> None:
    approval_id = await pending(stack)
    async with browser(stack, "bob") as bob, browser(stack, "carol") as carol:
        assert (await post(bob, approval_id, "approve")).status_code == 303
        done = await post(carol, approval_id, "approve")
        page = (await carol.get(done.headers["location"])).text
    tx_hash = (await status(stack, approval_id))["result"]["node_response"][0]["hash"]
    card = card_of(page, approval_id)
    assert 'data-status="executed"' in card and f'<span class="mono tx-hash">{tx_hash}</span>' in card
    async with browser(stack, "alice") as alice:
        own = section((await alice.get("/console/approvals")).text, "own")
    row = re.search(rf'<tr data-approval="{approval_id}" data-status="executed">.*?</tr>', own, re.S)
    assert row and tx_hash in row.group(0)


async def test_a_rejection_keeps_its_reason_and_a_later_decision_is_a_409_page(stack: Stack) -> None:
    approval_id = await pending(stack)
    async with browser(stack, "carol") as carol, browser(stack, "bob") as bob:
        page = await bob.get(f"/console/approvals/{approval_id}")  # bob's form, loaded while it was pending
        rejected = await post(carol, approval_id, "reject", reason="not in the payment plan")
        assert rejected.status_code == 303
        late = await bob.post(f"/console/approvals/{approval_id}/approve", data={"csrf_token": csrf_of(page)})
    assert late.status_code == 409 and f"approval {approval_id} is rejected, not pending" in late.text
    assert "<h1>Refused</h1>" in late.text
    body = await status(stack, approval_id)
    assert body["rejected_by"]["reason"] == "not in the payment plan"
    async with browser(stack, "alice") as alice:
        own = section((await alice.get("/console/approvals")).text, "own")
    assert "carol: not in the payment plan" in own
    reasons = [e.get("reason") for e in await stack.audit() if e["outcome"] == "approval_rejected"]
    assert reasons == ["not in the payment plan"]


async def test_a_reject_without_a_reason_is_refused(stack: Stack) -> None:
    approval_id = await pending(stack)
    async with browser(stack, "bob") as bob:
        blank = await post(bob, approval_id, "reject", reason="   ")
    assert blank.status_code == 422 and "Give a reason to reject" in blank.text
    assert (await status(stack, approval_id))["status"] == "pending"


async def test_the_requester_cancels_in_the_console_and_others_cannot(stack: Stack) -> None:
    approval_id = await pending(stack)
    async with browser(stack, "bob") as bob:
        by_bob = await post(bob, approval_id, "cancel")
    assert by_bob.status_code == 403 and "only the requester can cancel" in by_bob.text
    async with browser(stack, "alice") as alice:
        r = await post(alice, approval_id, "cancel")
        page = (await alice.get(r.headers["location"])).text
    assert "You cancelled this request." in page and 'data-status="cancelled"' in page
    assert (await status(stack, approval_id))["status"] == "cancelled"


async def test_an_unknown_or_malformed_request_id_is_a_404_page(stack: Stack) -> None:
    async with browser(stack, "bob") as bob:
        unknown = await bob.get(f"/console/approvals/{'0' * 32}")
        malformed = await post(bob, "x" * 32, "approve")  # the form of a page that does not exist
        verb = await bob.post(f"/console/approvals/{'0' * 32}/execute", data={})
    assert unknown.status_code == 404 and f"approval &#39;{'0' * 32}&#39; not found" in unknown.text
    assert malformed.status_code == 404
    assert verb.status_code == 403  # no CSRF token: refused before anything else is looked at


async def test_the_audit_page_filters_by_approval_outcomes(stack: Stack) -> None:
    approval_id = await pending(stack)
    async with browser(stack, "bob") as bob:
        await post(bob, approval_id, "reject", reason="not in the payment plan")
        audit = await bob.get("/console/audit", params={"outcome": "approval_rejected"})
    assert audit.status_code == 200, audit.text
    assert audit.text.count("<tr class=") == 1 and "not in the payment plan" in audit.text
    assert '<option value="approval_executed">' in audit.text


async def test_the_demo_config_makes_only_large_transfers_wait_for_its_approver(demo_client) -> None:  # type: ignore[no-untyped-def]
    """As the README's Console section says: 150 BNB from wallet_1 waits, `approver` approves it in the console."""
    client = demo_client
    login = await client.post("/api/auth/login", json={"username": "demo", "password": "demo-password"})
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    msg = {"to_address": "tbnb1yqprw3vkaw72vaw4yws0adxq6qw5nunzny0tvt", "symbol": "BNB", "memo": "invoice 42"}
    small = await client.post(
        "/api/transfer/broadcast", json={"msg": {**msg, "amount": "1.5"}, "wallet_name": "wallet_1"}, headers=headers
    )
    large = await client.post(
        "/api/transfer/broadcast", json={"msg": {**msg, "amount": "150"}, "wallet_name": "wallet_1"}, headers=headers
    )
    assert (small.status_code, large.status_code) == (200, 202), large.text
    approval_id = large.json()["approval_id"]
    assert (await log_in(client, "approver", "approver-password")).status_code == 303
    r = await post(client, approval_id, "approve")
    page = (await client.get(r.headers["location"])).text
    assert 'data-status="executed"' in card_of(page, approval_id)
