"""Store URLs to test against: a SQLite file always, PostgreSQL when SIGNING_SERVICE_TEST_POSTGRES_URL is set."""

import asyncio
from collections.abc import Iterator

import pytest

from tests.pg import fresh_database, reset_schema


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped afterwards."""
    with fresh_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path) -> str:  # type: ignore[no-untyped-def]
    """Each store test runs on SQLite and, where configured, on PostgreSQL (a fresh schema each time)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    base = request.getfixturevalue("postgres_database")
    asyncio.run(reset_schema(base))
    return base
