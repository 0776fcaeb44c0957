"""The verified-token cache never outlives a token's expiry and belongs to one verifier (one secret)."""

import jwt
import pytest

from app.auth.tokens import AUDIENCE, CACHE_ENTRIES, ISSUER, InvalidToken, TokenVerifier
from app.clock import FakeClock

SECRET = "a-secret-of-at-least-thirty-two-bytes-for-hs256!"


def _token(clock: FakeClock, exp_in: float, secret: str = SECRET) -> str:
    now = clock.now()
    claims = {"sub": "alice", "iat": int(now), "exp": int(now + exp_in), "jti": "j", "iss": ISSUER, "aud": AUDIENCE}
    return jwt.encode(claims, secret, algorithm="HS256")


def test_a_cached_token_still_expires() -> None:
    clock = FakeClock()
    verifier = TokenVerifier(secret=SECRET, expiry_minutes=5, clock=clock)
    token = _token(clock, 2)
    assert verifier.verify(token).username == "alice"
    assert verifier.verify(token).username == "alice"  # from the cache
    clock.advance(2)
    with pytest.raises(InvalidToken):
        verifier.verify(token)


def test_a_token_cached_under_one_secret_is_refused_under_another() -> None:
    clock = FakeClock()
    token = _token(clock, 60)
    TokenVerifier(secret=SECRET, expiry_minutes=5, clock=clock).verify(token)
    other = TokenVerifier(secret="another-secret-of-at-least-thirty-two-bytes", expiry_minutes=5, clock=clock)
    with pytest.raises(InvalidToken):
        other.verify(token)


def test_an_issued_token_expires_with_the_injected_clock() -> None:
    clock = FakeClock()
    verifier = TokenVerifier(secret=SECRET, expiry_minutes=1, clock=clock)
    token, lifetime = verifier.issue("bob", password_fingerprint="f")
    assert lifetime == 60
    assert TokenVerifier(secret=SECRET, expiry_minutes=1, clock=clock).verify(token).username == "bob"
    clock.advance(60)
    with pytest.raises(InvalidToken):
        TokenVerifier(secret=SECRET, expiry_minutes=1, clock=clock).verify(token)


def test_the_cache_is_bounded_and_keeps_only_verified_tokens() -> None:
    clock = FakeClock()
    verifier = TokenVerifier(secret=SECRET, expiry_minutes=5, clock=clock)
    for _ in range(3):
        with pytest.raises(InvalidToken):
            verifier.verify(_token(clock, 60, secret="x" * 40))
    assert len(verifier._verified) == 0
    for i in range(CACHE_ENTRIES + 10):
        claims = {"sub": f"u{i}", "iat": int(clock.now()), "exp": int(clock.now()) + 60, "jti": "j", "iss": ISSUER}
        verifier.verify(jwt.encode({**claims, "aud": AUDIENCE}, SECRET, algorithm="HS256"))
    assert len(verifier._verified) == CACHE_ENTRIES
