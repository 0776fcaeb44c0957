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
from app.chain.messages import NewOrder
from app.deps import CurrentUser, ServicesDep, client_host
from app.errors import error_body
from app.idempotency import KEY_PATTERN, request_fingerprint, run_once
from app.jsonbody import DecimalJSONRoute
from app.permissions import Permission
from app.schemas import CancelOrderMsg, FreezeMsg, OrderMsg, SignResponse, TransferMsg, VoteMsg, sign_request_model
from app.services import Services
from app.signer import Signed


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
        "description": "Missing, bad or expired token",
        "content": {"application/json": {"example": error_body(401, "invalid or expired token")}},
    },
    403: {
        "description": "Permission not granted, or client address not allowed",
        "content": {
            "application/json": {"example": error_body(403, "permission 'trade' is not granted on wallet 'wallet_1'")}
        },
    },
    404: {
        "description": "Unknown wallet",
        "content": {"application/json": {"example": error_body(404, "wallet 'x' not found")}},
    },
    409: {
        "description": "Account never funded, or sequence conflict",
        "content": {"application/json": {"example": error_body(409, "account not found on the chain")}},
    },
    422: {
        "description": "Invalid input; the field is named",
        "content": {"application/json": {"example": error_body(422, "msg.price: amount has more than 8 decimals")}},
    },
    502: {
        "description": "The node failed or refused the signature",
        "content": {"application/json": {"example": error_body(502, "node unreachable")}},
    },
    504: {
        "description": "The node did not answer in time",
        "content": {"application/json": {"example": error_body(504, "node did not answer in time")}},
    },
}
_BROADCAST_ERRORS = {
    **_COMMON_ERRORS,
    400: {"description": "The node rejected the transaction (its answer is in node_response)"},
}


def _sign_response(signed: Signed) -> SignResponse:
    msg = signed.tx.msg
    return SignResponse(
        signed_msg=signed.hex,
        tx_hash=signed.hash,
        sequence=signed.tx.sequence,
        account_number=signed.tx.account_number,
        chain_id=signed.chain_id,
        order_id=msg.id if isinstance(msg, NewOrder) else None,
    )


IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        pattern=KEY_PATTERN,
        description="Optional. Repeating a request with the same key and body returns the first answer "
        "(no new sequence); the same key with another body gets 409. Keys expire after idempotency_ttl_hours.",
    ),
]


async def _once(
    services: Services, username: str, body: BaseModel, operation: str, key: str | None, action: Any
) -> Any:
    """Run action under the request's Idempotency-Key (scoped to the user and the wallet)."""
    return await run_once(
        store=services.store,
        ttl_seconds=services.config.idempotency_ttl_hours * 3600,
        scope=f"{username}\n{body.wallet_name}",  # type: ignore[attr-defined]
        key=key,
        fingerprint=request_fingerprint(operation, body.model_dump(mode="json")),
        action=action,
    )


def _add_routes(router: APIRouter, spec: MessageRoute) -> None:
    body_model = sign_request_model(
        f"{spec.msg_model.__name__}{spec.path.title().replace('_', '')}Request", spec.msg_model
    )

    async def sign(
        body: body_model,  # type: ignore[valid-type]
        user: CurrentUser,
        services: ServicesDep,
        request: Request,
        idempotency_key: IdempotencyKey = None,
    ) -> SignResponse:
        wallet = services.authorize(user, body.wallet_name, spec.permission, client_host=client_host(request))
        prepared = spec.prepare(body.msg, wallet)

        async def action() -> SignResponse:
            return _sign_response(await services.signer.sign(wallet, prepared.build, memo=prepared.memo))

        return await _once(services, user.username, body, f"{spec.path}/sign", idempotency_key, action)  # type: ignore[no-any-return]

    async def broadcast(
        body: body_model,  # type: ignore[valid-type]
        user: CurrentUser,
        services: ServicesDep,
        request: Request,
        idempotency_key: IdempotencyKey = None,
    ) -> list[Any]:
        wallet = services.authorize(user, body.wallet_name, spec.permission, client_host=client_host(request))
        prepared = spec.prepare(body.msg, wallet)

        async def action() -> list[Any]:
            _, answer = await services.signer.broadcast(wallet, prepared.build, memo=prepared.memo)
            return answer  # type: ignore[no-any-return]

        return await _once(services, user.username, body, f"{spec.path}/broadcast", idempotency_key, action)  # type: ignore[no-any-return]

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
