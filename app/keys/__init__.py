"""Key sources behind one protocol (app.keys.base.KeySource): in-process keys (local), PKCS#11 tokens
(pkcs11.open_pkcs11) and AWS KMS (kms.open_aws_kms); their YAML blocks are in settings.

The backends are imported from their own modules, so a service without them never loads python-pkcs11
or boto3.

May import app.chain only (and each backend's own client library); never FastAPI, web, signing or store.
"""

from app.keys.base import KeyBackendUnavailable, KeySetupError, KeySource
from app.keys.local import InProcessKey

__all__ = ["InProcessKey", "KeyBackendUnavailable", "KeySetupError", "KeySource"]
