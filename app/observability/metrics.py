"""Prometheus metrics of one app instance: what the service counts and times, and the helpers that record them.

Every label takes values from a bounded set (route templates, message types, configured wallet
names, fixed reasons), never from raw request input, so a caller cannot grow the series count.
Errors are labelled by class, never by message text.

The registry belongs to the app instance (two apps in one process share nothing). With
`serve --workers N` each worker counts only the requests it served, and a scrape of /metrics is
answered by whichever worker accepted the connection: run one worker per container or replica and
scrape each one (prometheus-client's multiprocess mode is not set up).
"""

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from app.errors import (
    IpNotAllowed,
    NodeBadAnswer,
    NodeRefusedSignature,
    NodeRejected,
    NodeTimeout,
    NodeUnreachable,
    PermissionDenied,
    PolicyDenied,
    ServiceError,
    UnknownWallet,
)

# Signing takes milliseconds (a store round trip and an fsync); a broadcast waits on the node,
# up to its timeout and a few sequence retries.
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
DENIAL_REASONS: dict[type[ServiceError], str] = {
    PolicyDenied: "policy",
    UnknownWallet: "unknown_wallet",  # also a wallet the user has no permission on: both answer 404
    IpNotAllowed: "ip",
    PermissionDenied: "permission",
}
NODE_ERROR_KINDS: dict[type[ServiceError], str] = {
    NodeTimeout: "timeout",
    NodeUnreachable: "unreachable",
    NodeBadAnswer: "bad_answer",
    NodeRefusedSignature: "rejected",
    NodeRejected: "rejected",
}


def _kind(exc: Exception, table: dict[type[ServiceError], str]) -> str | None:
    for cls in type(exc).__mro__:
        if cls in table:
            return table[cls]
    return None


class Metrics:
    """The counters and histograms of one app, in a registry of their own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self._requests = Counter(
            "signing_http_requests",
            "HTTP requests by method, route template ('unmatched' if none) and status",
            ["method", "route", "status"],
            registry=r,
        )
        self._sign_seconds = Histogram(
            "signing_sign_seconds",
            "Time to sign a message, from authorization to audit",
            ["message_type"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self._broadcast_seconds = Histogram(
            "signing_broadcast_seconds",
            "Time to sign and broadcast a message, node round trips included",
            ["message_type"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self._signatures = Counter(
            "signing_signatures",
            "Signed messages returned or broadcast",
            ["wallet", "message_type", "action"],
            registry=r,
        )
        self._denials = Counter(
            "signing_denials",
            "Refused sign, broadcast or resync attempts by reason (permission, ip, unknown_wallet, policy)",
            ["reason"],
            registry=r,
        )
        self._node_errors = Counter(
            "signing_node_errors",
            "Failed node calls by kind (timeout, unreachable, bad_answer, rejected)",
            ["kind"],
            registry=r,
        )
        self._resyncs = Counter(
            "signing_sequence_resyncs",
            "Sequence re-reads from the node: explicit (resync route) or after a mismatch",
            ["trigger"],
            registry=r,
        )
        self._login_failures = Counter(
            "signing_login_failures", "Logins refused for an unknown user or a wrong password", registry=r
        )
        self._approvals = Counter(
            "signing_approvals",
            "Approval request events: requested, approved, rejected, cancelled, expired",
            ["event"],
            registry=r,
        )
        self._approvals_pending = Gauge(
            "signing_approvals_pending",
            "Approval requests waiting for a quorum (as of this process's last change)",
            registry=r,
        )
        self._key_backend_errors = Counter(
            "signing_key_backend_errors",
            "Failed HSM or KMS signatures by wallet, backend (pkcs11, aws_kms) and cause "
            "(invalid_signature, bad_answer, backend_error, unreachable, timeout, closed)",
            ["wallet", "backend", "cause"],
            registry=r,
        )
        self._webhooks = Counter("signing_approval_webhooks", "Approval webhooks by outcome", ["outcome"], registry=r)
        # labels() takes a lock and validates: each request series is looked up once.
        self._request_series: dict[tuple[str, str, int], Counter] = {}

    def request(self, method: str, route: str, status: int) -> None:
        key = (method, route, status)
        series = self._request_series.get(key)
        if series is None:
            series = self._request_series[key] = self._requests.labels(method, route, str(status))
        series.inc()

    def signature(self, message_type: str, action: str, *, wallet: str, seconds: float) -> None:
        """Count a signed message and time it; action is 'sign' or 'broadcast'."""
        histogram = self._broadcast_seconds if action == "broadcast" else self._sign_seconds
        histogram.labels(message_type).observe(seconds)
        self._signatures.labels(wallet, message_type, action).inc()

    def denial(self, exc: Exception) -> None:
        """Count exc under its denial reason; other errors are not denials and are not counted."""
        reason = _kind(exc, DENIAL_REASONS)
        if reason is not None:
            self._denials.labels(reason).inc()

    def node_error(self, exc: Exception) -> None:
        """Count a failed or refused node call by its class."""
        kind = _kind(exc, NODE_ERROR_KINDS)
        if kind is not None:
            self._node_errors.labels(kind).inc()

    def key_backend_error(self, *, wallet: str, backend: str, cause: str) -> None:
        """Count a failed backend signature; wallet is a configured name, cause one of app.keys.base.CAUSES."""
        self._key_backend_errors.labels(wallet, backend, cause).inc()

    def resync(self, trigger: str) -> None:
        self._resyncs.labels(trigger).inc()

    def approval(self, event: str, *, pending: int) -> None:
        self._approvals.labels(event).inc()
        self._approvals_pending.set(pending)

    def webhook(self, outcome: str) -> None:
        self._webhooks.labels(outcome).inc()

    def login_failure(self) -> None:
        self._login_failures.inc()

    def render(self) -> tuple[bytes, str]:
        """The registry in the Prometheus text format, and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
