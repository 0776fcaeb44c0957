"""create_app(config) builds the FastAPI app; `app` (for uvicorn) reads SIGNING_SERVICE_CONFIG."""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI

from app import __version__
from app.config import ServiceConfig, load_config
from app.errors import install_error_handlers
from app.limits import install_limits
from app.observability import install_observability
from app.routes import auth, health, messages, wallet
from app.services import Services

DEFAULT_CONFIG_PATH = "config/config.yml"
DESCRIPTION = """
Holds the keys of Binance Chain wallets and signs (and on request broadcasts) transactions for
authenticated users. Log in with `POST /api/auth/login` (or the Authorize button), then call the
sign or broadcast route of a message type with `{"msg": {...}, "wallet_name": "..."}`.
"""


def create_app(config: ServiceConfig, *, services: Services | None = None) -> FastAPI:
    """The service for a validated config; its store opens at start-up (tests may inject services)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if services is not None:  # injected: the caller owns it
            yield
            return
        app.state.services = await Services.open(config)
        try:
            yield
        finally:
            await app.state.services.close()

    app = FastAPI(
        title="Binance Chain Signing Service",
        version=__version__,
        description=DESCRIPTION,
        openapi_url="/api/openapi.json",
        lifespan=lifespan,
    )
    if services is not None:
        app.state.services = services
    install_error_handlers(app)
    install_limits(app, config)  # body size and content type, before any route parses a body
    install_observability(app)  # request id, access log and request metrics, around everything
    api = APIRouter(prefix="/api")
    api.include_router(auth.router)
    api.include_router(messages.build_router())
    api.include_router(wallet.router)
    app.include_router(api)
    app.include_router(health.router)  # /health, /ready, /metrics: outside /api, no user token
    return app


def __getattr__(name: str) -> Any:
    # `uvicorn app.main:app` gets the app lazily, so importing this module has no side effects.
    if name == "app":
        return create_app(load_config(os.environ.get("SIGNING_SERVICE_CONFIG", DEFAULT_CONFIG_PATH)))
    raise AttributeError(name)
