"""The console's pages under /console: log in and out, wallets, approvals, audit, health.

Server-rendered (Jinja2), plain forms, no script. Who may see a page is declared in its signature
(SessionDep: logged in; CheckedForm: logged in and the form carries its CSRF token).
"""

from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from app.auth.passwords import BCRYPT_MAX_BYTES
from app.errors import TooManyRequests, Unauthorized
from app.web.console import approvals, audit, views
from app.web.console.session import (
    CSRF_FIELD,
    LOGIN_COOKIE,
    CheckedForm,
    ConsoleRefusal,
    ConsoleSession,
    LoginRequired,
    SessionDep,
    clear_login_nonce,
    clear_session_cookie,
    console_session,
    csrf_matches,
    csrf_token,
    new_login_nonce,
    read_form,
    set_login_cookie,
    set_session_cookie,
)
from app.web.deps import ServicesDep, client_host, get_services
from app.web.login import check_login, issue_token, revoke

if TYPE_CHECKING:
    from fastapi.templating import Jinja2Templates

HERE = Path(__file__).parent
router = APIRouter(prefix="/console", include_in_schema=False)


def _root(request: Request) -> str:
    return str(request.scope.get("root_path", "")).rstrip("/")


def _base(request: Request) -> str:
    return _root(request) + "/console"


def _templates(request: Request) -> "Jinja2Templates":
    """The console's templates, loaded by its first page and kept by the app."""
    loaded = getattr(request.app.state, "console_templates", None)
    if loaded is not None:
        return cast("Jinja2Templates", loaded)
    from fastapi.templating import Jinja2Templates  # here, not at start-up: Jinja2 costs ~3 MB of idle RSS

    templates = request.app.state.console_templates = Jinja2Templates(directory=HERE / "templates")
    return templates


def render(
    request: Request, template: str, *, session: ConsoleSession | None, status: int = 200, **context: Any
) -> HTMLResponse:
    """A console page: its template in the layout, with the user, the CSRF token and the nav state."""
    return _templates(request).TemplateResponse(
        request,
        template,
        {"root": _root(request), "base": _base(request), "session": session, "csrf_field": CSRF_FIELD, **context},
        status_code=status,
    )


def _redirect(request: Request, page: str) -> RedirectResponse:
    return RedirectResponse(f"{_base(request)}/{page}", status_code=303)  # 303: the next request is a GET


@router.get("")
async def home(request: Request) -> RedirectResponse:
    return _redirect(request, "wallets")


def _login_page(request: Request, *, status: int = 200, error: str | None = None, username: str = "") -> HTMLResponse:
    """The login form, bound to a fresh nonce (its cookie is set on the same answer)."""
    nonce = new_login_nonce()
    csrf = csrf_token(request.app.state.services, purpose="login", value=nonce)
    response = render(
        request, "login.html", session=None, status=status, title="Log in", error=error, username=username, csrf=csrf
    )
    set_login_cookie(response, request, nonce)
    return response


@router.get("/login")
async def login_form(request: Request, services: ServicesDep) -> Response:
    try:
        await console_session(request, services)
    except LoginRequired:
        return _login_page(request)
    return _redirect(request, "wallets")


@router.post("/login")
async def login(request: Request, services: ServicesDep) -> Response:
    """The API's login (same password check, same throttle), then the token in the session cookie."""
    form = await read_form(request)
    nonce = request.cookies.get(LOGIN_COOKIE, "")
    if not csrf_matches(services, purpose="login", value=nonce, given=form.get(CSRF_FIELD)):
        raise ConsoleRefusal(403, "This login form has expired or was not sent by this console. Reload the page.")
    username, password = form.get("username", ""), form.get("password", "")
    if not username or not password or len(password.encode()) > BCRYPT_MAX_BYTES:
        return _login_page(request, status=422, error="Give a username and a password.", username=username)
    try:
        user = await check_login(services, username=username, password=password, client=client_host(request))
    except TooManyRequests as exc:
        page = _login_page(request, status=429, error="Too many failed logins. Try again later.", username=username)
        page.headers.update(exc.headers or {})
        return page
    except Unauthorized:
        return _login_page(request, status=401, error="Incorrect username or password.", username=username)
    token, lifetime = issue_token(services, user)
    response = _redirect(request, "wallets")
    set_session_cookie(response, request, token=token, lifetime=lifetime)
    clear_login_nonce(response, request)
    return response


@router.post("/logout")
async def logout(request: Request, _: CheckedForm, session: SessionDep, services: ServicesDep) -> Response:
    """Revoke the session's token (as POST /api/auth/logout does) and forget the cookie."""
    await revoke(services, session.claims)
    response = _redirect(request, "login")
    clear_session_cookie(response, request)
    return response


@router.get("/wallets")
async def wallets(request: Request, session: SessionDep, services: ServicesDep) -> HTMLResponse:
    rows = await views.wallet_rows(services, session.user)
    return render(request, "wallets.html", session=session, nav="wallets", title="Wallets", wallets=rows)


@router.get("/audit")
async def audit_log(request: Request, session: SessionDep, services: ServicesDep) -> HTMLResponse:
    filters = audit.parse_filters(dict(request.query_params))
    page = await audit.audit_page(services, session.user, filters, client_host(request))
    return render(request, "audit.html", session=session, nav="audit", title="Audit log", page=page)


@router.get("/health")
async def health(request: Request, session: SessionDep, services: ServicesDep) -> HTMLResponse:
    checks = await views.health(services)
    return render(request, "health.html", session=session, nav="health", title="Health", health=checks)


@router.get("/approvals")
async def approvals_list(request: Request, session: SessionDep, services: ServicesDep) -> HTMLResponse:
    page = await approvals.approvals_page(services, session.user, client_host(request))
    return render(request, "approvals.html", session=session, nav="approvals", title="Approvals", page=page)


@router.get("/approvals/{approval_id}")
async def approval(approval_id: str, request: Request, session: SessionDep, services: ServicesDep) -> HTMLResponse:
    card = await approvals.one(services, session.user, client_host(request), approval_id)
    done = approvals.DONE.get(request.query_params.get("done", ""))
    title = f"Approval {card.id[:8]}"
    return render(request, "approval.html", session=session, nav="approvals", title=title, card=card, done=done)


@router.post("/approvals/{approval_id}/{verb}")
async def decide(
    approval_id: str, verb: str, request: Request, form: CheckedForm, session: SessionDep, services: ServicesDep
) -> Response:
    """Approve, reject (with a reason) or cancel, as the API does; then the request as it is now."""
    await approvals.act(services, session.user, client_host(request), approval_id, verb, form)
    return _redirect(request, f"approvals/{approval_id}?done={verb}")


async def _login_required(request: Request, _: Exception) -> Response:
    return _redirect(request, "login")


async def _refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ConsoleRefusal)
    try:  # the page keeps its navigation when the user is logged in
        session: ConsoleSession | None = await console_session(request, await get_services(request))
    except LoginRequired:
        session = None
    return render(request, "error.html", session=session, status=exc.status_code, title="Refused", message=exc.message)


def install_console(app: FastAPI) -> None:
    """Mount the console's pages, its stylesheet and its two error answers (redirect to login, error page)."""
    app.include_router(router)
    app.mount("/console/static", StaticFiles(directory=HERE / "static"), name="console-static")
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(ConsoleRefusal, _refused)
