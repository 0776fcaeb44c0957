"""ip_whitelist sees the real client: spoofed forwarding headers are ignored unless a trusted proxy sent them."""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml

from app.web.clientip import parse_ip, resolve_client, trusted_networks
from tests.api.payloads import README_SHAPES
from tests.helpers import PASSWORDS, make_config

ROOT = Path(__file__).resolve().parents[2]
ORDER = {"msg": README_SHAPES["order"], "wallet_name": "fenced"}  # fenced: ip_whitelist 10.1.2.0/24, 2001:db8::/32
SPOOFS = [
    {"X-Forwarded-For": "10.1.2.3"},
    {"X-Forwarded-For": "10.1.2.3, 10.1.2.4"},
    {"X-Real-IP": "10.1.2.3"},
    {"Forwarded": "for=10.1.2.3"},
    {"Forwarded": 'for="[2001:db8::1]"'},
    {"X-Forwarded-For": "2001:db8::1"},
    {"X-Client-IP": "10.1.2.3", "True-Client-IP": "10.1.2.3", "CF-Connecting-IP": "10.1.2.3"},
]


async def _order(client: httpx.AsyncClient, headers: dict[str, str]) -> httpx.Response:
    login = await client.post("/api/auth/login", json={"username": "alice", "password": PASSWORDS["alice"]})
    auth = {"Authorization": f"Bearer {login.json()['access_token']}"}
    return await client.post("/api/order/sign", json=ORDER, headers={**auth, **headers})


@pytest.mark.parametrize("peer", ["127.0.0.1", "::1", "192.168.0.9"])
@pytest.mark.parametrize("spoof", SPOOFS, ids=lambda h: ",".join(h))
async def test_spoofed_forwarding_headers_from_untrusted_peer_are_ignored(client_from, peer, spoof) -> None:
    async with client_from(peer) as client:
        r = await _order(client, spoof)
    assert r.status_code == 403, r.text
    assert "ip_whitelist" in r.json()["message"] and "signed_msg" not in r.json()


@pytest.mark.parametrize("peer", ["10.1.2.3", "::ffff:10.1.2.3", "2001:db8::7"])
async def test_whitelisted_peer_signs(client_from, peer) -> None:
    async with client_from(peer) as client:
        r = await _order(client, {})
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("peer", ["10.1.3.3", "::ffff:10.1.3.3", "2001:db9::7", "testclient"])
async def test_peer_outside_whitelist_is_refused(client_from, peer) -> None:
    async with client_from(peer) as client:
        r = await _order(client, {"X-Forwarded-For": "10.1.2.3"})
    assert r.status_code == 403


def test_several_forwarded_for_lines_are_one_list() -> None:
    trusted = trusted_networks(("192.168.0.0/24",))
    assert resolve_client("192.168.0.9", ["10.1.2.3", "192.168.0.5"], trusted) == "10.1.2.3"
    assert resolve_client("192.168.0.9", ["192.168.0.4", "192.168.0.5"], trusted) == "192.168.0.4"
    # A client can make the header as long as it likes: only the rightmost hops are read, and
    # its length never erases the address.
    assert resolve_client("192.168.0.9", ["10.0.0.1"] * 40, trusted) == "10.0.0.1"
    assert resolve_client("192.168.0.9", ["192.168.0.1"] * 40, trusted) == "192.168.0.1"


def test_peer_rewritten_by_uvicorn_proxy_headers_is_not_believed() -> None:
    # `uvicorn app.main:app` without --no-proxy-headers puts the X-Forwarded-For entry in the
    # peer's place, with port 0 (no TCP peer has port 0).
    assert resolve_client("10.1.2.3", ["10.1.2.3"], (), peer_port=0) is None
    assert resolve_client("10.1.2.3", ["1.1.1.1"], (), peer_port=0) == "10.1.2.3"


@pytest.mark.parametrize("hops", [["10.1.2.3"], ["1.1.1.1", "10.1.2.3"], ["garbage"], ["10.1.2.3:1234"], [""]])
def test_forwarded_for_from_an_untrusted_peer_never_changes_the_peer(hops) -> None:
    assert resolve_client("10.1.2.3", hops, (), peer_port=1234) == "10.1.2.3"


