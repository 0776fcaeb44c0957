"""A throwaway PostgreSQL database for the replica scenarios (issue #5): created per scenario, dropped after.

The server comes from SIGNING_SERVICE_BENCH_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/test);
its user must be allowed to CREATE DATABASE. If it cannot be reached, the scenarios are skipped with the reason.
"""

import asyncio
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import make_url

ENV_VAR = "SIGNING_SERVICE_BENCH_POSTGRES_URL"
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
CONNECT_TIMEOUT_SECONDS = 5.0


class Unavailable(Exception):
    """PostgreSQL cannot be used for the run (unreachable, no asyncpg, no CREATE DATABASE right)."""


def admin_url() -> str:
    return os.environ.get(ENV_VAR) or DEFAULT_URL


def shown(url: str) -> str:
    """url with its password masked, for messages."""
    return make_url(url).render_as_string(hide_password=True)


def _with_database(url: str, database: str) -> str:
    return make_url(url).set(drivername="postgresql", database=database).render_as_string(hide_password=False)


async def _execute(url: str, statement: str) -> None:
    import asyncpg  # the service's PostgreSQL driver; only these scenarios need it

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn, timeout=CONNECT_TIMEOUT_SECONDS)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@contextmanager
def temporary_database(url: str | None = None) -> Iterator[str]:
    """Create a fresh database on url's server; yield its postgresql:// URL; drop it (WITH FORCE) on exit."""
    url = url or admin_url()
    name = f"signer_bench_{uuid.uuid4().hex[:12]}"
    try:
        asyncio.run(_execute(url, f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # refused, timeout, bad auth, no right, no asyncpg: all mean "skip"
        raise Unavailable(
            f"PostgreSQL unusable at {shown(url)} ({type(exc).__name__}: {exc}); "
            f"set {ENV_VAR} to a server where the user may CREATE DATABASE"
        ) from exc
    try:
        yield _with_database(url, name)
    finally:
        asyncio.run(_execute(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
