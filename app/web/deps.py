"""Dependencies of the routes: the app's services, the authenticated user, the client address, and authorized_request.

Who may call a route is declared in its signature (`CurrentUser`: 401 before anything else is
read); a sign or broadcast route then calls `authorized_request`, which authorizes the user on the
body's wallet (404 unknown or not visible, 403 permission or ip_whitelist) and audits a denial.
"""

import inspect
import warnings
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, Request
from fastapi.exceptions import FastAPIDeprecationWarning
from fastapi.security import OAuth2PasswordBearer
from pydantic import BaseModel

from app.auth.users import User
from app.errors import ServiceError, Unauthorized
from app.permissions import Permission
from app.services import Services
from app.signing.audit import Actor, AuditLog
from app.signing.idempotency import KEY_PATTERN
from app.signing.requests import SignableMsg
from app.signing.table import MessageType, permissions_of
from app.signing.txs import SignRequest, audit_summary
from app.signing.wallets import Wallet
from app.web.clientip import client_of_scope
from app.web.login import user_of_token

USER_STATE = "username"  # request.state key the access log reads: the user of a verified token
CLAIMS_STATE = "token_claims"  # the verified token's claims (logout revokes its id)

# Dependencies are `async def` although they rarely await: FastAPI runs a plain `def` dependency
# in its thread pool, a thread hop per dependency per request on the signing hot path.


async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


async def user_of_request(request: Request, services: Services, token: str | None) -> User:
    """The user named by a valid bearer token (verified once per request); 401 otherwise."""
    if not token:
        raise Unauthorized("missing bearer token")
    user, claims = await user_of_token(services, token)
    setattr(request.state, USER_STATE, user.username)
    setattr(request.state, CLAIMS_STATE, claims)
    return user


class BearerUser(OAuth2PasswordBearer):
    """The docs' OAuth2 password flow, and the user of a valid bearer token, as one dependency.

    One, not three (scheme, user, services): FastAPI solves each nested dependency with ~25 us of
    Python, and this one runs on every authenticated request. An unauthenticated caller
    gets its 401 before any body is validated (a route's dependencies are solved first).
    """

    async def __call__(self, request: Request) -> User:  # type: ignore[override]  # the user, not the token
        token = await super().__call__(request)
        return await user_of_request(request, request.app.state.services, token)


# auto_error=False: we raise our own 401 so that the body has the service's error shape.
bearer_user = BearerUser(tokenUrl="/api/auth/login", auto_error=False, scheme_name="OAuth2PasswordBearer")


CurrentUser = Annotated[User, Depends(bearer_user)]


def client_host(request: Request) -> str | None:
    """The client's address (resolved once per request, see app/web/clientip.py)."""
    return client_of_scope(request.scope, request.app.state.trusted_networks)


def actor_of(user: User, request: Request) -> Actor:
    return Actor(username=user.username, client_ip=client_host(request))


def _idempotency_header() -> Any:
    """The optional Idempotency-Key header, with an empty parameter-level example in the document."""
    with warnings.catch_warnings():
        # `example` is deprecated for `examples`, but Postman's importer reads only the parameter's
        # `example`: without one it generates a value and puts that one value on every request, so each
        # request after the first is a replay or a 409. Empty is what it then sends: no key.
        warnings.simplefilter("ignore", FastAPIDeprecationWarning)
        return Header(
            alias="Idempotency-Key",
            pattern=f"^$|{KEY_PATTERN}",  # empty: no key (what an importer sends for an optional header)
            description="Optional. Repeating a request with the same key and body returns the first answer "
            "(no new sequence); the same key with another body gets 409. Keys expire after "
            "idempotency_ttl_hours. Empty is the same as no key.",
            example="",
        )


IdempotencyKey = Annotated[str | None, _idempotency_header()]


async def authorize(
    services: Services,
    user: User,
    request: Request,
    *,
    wallet_name: str,
    permission: Permission | tuple[Permission, ...],
    entry: Callable[[], dict[str, Any]],
) -> Wallet:
    """The wallet, if user may use permission on it from here; a refusal is counted and audited, then raised.

    entry builds the denial's audit row, only if there is a denial (not on the signing hot path).
    """
    try:
        return services.wallets.authorize(
            wallet_name, user.grants.get(wallet_name, frozenset()), permission, client_host=client_host(request)
        )
    except ServiceError as exc:
        await services.signing.record_denial(entry(), exc)
        raise


async def authorized_request(
    message: MessageType, verb: str, body: Any, user: User, request: Request, idempotency_key: str | None
) -> SignRequest:
    """The sign request of body, if user may use its wallet for message's permission; a denial is audited."""
    services: Services = request.app.state.services
    msg: SignableMsg = body.msg
    actor = actor_of(user, request)

    def entry() -> dict[str, Any]:
        summary = audit_summary(message, msg)
        return AuditLog.entry(actor, wallet=body.wallet_name, action=f"{message.name}/{verb}", summary=summary)

    permissions = permissions_of(message)  # its own, and those of every message its signature is valid as
    wallet = await authorize(services, user, request, wallet_name=body.wallet_name, permission=permissions, entry=entry)
    return SignRequest(actor, wallet, message, msg, idempotency_key or None)  # an empty header is no key


F = TypeVar("F", bound=Callable[..., Any])


def with_body_model(function: F, body_model: type[BaseModel]) -> F:
    """function, its `body` parameter annotated with body_model (FastAPI reads the model from the signature)."""
    signature = inspect.signature(function)
    parameters = [p.replace(annotation=body_model) if p.name == "body" else p for p in signature.parameters.values()]
    function.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]  # read by inspect
    return function
