"""Rendering pages: the templates (``api/templates``), the page language, error pages, forms.

Shared by every family that answers with HTML (``api/web``, the OAuth consent and client pages
in ``api/oauth``). Every form carries the session's CSRF token (:func:`read_form` checks it);
every template is autoescaped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from jinja2 import pass_context
from jinja2.runtime import Context
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from api.access.auth import CSRF_FORM_FIELD, check_csrf, csrf_token
from api.i18n import LANGUAGES, SOURCE_LANGUAGE, translate

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.globals["csrf_field"] = CSRF_FORM_FIELD


@pass_context
def gettext(context: Context, message: str, **values: Any) -> str:
    """Page text (Chinese, the message id) in the page's language (see ``api.i18n``)."""
    return translate(context.get("lang", SOURCE_LANGUAGE), message, **values)


@pass_context
def pgettext(context: Context, message_context: str, message: str, **values: Any) -> str:
    """Like ``_``, for a Chinese text that means more than one thing in English."""
    return translate(context.get("lang", SOURCE_LANGUAGE), message, message_context, **values)


@pass_context
def pick(context: Context, zh: str | None, en: str | None) -> str:
    """Bilingual content (a title, a label) in the page's language, else the other one."""
    if context.get("lang") == "en":
        return en or zh or ""
    return zh or en or ""


templates.env.globals.update(_=gettext, gettext=gettext, pgettext=pgettext, pick=pick)


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


async def read_form(request: Request) -> dict[str, str]:
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
