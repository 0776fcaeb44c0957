"""The service's domain errors: plain classes that every part may raise, with no web import.

Each class carries the HTTP status it stands for as a plain number (web/errors.py renders every
one of them as the same JSON body) and a message that is safe to show: it never holds a config
value, a secret or request input. Metrics label errors by class, never by message text.
"""

from typing import Any, ClassVar


class ServiceError(Exception):
    """An error the caller may see; the message is safe to show."""

    status_code: ClassVar[int] = 500
    headers: dict[str, str] | None = None

    def __init__(self, message: str, *, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}

    @property
    def retryable(self) -> bool:
        """A failure of the service or a peer (5xx): the same request may succeed later."""
        return self.status_code >= 500


class BadRequest(ServiceError):
    status_code = 400


class Unauthorized(ServiceError):
    status_code = 401

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.headers = {"WWW-Authenticate": "Bearer"}


class Forbidden(ServiceError):
    status_code = 403


class PermissionDenied(Forbidden):
    """The wallet or the user's grant on it lacks the permission."""


class IpNotAllowed(Forbidden):
    """The client address is not in the wallet's ip_whitelist."""


class PolicyDenied(Forbidden):
    """A request over a configured limit (the limit is named in the message)."""


class NotFound(ServiceError):
    status_code = 404


class UnknownWallet(NotFound):
    """No such wallet, or none of its permissions granted to the user (the same answer for both)."""


class Conflict(ServiceError):
    status_code = 409


class TooManyRequests(ServiceError):
    status_code = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.headers = {"Retry-After": str(retry_after)}


class InvalidRequest(ServiceError):
    """Input that passed the schema but not the chain's rules (e.g. an address of another chain)."""

    status_code = 422

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}", extra={"errors": [{"field": field, "reason": reason}]})


class NodeRejected(ServiceError):
    """The node answered the broadcast with an error; its answer is passed on."""

    status_code = 400


class NodeFailure(ServiceError):
    """The node failed: unreachable, a bad answer, or it refused the signature."""

    status_code = 502


class NodeUnreachable(NodeFailure):
    """The node could not be reached (connection refused, reset, 5xx)."""


class NodeBadAnswer(NodeFailure):
    """The node answered something the service cannot use."""


class NodeRefusedSignature(NodeFailure):
    """The node refused the signature: the service's fault (e.g. a wrong chain id), not the caller's."""


class NodeTimeout(ServiceError):
    """The node did not answer within the environment's timeout_seconds."""

    status_code = 504


class Unavailable(ServiceError):
    status_code = 503


class AuditUnavailable(Unavailable):
    """The audit row could not be written: fail closed, nothing is returned or sent."""


class NotReady(Unavailable):
    """The service cannot take requests yet (or any more): the store or the config is missing."""


class KeyBackendDown(Unavailable):
    """The wallet's HSM or KMS failed or did not answer in time: nothing was signed or sent.

    cause is the failure's class (app.keys.base.CAUSES) for the audit row, the log and the metric;
    it is not in `extra`, so the client's answer stays the same whatever the cause.
    """

    def __init__(self, message: str, *, cause: str) -> None:
        super().__init__(message)
        self.cause = cause
