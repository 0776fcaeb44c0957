"""The console's rules over HTTP (in-process): cookie flags, CSRF, security headers, who sees which audit rows."""

import re

import httpx
import pytest
import sqlalchemy as sa

from app.chain.node import NodeClient
from app.config import parse_config
from app.main import create_app
from app.services import Services
from app.web.headers import CONSOLE_CSP
from tests.api.payloads import README_SHAPES
from tests.helpers import ALL, PASSWORDS

TRANSFER = {"msg": README_SHAPES["transfer"], "wallet_name": "main"}
CSRF_RE = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')


@pytest.fixture
def config_data(config_data: dict) -> dict:
    """main grants audit, and so does alice's grant on it; trader does not grant audit; bob holds no audit."""
    main = next(w for w in config_data["wallets"] if w["name"] == "main")
    main["permissions"] = [*ALL, "audit"]
    alice = next(u for u in config_data["users"] if u["username"] == "alice")
    for grant in alice["wallet_permissions"]:
        grant["permissions"] = [*ALL, "audit"]
    bob = next(u for u in config_data["users"] if u["username"] == "bob")
    bob["wallet_permissions"].append({"wallet_name": "main_alias", "permissions": ["audit"]})
    return config_data


def csrf_of(page: httpx.Response) -> str:
    found = CSRF_RE.search(page.text)
    assert found, page.text
    return found.group(1)


async def log_in(client: httpx.AsyncClient, username: str, password: str | None = None) -> httpx.Response:
    form = await client.get("/console/login")
    body = {"username": username, "password": password or PASSWORDS[username], "csrf_token": csrf_of(form)}
    return await client.post("/console/login", data=body)


def row_of(page: str, attribute: str) -> str:
    found = re.search(rf"<tr[^>]*{attribute}[^>]*>(.*?)</tr>", page, re.S)
    assert found, page
    return found.group(0)


async def test_login_sets_a_strict_httponly_session_cookie_that_expires_with_the_token(client) -> None:
    r = await log_in(client, "alice")
    assert (r.status_code, r.headers["location"]) == (303, "/console/wallets")
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith("console_session="))
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert flags == {"httponly", "max-age=3600", "path=/console", "samesite=strict"}  # no Secure over http


async def test_session_cookie_is_secure_when_served_over_https(services) -> None:
    app = create_app(services.config, services=services)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="https://service.test") as c:
        r = await log_in(c, "alice")
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith("console_session="))
    assert "secure" in {part.strip().lower() for part in cookie.split(";")}


async def test_pages_without_a_session_redirect_to_the_login_form(client) -> None:
    for page in ("wallets", "audit", "health", "approvals"):
        r = await client.get(f"/console/{page}")
        assert (r.status_code, r.headers["location"]) == (303, "/console/login")


async def test_a_tampered_session_cookie_is_no_session(client) -> None:
    await log_in(client, "alice")
    token = client.cookies["console_session"]
    client.cookies.set("console_session", token[:-2] + ("AA" if token[-2:] != "AA" else "BB"), path="/console")
    assert (await client.get("/console/wallets")).status_code == 303


async def test_a_login_form_without_its_csrf_token_is_refused(client) -> None:
    await client.get("/console/login")  # the nonce cookie is there, the token is not
    r = await client.post("/console/login", data={"username": "alice", "password": PASSWORDS["alice"]})
    assert r.status_code == 403 and "console_session" not in client.cookies


async def test_a_login_form_from_another_browser_is_refused(client, services) -> None:
    token = csrf_of(await client.get("/console/login"))
    other = httpx.AsyncClient(transport=client._transport, base_url="http://service.test")
    async with other:
        await other.get("/console/login")  # its own nonce: the first browser's token does not match it
        r = await other.post("/console/login", data={"username": "alice", "password": "x", "csrf_token": token})
    assert r.status_code == 403


