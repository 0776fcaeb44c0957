"""Fixtures for hostile-input tests: the API fixtures, plus clients with a chosen peer address."""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from app.main import create_app
from app.services import Services
from tests.api.conftest import auth, client, config_data, devnet, devnet_client, services  # noqa: F401

PeerClient = Callable[..., Any]


@pytest.fixture
def client_from(services: Services) -> PeerClient:  # noqa: F811
    """client_from("10.0.0.5") -> an async context manager: a client whose TCP peer is that address."""

    @asynccontextmanager
    async def make(host: str, port: int = 1234) -> AsyncIterator[httpx.AsyncClient]:
        app = create_app(services.config, services=services)
        transport = httpx.ASGITransport(app, client=(host, port))  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://service.test") as c:
            yield c

    return make
