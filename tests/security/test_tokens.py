"""Forged, tampered and stale bearer tokens all get the same 401, on every protected route."""

import base64
import json
import time

import jwt
import pytest

from app.auth.tokens import AUDIENCE, ISSUER
from tests.api.payloads import README_SHAPES
from tests.helpers import SECRET


def _claims(**overrides: object) -> dict:
    now = int(time.time())
    claims = {"sub": "alice", "iat": now, "exp": now + 60, "jti": "j", "iss": ISSUER, "aud": AUDIENCE, **overrides}
    return {k: v for k, v in claims.items() if v is not None}


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _tampered() -> str:
    header, _, signature = jwt.encode(_claims(), SECRET, algorithm="HS256").split(".")
    return f"{header}.{_b64(_claims(sub='bob'))}.{signature}"


def _rs256() -> str:
    # An RS256-looking token (the signature is 256 random bytes, as a 2048-bit RSA one would be).
    signature = base64.urlsafe_b64encode(bytes(range(256))).rstrip(b"=").decode()
    return f"{_b64({'alg': 'RS256', 'typ': 'JWT'})}.{_b64(_claims())}.{signature}"


def _header_says(alg: str) -> str:
    # An HS256 signature under a header claiming another algorithm (key-confusion attempts).
    _, payload, signature = jwt.encode(_claims(), SECRET, algorithm="HS256").split(".")
    return f"{_b64({'alg': alg, 'typ': 'JWT'})}.{payload}.{signature}"


FORGED = {
    "alg_none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(_claims())}.",
    "alg_None_case": f"{_b64({'alg': 'None', 'typ': 'JWT'})}.{_b64(_claims())}.",
    "hs512_same_secret": jwt.encode(_claims(), SECRET, algorithm="HS512"),
    "hs384_same_secret": jwt.encode(_claims(), SECRET, algorithm="HS384"),
    "rs256": _rs256(),
    "rs256_header_hs_signature": _header_says("RS256"),
    "es256_header": _header_says("ES256"),
    "tampered_payload": _tampered(),
    "wrong_key": jwt.encode(_claims(), SECRET + "x", algorithm="HS256"),
    "expired": jwt.encode(_claims(exp=int(time.time()) - 1), SECRET, algorithm="HS256"),
    "no_sub": jwt.encode(_claims(sub=None), SECRET, algorithm="HS256"),
    "no_iat": jwt.encode(_claims(iat=None), SECRET, algorithm="HS256"),
    "no_iss": jwt.encode(_claims(iss=None), SECRET, algorithm="HS256"),
    "no_aud": jwt.encode(_claims(aud=None), SECRET, algorithm="HS256"),
    "wrong_iss": jwt.encode(_claims(iss="evil"), SECRET, algorithm="HS256"),
    "sub_not_string": jwt.encode(_claims(sub=123), SECRET, algorithm="HS256"),
    "sub_empty": jwt.encode(_claims(sub=""), SECRET, algorithm="HS256"),
    "deleted_user": jwt.encode(_claims(sub="mallory"), SECRET, algorithm="HS256"),
    "two_parts": "a.b",
    "garbage": "\x00\x01",
    "huge": "a" * 10_000,
}


@pytest.mark.parametrize("name", list(FORGED))
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/wallet", None),
        ("GET", "/api/wallet/main", None),
        ("POST", "/api/order/sign", {"msg": README_SHAPES["order"], "wallet_name": "main"}),
        ("POST", "/api/transfer/broadcast", {"msg": README_SHAPES["transfer"], "wallet_name": "main"}),
        ("POST", "/api/wallet/resync", {"wallet_name": "main"}),
    ],
    ids=["list", "info", "sign", "broadcast", "resync"],
)
async def test_forged_token_gets_401(client, name, method, path, body) -> None:
    token = FORGED[name]
    try:
        headers = {"Authorization": f"Bearer {token}"}
        r = await client.request(method, path, json=body, headers=headers)
    except UnicodeEncodeError:  # pragma: no cover (httpx refuses non-latin-1 headers itself)
        return
    assert r.status_code == 401, r.text
    assert r.headers["www-authenticate"] == "Bearer"
    assert r.json() == {"code": 401, "message": "invalid or expired token", "detail": "invalid or expired token"}


@pytest.mark.parametrize("scheme", ["Basic", "bearer", "Token", ""])
async def test_other_authorization_schemes_are_not_bearer_tokens(client, auth, scheme) -> None:
    token = (await auth("alice"))["Authorization"].split()[1]
    r = await client.get("/api/wallet", headers={"Authorization": f"{scheme} {token}".strip()})
    # "bearer" in lower case is the same scheme (RFC 7235: case-insensitive); the others are refused.
    assert r.status_code == (200 if scheme == "bearer" else 401)
