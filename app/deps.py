"""Dependency shortcuts for routes: the app's services and the authenticated user."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from app.clientip import client_address
from app.errors import Unauthorized
from app.security import InvalidToken, decode_token
from app.services import Services
from app.users import User

# auto_error=False: we raise our own 401 so that the body has the service's error shape.
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/auth/login", auto_error=False)


# Dependencies are `async def` although they never await: FastAPI runs a plain `def` dependency in
# its thread pool, a thread hop per dependency per request on the signing hot path.


async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


async def get_current_user(services: ServicesDep, token: Annotated[str | None, Depends(oauth2_scheme)]) -> User:
    """The user named by a valid bearer token; 401 for a missing, bad or expired token."""
    if not token:
        raise Unauthorized("missing bearer token")
    try:
        claims = decode_token(token, secret=services.config.secret_key.get_secret_value())
    except InvalidToken:
        raise Unauthorized("invalid or expired token") from None
    user = services.users.get(claims.username)
    if user is None:  # removed from the config since the token was issued
        raise Unauthorized("invalid or expired token")
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


def client_host(request: Request) -> str | None:
    """The client's address for ip_whitelist: the direct peer, or what config.trusted_proxies forwarded."""
    services: Services = request.app.state.services
    return client_address(request, services.config.trusted_proxies)
