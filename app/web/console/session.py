"""The console's session and CSRF tokens.

The session is the API's own JWT (the same login, the same lifetime), kept in a cookie that
scripts cannot read (HttpOnly), that is sent only to /console, never cross-site (SameSite=Strict),
and only over TLS when the client reached the console over https (directly, or through a trusted
proxy that says so in X-Forwarded-Proto). Every form that changes something carries
a CSRF token: an HMAC of the session's token id under a key derived from the app's secret, so it
needs no server-side state and dies with the session. The login form, which has no session yet,
is bound the same way to a random nonce in a short-lived cookie.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Response

from app.auth.tokens import TokenClaims
from app.auth.users import User
from app.errors import Unauthorized
from app.services import Services
from app.web.clientip import scheme_of_scope
from app.web.deps import USER_STATE, ServicesDep
from app.web.login import user_of_token

SESSION_COOKIE = "console_session"
LOGIN_COOKIE = "console_login"
COOKIE_PATH = "/console"
CSRF_FIELD = "csrf_token"
LOGIN_NONCE_SECONDS = 1800
MAX_FORM_FIELDS = 16
_CSRF_LABEL = b"bnc-signing-service console csrf v1"


class LoginRequired(Exception):
    """No valid session: the console answers with a redirect to its login page."""


class ConsoleRefusal(Exception):
    """A request the console refuses, shown as an error page with this status."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message


@dataclass(frozen=True, slots=True)
class ConsoleSession:
    """The logged-in user of a console request and the CSRF token of their forms."""

    user: User
    claims: TokenClaims
    csrf: str


def _csrf_key(services: Services) -> bytes:
    # A key of its own, so a CSRF token is never also a valid MAC of anything else the secret signs.
    return hmac.new(services.config.secret_key.get_secret_value().encode(), _CSRF_LABEL, hashlib.sha256).digest()


def csrf_token(services: Services, *, purpose: str, value: str) -> str:
    """The CSRF token of a form bound to value (a session's token id, or a login nonce)."""
    return hmac.new(_csrf_key(services), f"{purpose}\n{value}".encode(), hashlib.sha256).hexdigest()


def csrf_matches(services: Services, *, purpose: str, value: str, given: str | None) -> bool:
    """True if given is the CSRF token for value (constant-time)."""
    if not given or not value:
        return False
    return hmac.compare_digest(given.encode(), csrf_token(services, purpose=purpose, value=value).encode())


async def console_session(request: Request, services: ServicesDep) -> ConsoleSession:
    """The session of the request's cookie; LoginRequired if it is missing, expired or its user is gone."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise LoginRequired
    try:
        user, claims = await user_of_token(services, token)  # the API's checks: expiry, password change, logout
    except Unauthorized:
        raise LoginRequired from None
    setattr(request.state, USER_STATE, user.username)  # the access log's user field
    return ConsoleSession(user=user, claims=claims, csrf=csrf_token(services, purpose="session", value=claims.token_id))


SessionDep = Annotated[ConsoleSession, Depends(console_session)]


async def read_form(request: Request) -> dict[str, str]:
    """The urlencoded form's text fields (bounded in number; the body size is bounded by app/web/bodylimit.py)."""
    async with request.form(max_files=0, max_fields=MAX_FORM_FIELDS) as form:
        return {key: value for key, value in form.items() if isinstance(value, str)}


async def checked_form(request: Request, session: SessionDep) -> dict[str, str]:
    """The form of a logged-in user's POST, if it carries the session's CSRF token; 403 otherwise."""
    form = await read_form(request)
    given = form.get(CSRF_FIELD)
    if not given or not hmac.compare_digest(given.encode(), session.csrf.encode()):
        raise ConsoleRefusal(403, "This form has no valid CSRF token. Reload the page and submit it again.")
    return form


CheckedForm = Annotated[dict[str, str], Depends(checked_form)]


def _secure(request: Request) -> bool:
    # The client's scheme, not the connection's: behind the ALB (which ends TLS) the cookie is still Secure.
    return scheme_of_scope(request.scope, request.app.state.trusted_networks) == "https"


def set_session_cookie(response: Response, request: Request, *, token: str, lifetime: int) -> None:
    """Store the session token: expires with the token, unreadable by scripts, never sent cross-site."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=lifetime,
        path=COOKIE_PATH,
        httponly=True,
        secure=_secure(request),
        samesite="strict",
    )


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(SESSION_COOKIE, path=COOKIE_PATH, httponly=True, secure=_secure(request), samesite="strict")


def new_login_nonce() -> str:
    """A fresh random nonce for one login form."""
    return secrets.token_urlsafe(24)


def set_login_cookie(response: Response, request: Request, nonce: str) -> None:
    """The login form's nonce, in its own short-lived cookie that its CSRF token is checked against."""
    response.set_cookie(
        LOGIN_COOKIE,
        nonce,
        max_age=LOGIN_NONCE_SECONDS,
        path=COOKIE_PATH,
        httponly=True,
        secure=_secure(request),
        samesite="strict",
    )


def clear_login_nonce(response: Response, request: Request) -> None:
    response.delete_cookie(LOGIN_COOKIE, path=COOKIE_PATH, httponly=True, secure=_secure(request), samesite="strict")