async def test_a_wrong_password_is_answered_on_the_form_and_counted_by_the_apis_throttle(client, services) -> None:
    r = await log_in(client, "alice", "wrong-password")
    assert r.status_code == 401 and "Incorrect username or password." in r.text
    for _ in range(services.config.login_throttle.max_failures - 1):
        await log_in(client, "alice", "wrong-password")
    api = await client.post("/api/auth/login", json={"username": "alice", "password": PASSWORDS["alice"]})
    assert api.status_code == 429  # one throttle for both ways in
    r = await log_in(client, "alice")
    assert r.status_code == 429 and "Too many failed logins" in r.text and "retry-after" in r.headers


async def test_logout_needs_the_csrf_token_and_then_forgets_the_cookie(client) -> None:
    await log_in(client, "alice")
    page = await client.get("/console/wallets")
    forged = await client.post("/console/logout", data={})
    assert forged.status_code == 403 and "no valid CSRF token" in forged.text
    wrong = await client.post("/console/logout", data={"csrf_token": "0" * 64})
    assert wrong.status_code == 403
    assert (await client.get("/console/wallets")).status_code == 200  # still logged in
    r = await client.post("/console/logout", data={"csrf_token": csrf_of(page)})
    assert (r.status_code, r.headers["location"]) == (303, "/console/login")
    assert "console_session" not in client.cookies
    assert (await client.get("/console/wallets")).status_code == 303


async def test_the_csrf_token_is_bound_to_the_session(client, services) -> None:
    await log_in(client, "alice")
    first = csrf_of(await client.get("/console/wallets"))
    client.cookies.clear()
    await log_in(client, "alice")  # a new session, a new token id
    assert (await client.post("/console/logout", data={"csrf_token": first})).status_code == 403


async def test_every_console_answer_carries_the_strict_security_headers(client) -> None:
    answers = [await client.get("/console/login"), await client.get("/console/static/console.css")]
    answers.append(await client.get("/console/wallets"))  # a redirect
    await log_in(client, "alice")
    for page in ("wallets", "audit", "health", "approvals"):
        answers.append(await client.get(f"/console/{page}"))
    answers.append(await client.post("/console/logout", data={}))  # a refusal
    assert [a.status_code for a in answers] == [200, 200, 303, 200, 200, 200, 200, 403]
    for answer in answers:
        assert answer.headers["content-security-policy"] == CONSOLE_CSP
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "no-referrer"
        assert answer.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in CONSOLE_CSP and "default-src 'none'" in CONSOLE_CSP
    assert "script-src" not in CONSOLE_CSP and "unsafe" not in CONSOLE_CSP and "http" not in CONSOLE_CSP


async def test_console_pages_have_no_script_and_link_only_their_own_origin(client) -> None:
    await log_in(client, "alice")
    for page in ("wallets", "audit", "health", "approvals"):
        html = (await client.get(f"/console/{page}")).text
        assert "<script" not in html
        assert not re.search(r"\son[a-z]+=", html)  # no inline event handler
        assert not re.search(r"(src|href|action)=\"(https?:)?//", html)


async def test_wallets_page_shows_the_users_wallets_with_their_next_sequence(client, auth) -> None:
    signed = await client.post("/api/transfer/sign", json=TRANSFER, headers=await auth("alice"))
    await log_in(client, "bob")
    html = (await client.get("/console/wallets")).text
    main = row_of(html, 'data-wallet="main"')
    assert f'<td class="num mono sequence">{signed.json()["sequence"] + 1}</td>' in main
    assert '<span class="badge">trade</span>' in main and "transfer</span>" not in main  # bob's effective ones
    assert 'data-wallet="seed"' not in html and 'data-wallet="trader"' not in html  # no permission on them
    assert "BNB" in main  # balances read from the node


async def test_wallets_page_says_node_unreachable_when_the_node_is_down(config_data, tmp_path) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    services = await Services.open(
        parse_config(config_data, base_dir=tmp_path),
        node_factory=lambda env: NodeClient(env.api_url, transport=httpx.MockTransport(refuse)),
    )
    try:
        app = create_app(services.config, services=services)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://service.test") as c:
            await log_in(c, "alice")
            wallets = (await c.get("/console/wallets")).text
            health = (await c.get("/console/health")).text
    finally:
        await services.close()
    assert '<span class="status bad">node unreachable</span>' in row_of(wallets, 'data-wallet="main"')
    assert "unreachable: NodeUnreachable" in health


