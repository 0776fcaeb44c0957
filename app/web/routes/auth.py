"""POST /api/auth/login: a JWT for a username and password (JSON body or OAuth2 form)."""

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from app.auth.passwords import BCRYPT_MAX_BYTES
from app.auth.tokens import TokenClaims
from app.web.deps import CLAIMS_STATE, CurrentUser, ServicesDep, client_host
from app.web.errors import error_body
from app.web.jsonbody import DecimalJSONRoute, loads
from app.web.login import check_login, issue_token, revoke
from app.web.schemas import LoginRequest, TokenResponse

router = APIRouter(tags=["auth"], route_class=DecimalJSONRoute)

_LOGIN_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": LoginRequest.model_json_schema(),
                "example": {"username": "demo", "password": "demo-password"},
            },
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "required": ["username", "password"],
                    "properties": {"username": {"type": "string"}, "password": {"type": "string"}},
                }
            },
        },
    }
}


async def _read_login(request: Request) -> LoginRequest:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            async with request.form() as form:  # closes any uploaded file parts
                data: Any = {k: form.get(k) for k in ("username", "password") if k in form}
        else:
            data = loads(await request.body())  # duplicate keys refused, as on every JSON route
        return LoginRequest.model_validate(data)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_input=False)) from None
    except (ValueError, RecursionError):
        raise RequestValidationError(
            [{"type": "json_invalid", "loc": ("body",), "msg": "body is not valid JSON"}]
        ) from None


@router.post(
    "/auth/login",
    response_model=TokenResponse,
    openapi_extra=_LOGIN_BODY,
    responses={
        401: {
            "description": "Unknown user or wrong password",
            "content": {"application/json": {"example": error_body(401, "incorrect username or password")}},
        }
    },
    summary="Log in and get a bearer token",
)
async def login(request: Request, services: ServicesDep) -> TokenResponse:
    """Exchange a username and password for a JWT (HS256) valid for access_token_expiry_minutes."""
    body = await _read_login(request)
    if len(body.password.encode()) > BCRYPT_MAX_BYTES:
        raise RequestValidationError(
            [
                {
                    "type": "value_error",
                    "loc": ("body", "password"),
                    "msg": f"longer than bcrypt's limit of {BCRYPT_MAX_BYTES} bytes",
                }
            ]
        )
    user = await check_login(services, username=body.username, password=body.password, client=client_host(request))
    token, lifetime = issue_token(services, user)
    return TokenResponse(access_token=token, expires_in=lifetime)


@router.post(
    "/auth/logout",
    status_code=204,
    responses={401: {"description": "Missing, invalid, expired or already revoked token"}},
    summary="Revoke the presented bearer token",
)
async def logout(request: Request, user: CurrentUser, services: ServicesDep) -> Response:
    """Revoke this token on every replica until it would have expired; other tokens of the user keep working."""
    claims: TokenClaims = getattr(request.state, CLAIMS_STATE)
    await revoke(services, claims)
    return Response(status_code=204)
