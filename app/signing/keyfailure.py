"""A key backend's failure while signing, turned into the client's 503: logged and counted by its cause."""

import logging

from app.errors import KeyBackendDown
from app.keys import KeyBackendUnavailable
from app.observability.metrics import Metrics
from app.signing.wallets import Wallet

log = logging.getLogger("app.keys")


def key_backend_down(wallet: Wallet, exc: KeyBackendUnavailable, metrics: Metrics) -> KeyBackendDown:
    """The client's error for exc (the same whatever the cause), after one log line and the metric.

    The log line carries the backend's reason (an AWS error code, a CKR_ name, "no answer within 5 s"),
    which never holds a PIN or a credential; the client gets neither the reason nor the cause.
    """
    backend = wallet.key.kind
    metrics.key_backend_error(wallet=wallet.name, backend=backend, cause=exc.cause)
    fields = {"wallet": wallet.name, "backend": backend, "cause": exc.cause}
    log.warning("key backend %s failed (%s): %s", backend, exc.cause, exc, extra=fields)
    return KeyBackendDown(f"key backend for wallet '{wallet.name}' unavailable", cause=exc.cause)
