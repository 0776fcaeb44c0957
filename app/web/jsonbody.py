"""Request bodies parsed with JSON numbers as Decimal, so amounts are never rounded via float."""

import json
from collections.abc import Callable, Coroutine
from decimal import Decimal
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

MAX_INT_DIGITS = 64


def _no_constants(name: str) -> Any:
    # NaN and Infinity are not JSON; Python's parser accepts them unless told otherwise.
    raise json.JSONDecodeError(f"{name} is not allowed", name, 0)


def _bounded_int(text: str) -> int:
    # No field holds more than 20 digits; a 4000-digit literal only costs CPU (and trips int()'s own limit).
    if len(text) > MAX_INT_DIGITS:
        raise json.JSONDecodeError("integer literal too long", "", 0)
    return int(text)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # {"amount": "1", "amount": "1000"}: Python keeps the last value, other parsers (a proxy, a WAF,
    # an audit tool) may keep the first. A signing service must not sign what others read otherwise.
    result = dict(pairs)
    if len(result) != len(pairs):
        raise json.JSONDecodeError("duplicate object key", "", 0)
    return result


def loads(body: bytes) -> Any:
    """Parse UTF-8 JSON with floats as Decimal; NaN/Infinity, duplicate keys and very deep nesting refused."""
    try:
        # Decoded here, strictly: json.loads(bytes) would guess UTF-16/32 from the byte pattern.
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise json.JSONDecodeError("body is not UTF-8", "", 0) from None
    try:
        return json.loads(
            text,
            parse_float=Decimal,
            parse_int=_bounded_int,
            parse_constant=_no_constants,
            object_pairs_hook=_unique_keys,
        )
    except RecursionError:  # e.g. 30000 nested "[": a JSON error (4xx), not an internal one
        raise json.JSONDecodeError("nested too deeply", "", 0) from None


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
