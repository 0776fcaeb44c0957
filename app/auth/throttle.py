"""Login throttling: after N failures per username or per client address within a window, 429.

Counted in the store, so every worker and replica sees the same counts. Unknown usernames are
counted like known ones, so the throttle does not reveal which usernames exist.
"""

import math

from app.clock import Clock
from app.errors import TooManyRequests
from app.store import Store


class LoginThrottle:
    """Failed-login bookkeeping for one app."""

    def __init__(self, store: Store, *, max_failures: int, window_seconds: int, clock: Clock) -> None:
        self._failures = store.logins
        self.max_failures = max_failures
        self.window = window_seconds
        self._clock = clock

    @staticmethod
    def _subjects(username: str, client: str | None) -> list[tuple[str, str]]:
        subjects = [("user", username)]
        if client:
            subjects.append(("ip", client))
        return subjects

    async def check(self, username: str, client: str | None) -> int:
        """Raise TooManyRequests if the username or the client address is locked out.

        Returns the username's recent failure count (so a success need not clear an empty list).
        """
        now = self._clock.now()
        user_failures = 0
        for kind, subject in self._subjects(username, client):
            failures = await self._failures.recent(kind=kind, subject=subject, since=now - self.window)
            if kind == "user":
                user_failures = len(failures)
            if len(failures) >= self.max_failures:
                # Locked until enough of the failures have left the window.
                unlock_at = failures[len(failures) - self.max_failures] + self.window
                retry_after = max(1, math.ceil(unlock_at - now))
                raise TooManyRequests("too many failed logins; try again later", retry_after=retry_after)
        return user_failures

    async def failed(self, username: str, client: str | None) -> None:
        now = self._clock.now()
        await self._failures.record(subjects=self._subjects(username, client), at=now, forget_before=now - self.window)

    async def succeeded(self, username: str) -> None:
        # The username's count is reset; the client address's is not, so a correct password
        # for one account does not unlock an address that was guessing at others.
        await self._failures.clear(kind="user", subject=username)
