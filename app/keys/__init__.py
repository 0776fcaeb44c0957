"""Key sources behind one protocol (app.keys.base.KeySource): in-process keys today, HSM and KMS next.

May import app.chain only (and each backend's own client library); never FastAPI, web, signing or store.
"""

from app.keys.base import KeyBackendUnavailable, KeySetupError, KeySource
from app.keys.local import InProcessKey

__all__ = ["InProcessKey", "KeyBackendUnavailable", "KeySetupError", "KeySource"]