def test_a_garbled_hop_from_a_trusted_proxy_keeps_the_nearest_known_address() -> None:
    trusted = trusted_networks(("192.168.0.0/24",))
    assert resolve_client("192.168.0.9", ["garbage"], trusted) == "192.168.0.9"
    assert resolve_client("192.168.0.9", ["garbage", "192.168.0.5"], trusted) == "192.168.0.5"


async def test_a_client_naming_itself_in_forwarded_for_keeps_its_address(client_from, services) -> None:
    # No trusted proxy: the header is ignored, so the whitelist, the throttle and the audit see the peer.
    async with client_from("10.1.2.3") as client:
        r = await _order(client, {"X-Forwarded-For": "10.1.2.3"})
        assert r.status_code == 200, r.text
        for name in ("u1", "u2", "u3", "u4", "u5"):
            await client.post(
                "/api/auth/login", json={"username": name, "password": "x"}, headers={"X-Forwarded-For": "10.1.2.3"}
            )
        locked = await client.post(
            "/api/auth/login", json={"username": "u6", "password": "x"}, headers={"X-Forwarded-For": "10.1.2.3"}
        )
    assert locked.status_code == 429  # the address's five failures count, header or not
    records = [json.loads(row.record) async for row in services.store.audit.rows()]
    assert [r["client_ip"] for r in records] == ["10.1.2.3"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10.0.0.1", "10.0.0.1"),
        (" 10.0.0.1:8080 ", "10.0.0.1"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("::ffff:10.0.0.1", "10.0.0.1"),
        ("fe80::1%eth0", None),
        ("unknown", None),
        ("10.0.0.1\x00", None),
        ("１０.0.0.1", None),
        ("", None),
    ],
)
def test_parse_ip(text, expected) -> None:
    address = parse_ip(text)
    assert (str(address) if address else None) == expected


def test_bad_trusted_proxy_entry_fails_loudly() -> None:
    with pytest.raises(ValueError, match="trusted_proxies"):
        trusted_networks(("10.0.0.0/8", "not-an-address"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize(
    "command",
    [
        ["-m", "app", "serve", "--config", "{config}", "--port", "{port}"],
        # Plain uvicorn believes X-Forwarded-For from 127.0.0.1 by default and rewrites the peer:
        # app.clientip notices the peer inside X-Forwarded-For and names no client (fail closed).
        ["-m", "uvicorn", "app.main:app", "--port", "{port}"],
    ],
    ids=["python-m-app-serve", "plain-uvicorn"],
)
def test_real_server_ignores_forwarded_for_from_loopback(tmp_path, command) -> None:
    data = make_config(api_url="http://127.0.0.1:9")  # the node is never reached: 403 comes first
    data["wallets"][0]["ip_whitelist"] = ["10.9.9.9"]
    config = tmp_path / "config.yml"
    config.write_text(yaml.safe_dump(data))
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = (tmp_path / "service.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, *(arg.format(config=config, port=port) for arg in command)],
        cwd=ROOT,
        env={**os.environ, "SIGNING_SERVICE_CONFIG": str(config)},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            assert process.poll() is None, (tmp_path / "service.log").read_text()
            try:
                httpx.get(f"{url}/api/openapi.json", timeout=0.5)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        login = httpx.post(f"{url}/api/auth/login", json={"username": "alice", "password": PASSWORDS["alice"]})
        headers = {"Authorization": f"Bearer {login.json()['access_token']}", "X-Forwarded-For": "10.9.9.9"}
        body = {"msg": README_SHAPES["freeze"], "wallet_name": "main"}
        for extra in ({}, {"X-Real-IP": "10.9.9.9"}, {"Forwarded": "for=10.9.9.9"}):
            r = httpx.post(f"{url}/api/freeze/sign", json=body, headers={**headers, **extra}, timeout=5)
            assert r.status_code == 403, r.text
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()
