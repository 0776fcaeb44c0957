"""The service's error family and the handlers that render every error as the same JSON.

Body: {"code": <status>, "message": <reason>, "detail": <reason>}. python-binance-chain reads
code/message, FastAPI clients read detail. Nothing here ever includes request input values.
"""

import logging
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("app.errors")


class ServiceError(Exception):
    """An error with its own HTTP status; the message is safe to show to the caller."""

    status_code = 500
    headers: ClassVar[dict[str, str] | None] = None

    def __init__(self, message: str, *, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


class BadRequest(ServiceError):
    status_code = 400


class Unauthorized(ServiceError):
    status_code = 401
    headers: ClassVar[dict[str, str] | None] = {"WWW-Authenticate": "Bearer"}


class Forbidden(ServiceError):
    status_code = 403


class NotFound(ServiceError):
    status_code = 404


class Conflict(ServiceError):
    status_code = 409


class InvalidRequest(ServiceError):
    """Input that passed the schema but not the chain's rules (e.g. an address of another chain)."""

    status_code = 422

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}", extra={"errors": [{"field": field, "reason": reason}]})


class BadGateway(ServiceError):
    status_code = 502


class GatewayTimeout(ServiceError):
    status_code = 504


def error_body(status: int, message: str, **extra: Any) -> dict[str, Any]:
    """The one JSON shape of every error."""
    return {"code": status, "message": message, "detail": message, **extra}


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
    return JSONResponse(error_body(exc.status_code, exc.message, **exc.extra), exc.status_code, headers=exc.headers)


async def _request_validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = _validation_errors(exc)
    message = "; ".join(f"{e['field']}: {e['reason']}" for e in errors) or "invalid request"
    return JSONResponse(error_body(422, message, errors=errors), 422)


async def _http_exception(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    message = exc.detail if isinstance(exc.detail, str) else "error"
    return JSONResponse(error_body(exc.status_code, message), exc.status_code, headers=exc.headers)


async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    # Log the type only: an exception message could carry request data.
    log.error("unhandled error %s", type(exc).__name__)
    return JSONResponse(error_body(500, "internal error"), 500)


def install_error_handlers(app: FastAPI) -> None:
    """Render every error the app can raise as the JSON body above."""
    app.add_exception_handler(ServiceError, _service_error)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(StarletteHTTPException, _http_exception)
    app.add_exception_handler(Exception, _unexpected)