async def test_health_page_shows_the_node_and_the_store(client) -> None:
    await log_in(client, "alice")
    html = (await client.get("/console/health")).text
    assert "reachable, network &#39;Binance-Dev&#39;" in html and "answers queries" in html


async def test_audit_page_shows_a_denial_highlighted_and_the_chain_intact(client, auth) -> None:
    await client.post("/api/transfer/sign", json=TRANSFER, headers=await auth("alice"))
    denied = await client.post("/api/transfer/sign", json=TRANSFER, headers=await auth("bob"))
    assert denied.status_code == 403
    await log_in(client, "alice")
    html = (await client.get("/console/audit")).text
    row = row_of(html, 'data-outcome="denied"')
    assert 'class="denied"' in row and "<td>bob</td>" in row and "permission &#39;transfer&#39;" in row
    assert re.search(r"<strong>intact</strong> <span class=\"muted\">2 rows verified", html)


async def test_audit_filters_by_user_outcome_and_time(client, auth) -> None:
    await client.post("/api/transfer/sign", json=TRANSFER, headers=await auth("alice"))
    await client.post("/api/transfer/sign", json=TRANSFER, headers=await auth("bob"))
    await log_in(client, "alice")
    by_bob = (await client.get("/console/audit", params={"user": "bob"})).text
    assert by_bob.count("<tr class=") == 1 and 'data-outcome="denied"' in by_bob
    signed = (await client.get("/console/audit", params={"outcome": "signed"})).text
    assert signed.count("<tr class=") == 1 and 'data-outcome="signed"' in signed
    future = (await client.get("/console/audit", params={"since": "2999-01-01T00:00"})).text
    assert "No audit rows match these filters." in future
    past = (await client.get("/console/audit", params={"until": "2000-01-01T00:00"})).text
    assert "No audit rows match these filters." in past
    bad = await client.get("/console/audit", params={"since": "yesterday"})
    assert bad.status_code == 422


async def test_audit_rows_of_a_wallet_without_the_audit_permission_are_not_shown(client, auth) -> None:
    order = {"msg": README_SHAPES["order"], "wallet_name": "trader"}  # trader grants trade, not audit
    assert (await client.post("/api/order/sign", json=order, headers=await auth("alice"))).status_code == 200
    await log_in(client, "alice")
    html = (await client.get("/console/audit")).text
    assert '<td class="strong">trader</td>' not in html and "No audit rows match" in html
    r = await client.get("/console/audit", params={"wallet": "trader"})
    assert r.status_code == 403 and "permission &#39;audit&#39; is not granted on wallet &#39;trader&#39;" in r.text


async def test_audit_page_needs_the_permission_from_both_the_wallet_and_the_users_grant(client) -> None:
    await log_in(client, "bob")  # bob's grant on main_alias has audit, main_alias itself does not grant it
    r = await client.get("/console/audit")
    assert r.status_code == 403 and "no wallet" in r.text
    hidden = await client.get("/console/audit", params={"wallet": "seed"})  # no permission on it at all
    assert hidden.status_code == 404 and "wallet &#39;seed&#39; not found" in hidden.text


async def test_audit_page_names_the_first_bad_row_of_a_broken_chain(client, auth, services) -> None:
    for _ in range(3):
        await client.post("/api/transfer/sign", json=TRANSFER, headers=await auth("alice"))
    edit = sa.text("UPDATE audit_log SET record = replace(record, 'alice', 'mallory') WHERE id = 2")
    await services.store.db.write(lambda conn: conn.execute(edit))
    await log_in(client, "alice")
    html = (await client.get("/console/audit")).text
    assert "<strong>broken at row 2</strong>" in html and "1 rows verified before it" in html


async def test_console_forms_are_refused_in_another_content_type(client) -> None:
    await log_in(client, "alice")
    r = await client.post("/console/logout", json={"csrf_token": "x"})
    assert r.status_code == 415
