"""The one password check behind every way in: POST /api/auth/login and the console's login form."""

from app.auth.users import User
from app.errors import Unauthorized
from app.services import Services


async def check_login(services: Services, *, username: str, password: str, client: str | None) -> User:
    """The user if the password is right and neither the username nor the client is locked out.

    Raises TooManyRequests (locked out) or Unauthorized (the same answer for an unknown user and
    a wrong password); a failure is counted by the throttle and in the metrics.
    """
    # Before bcrypt: a locked-out guess costs nothing.
    recent_failures = await services.throttle.check(username, client)
    user = await services.users.authenticate(username, password)
    if user is None:
        await services.throttle.failed(username, client)
        services.metrics.login_failure()
        raise Unauthorized("incorrect username or password")
    if recent_failures:
        await services.throttle.succeeded(user.username)
    return user
