"""Login throttling: at most N guesses per username and per client address within a window, then 429.

Each guess takes a slot in the store before its password is checked (app/store/logins.py), so
the check and the count are one atomic step shared by every worker and replica: a concurrent
burst gets at most max_failures answers other than 429 per window. A success gives its slot
back. Unknown usernames are counted like known ones, so the throttle does not reveal which
usernames exist.
"""

import math
from dataclasses import dataclass

from app.clock import Clock
from app.errors import TooManyRequests
from app.store import Store

# A request whose address cannot be known (see app/web/clientip.py) is counted in one shared
# bucket rather than not at all, so hiding the address never escapes the per-address limit.
UNKNOWN_CLIENT = "unknown"


@dataclass(frozen=True, slots=True)
class LoginAttempt:
    """A guess the throttle let through; settle it with succeeded() if the password was right."""

    username: str
    attempt_id: str


class LoginThrottle:
    """Login-attempt bookkeeping for one app."""

    def __init__(self, store: Store, *, max_failures: int, window_seconds: int, clock: Clock) -> None:
        self._attempts = store.logins
        self.max_failures = max_failures
        self.window = window_seconds
        self._clock = clock

    async def begin(self, username: str, client: str | None) -> LoginAttempt:
        """Take a slot for this guess, or raise TooManyRequests if the username or the address has none left.

        Called before bcrypt: a refused guess costs no hash. A guess that never settles (the
        client left, the process died) stays counted as a failure.
        """
        now = self._clock.now()
        subjects = [("user", username), ("ip", client or UNKNOWN_CLIENT)]
        reserved = await self._attempts.reserve(
            subjects=subjects, now=now, window=self.window, max_failures=self.max_failures
        )
        if reserved.attempt_id is None:
            assert reserved.locked_until is not None
            retry_after = max(1, math.ceil(reserved.locked_until - now))
            raise TooManyRequests("too many failed logins; try again later", retry_after=retry_after)
        return LoginAttempt(username, reserved.attempt_id)

    async def succeeded(self, attempt: LoginAttempt) -> None:
        """The password was right: the attempt is not a failure and the username's count restarts.

        The client address's earlier failures stay, so a correct password for one account does
        not unlock an address that was guessing at others.
        """
        await self._attempts.succeeded(attempt_id=attempt.attempt_id, kind="user", subject=attempt.username)
