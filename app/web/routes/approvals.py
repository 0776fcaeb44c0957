"""The two-person rule over HTTP: list, read, approve, reject and cancel approval requests."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from app.auth.users import User
from app.permissions import Permission
from app.signing.approvals import MAX_PAGE_SIZE, PAGE_SIZE
from app.web.deps import CurrentUser, ServicesDep, actor_of
from app.web.jsonbody import DecimalJSONRoute
from app.web.openapi import body_example, errors
from app.web.schemas import WALLET_NAME_PATTERN

router = APIRouter(tags=["approvals"], route_class=DecimalJSONRoute)
ApprovalId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", examples=["3f2c9a0d4b7e4e0f9a1b2c3d4e5f6a7b"])]
StatusName = Literal["pending", "executing", "unknown", "executed", "failed", "rejected", "cancelled", "expired"]


class ApprovalVote(BaseModel):
    user: str
    at: str


class Rejection(BaseModel):
    user: str
    reason: str | None
    at: str


class ApprovalResponse(BaseModel):
    """A request waiting for (or done with) its quorum; msg is exactly what will be signed."""

    model_config = ConfigDict(extra="allow")
    approval_id: str
    status: StatusName
    wallet_name: str
    message_type: str
    action: Literal["sign", "broadcast"]
    quorum: int
    approvals: list[ApprovalVote]
    requested_by: str
    created_at: str
    expires_at: str
    msg: dict[str, Any]
    rejected_by: Rejection | None = None
    reason: str | None = Field(default=None, description="Why it was rejected or failed, or its outcome is unknown.")
    result: dict[str, Any] | None = Field(
        default=None,
        description="Once executed: the signed tx (sign) or {node_response} (broadcast); "
        "while unknown: {tx_hash, sequence} of the tx whose answer was lost.",
    )


class RejectRequest(BaseModel):
    """Why the request is rejected (kept in the audit log)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"reason": "not in the payment plan"}]})
    reason: Annotated[str, Field(min_length=1, max_length=500, pattern=r"^[^\x00-\x1f\x7f]+$")]


def _grants(user: User) -> Any:
    return lambda wallet_name: user.grants.get(wallet_name, frozenset[Permission]())


@router.get(
    "/approvals",
    response_model=list[ApprovalResponse],
    response_model_exclude_none=True,
    responses=errors(401, 422),
    summary="Approval requests",
)
async def list_approvals(
    user: CurrentUser,
    services: ServicesDep,
    request: Request,
    response: Response,
    status: Annotated[StatusName | None, Query()] = None,
    wallet_name: Annotated[str | None, Query(max_length=64, pattern=WALLET_NAME_PATTERN)] = None,
    cursor: Annotated[
        str | None, Query(pattern=r"^[0-9a-f]{32}$", description="The Next-Cursor header of the previous page.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = PAGE_SIZE,
) -> list[dict[str, Any]]:
    """The requests you made or may approve, newest first, `limit` a page; a `Next-Cursor` header if more follow."""
    desk = services.signing.approvals
    actor = actor_of(user, request)
    views = await desk.listed(actor, _grants(user), status=status, wallet=wallet_name, after=cursor, limit=limit + 1)
    if len(views) > limit:
        views = views[:limit]
        response.headers["Next-Cursor"] = views[-1].row.id
    return [view.to_json(viewer=user.username) for view in views]


@router.get(
    "/approvals/{approval_id}",
    response_model=ApprovalResponse,
    response_model_exclude_none=True,
    responses=errors(401, 404, 422),
    summary="One request",
)
async def get_approval(
    approval_id: ApprovalId, user: CurrentUser, services: ServicesDep, request: Request
) -> dict[str, Any]:
    """The full message as requested and, once executed, the result."""
    view = await services.signing.approvals.view(approval_id, actor_of(user, request), _grants(user))
    return view.to_json(viewer=user.username)


@router.post(
    "/approvals/{approval_id}/approve",
    response_model=ApprovalResponse,
    response_model_exclude_none=True,
    responses=errors(401, 403, 404, 409, 422),
    summary="Approve a request (the one that completes the quorum runs it)",
)
async def approve(
    approval_id: ApprovalId, user: CurrentUser, services: ServicesDep, request: Request
) -> dict[str, Any]:
    """Needs `approve` on the wallet; the requester cannot approve; one decision per user."""
    desk = services.signing.approvals
    view = await desk.decide(approval_id, actor_of(user, request), _grants(user), decision="approve")
    return view.to_json(viewer=user.username)


@router.post(
    "/approvals/{approval_id}/reject",
    response_model=ApprovalResponse,
    response_model_exclude_none=True,
    responses=errors(401, 403, 404, 409, 422),
    openapi_extra=body_example(RejectRequest),
    summary="Reject a request (one rejection ends it)",
)
async def reject(
    approval_id: ApprovalId,
    body: Annotated[RejectRequest, Body()],
    user: CurrentUser,
    services: ServicesDep,
    request: Request,
) -> dict[str, Any]:
    """Needs `approve` on the wallet; the reason goes into the audit log."""
    desk = services.signing.approvals
    actor = actor_of(user, request)
    view = await desk.decide(approval_id, actor, _grants(user), decision="reject", reason=body.reason)
    return view.to_json(viewer=user.username)


@router.post(
    "/approvals/{approval_id}/cancel",
    response_model=ApprovalResponse,
    response_model_exclude_none=True,
    responses=errors(401, 403, 404, 409, 422),
    summary="Cancel your own pending request",
)
async def cancel(approval_id: ApprovalId, user: CurrentUser, services: ServicesDep, request: Request) -> dict[str, Any]:
    """Only the requester may cancel, and only while it is pending."""
    view = await services.signing.approvals.cancel(approval_id, actor_of(user, request), _grants(user))
    return view.to_json(viewer=user.username)
