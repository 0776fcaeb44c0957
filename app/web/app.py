"""create_app(config): the FastAPI app, its middleware, error handler and routers."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app import __version__
from app.clock import Clock, SystemClock
from app.config import ServiceConfig
from app.keys import KeySetupError
from app.services import Services
from app.store import StoreSetupError
from app.web.apidocs import install_docs
from app.web.bodylimit import install_limits
from app.web.clientip import trusted_networks
from app.web.console.routes import install_console
from app.web.errors import install_error_handlers
from app.web.gctune import freeze_startup_objects
from app.web.headers import SecurityHeaders
from app.web.observability import install_observability
from app.web.routes import approvals, auth, health, messages, wallet

log = logging.getLogger("app.web")
DESCRIPTION = """
Holds the keys of Binance Chain wallets and signs (and on request broadcasts) transactions for
authenticated users. Log in with `POST /api/auth/login` (or the Authorize button), then call the
sign or broadcast route of a message type with `{"msg": {...}, "wallet_name": "..."}`.
"""


async def _resolve_outcomes(services: Services) -> None:
    """Approved requests left unknown or executing (a crash) are resolved from the chain at start-up."""
    try:
        await services.signing.denials.flush_due()  # counts of denial windows closed while stopped
        resolved = await services.signing.outcomes.resolve_all()
    except Exception as exc:  # the store or a node failing must not stop start-up: the next request retries
        log.warning("start-up: approval outcomes not resolved: %s", type(exc).__name__)
        return
    for approval_id, status in resolved.items():
        log.info("start-up: approval %s is %s", approval_id, status)


def create_app(
    config: ServiceConfig, *, services: Services | None = None, clock: Clock | None = None, serving: bool = False
) -> FastAPI:
    """The service for a validated config; its store opens at start-up (tests may inject services).

    serving: this process only serves this app (the CLI and `app.main:app`), so once started its
    garbage collector is tuned for that (app/web/gctune.py).
    """
    clock = services.clock if services is not None else clock or SystemClock()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if services is not None:  # injected: the caller owns it
            yield
            return
        try:
            app.state.services = await Services.open(config, clock=clock)
        except (KeySetupError, StoreSetupError) as exc:  # name the wallet or the path and the reason, never a secret
            log.error("cannot start: %s", exc)
            raise
        await _resolve_outcomes(app.state.services)
        if serving:
            freeze_startup_objects()
        try:
            yield
        finally:
            await app.state.services.close()

    app = FastAPI(
        title="Binance Chain Signing Service",
        version=__version__,
        description=DESCRIPTION,
        openapi_url="/api/openapi.json",
        docs_url=None,  # served by install_docs from local assets, not FastAPI's CDN pages
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,  # the password flow needs no redirect page
        lifespan=lifespan,
        # No redirect from /path/ to /path: Starlette builds its Location from the Host header.
        redirect_slashes=False,
    )
    if services is not None:
        app.state.services = services
    # Parsed once here, so a bad entry fails start-up rather than a request.
    app.state.trusted_networks = trusted_networks(tuple(config.trusted_proxies))
    install_error_handlers(app)
    install_limits(app, max_body_bytes=config.max_body_bytes)  # size and content type, before any route parses a body
    app.add_middleware(SecurityHeaders)  # CSP and friends on the console and docs pages, errors included
    install_observability(app, clock=clock)  # request id, access log and request metrics, around everything
    messages.add_message_routes(app.router, prefix="/api")  # first: the hot path is matched before the rest
    # Included one level deep, not through an /api router: FastAPI builds each route's fields again per level (~3 MB).
    for router in (auth.router, wallet.router, approvals.router):
        app.include_router(router, prefix="/api")
    app.include_router(health.router)  # /health, /ready, /metrics: outside /api, no user token
    install_docs(app)  # /docs and /redoc, every asset from this service
    install_console(app)  # /console: the operators' pages
    return app
