"""Schemathesis fuzzes every operation of the OpenAPI document: no 5xx, every answer matches its schema.

Each operation is its own test (its operationId is the test id), so a parallel run (pytest-xdist) runs
all of them: one schemathesis-parametrized test gave 59 cases one shared id, and xdist ran one.
The app runs in-process on one event loop (an anyio blocking portal) with its node on the in-process
devnet, so the run needs no network and no sockets. Bounded and derandomized for CI.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio.from_thread
import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from app.chain.node import NodeClient
from app.config import ServiceConfig, parse_config
from app.devnet import create_app as create_devnet
from app.main import create_app
from app.services import Services
from tests.helpers import CHAIN_ID, FUNDED, HRP, PASSWORDS, make_config

BASE_URL = "http://service.test"
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
# The document only: building it opens nothing (the store opens in the fixture below).
schema = schemathesis.openapi.from_dict(
    create_app(parse_config(make_config(), base_dir=Path("/nonexistent"))).openapi()
)
OPERATIONS = {result.ok().definition.raw["operationId"]: result.ok() for result in schema.get_all_operations()}


@dataclass
class Live:
    """The app on the portal's loop, a client for it and alice's Authorization header."""

    portal: anyio.from_thread.BlockingPortal
    client: httpx.AsyncClient
    headers: dict[str, str]

    def send(self, kwargs: dict[str, Any]) -> httpx.Response:
        return self.portal.call(self._send, kwargs)

    async def _send(self, kwargs: dict[str, Any]) -> httpx.Response:
        body: dict[str, Any] = {}
        if "json" in kwargs:
            body["content"] = json.dumps(kwargs["json"])
        elif kwargs.get("files"):
            body["files"], body["data"] = kwargs["files"], kwargs.get("data")
        elif "data" in kwargs:
            data = kwargs["data"]
            body["content" if isinstance(data, bytes | str) else "data"] = data
        return await self.client.request(
            kwargs["method"],
            kwargs["url"],
            params=kwargs.get("params"),
            headers=kwargs.get("headers"),
            **body,
        )


async def _open(config: ServiceConfig) -> tuple[Services, httpx.AsyncClient, dict[str, str]]:
    devnet = create_devnet(chain_id=CHAIN_ID, hrp=HRP, genesis=FUNDED)

    def node_factory(_env: object) -> NodeClient:
        return NodeClient("http://devnet.test", timeout=5, transport=httpx.ASGITransport(devnet))  # type: ignore[arg-type]

    services = await Services.open(config, node_factory=node_factory)  # type: ignore[arg-type]
    client = httpx.AsyncClient(transport=httpx.ASGITransport(create_app(config, services=services)), base_url=BASE_URL)
    r = await client.post("/api/auth/login", json={"username": "alice", "password": PASSWORDS["alice"]})
    return services, client, {"Authorization": f"Bearer {r.json()['access_token']}"}


async def _close(services: Services, client: httpx.AsyncClient) -> None:
    await client.aclose()
    await services.close()


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    config = parse_config(make_config(), base_dir=tmp_path_factory.mktemp("fuzz"))
    with anyio.from_thread.start_blocking_portal() as portal:
        services, client, headers = portal.call(_open, config)
        try:
            yield Live(portal=portal, client=client, headers=headers)
        finally:
            portal.call(_close, services, client)


def test_every_operation_of_the_document_is_fuzzed_under_its_own_id() -> None:
    assert len(OPERATIONS) == len(list(schema.get_all_operations())) > 50


@pytest.mark.parametrize("operation_id", sorted(OPERATIONS))
def test_api_never_fails_and_matches_its_schema(operation_id: str, live: Live) -> None:
    @given(case=OPERATIONS[operation_id].as_strategy())
    @settings(
        max_examples=25,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def fuzz(case: schemathesis.Case) -> None:
        kwargs = case.as_transport_kwargs(base_url=BASE_URL, headers=live.headers)
        response = live.send(kwargs)
        case.validate_response(response, checks=CHECKS)

    fuzz()
