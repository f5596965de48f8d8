"""Rendering pages: the templates (``api/templates``), the page language, error pages, forms.

Shared by every family that answers with HTML (``api/web``, the OAuth consent and client pages
in ``api/oauth``). Every form carries the session's CSRF token (:func:`read_form` checks it);
every template is autoescaped.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from jinja2 import pass_context
from jinja2.runtime import Context
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from api.access.auth import CSRF_FORM_FIELD, check_csrf, csrf_token
from api.i18n import LANGUAGES, N_, SOURCE_LANGUAGE, translate
from api.words import word_for
from core.identity.passwords import MIN_PASSWORD_LENGTH

SITE_TIMEZONE = ZoneInfo("Asia/Shanghai")
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


@pass_context
def word(context: Context, kind: str, code: str | None) -> str:
    """A stored code (``realtime``, ``conditional``) as a word in the page's language."""
    chinese = word_for(kind, code)
    if chinese is None:
        return "—" if code is None else str(code)
    return translate(context.get("lang", SOURCE_LANGUAGE), chinese)


BABEL_LOCALES = {"zh": "zh_Hans_CN", "en": "en_GB"}


def _locale(context: Context) -> str:
    return BABEL_LOCALES.get(context.get("lang", SOURCE_LANGUAGE), "zh_Hans_CN")


def _moment(value: object) -> date | datetime | None:
    if isinstance(value, (date, datetime)):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        except ValueError:
            return None
    return None


@pass_context
def date_text(context: Context, value: object) -> str:
    """A date as people write it: 2025年10月31日, 31 October 2025."""
    moment = _moment(value)
    if moment is None:
        return "—" if not value else str(value)
    day = moment.date() if isinstance(moment, datetime) else moment
    return format_date(day, format="long", locale=_locale(context))


@pass_context
def datetime_text(context: Context, value: object, naive_is_local: bool = False) -> str:
    """A moment with its time of day, in the site's time zone (China Standard Time).

    The site's own times are stored in UTC; a time without an offset in a published table is
    the city's local time (``naive_is_local``)."""
    moment = _moment(value)
    if not isinstance(moment, datetime):
        return date_text(context, value)
    if naive_is_local and moment.tzinfo is None:
        moment = moment.replace(tzinfo=SITE_TIMEZONE)
    return format_datetime(moment, format="medium", tzinfo=SITE_TIMEZONE, locale=_locale(context))


@pass_context
def number(context: Context, value: object) -> str:
    """A count with the page language's grouping: 12,345."""
    if not isinstance(value, (int, float)):
        return "—" if value is None else str(value)
    return format_decimal(value, locale=_locale(context))


@pass_context
def filesize(context: Context, value: object) -> str:
    """Bytes as people read them: 26.2 KB, 3.4 MB (1 KB = 1024 bytes)."""
    if not isinstance(value, int):
        return "—"
    if value < 1024:
        return translate(context.get("lang", SOURCE_LANGUAGE), N_("%(n)s 字节"), n=value)
    size = float(value)
    for unit in ("KB", "MB", "GB", "TB"):
        size /= 1024
        if size < 1024 or unit == "TB":
            digits = format_decimal(round(size, 1), format="#,##0.#", locale=_locale(context))
            return f"{digits} {unit}"
    raise AssertionError("unreachable")


templates.env.globals.update(_=gettext, gettext=gettext, pgettext=pgettext, pick=pick, word=word)
templates.env.filters.update(
    date_text=date_text, datetime_text=datetime_text, number=number, filesize=filesize
)


ELDER_COOKIE = "shudu_elder"


def elder_mode(request: Request) -> bool:
    """The elder-friendly mode (适老化), a cookie kept a year; see docs/architecture.md,
    "Pages and their design system"."""
    return request.cookies.get(ELDER_COOKIE) == "1"


def _kept_params(request: Request, drop: str = "") -> list[tuple[str, str]]:
    """This page's query, without ``drop`` and without a ``next`` that is not a path on this
    site: a page never echoes someone else's address into its own links."""
    return [
        (k, v)
        for k, v in request.query_params.multi_items()
        if k != drop and (k != "next" or safe_next(v) is not None)
    ]


def here(request: Request) -> str:
    """This page's path and query, to come back to after a form (language, elder mode)."""
    query = urlencode(_kept_params(request))
    return request.url.path + ("?" + query if query else "")


def language_href(request: Request, language: str) -> str:
    """This page in ``language``: its query kept (paging stays where it is), ``lang`` replaced."""
    return request.url.path + "?" + urlencode([*_kept_params(request, "lang"), ("lang", language)])


def page_language(request: Request) -> str:
    """?lang=zh|en switches, and the choice is kept in the session."""
    wanted = request.query_params.get("lang")
    if wanted in LANGUAGES:
        request.session["lang"] = wanted
    lang = request.session.get("lang")
    return lang if lang in LANGUAGES else "zh"


# A page kept for its visitors (api.readcache.kept_page) is rendered with these marks where the
# CSRF token and the signed-in visitor's e-mail go, and each visitor's own replace them. Random
# per process: no dataset text can hold them.
CSRF_MARK = "csrf-mark-" + secrets.token_hex(16)
EMAIL_MARK = "email-mark-" + secrets.token_hex(16)
CSRF_MARKING = "shudu.csrf_marking"  # in the request's scope while such a page is rendered


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    settings = request.app.state.shudu.settings
    marking = request.scope.get(CSRF_MARKING, False)
    email = request.session.get("email")
    context = {
        "csrf": CSRF_MARK if marking else csrf_token(request),
        "user_email": EMAIL_MARK if marking and email else email,
        "lang": page_language(request),
        "elder": elder_mode(request),
        "here": here(request),
        "language_href": lambda language: language_href(request, language),
        "contact_email": settings.contact_email,
        "min_password": MIN_PASSWORD_LENGTH,  # the sign-up and reset forms' hint
        **context,
    }
    return templates.TemplateResponse(request, name, context, status_code=status)


def error_page(
    request: Request, status: int, message: str, headers: Mapping[str, str] | None = None
) -> Response:
    """The designed error page: what happened in the page's language, the detail, a way back."""
    response = render(request, "error.html", {"status": status, "message": message}, status)
    if headers:
        response.headers.update(headers)
    return response


async def read_form_data(request: Request, *, max_fields: int = 20) -> FormData:
    """A posted form, its CSRF token checked first (repeated fields kept: ``getlist``)."""
    form = await request.form(max_files=0, max_fields=max_fields, max_part_size=64 * 1024)
    token = form.get(CSRF_FORM_FIELD)
    check_csrf(request, token if isinstance(token, str) else None)
    return form


async def read_form(request: Request, *, max_fields: int = 20) -> dict[str, str]:
    """A posted form's text fields (the last of a repeated one), its CSRF token checked."""
    form = await read_form_data(request, max_fields=max_fields)
    return {k: v for k, v in form.items() if isinstance(v, str)}


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
