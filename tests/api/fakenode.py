"""A chain node played by httpx.MockTransport, for the node-failure tests."""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import httpx

from app.chain.node import NodeClient
from app.config import parse_config
from app.main import create_app
from app.services import Services
from tests.helpers import make_config

Handler = Callable[[httpx.Request], httpx.Response]


@asynccontextmanager
async def client_with_node(handler: Handler, tmp_path) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    """The app (test config, store in tmp_path) whose node is answered by handler."""
    config = parse_config(make_config(), base_dir=tmp_path)
    services = await Services.open(
        config, node_factory=lambda env: NodeClient(env.api_url, timeout=1, transport=httpx.MockTransport(handler))
    )
    app = create_app(config, services=services)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://service.test") as client:
        yield client
    await services.close()


def healthy_node_but(broadcast: Handler) -> Handler:
    """A node whose node-info and account answers are fine and whose broadcasts go to broadcast."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/node-info":
            return httpx.Response(200, json={"node_info": {"network": "Binance-Dev"}})
        if request.url.path.startswith("/api/v1/account/"):
            return httpx.Response(200, json={"account_number": 5, "sequence": 7})
        return broadcast(request)

    return handler


def timeout(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("slow", request=request)


def refused(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("refused", request=request)


def html_500(request: httpx.Request) -> httpx.Response:
    return httpx.Response(500, text="<html>oops</html>")


def garbage(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, text="not json")


def wrong_shape(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"unexpected": True})


def rejected(request: httpx.Request) -> httpx.Response:
    return httpx.Response(400, json={"code": 400, "message": "insufficient funds"})


def sequence_mismatch(request: httpx.Request) -> httpx.Response:
    return httpx.Response(403, json={"code": 65539, "message": "Invalid sequence. Got 7, expected 9"})
