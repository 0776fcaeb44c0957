"""The uvicorn entry point: `app` (read lazily) is the service for the config in SIGNING_SERVICE_CONFIG."""

import os
from typing import Any

from app.config import load_config
from app.web.app import create_app

DEFAULT_CONFIG_PATH = "config/config.yml"

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    # `uvicorn app.main:app` gets the app lazily, so importing this module has no side effects.
    if name == "app":
        return create_app(load_config(os.environ.get("SIGNING_SERVICE_CONFIG", DEFAULT_CONFIG_PATH)), serving=True)
    raise AttributeError(name)
