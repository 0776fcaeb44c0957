"""The real app over HTTP (in-process), talking to a real devnet app through httpx's ASGI transport."""

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import pytest

from app.chain.node import NodeClient
from app.config import load_config, parse_config
from app.devnet import create_app as create_devnet
from app.main import create_app
from app.services import Services
from app.signing.wallets import Environment
from tests import leakcheck
from tests.helpers import CHAIN_ID, FUNDED, HRP, PASSWORDS, make_config

TokenFactory = Callable[[str], Awaitable[dict[str, str]]]


@pytest.fixture
def devnet() -> object:
    return create_devnet(chain_id=CHAIN_ID, hrp=HRP, genesis=FUNDED)


@pytest.fixture
def devnet_client(devnet: object) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(devnet), base_url="http://devnet.test")  # type: ignore[arg-type]


@pytest.fixture
def config_data() -> dict:
    return make_config()


@pytest.fixture
async def services(config_data: dict, devnet: object, tmp_path) -> AsyncIterator[Services]:  # type: ignore[no-untyped-def]
    """Services on a fresh SQLite store in tmp_path, whose nodes are the in-process devnet."""
    config = parse_config(config_data, base_dir=tmp_path)

    def node_factory(env: Environment) -> NodeClient:
        return NodeClient(env.api_url, timeout=5, transport=httpx.ASGITransport(devnet))  # type: ignore[arg-type]

    opened = await Services.open(config, node_factory=node_factory)
    yield opened
    await opened.close()


@pytest.fixture
async def client(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(services.config, services=services)

    async def keep(response: httpx.Response) -> None:
        await response.aread()
        leakcheck.record(f"{response.headers}\n{response.text}")  # searched for secrets after the run

    transport = httpx.ASGITransport(app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://service.test", event_hooks={"response": [keep]}
    ) as c:
        yield c


@pytest.fixture
def auth(client: httpx.AsyncClient) -> TokenFactory:
    """auth("alice") -> Authorization headers for a fresh token."""

    async def headers(username: str) -> dict[str, str]:
        r = await client.post("/api/auth/login", json={"username": username, "password": PASSWORDS[username]})
        assert r.status_code == 200, r.text
        return {"Authorization": f"Bearer {r.json()['access_token']}"}

    return headers


DEMO_CONFIG = Path(__file__).resolve().parents[2] / "config" / "config.yml"


@pytest.fixture
async def demo_client(tmp_path):  # type: ignore[no-untyped-def]
    """The app on the demo config, its DEVNET node served in-process by a devnet funding its wallets."""
    config = load_config(DEMO_CONFIG).model_copy(update={"database_url": f"sqlite:///{tmp_path / 'demo.db'}"})
    hrp = config.all_environments["DEVNET"].hrp
    genesis = sorted({w.signing_key.address(hrp) for w in config.wallets})
    devnet = create_devnet(chain_id="Binance-Dev", hrp=hrp, genesis=genesis)
    services = await Services.open(
        config, node_factory=lambda env: NodeClient(env.api_url, transport=httpx.ASGITransport(devnet))
    )
    app = create_app(config, services=services)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://demo.test") as client:
        yield client
    await services.close()
