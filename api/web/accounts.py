"""Account pages: login, logout and personal API tokens."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from api.html import error_page, read_form, render, safe_next
from api.state import in_transaction
from core.errors import NotAuthenticated, ShuduError
from core.identity.principal import Principal
from core.identity.services import TokenService, UserService


async def login(request: Request) -> Response:
    if request.method == "GET":
        following = safe_next(request.query_params.get("next"))
        return render(request, "login.html", {"error": None, "next": following})
    form = await read_form(request)
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
    await read_form(request)
    request.session.clear()
    return RedirectResponse("/", status_code=303)


async def tokens_page(request: Request) -> Response:
    if not request.session.get("user_id"):
        return RedirectResponse("/login", status_code=303)
    created: str | None = None
    form = await read_form(request) if request.method == "POST" else None

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
