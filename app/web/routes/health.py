"""GET /health (liveness), /ready (readiness) and /metrics (Prometheus): no user login, outside /api."""

import asyncio
import hmac
import logging
from typing import Any, Literal

from fastapi import APIRouter, Request, Response
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from app.config import ServiceConfig
from app.errors import NotReady, Unauthorized
from app.web.errors import error_body
from app.web.schemas import ErrorResponse

READY_TIMEOUT_SECONDS = 2.0

log = logging.getLogger("app.health")
router = APIRouter(tags=["health"])


class HealthStatus(BaseModel):
    status: Literal["ok"] = "ok"


class KeyBackend(BaseModel):
    """An HSM or KMS key's last check (no wallet name or key id: /ready needs no login)."""

    kind: str
    ok: bool


class ReadyStatus(BaseModel):
    status: Literal["ready"] = "ready"
    key_backends: list[KeyBackend] | None = Field(
        default=None,
        description="Only with HSM or KMS wallets: each such key in config order, and whether it answered its "
        "last check (cached 5 s). A failing key does not make the service unready: other wallets still sign.",
    )


def _error(status: int, description: str, message: str) -> dict[str, Any]:
    return {
        "model": ErrorResponse,  # puts its schema in the document, where every route's errors() refer to it
        "description": description,
        "content": {"application/json": {"example": error_body(status, message)}},
    }


@router.get("/health", response_model=HealthStatus, summary="Liveness")
async def health() -> HealthStatus:
    """The process answers; touches nothing else (no store, no node), needs no token."""
    return HealthStatus()


@router.get(
    "/ready",
    response_model=ReadyStatus,
    response_model_exclude_none=True,
    responses={
        503: _error(
            503,
            "The store cannot be reached, no wallet's node answers, or the config is not loaded",
            "store unreachable",
        )
    },
    summary="Readiness",
)
async def ready(request: Request) -> ReadyStatus:
    """200 once the config is loaded, the store answers a query and a wallet's node answers node-info
    (for its configured chain id, if set); 503 otherwise. Needs no token."""
    services = getattr(request.app.state, "services", None)
    if services is None or not isinstance(services.config, ServiceConfig):
        raise NotReady("the service is not started: config not loaded")
    try:
        # Bounded: a hung database must fail the probe, not hold it open.
        await asyncio.wait_for(services.store.ping(), READY_TIMEOUT_SECONDS)
    except Exception as exc:  # any failure means not ready; the type names it, the message may hold the URL
        log.warning("readiness check failed: store %s", type(exc).__name__)
        raise NotReady("store unreachable") from None
    if not await services.node_health.any_answers():
        # A server on the node's port that is not a chain node (node-info 404) would fail every sign.
        raise NotReady("no wallet's node answers node-info")
    backends = await services.key_health.status()
    if not backends:
        return ReadyStatus()
    return ReadyStatus(key_backends=[KeyBackend(kind=b.kind, ok=b.ok) for b in backends])


@router.get(
    "/metrics",
    response_class=PlainTextResponse,
    responses={
        200: {"description": "Prometheus text format", "content": {"text/plain": {}}},
        401: _error(401, "metrics_token is set and the request lacks it", "missing or wrong metrics token"),
    },
    summary="Prometheus metrics",
)
async def metrics_endpoint(request: Request) -> Response:
    """Counters and histograms of this process. With `metrics_token` in the config, send
    `Authorization: Bearer <metrics_token>`; without it, the endpoint is open."""
    services = getattr(request.app.state, "services", None)
    if services is None:
        raise NotReady("the service is not started: config not loaded")
    expected = services.config.metrics_token
    if expected is not None:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        # Constant-time: the comparison must not reveal how much of a guess was right.
        valid = (
            scheme.lower() == "bearer"
            and bool(given)
            and hmac.compare_digest(given.strip().encode(), expected.get_secret_value().encode())
        )
        if not valid:
            raise Unauthorized("missing or wrong metrics token")
    body, content_type = services.metrics.render()
    return Response(content=body, media_type=content_type)
