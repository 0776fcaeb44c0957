"""The one way in and the one check of a token, behind the API (/api/auth/...) and the console alike."""

from app.auth.tokens import InvalidToken, TokenClaims
from app.auth.users import User
from app.errors import Unauthorized
from app.services import Services


async def check_login(services: Services, *, username: str, password: str, client: str | None) -> User:
    """The user if the password is right and neither the username nor the client is locked out.

    Raises TooManyRequests (locked out) or Unauthorized (the same answer for an unknown user and
    a wrong password); a failure is counted by the throttle and in the metrics.
    """
    # Before bcrypt, one atomic step in the store: a guess past the limit costs no hash.
    attempt = await services.throttle.begin(username, client)
    user = await services.users.authenticate(username, password, client=client)
    if user is None:  # the attempt stays counted as a failure
        services.metrics.login_failure()
        raise Unauthorized("incorrect username or password")
    await services.throttle.succeeded(attempt)
    return user


def issue_token(services: Services, user: User) -> tuple[str, int]:
    """A token for user, bound to their current password hash (a new hash ends it)."""
    return services.tokens.issue(user.username, password_fingerprint=services.users.fingerprint(user.username))


async def user_of_token(services: Services, token: str) -> tuple[User, TokenClaims]:
    """The user and claims of a token that is valid, current and not revoked; Unauthorized otherwise."""
    try:
        claims = services.tokens.verify(token)
    except InvalidToken:
        raise Unauthorized("invalid or expired token") from None
    user = services.users.get(claims.username)
    if user is None:  # removed from the config since the token was issued
        raise Unauthorized("invalid or expired token")
    if not services.users.fingerprint_matches(user.username, claims.password_fingerprint):
        raise Unauthorized("invalid or expired token")  # the password hash changed since the token was issued
    if await services.revocations.is_revoked(claims.token_id):  # logged out, on any replica
        raise Unauthorized("invalid or expired token")
    return user, claims


async def revoke(services: Services, claims: TokenClaims) -> None:
    """Log out: the token is refused on every replica until it would have expired."""
    await services.revocations.revoke(token_id=claims.token_id, expires_at=claims.expires_at)
