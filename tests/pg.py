"""PostgreSQL for tests: a fresh database per use when SIGNING_SERVICE_TEST_POSTGRES_URL is set."""

import asyncio
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from tests import skips

POSTGRES_URL = os.environ.get("SIGNING_SERVICE_TEST_POSTGRES_URL")
SKIP_REASON = "its tests need SIGNING_SERVICE_TEST_POSTGRES_URL (e.g. postgresql://postgres@127.0.0.1/test)"


async def _admin(url: str, statement: str) -> None:
    engine = create_async_engine(make_url(url).set(drivername="postgresql+asyncpg"), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(sa.text(statement))
    finally:
        await engine.dispose()


@contextmanager
def fresh_database() -> Iterator[str]:
    """A new database on the test server (skip where none is configured), dropped afterwards."""
    if not POSTGRES_URL:
        skips.required("PostgreSQL", SKIP_REASON)
    name = f"signer_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(POSTGRES_URL, f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_admin(POSTGRES_URL, f'DROP DATABASE "{name}" WITH (FORCE)'))


async def reset_schema(url: str) -> None:
    """Drop every table of the database at url."""
    engine = create_async_engine(make_url(url).set(drivername="postgresql+asyncpg"))
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            await conn.execute(sa.text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()
