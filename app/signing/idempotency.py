"""Idempotency-Key handling: the same key and body replay the stored answer, without a new sequence."""

import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from app.errors import Conflict, ServiceError
from app.store import Store

KEY_PATTERN = r"^[\x21-\x7e]{1,255}$"  # printable ASCII, as in the IETF Idempotency-Key draft
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Replay:
    """The stored answer of the first request that used a key: its status and JSON body."""

    status_code: int
    body: Any


def request_fingerprint(action: str, body: dict[str, Any]) -> str:
    """SHA-256 of the action and the validated body, so the same request always matches."""
    canonical = json.dumps({"path": action, "body": body}, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def error_body(exc: ServiceError) -> dict[str, Any]:
    """The one JSON shape of every error (web renders the same)."""
    return {"code": exc.status_code, "message": exc.message, "detail": exc.message, **exc.extra}


async def run_once(
    *,
    store: Store,
    ttl_seconds: float,
    scope: str,
    key: str,
    fingerprint: str,
    action: Callable[[], Awaitable[T]],
    to_answer: Callable[[T], tuple[int, Any]],
) -> T | Replay:
    """Run action, or return the stored answer of the first request that used key.

    Answers and client errors (4xx) are stored; a 5xx (node down, timeout) is not, so the
    client can retry with the same key.
    """
    keys = store.idempotency
    claim = await keys.claim(scope=scope, key=key, request_hash=fingerprint, ttl_seconds=ttl_seconds)
    if claim.state == "replay":
        assert claim.status_code is not None and claim.body is not None
        return Replay(claim.status_code, json.loads(claim.body))
    if claim.state == "mismatch":
        raise Conflict("this Idempotency-Key was already used with a different request")
    if claim.state == "in_progress":
        raise Conflict("a request with this Idempotency-Key is still in progress; retry later")
    try:
        result = await action()
    except ServiceError as exc:
        if exc.retryable:
            await keys.abandon(scope=scope, key=key)
        else:
            await keys.complete(scope=scope, key=key, status_code=exc.status_code, body=json.dumps(error_body(exc)))
        raise
    except BaseException:
        await keys.abandon(scope=scope, key=key)
        raise
    status_code, body = to_answer(result)
    await keys.complete(scope=scope, key=key, status_code=status_code, body=json.dumps(body))
    return result
