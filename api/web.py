"""Server-rendered account pages: login, logout and API tokens (catalog pages: api.pages).

Every form carries the session's CSRF token; every template is autoescaped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from jinja2 import pass_context
from jinja2.runtime import Context
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from api.auth import CSRF_FORM_FIELD, check_csrf, csrf_token
from api.state import in_transaction
from core.errors import NotAuthenticated, ShuduError
from core.identity.principal import Principal
from core.identity.services import TokenService, UserService

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.globals["csrf_field"] = CSRF_FORM_FIELD
LANGUAGES = ("zh", "en")


@pass_context
def tr(context: Context, zh: str, en: str) -> str:
    """The text in the page's language, falling back to the other one when it is empty."""
    if context.get("lang") == "en":
        return en or zh
    return zh or en


templates.env.globals["tr"] = tr


def page_language(request: Request) -> str:
    """?lang=zh|en switches, and the choice is kept in the session."""
    wanted = request.query_params.get("lang")
    if wanted in LANGUAGES:
        request.session["lang"] = wanted
    lang = request.session.get("lang")
    return lang if lang in LANGUAGES else "zh"


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    context = {
        "csrf": csrf_token(request),
        "user_email": request.session.get("email"),
        "lang": page_language(request),
        **context,
    }
    return templates.TemplateResponse(request, name, context, status_code=status)


def error_page(request: Request, status: int, message: str) -> Response:
    return render(request, "error.html", {"status": status, "message": message}, status)


async def _form(request: Request) -> dict[str, str]:
    form = await request.form(max_files=0, max_fields=20, max_part_size=64 * 1024)
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    check_csrf(request, values.get(CSRF_FORM_FIELD))
    return values


def safe_next(value: str | None) -> str | None:
    """``value`` if it is a path on this site (``/…``), else None: never an open redirect.

    Refused: absolute and scheme-relative URLs (``https://x``, ``//x``), backslashes (browsers
    read ``/\\x`` as ``//x``), and control characters (a tab or newline inside ``//`` is
    dropped by browsers).
    """
    if not value or len(value) > 2000 or not value.startswith("/") or value.startswith("//"):
        return None
    if "\\" in value or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return None
    return value


def login_url(next_path: str) -> str:
    """The login page, coming back to ``next_path`` (a path on this site) afterwards."""
    return "/login?" + urlencode({"next": next_path})


async def login(request: Request) -> Response:
    if request.method == "GET":
        following = safe_next(request.query_params.get("next"))
        return render(request, "login.html", {"error": None, "next": following})
    form = await _form(request)
    email, password = form.get("email", ""), form.get("password", "")
    following = safe_next(form.get("next"))

    def work(session: Session, _: Principal) -> tuple[str, str]:
        user = UserService(session).authenticate(email, password)
        return str(user.id), user.email

    try:
        user_id, user_email = await in_transaction(request, work)
    except NotAuthenticated as exc:
        context = {"error": exc.message, "next": following}
        return render(request, "login.html", context, status=401)
    # A fresh session on login (no fixation): drop whatever the cookie carried before.
    request.session.clear()
    request.session.update({"user_id": user_id, "email": user_email})
    return RedirectResponse(following or "/account/tokens", status_code=303)


async def logout(request: Request) -> Response:
    await _form(request)
    request.session.clear()
    return RedirectResponse("/", status_code=303)


async def tokens_page(request: Request) -> Response:
    if not request.session.get("user_id"):
        return RedirectResponse("/login", status_code=303)
    created: str | None = None
    form = await _form(request) if request.method == "POST" else None

    def work(session: Session, principal: Principal) -> dict[str, Any]:
        nonlocal created
        if principal.user_id is None:
            raise NotAuthenticated("Log in first")
        tokens = TokenService(session)
        if form is not None:
            user = UserService(session).get(principal.user_id)
            days = int(form["days"]) if form.get("days", "").isdigit() else 90
            issued = tokens.create(
                user, name=form.get("name", ""), can_write=form.get("write") == "on", days=days
            )
            created = issued.secret
        return {"tokens": tokens.list_for(principal.user_id)}

    try:
        context = await in_transaction(request, work)
    except ShuduError as exc:
        return error_page(request, exc.status_code, exc.message)
    return render(request, "tokens.html", {**context, "created": created})


def routes() -> list[Route]:
    return [
        Route("/login", login, methods=["GET", "POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/account/tokens", tokens_page, methods=["GET", "POST"]),
    ]
