"""JWT access tokens: issued at login, verified once per request by the app's one TokenVerifier.

Tokens are HS256 only, with required claims, so a token with alg "none" or another algorithm is
never accepted.
"""

import uuid
from collections import OrderedDict
from dataclasses import dataclass

import jwt

from app.clock import Clock

ALGORITHM = "HS256"
ISSUER = "bnc-signing-service"
AUDIENCE = "bnc-signing-service"
CACHE_ENTRIES = 4096
CACHE_TOKEN_BYTES = 4096  # longer tokens are verified every time, never cached


class InvalidToken(Exception):
    """A token that is malformed, expired, tampered with or signed with another key."""


@dataclass(frozen=True, slots=True)
class TokenClaims:
    """What the service reads from a valid access token."""

    username: str
    issued_at: int
    expires_at: int
    token_id: str
    password_fingerprint: str = ""  # of the user's password hash when the token was issued


class TokenVerifier:
    """Issues and verifies tokens for one app (one secret, one clock, one bounded cache)."""

    def __init__(self, *, secret: str, expiry_minutes: int, clock: Clock) -> None:
        self._secret = secret
        self._lifetime = expiry_minutes * 60
        self._clock = clock
        # Verified tokens only, so a bot's every request does not pay for HMAC and claim checks
        # again; expiry is re-checked on every hit. Bounded by entries and by token size: at most
        # CACHE_ENTRIES x CACHE_TOKEN_BYTES (16 MB) of tokens.
        self._verified: OrderedDict[str, TokenClaims] = OrderedDict()

    def issue(self, username: str, *, password_fingerprint: str) -> tuple[str, int]:
        """A signed access token (bound to the user's current password hash) and its lifetime in seconds."""
        now = int(self._clock.now())
        claims = {
            "sub": username,
            "iat": now,
            "exp": now + self._lifetime,
            "jti": uuid.uuid4().hex,
            "pwd": password_fingerprint,
            "iss": ISSUER,
            "aud": AUDIENCE,
        }
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM), self._lifetime

    def verify(self, token: str) -> TokenClaims:
        """Verify signature, algorithm, expiry, issuer and audience; raise InvalidToken otherwise."""
        now = self._clock.now()
        cached = self._verified.get(token)
        if cached is not None:
            if cached.expires_at > now:
                return cached
            del self._verified[token]
            raise InvalidToken("ExpiredSignatureError")
        claims = self._decode(token, now)
        if len(token) <= CACHE_TOKEN_BYTES:
            self._verified[token] = claims
            if len(self._verified) > CACHE_ENTRIES:
                self._verified.popitem(last=False)
        return claims

    def _decode(self, token: str, now: float) -> TokenClaims:
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],  # fixed: never trust the token's own alg header
                audience=AUDIENCE,
                issuer=ISSUER,
                # exp and iat are checked against the injected clock below, not the system clock.
                options={
                    "require": ["sub", "exp", "iat", "jti", "iss", "aud"],
                    "verify_exp": False,
                    "verify_iat": False,
                },
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(type(exc).__name__) from None
        sub, exp = claims["sub"], claims["exp"]
        if not isinstance(sub, str) or not sub:
            raise InvalidToken("bad sub")
        if not isinstance(exp, int | float) or exp <= now:  # expiry against the injected clock
            raise InvalidToken("ExpiredSignatureError")
        pwd = claims.get("pwd")
        return TokenClaims(
            username=sub,
            issued_at=int(claims["iat"]),
            expires_at=int(exp),
            token_id=str(claims["jti"]),
            password_fingerprint=pwd if isinstance(pwd, str) else "",
        )
