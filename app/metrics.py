"""Prometheus metrics: what the service counts and times, and the one-line helpers that record them.

Every label takes values from a bounded set (route templates, message types, configured wallet
names, fixed reasons), never from raw request input, so a caller cannot grow the series count.

The metrics live in prometheus-client's default registry, which is per process: with
`serve --workers N` each worker counts only the requests it served, and a scrape of /metrics is
answered by whichever worker accepted the connection, so its figures jump between workers. To
monitor, run one worker per container or replica and scrape each one (prometheus-client's
multiprocess mode is not set up).
"""

import time

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Histogram, generate_latest

from app.chain.node import NodeTimeout
from app.errors import Forbidden, NotFound
from app.policy import PolicyDenied

# Signing takes milliseconds (a store round trip and an fsync); a broadcast waits on the node,
# up to its timeout and a few sequence retries.
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)

REQUESTS = Counter(
    "signing_http_requests",
    "HTTP requests by method, route template ('unmatched' if none) and status",
    ["method", "route", "status"],
)
SIGN_SECONDS = Histogram(
    "signing_sign_seconds",
    "Time to sign a message, from authorization to audit",
    ["message_type"],
    buckets=_LATENCY_BUCKETS,
)
BROADCAST_SECONDS = Histogram(
    "signing_broadcast_seconds",
    "Time to sign and broadcast a message, node round trips included",
    ["message_type"],
    buckets=_LATENCY_BUCKETS,
)
SIGNATURES = Counter(
    "signing_signatures", "Signed messages returned or broadcast", ["wallet", "message_type", "action"]
)
DENIALS = Counter(
    "signing_denials",
    "Refused sign, broadcast or resync attempts by reason (permission, ip, unknown_wallet, policy)",
    ["reason"],
)
NODE_ERRORS = Counter(
    "signing_node_errors", "Failed node calls by kind (timeout, unreachable, bad_answer, rejected)", ["kind"]
)
RESYNCS = Counter(
    "signing_sequence_resyncs",
    "Sequence re-reads from the node: explicit (resync route) or after a mismatch",
    ["trigger"],
)
LOGIN_FAILURES = Counter("signing_login_failures", "Logins refused for an unknown user or a wrong password")

now = time.perf_counter  # the clock of the helpers below: started = metrics.now()


def observe_signature(operation: str, *, wallet: str, started: float) -> None:
    """Count a signed message and time it; operation is '<message type>/sign' or '<message type>/broadcast'."""
    message_type, _, action = operation.rpartition("/")
    histogram = BROADCAST_SECONDS if action == "broadcast" else SIGN_SECONDS
    histogram.labels(message_type).observe(now() - started)
    SIGNATURES.labels(wallet, message_type, action).inc()


def denial_reason(exc: Exception) -> str | None:
    """The denial reason of an authorization or policy error; None if exc is not a denial."""
    if isinstance(exc, PolicyDenied):
        return "policy"
    if isinstance(exc, NotFound):
        return "unknown_wallet"  # also a wallet the user has no permission on: both answer 404
    if isinstance(exc, Forbidden):
        # Services.authorize raises the same class for both; the message names the whitelist.
        return "ip" if "ip_whitelist" in exc.message else "permission"
    return None


def count_denial(exc: Exception) -> None:
    """Count exc under its denial reason; other errors are not denials and are not counted."""
    reason = denial_reason(exc)
    if reason is not None:
        DENIALS.labels(reason).inc()


def node_error_kind(exc: Exception) -> str:
    """timeout, unreachable or bad_answer for a NodeError (app/chain/node.py)."""
    if isinstance(exc, NodeTimeout):
        return "timeout"
    # NodeClient says "unreachable" for transport failures; anything else is an answer it could not use.
    return "unreachable" if "unreachable" in str(exc) else "bad_answer"


def count_node_error(exc: Exception | str) -> None:
    """Count a failed node call: a NodeError, or a kind such as 'rejected'."""
    NODE_ERRORS.labels(exc if isinstance(exc, str) else node_error_kind(exc)).inc()


def render() -> tuple[bytes, str]:
    """The default registry in the Prometheus text format, and its content type."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
