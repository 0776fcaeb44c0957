"""Approval listings and caps, denial windows and the audit page's reads, on SQLite and PostgreSQL."""

import uuid

from app.clock import FakeClock
from app.store import ApprovalRow, AuditQuery, Store
from app.store.approvals import Listing
from app.store.denials import Window

AUDIT_KEY = b"k" * 32


def _row(clock: FakeClock, *, user: str = "alice", wallet: str = "main", status: str = "pending") -> ApprovalRow:
    now = clock.now()
    return ApprovalRow(
        id=uuid.uuid4().hex,
        wallet=wallet,
        message_type="transfer",
        action="broadcast",
        requested_by=user,
        client_ip=None,
        msg="{}",
        quorum=1,
        status=status,
        created_at=now,
        expires_at=now + 600,
        updated_at=now,
        reason=None,
        result=None,
    )


async def test_listing_filters_pages_and_caps_in_the_store(database_url) -> None:
    clock = FakeClock()
    store = await Store.open(database_url, audit_key=AUDIT_KEY, clock=clock)
    try:
        made = []
        for _ in range(3):
            row = _row(clock)
            assert await store.approvals.create(row, max_pending=3) is None
            made.append(row.id)
            clock.advance(1)
        refused = await store.approvals.create(_row(clock), max_pending=3)
        assert refused is not None  # the soonest expiry of alice's pending ones
        await store.approvals.create(_row(clock, status="cancelled"))
        query = Listing(frozenset({"main"}), "bob", status="pending", limit=2)
        first = await store.approvals.listed(query)
        assert [r.id for r in first] == made[::-1][:2]
        rest = await store.approvals.listed(Listing(frozenset({"main"}), "bob", status="pending", after=first[-1].id))
        assert [r.id for r in rest] == [made[0]]
        clock.advance(600)
        assert await store.approvals.listed(Listing(frozenset({"main"}), "bob", status="pending")) == []
        expired = await store.approvals.listed(Listing(frozenset({"main"}), "bob", status="expired"))
        assert len(expired) == 3
        assert await store.approvals.listed(Listing(frozenset(), "carol")) == []
        mine = await store.approvals.listed(Listing(frozenset(), "alice", mine=True))
        assert len(mine) == 4
    finally:
        await store.close()


async def test_unresolved_requests_and_recorded_txs(database_url) -> None:
    clock = FakeClock()
    store = await Store.open(database_url, audit_key=AUDIT_KEY, clock=clock)
    try:
        row = _row(clock, status="executing")
        await store.approvals.create(row)
        assert await store.approvals.unresolved(wallets=None, stale_before=clock.now() - 1) == []
        assert await store.approvals.record_tx(row.id, '{"tx_hash": "AB", "sequence": 3}')
        [found] = await store.approvals.unresolved(wallets={"main"}, stale_before=clock.now())
        assert found.result == '{"tx_hash": "AB", "sequence": 3}'
        assert await store.approvals.move(row.id, from_status="executing", status="unknown", result=found.result)
        assert not await store.approvals.record_tx(row.id, "{}")  # no longer executing
        assert [r.id for r in await store.approvals.unresolved(wallets=None, stale_before=0)] == [row.id]
    finally:
        await store.close()


def _summary(window: Window, now: float) -> str:
    return f'{{"user": "{window.username}", "outcome": "denied", "repeated": {window.repeated}}}'


async def test_denial_windows_write_one_row_then_one_count(database_url) -> None:
    clock = FakeClock()
    store = await Store.open(database_url, audit_key=AUDIT_KEY, clock=clock)
    try:
        args = {"username": "bob", "wallet": "", "kind": "UnknownWallet", "window_seconds": 60, "summary": _summary}
        written = [
            await store.denials.record(**args, reason=f"r{n}", now=clock.now(), record='{"outcome": "denied"}')
            for n in range(50)
        ]
        assert written == [True] + [False] * 49
        clock.advance(60)
        assert await store.denials.flush_due(now=clock.now(), window_seconds=60, summary=_summary) == 1
        assert [row.record async for row in store.audit.rows()][-1].endswith('"repeated": 49}')
        assert (await store.audit.verify()).rows == 2
    finally:
        await store.close()


async def test_the_newest_matching_rows_and_an_incremental_check(database_url) -> None:
    store = await Store.open(database_url, audit_key=AUDIT_KEY)
    try:
        for n in range(30):
            wallet = "main" if n % 3 == 0 else "other"
            await store.audit.append(
                at=float(n), record=f'{{"wallet": "{wallet}", "user": "u{n % 2}", "outcome": "signed"}}'
            )
        rows = await store.audit.newest(AuditQuery(frozenset({"main"}), user="u0", limit=3))
        assert [r.id for r in rows] == [25, 19, 13]
        older = await store.audit.newest(AuditQuery(frozenset({"main"}), before=13, since=3.0))
        assert [r.id for r in older] == [10, 7, 4]
        assert (await store.audit.verify_new()).checked == 30
        await store.audit.append(at=31.0, record="{}")
        assert ((await store.audit.verify_new()).checked, (await store.audit.verify_new()).checked) == (1, 0)
    finally:
        await store.close()
