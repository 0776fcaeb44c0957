"""Sign and broadcast routes for every message type, registered from one table."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from pydantic import BaseModel

from app.builders import (
    Prepared,
    prepare_cancel,
    prepare_freeze,
    prepare_order,
    prepare_transfer,
    prepare_unfreeze,
    prepare_vote,
)
from app.deps import CurrentUser, ServicesDep, client_host
from app.errors import error_body
from app.idempotency import KEY_PATTERN
from app.jsonbody import DecimalJSONRoute
from app.operations import Attempt, broadcast_message, sign_message, summarize
from app.permissions import Permission
from app.schemas import (
    CancelOrderMsg,
    ErrorResponse,
    FreezeMsg,
    OrderMsg,
    SignResponse,
    TransferMsg,
    VoteMsg,
    sign_request_model,
)
from app.users import User


@dataclass(frozen=True, slots=True)
class MessageRoute:
    """One message type: its paths, body, required permission and builder."""

    path: str
    msg_model: type[BaseModel]
    permission: Permission
    prepare: Callable[[Any, Any], Prepared]
    title: str
    aliases: tuple[str, ...] = ()


MESSAGE_ROUTES = (
    MessageRoute("order", OrderMsg, Permission.TRADE, prepare_order, "a new limit order"),
    MessageRoute(
        "cancel_order", CancelOrderMsg, Permission.TRADE, prepare_cancel, "an order cancel", aliases=("order/cancel",)
    ),
    MessageRoute("transfer", TransferMsg, Permission.TRANSFER, prepare_transfer, "a transfer of one or several coins"),
    MessageRoute("freeze", FreezeMsg, Permission.FREEZE, prepare_freeze, "a token freeze"),
    MessageRoute("unfreeze", FreezeMsg, Permission.FREEZE, prepare_unfreeze, "a token unfreeze"),
    MessageRoute("vote", VoteMsg, Permission.VOTE, prepare_vote, "a governance vote"),
)

_COMMON_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {
        "model": ErrorResponse,
        "description": "Missing, bad or expired token",
        "content": {"application/json": {"example": error_body(401, "invalid or expired token")}},
    },
    403: {
        "model": ErrorResponse,
        "description": "Permission not granted, or client address not allowed",
        "content": {
            "application/json": {"example": error_body(403, "permission 'trade' is not granted on wallet 'wallet_1'")}
        },
    },
    404: {
        "model": ErrorResponse,
        "description": "Unknown wallet",
        "content": {"application/json": {"example": error_body(404, "wallet 'x' not found")}},
    },
    409: {
        "model": ErrorResponse,
        "description": "Account never funded, or sequence conflict",
        "content": {"application/json": {"example": error_body(409, "account not found on the chain")}},
    },
    422: {
        "model": ErrorResponse,
        "description": "Invalid input; the field is named",
        "content": {"application/json": {"example": error_body(422, "msg.price: amount has more than 8 decimals")}},
    },
    502: {
        "model": ErrorResponse,
        "description": "The node failed or refused the signature",
        "content": {"application/json": {"example": error_body(502, "node unreachable")}},
    },
    503: {
        "model": ErrorResponse,
        "description": "The audit log cannot be written: nothing was signed or sent",
        "content": {"application/json": {"example": error_body(503, "the audit log cannot be written")}},
    },
    504: {
        "model": ErrorResponse,
        "description": "The node did not answer in time",
        "content": {"application/json": {"example": error_body(504, "node did not answer in time")}},
    },
}
_BROADCAST_ERRORS = {
    **_COMMON_ERRORS,
    400: {"model": ErrorResponse, "description": "The node rejected the transaction (its answer is in node_response)"},
}


IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        pattern=KEY_PATTERN,
        description="Optional. Repeating a request with the same key and body returns the first answer "
        "(no new sequence); the same key with another body gets 409. Keys expire after idempotency_ttl_hours.",
    ),
]


def _add_routes(router: APIRouter, spec: MessageRoute) -> None:
    body_model = sign_request_model(
        f"{spec.msg_model.__name__}{spec.path.title().replace('_', '')}Request", spec.msg_model
    )

    def attempt(body: Any, user: User, request: Request, action: str) -> Attempt:
        return Attempt(
            user=user,
            client_host=client_host(request),
            wallet_name=body.wallet_name,
            action=f"{spec.path}/{action}",
            permission=spec.permission,
            summary=summarize(spec.path, body.msg),
        )

    async def sign(
        body: body_model,  # type: ignore[valid-type]
        user: CurrentUser,
        services: ServicesDep,
        request: Request,
        idempotency_key: IdempotencyKey = None,
    ) -> SignResponse:
        return await sign_message(
            services,
            attempt(body, user, request, "sign"),
            msg=body.msg,  # type: ignore[attr-defined]
            prepare=spec.prepare,
            idempotency_key=idempotency_key,
        )

    async def broadcast(
        body: body_model,  # type: ignore[valid-type]
        user: CurrentUser,
        services: ServicesDep,
        request: Request,
        idempotency_key: IdempotencyKey = None,
    ) -> list[Any]:
        return await broadcast_message(
            services,
            attempt(body, user, request, "broadcast"),
            msg=body.msg,  # type: ignore[attr-defined]
            prepare=spec.prepare,
            idempotency_key=idempotency_key,
        )

    for path in (spec.path, *spec.aliases):
        router.add_api_route(
            f"/{path}/sign",
            sign,
            methods=["POST"],
            response_model=SignResponse,
            response_model_exclude_none=True,
            responses=_COMMON_ERRORS,
            summary=f"Sign {spec.title}",
            description=(
                "Reserves the wallet's next sequence and returns the signed tx as hex. "
                f"Needs permission `{spec.permission}`."
            ),
            operation_id=f"sign_{path.replace('/', '_')}",
        )
        router.add_api_route(
            f"/{path}/broadcast",
            broadcast,
            methods=["POST"],
            response_model=list[dict[str, Any]],
            responses=_BROADCAST_ERRORS,
            summary=f"Sign and broadcast {spec.title}",
            description=(
                "Signs and posts to the wallet's node; returns the node's answer unchanged. "
                f"Needs permission `{spec.permission}`."
            ),
            operation_id=f"broadcast_{path.replace('/', '_')}",
        )


def build_router() -> APIRouter:
    """A router with sign and broadcast routes for every message type and alias."""
    router = APIRouter(tags=["messages"], route_class=DecimalJSONRoute)
    for spec in MESSAGE_ROUTES:
        _add_routes(router, spec)
    return router
