"""Request bodies parsed with JSON numbers as Decimal, so amounts are never rounded via float."""

import json
from collections.abc import Callable, Coroutine
from decimal import Decimal
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute


def _no_constants(name: str) -> Any:
    # NaN and Infinity are not JSON; Python's parser accepts them unless told otherwise.
    raise json.JSONDecodeError(f"{name} is not allowed", name, 0)


def loads(body: bytes) -> Any:
    """Parse JSON with floats as Decimal and NaN/Infinity refused."""
    return json.loads(body, parse_float=Decimal, parse_constant=_no_constants)


class DecimalJSONRequest(Request):
    """A request whose json() keeps decimal numbers exact."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = loads(await self.body())
        return self._json


class DecimalJSONRoute(APIRoute):
    """An APIRoute that hands its endpoint a DecimalJSONRequest."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route_handler(request: Request) -> Response:
            return await handler(DecimalJSONRequest(request.scope, request.receive))

        return route_handler
