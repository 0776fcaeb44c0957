"""Login throttling: after N failures per username or per client address within a window, 429.

Counted in the store, so every worker and replica sees the same counts. Unknown usernames are
counted like known ones, so the throttle does not reveal which usernames exist.
"""

import math
import time

from app.errors import ServiceError
from app.store import Store


class TooManyRequests(ServiceError):
    status_code = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.headers = {"Retry-After": str(retry_after)}


class LoginThrottle:
    """Failed-login bookkeeping for one app."""

    def __init__(self, store: Store, *, max_failures: int, window_seconds: int) -> None:
        self._store = store
        self.max_failures = max_failures
        self.window = window_seconds

    def _subjects(self, username: str, client: str | None) -> list[tuple[str, str]]:
        subjects = [("user", username)]
        if client:
            subjects.append(("ip", client))
        return subjects

    async def check(self, username: str, client: str | None) -> int:
        """Raise TooManyRequests if the username or the client address is locked out.

        Returns the username's recent failure count (so a success need not clear an empty list).
        """
        now = time.time()
        user_failures = 0
        for kind, subject in self._subjects(username, client):
            failures = await self._store.recent_failures(kind=kind, subject=subject, since=now - self.window)
            if kind == "user":
                user_failures = len(failures)
            if len(failures) >= self.max_failures:
                # Locked until enough of the failures have left the window.
                unlock_at = failures[len(failures) - self.max_failures] + self.window
                retry_after = max(1, math.ceil(unlock_at - now))
                raise TooManyRequests("too many failed logins; try again later", retry_after=retry_after)
        return user_failures

    async def failed(self, username: str, client: str | None) -> None:
        now = time.time()
        await self._store.record_failure(
            subjects=self._subjects(username, client), at=now, forget_before=now - self.window
        )

    async def succeeded(self, username: str) -> None:
        # The username's count is reset; the client address's is not, so a correct password
        # for one account does not unlock an address that was guessing at others.
        await self._store.clear_failures(kind="user", subject=username)
