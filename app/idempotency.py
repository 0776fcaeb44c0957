"""Idempotency-Key handling: the same key and body replay the stored answer, without a new sequence."""

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi.responses import JSONResponse

from app.errors import Conflict, ServiceError, error_body
from app.store import Store

KEY_PATTERN = r"^[\x21-\x7e]{1,255}$"  # printable ASCII, as in the IETF Idempotency-Key draft


def request_fingerprint(path: str, body: dict[str, Any]) -> str:
    """SHA-256 of the route and the validated body, so the same request always matches."""
    canonical = json.dumps({"path": path, "body": body}, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


async def run_once(
    *,
    store: Store,
    ttl_seconds: float,
    scope: str,
    key: str,
    fingerprint: str,
    action: Callable[[], Awaitable[Any]],
) -> Any:
    """Run action, or return the stored answer of the first request that used key.

    Answers and client errors (4xx) are stored; a 5xx (node down, timeout) is not, so the
    client can retry with the same key.
    """
    claim = await store.claim_idempotency(scope=scope, key=key, request_hash=fingerprint, ttl_seconds=ttl_seconds)
    if claim.state == "replay":
        assert claim.status_code is not None and claim.body is not None
        return JSONResponse(json.loads(claim.body), claim.status_code, headers={"Idempotent-Replayed": "true"})
    if claim.state == "mismatch":
        raise Conflict("this Idempotency-Key was already used with a different request")
    if claim.state == "in_progress":
        raise Conflict("a request with this Idempotency-Key is still in progress; retry later")
    try:
        result = await action()
    except ServiceError as exc:
        if exc.status_code >= 500:
            await store.abandon_idempotency(scope=scope, key=key)
        else:
            body = error_body(exc.status_code, exc.message, **exc.extra)
            await store.complete_idempotency(scope=scope, key=key, status_code=exc.status_code, body=json.dumps(body))
        raise
    except BaseException:
        await store.abandon_idempotency(scope=scope, key=key)
        raise
    payload = result.model_dump(mode="json", exclude_none=True) if hasattr(result, "model_dump") else result
    await store.complete_idempotency(scope=scope, key=key, status_code=200, body=json.dumps(payload))
    return result
