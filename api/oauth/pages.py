"""Simple pages for developers: their OAuth clients, with usage, secret rotation and deletion."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from api.routes_oauth_clients import client_json
from api.state import in_transaction
from api.web import _form, error_page, render
from core.errors import NotAuthenticated, ShuduError
from core.identity.oauth import SCOPES, OAuthClientService
from core.identity.principal import Principal
from core.identity.services import OrganizationService


async def clients_page(request: Request) -> Response:
    if not request.session.get("user_id"):
        return RedirectResponse("/login", status_code=303)
    form = await _form(request) if request.method == "POST" else None
    shown: dict[str, Any] | None = None

    def work(session: Session, principal: Principal) -> dict[str, Any]:
        nonlocal shown
        if principal.user_id is None:
            raise NotAuthenticated("Log in first")
        service = OAuthClientService(session)
        orgs = OrganizationService(session)
        if form is not None:
            action = form.get("action")
            if action == "create":
                org_name = form.get("organization") or None
                issued = service.create(
                    principal,
                    name=form.get("name", ""),
                    grant_types=[form.get("grant", "client_credentials")],
                    scope=" ".join(s for s in SCOPES if form.get(f"scope:{s}") == "on"),
                    organization=None if org_name is None else orgs.get(org_name),
                    redirect_uris=[u for u in form.get("redirect_uri", "").split() if u],
                )
                shown = {"client_id": issued.client.client_id, "secret": issued.secret}
            elif action == "rotate":
                issued = service.rotate_secret(principal, form.get("client_id", ""))
                shown = {"client_id": issued.client.client_id, "secret": issued.secret}
            elif action == "delete":
                service.delete(principal, form.get("client_id", ""))
        clients = []
        for c in service.list_for(principal):
            org = None if c.organization_id is None else orgs.get_by_id(c.organization_id).name
            clients.append(client_json(c, org))
        return {"clients": clients, "orgs": sorted({r.organization_name for r in principal.roles})}

    try:
        context = await in_transaction(request, work)
    except ShuduError as exc:
        return error_page(request, exc.status_code, exc.message)
    return render(
        request,
        "account_clients.html",
        {**context, "shown": shown, "scopes": [(k, *v) for k, v in SCOPES.items()]},
    )


def routes() -> list[Route]:
    return [Route("/account/clients", clients_page, methods=["GET", "POST"])]
