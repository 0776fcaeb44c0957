"""Body size, content type and JSON syntax are checked before parsing: 413, 415, 400/422, always JSON."""

import json

import pytest

from tests.api.payloads import README_SHAPES

LIMIT = 64 * 1024  # make_config leaves max_body_bytes at its default


def _assert_error(r, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert r.status_code == status, r.text
    body = r.json()
    assert body["code"] == status and body["message"] and body["detail"] == body["message"]
    assert "signed_msg" not in body
    return body


async def _json_headers(auth) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {**(await auth("alice")), "Content-Type": "application/json"}


async def test_body_over_limit_gets_413_before_auth(client) -> None:
    r = await client.post("/api/order/sign", content=b" " * (LIMIT + 1), headers={"Content-Type": "application/json"})
    _assert_error(r, 413)


async def test_body_at_limit_is_parsed(client, auth) -> None:
    body = json.dumps({"msg": README_SHAPES["freeze"], "wallet_name": "main"})
    r = await client.post(
        "/api/freeze/sign", content=body + " " * (LIMIT - len(body)), headers=await _json_headers(auth)
    )
    assert r.status_code == 200, r.text


async def test_chunked_body_without_content_length_is_counted(client, auth) -> None:
    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(LIMIT // 1024 + 2):
            yield b" " * 1024

    r = await client.post("/api/order/sign", content=chunks(), headers=await _json_headers(auth))
    assert "content-length" not in r.request.headers
    _assert_error(r, 413)


async def test_login_body_over_limit_gets_413(client) -> None:
    form = "username=alice&password=" + "x" * LIMIT
    r = await client.post(
        "/api/auth/login", content=form, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    _assert_error(r, 413)


@pytest.mark.parametrize("length", ["abc", "-1", "1, 2", "+2", "0x2"])
async def test_malformed_content_length_gets_400(client, length) -> None:
    r = await client.post(
        "/api/order/sign", content=b"{}", headers={"Content-Type": "application/json", "Content-Length": length}
    )
    _assert_error(r, 400)


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/xml",
        "application/json; charset=utf-16",
        "application/jsonx",
        "",
    ],
)
async def test_wrong_content_type_on_json_route_gets_415(client, auth, content_type) -> None:
    body = json.dumps({"msg": README_SHAPES["freeze"], "wallet_name": "main"})
    headers = {**(await auth("alice")), "Content-Type": content_type}
    _assert_error(await client.post("/api/freeze/sign", content=body, headers=headers), 415)


@pytest.mark.parametrize("content_type", ["application/json", "application/json; charset=UTF-8", "APPLICATION/JSON"])
async def test_json_content_types_are_accepted(client, auth, content_type) -> None:
    body = json.dumps({"msg": README_SHAPES["freeze"], "wallet_name": "main"})
    headers = {**(await auth("alice")), "Content-Type": content_type}
    assert (await client.post("/api/freeze/sign", content=body, headers=headers)).status_code == 200


async def test_login_accepts_json_and_both_form_types_only(client) -> None:
    form = {"username": "alice", "password": "alice-password"}
    assert (await client.post("/api/auth/login", data=form)).status_code == 200
    multipart = (
        b'--b\r\nContent-Disposition: form-data; name="username"\r\n\r\nalice\r\n'
        b'--b\r\nContent-Disposition: form-data; name="password"\r\n\r\nalice-password\r\n--b--\r\n'
    )
    headers = {"Content-Type": "multipart/form-data; boundary=b"}
    assert (await client.post("/api/auth/login", content=multipart, headers=headers)).status_code == 200
    assert (await client.post("/api/auth/login", json=form)).status_code == 200
    r = await client.post("/api/auth/login", content=json.dumps(form), headers={"Content-Type": "text/plain"})
    _assert_error(r, 415)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"[" * 100_000, None),  # over the limit anyway
        (b"[" * 60_000, "nested too deeply"),
        (b'{"a":' * 10_000 + b"1" + b"}" * 10_000, "nested too deeply"),
        (b'{"msg": {}, "wallet_name": "main", "wallet_name": "main"}', "duplicate object key"),
        (b'{"msg": {"symbol": "BNB", "amount": 1, "amount": 1000}, "wallet_name": "main"}', "duplicate object key"),
        (b'{"msg": {"symbol": "BNB", "amount": 1' + b"0" * 100 + b'}, "wallet_name": "main"}', "too long"),
        (b'{"msg": {"symbol": "BNB", "amount": Infinity}, "wallet_name": "main"}', "not allowed"),
        (b'{"msg": {"symbol": "BNB", "amount": -Infinity}, "wallet_name": "main"}', "not allowed"),
        (b'{"wallet_name": "m\xffain"}', "not UTF-8"),
        ('{"wallet_name": "main"}'.encode("utf-16"), "not UTF-8"),
        (b'\xef\xbb\xbf{"wallet_name": "main"}', "BOM"),
        (b'{"wallet_name": "main"}\x00', "Extra data"),
        (b"\x00", None),
        (b"", None),
        (b"{'msg': 1}", None),
    ],
)
async def test_malformed_json_gets_a_4xx_json_reason(client, auth, content, reason) -> None:
    r = await client.post("/api/freeze/sign", content=content, headers=await _json_headers(auth))
    assert 400 <= r.status_code < 500, r.text
    body = r.json()
    assert body["code"] == r.status_code and "signed_msg" not in body
    if reason:
        assert reason in body["message"], body


async def test_get_with_oversized_body_gets_413(client, auth) -> None:
    r = await client.request("GET", "/api/wallet", content=b"x" * (LIMIT + 1), headers=await auth("alice"))
    _assert_error(r, 413)
