"""The verified-token cache never outlives a token's expiry and is keyed by the secret."""

import time

import jwt
import pytest

from app.security import AUDIENCE, ISSUER, InvalidToken, decode_token

SECRET = "a-secret-of-at-least-thirty-two-bytes-for-hs256!"


def _token(exp: float) -> str:
    claims = {"sub": "alice", "iat": int(time.time()), "exp": exp, "jti": "j", "iss": ISSUER, "aud": AUDIENCE}
    return jwt.encode(claims, SECRET, algorithm="HS256")


def test_a_cached_token_still_expires() -> None:
    token = _token(time.time() + 1.2)
    assert decode_token(token, secret=SECRET).username == "alice"
    assert decode_token(token, secret=SECRET).username == "alice"  # from the cache
    time.sleep(1.5)
    with pytest.raises(InvalidToken):
        decode_token(token, secret=SECRET)


def test_a_token_cached_under_one_secret_is_refused_under_another() -> None:
    token = _token(time.time() + 60)
    decode_token(token, secret=SECRET)
    with pytest.raises(InvalidToken):
        decode_token(token, secret="another-secret-of-at-least-thirty-two-bytes")
