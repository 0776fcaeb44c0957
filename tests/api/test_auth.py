"""Login and bearer tokens."""

import time

import jwt
import pytest

from tests.helpers import SECRET


async def test_login_with_json_returns_a_bearer_token(client) -> None:
    r = await client.post("/api/auth/login", json={"username": "alice", "password": "alice-password"})
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 3600
    claims = jwt.decode(body["access_token"], SECRET, algorithms=["HS256"], audience="bnc-signing-service")
    assert claims["sub"] == "alice" and {"exp", "iat", "jti", "iss"} <= claims.keys()


async def test_login_with_oauth2_form_works_for_swagger(client) -> None:
    r = await client.post(
        "/api/auth/login", data={"username": "bob", "password": "bob-password", "grant_type": "password"}
    )
    assert r.status_code == 200, r.text


async def test_unknown_user_and_wrong_password_get_the_same_401(client) -> None:
    wrong = await client.post("/api/auth/login", json={"username": "alice", "password": "nope"})
    unknown = await client.post("/api/auth/login", json={"username": "mallory", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert (
        wrong.json()
        == unknown.json()
        == {
            "code": 401,
            "message": "incorrect username or password",
            "detail": "incorrect username or password",
        }
    )


async def test_password_over_bcrypt_limit_is_rejected_cleanly(client) -> None:
    r = await client.post("/api/auth/login", json={"username": "alice", "password": "é" * 40})
    assert r.status_code == 422
    assert "72 bytes" in r.json()["message"]


@pytest.mark.parametrize("body", [b"{", b"[]", b'{"username": "alice"}', b'{"username": 1, "password": 2}', b""])
async def test_malformed_login_bodies_get_422_json(client, body) -> None:
    r = await client.post("/api/auth/login", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 422
    assert r.json()["code"] == 422


def _token(**overrides) -> str:  # type: ignore[no-untyped-def]
    now = int(time.time())
    claims = {
        "sub": "alice",
        "iat": now,
        "exp": now + 60,
        "jti": "x",
        "iss": "bnc-signing-service",
        "aud": "bnc-signing-service",
    }
    claims.update(overrides.pop("claims", {}))
    key = overrides.pop("key", SECRET)
    alg = overrides.pop("alg", "HS256")
    return jwt.encode({k: v for k, v in claims.items() if v is not None}, key, algorithm=alg)


BAD_TOKENS = {
    "garbage": "not-a-jwt",
    "expired": _token(claims={"exp": int(time.time()) - 10}),
    "foreign_key": _token(key="another-secret-of-at-least-thirty-two-bytes!!"),
    "deleted_user": _token(claims={"sub": "ghost"}),
    "no_exp": _token(claims={"exp": None}),
    "no_jti": _token(claims={"jti": None}),
    "wrong_audience": _token(claims={"aud": "someone-else"}),
    "alg_none": jwt.encode({"sub": "alice", "exp": int(time.time()) + 60}, None, algorithm="none"),
    "hs512": _token(alg="HS512"),
}


@pytest.mark.parametrize("name", list(BAD_TOKENS))
async def test_bad_tokens_get_401_with_www_authenticate(client, name) -> None:
    r = await client.get("/api/wallet", headers={"Authorization": f"Bearer {BAD_TOKENS[name]}"})
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"
    assert r.json()["code"] == 401


async def test_missing_token_gets_401(client) -> None:
    r = await client.post("/api/order/sign", json={})
    assert r.status_code == 401
    assert r.json()["message"] == "missing bearer token"
