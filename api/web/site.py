"""The site's own pages: preferences (elder mode), the accessibility statement, about and licence.

The elder-mode switch is a plain form (works without JavaScript): it sets a cookie that
``api.html.render`` reads on every page. See
docs/architecture.md, "Pages and their design system".
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from api.html import ELDER_COOKIE, read_form, render, safe_next

ELDER_COOKIE_SECONDS = 365 * 24 * 3600


async def preferences(request: Request) -> Response:
    form = await read_form(request)
    response = RedirectResponse(safe_next(form.get("return_to")) or "/", status_code=303)
    if form.get("elder") == "on":
        response.set_cookie(
            ELDER_COOKIE, "1", max_age=ELDER_COOKIE_SECONDS, httponly=True, samesite="lax"
        )
    elif form.get("elder") == "off":
        response.delete_cookie(ELDER_COOKIE, httponly=True, samesite="lax")
    return response


async def accessibility(request: Request) -> Response:
    return render(request, "accessibility.html", {})


async def about(request: Request) -> Response:
    return render(request, "about.html", {})


def routes() -> list[Route]:
    return [
        Route("/preferences", preferences, methods=["POST"]),
        Route("/accessibility", accessibility, methods=["GET"]),
        Route("/about", about, methods=["GET"]),
    ]
