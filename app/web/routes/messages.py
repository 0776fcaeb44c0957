"""Sign and broadcast routes for every message type, registered from the one message table."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from app.signing.approvals import ApprovalView
from app.signing.idempotency import Replay
from app.signing.table import MESSAGE_TYPES, MessageType
from app.signing.txs import SignResult
from app.web.deps import CurrentUser, IdempotencyKey, authorized_request, with_body_model
from app.web.jsonbody import DecimalJSONRoute
from app.web.openapi import body_example, errors, schema_ref
from app.web.routes.approvals import ApprovalResponse
from app.web.schemas import SignResponse, sign_request_model

_PENDING: dict[int | str, dict[str, Any]] = {
    202: {
        "description": "The wallet's two-person rule covers this request: it waits for its quorum "
        "(nothing signed, reserved or sent); follow it at GET /api/approvals/{approval_id}",
        # By name, not "model": FastAPI would build a field per route for the document only (app/web/openapi.py).
        "content": {"application/json": {"schema": schema_ref(ApprovalResponse)}},
    }
}
_SIGN_ERRORS = {**_PENDING, **errors(401, 403, 404, 409, 422, 502, 503, 504)}
_BROADCAST_ERRORS = {**_PENDING, **errors(400, 401, 403, 404, 409, 422, 502, 503, 504)}


def not_done_here(result: Replay | ApprovalView) -> JSONResponse:
    """An Idempotency-Key's stored first answer (marked as a replay), or 202 for a request awaiting its quorum."""
    if isinstance(result, Replay):
        return JSONResponse(result.body, result.status_code, headers={"Idempotent-Replayed": "true"})
    return JSONResponse(result.to_json(viewer=result.row.requested_by), 202)  # the caller is its requester


def _add_routes(router: APIRouter, message: MessageType, prefix: str) -> None:
    body_model = sign_request_model(
        f"{message.model.__name__}{message.name.title().replace('_', '')}Request", message.model
    )
    example = body_example(body_model)  # the body Postman's importer fills in (README: Postman)

    # The route itself reads the body and authorizes its wallet: no dependency of its own but the
    # user (each nested dependency costs ~25 us of FastAPI's solving on every sign).
    async def sign(body: Any, user: CurrentUser, request: Request, idempotency_key: IdempotencyKey = None) -> Any:
        signing = request.app.state.services.signing
        result = await signing.sign(await authorized_request(message, "sign", body, user, request, idempotency_key))
        if isinstance(result, SignResult):
            # SignResponse documents this body; a Response is sent as it is, without FastAPI
            # validating and serializing it again through the model (~40 us a sign).
            return JSONResponse(result.to_json())
        return not_done_here(result)

    async def broadcast(body: Any, user: CurrentUser, request: Request, idempotency_key: IdempotencyKey = None) -> Any:
        signing = request.app.state.services.signing
        sign_request = await authorized_request(message, "broadcast", body, user, request, idempotency_key)
        result = await signing.broadcast(sign_request)
        return not_done_here(result) if isinstance(result, Replay | ApprovalView) else result

    with_body_model(sign, body_model)
    with_body_model(broadcast, body_model)
    for path in (message.name, *message.aliases):
        router.add_api_route(
            f"{prefix}/{path}/sign",
            sign,
            methods=["POST"],
            response_model=SignResponse,
            response_model_exclude_none=True,
            responses=_SIGN_ERRORS,
            summary=f"Sign {message.title}",
            description=(
                "Reserves the wallet's next sequence and returns the signed tx as hex. "
                f"Needs permission `{message.permission}`."
            ),
            operation_id=f"sign_{path.replace('/', '_')}",
            tags=["messages"],
            route_class_override=DecimalJSONRoute,
            openapi_extra=example,
        )
        router.add_api_route(
            f"{prefix}/{path}/broadcast",
            broadcast,
            methods=["POST"],
            response_model=list[dict[str, Any]],
            responses=_BROADCAST_ERRORS,
            summary=f"Sign and broadcast {message.title}",
            description=(
                "Signs and posts to the wallet's node; returns the node's answer unchanged. "
                f"Needs permission `{message.permission}`."
            ),
            operation_id=f"broadcast_{path.replace('/', '_')}",
            tags=["messages"],
            route_class_override=DecimalJSONRoute,
            openapi_extra=example,
        )


def add_message_routes(router: APIRouter, *, prefix: str) -> None:
    """Sign and broadcast routes for every message type and alias, added to router itself.

    Added to the app's own router rather than included: FastAPI 0.165 matches an included
    router's routes through a wrapper that re-walks every route list on each request (twice), so
    the hottest routes of the service went through the slowest matching it has.
    """
    for message in MESSAGE_TYPES:
        _add_routes(router, message, prefix)
