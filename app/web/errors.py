"""The one error handler: every domain error, validation error and HTTP error becomes the same JSON body.

Body: {"code": <status>, "message": <reason>, "detail": <reason>}. python-binance-chain reads
code/message, FastAPI clients read detail. Nothing here ever includes request input values.
"""

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.responses import Response

from app.errors import ServiceError

log = logging.getLogger("app.errors")


def error_body(status: int, message: str, **extra: Any) -> dict[str, Any]:
    """The one JSON shape of every error."""
    return {"code": status, "message": message, "detail": message, **extra}


def error_response(exc: ServiceError) -> JSONResponse:
    """A domain error as its status and JSON body."""
    return JSONResponse(error_body(exc.status_code, exc.message, **exc.extra), exc.status_code, headers=exc.headers)


def _validation_errors(exc: RequestValidationError) -> list[dict[str, str]]:
    errors = []
    for item in exc.errors():
        loc = [str(part) for part in item.get("loc", ()) if part != "body"]
        reason = str(item.get("msg", "invalid")).removeprefix("Value error, ")
        if item.get("type") == "json_invalid":
            # The decoder's own reason ("Expecting value", "duplicate object key") never quotes the input.
            cause = (item.get("ctx") or {}).get("error")
            reason = f"body is not valid JSON ({cause})" if cause else "body is not valid JSON"
            loc = []
        errors.append({"field": ".".join(loc) or "body", "reason": reason})
    return errors


async def _service_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServiceError)
    return error_response(exc)


async def _request_validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = _validation_errors(exc)
    message = "; ".join(f"{e['field']}: {e['reason']}" for e in errors) or "invalid request"
    return JSONResponse(error_body(422, message, errors=errors), 422)


async def _http_exception(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    message = exc.detail if isinstance(exc.detail, str) else "error"
    return JSONResponse(error_body(exc.status_code, message), exc.status_code, headers=exc.headers)


async def _client_left(_: Request, exc: Exception) -> Response:
    # The client went away mid-body: nobody reads this, and it is no server error (counted as 499).
    return Response(status_code=499)


async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    # Log the type only: an exception message could carry request data.
    log.error("unhandled error %s", type(exc).__name__)
    return JSONResponse(error_body(500, "internal error"), 500)


def install_error_handlers(app: FastAPI) -> None:
    """Render every error the app can raise as the JSON body above."""
    app.add_exception_handler(ServiceError, _service_error)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(StarletteHTTPException, _http_exception)
    app.add_exception_handler(ClientDisconnect, _client_left)
    app.add_exception_handler(Exception, _unexpected)
