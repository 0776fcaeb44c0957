"""Reads: one plain function per hop, the audit chain a page at a time, and no async engine on SQLite."""

import asyncio
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.store import Store
from app.store import audit as audit_module

ROOT = Path(__file__).resolve().parents[2]
AUDIT_KEY = b"k" * 32
KEY = ("http://node.test", "tbnb1account")


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audit_module, "PAGE_ROWS", 3)  # eight rows: two full pages and a short one


async def _eight_rows(url: str) -> Store:
    store = await Store.open(url, audit_key=AUDIT_KEY)
    for n in range(1, 9):
        await store.audit.append(at=float(n), record=f'{{"n": {n}}}')
    return store


async def _execute(store: Store, statement: str) -> None:
    await store.db.write(lambda conn: conn.execute(sa.text(statement)))


async def test_rows_are_listed_in_order_across_pages(database_url, small_pages) -> None:
    store = await _eight_rows(database_url)
    assert [row.id async for row in store.audit.rows()] == list(range(1, 9))
    assert [row.at async for row in store.audit.rows(since=4.0)] == [4.0, 5.0, 6.0, 7.0, 8.0]
    assert (await store.audit.verify()).rows == 8
    await store.close()


async def test_a_listing_stops_at_the_rows_there_when_it_began(database_url, small_pages) -> None:
    store = await _eight_rows(database_url)
    listed = []
    async for row in store.audit.rows():
        listed.append(row.id)
        if row.id == 1:
            await store.audit.append(at=9.0, record="{}")
    assert listed == list(range(1, 9))
    await store.close()


@pytest.mark.parametrize(
    ("statement", "first_bad_id"),
    [
        ("UPDATE audit_log SET record = '{\"n\": 0}' WHERE id = 5", 5),  # edited, in the second page
        ("DELETE FROM audit_log WHERE id = 4", 4),  # deleted, first of a page
        ("DELETE FROM audit_log WHERE id >= 7", 7),  # the tail, past two full pages
        ("DELETE FROM audit_log WHERE id = 8", 8),  # the last row, in the short page
        ("UPDATE audit_log SET id = id + 100 WHERE id IN (5, 6)", 5),  # moved away
    ],
)
async def test_verify_finds_the_first_bad_row_in_any_page(database_url, small_pages, statement, first_bad_id) -> None:
    store = await _eight_rows(database_url)
    await _execute(store, statement)
    result = await store.audit.verify()
    assert (result.ok, result.first_bad_id) == (False, first_bad_id)
    await store.close()


async def test_verify_finds_swapped_rows_across_a_page_boundary(database_url, small_pages) -> None:
    store = await _eight_rows(database_url)
    for statement in (
        "UPDATE audit_log SET id = 99 WHERE id = 3",
        "UPDATE audit_log SET id = 3 WHERE id = 4",
        "UPDATE audit_log SET id = 4 WHERE id = 99",
    ):
        await _execute(store, statement)
    assert (await store.audit.verify()).first_bad_id == 3
    await store.close()


async def test_verify_while_rows_are_appended_sees_an_intact_chain(database_url, small_pages) -> None:
    store = await _eight_rows(database_url)

    async def append_some() -> None:
        for n in range(40):
            await store.audit.append(at=100.0 + n, record="{}")

    result, _ = await asyncio.gather(store.audit.verify(), append_some())
    assert result.ok and 8 <= result.rows <= 48
    assert (await store.audit.verify()).rows == 48
    await store.close()


async def test_sqlite_reads_do_not_wait_for_a_writer_holding_the_lock(tmp_path) -> None:
    path = tmp_path / "store.db"
    store = await Store.open(f"sqlite:///{path}", audit_key=AUDIT_KEY)
    await store.sequences.load(KEY, account_number=7, sequence=3, force=True)
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # another worker's transaction, holding the write lock
        other.execute("UPDATE accounts SET next_sequence = 99")
        row = await asyncio.wait_for(store.sequences.get(KEY), 2)
        assert row is not None and row.next_sequence == 3  # the last commit, not the open transaction
    finally:
        other.execute("ROLLBACK")
        other.close()
        await store.close()


_SQLITE_SERVICE = """
import asyncio, json, sys
from app.store import Store

async def main(path):
    store = await Store.open("sqlite:///" + path, audit_key=b"k" * 32)
    await store.revocations.revoke(token_id="t", expires_at=2e9, now=1.0)
    assert await store.revocations.is_revoked("t")
    assert (await store.audit.verify()).ok
    await store.close()

asyncio.run(main(sys.argv[1]))
print(json.dumps(sorted(sys.modules)))
"""


def test_a_sqlite_store_loads_no_async_engine_orm_or_aiosqlite(tmp_path) -> None:
    """~8 MB of idle RSS: only PostgreSQL needs SQLAlchemy's async engine (and the ORM it imports)."""
    done = subprocess.run(
        [sys.executable, "-c", _SQLITE_SERVICE, str(tmp_path / "store.db")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    modules = json.loads(done.stdout)
    for unwanted in ("sqlalchemy.ext.asyncio", "sqlalchemy.orm", "aiosqlite"):
        assert not [name for name in modules if name == unwanted or name.startswith(unwanted + ".")], unwanted
