"""/docs and /redoc load every asset from the service: nothing in them names another host."""

import re

from app.web.headers import DOCS_CSP

ASSET_RE = re.compile(r'(?:src|href)="([^"]+)"')


async def test_docs_pages_load_every_asset_from_the_service(client) -> None:
    for page in ("/docs", "/redoc"):
        r = await client.get(page)
        assert r.status_code == 200 and r.headers["content-security-policy"] == DOCS_CSP
        assets = ASSET_RE.findall(r.text)
        assert assets and all(a.startswith("/") and not a.startswith("//") for a in assets), assets
        assert "<script>" not in r.text  # no inline script: every <script> has a src
        for asset in assets:
            served = await client.get(asset)
            assert served.status_code == 200, asset
            assert "fonts.googleapis" not in served.text and "cdn.jsdelivr" not in served.text


async def test_the_redoc_bundle_fetches_no_cdn_logo(client) -> None:
    bundle = (await client.get("/docs/redoc.standalone.js")).text
    assert "cdn.redoc.ly" not in bundle and 'src:"data:,"' in bundle


async def test_the_docs_csp_allows_this_origin_only(client) -> None:
    assert "script-src 'self';" in DOCS_CSP and "connect-src 'self';" in DOCS_CSP
    assert "frame-ancestors 'none'" in DOCS_CSP and "http" not in DOCS_CSP


async def test_authorize_uses_the_password_flow_of_the_login_route(client) -> None:
    schemes = (await client.get("/api/openapi.json")).json()["components"]["securitySchemes"]
    assert schemes["OAuth2PasswordBearer"]["flows"] == {"password": {"scopes": {}, "tokenUrl": "/api/auth/login"}}
