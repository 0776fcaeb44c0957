"""/docs (Swagger UI) and /redoc, every asset served by the service itself: no CDN, no web fonts.

The assets come from the PyPI package fastapi-offline (pinned in requirements.txt): it ships the
Swagger UI 5 and ReDoc 2 bundles that FastAPI's own pages load from a CDN, re-released as those
move, and nothing else (MIT; its Python part is a helper we do not use). swagger-ui-bundle was the
other candidate: it ships only Swagger UI, at 4.15, last released in 2023.

The pages carry no inline script (Swagger UI starts from apidocs_static/swagger-init.js), so their
CSP (app/web/headers.py) can allow scripts from this origin only.
"""

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from markupsafe import escape

ASSETS_URL = "/docs/static"
_ASSETS = Path(str(files("fastapi_offline") / "static"))
_INIT_JS = Path(__file__).parent / "apidocs_static" / "swagger-init.js"
REDOC_JS_URL = "/docs/redoc.standalone.js"
# ReDoc's sidebar always shows Redocly's logo from its CDN; an empty data: image fails to load, and
# ReDoc then drops the <img>, so the page fetches nothing from another host.
_REDOC_CDN_LOGO = b"https://cdn.redoc.ly/redoc/logo-mini.svg"


def redoc_bundle() -> bytes:
    """ReDoc's standalone bundle with its one CDN fetch (the sidebar logo) taken out."""
    bundle = (_ASSETS / "redoc.standalone.js").read_bytes()
    return bundle.replace(_REDOC_CDN_LOGO, b"data:,")


def _swagger_page(*, title: str, root: str, openapi_url: str) -> str:
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{escape(title)} - Swagger UI</title>
<link rel="icon" href="{root}{ASSETS_URL}/favicon.png">
<link rel="stylesheet" href="{root}{ASSETS_URL}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{escape(root + openapi_url)}"></div>
<script src="{root}{ASSETS_URL}/swagger-ui-bundle.js"></script>
<script src="{root}/docs/swagger-init.js"></script>
</body>
</html>
"""


def _redoc_page(*, title: str, root: str, openapi_url: str) -> str:
    # ReDoc's standalone bundle renders every <redoc spec-url> element by itself: no inline script.
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} - ReDoc</title>
<link rel="icon" href="{root}{ASSETS_URL}/favicon.png">
</head>
<body>
<redoc spec-url="{escape(root + openapi_url)}"></redoc>
<script src="{root}{REDOC_JS_URL}"></script>
</body>
</html>
"""


def install_docs(app: FastAPI) -> None:
    """Serve /docs, /redoc and their assets (create the app with docs_url=None and redoc_url=None)."""
    openapi_url = app.openapi_url
    assert openapi_url is not None

    def root_of(request: Request) -> str:
        return str(request.scope.get("root_path", "")).rstrip("/")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        return HTMLResponse(_swagger_page(title=app.title, root=root_of(request), openapi_url=openapi_url))

    @app.get("/docs/swagger-init.js", include_in_schema=False)
    async def swagger_init() -> FileResponse:
        return FileResponse(_INIT_JS, media_type="text/javascript")

    loaded: list[bytes] = []  # read on first use (1 MB), then kept for this app

    @app.get(REDOC_JS_URL, include_in_schema=False)
    async def redoc_js() -> Response:
        if not loaded:
            loaded.append(redoc_bundle())
        return Response(loaded[0], media_type="text/javascript")

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        return HTMLResponse(_redoc_page(title=app.title, root=root_of(request), openapi_url=openapi_url))

    app.mount(ASSETS_URL, StaticFiles(directory=_ASSETS), name="docs-assets")
