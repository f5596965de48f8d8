"""Simple pages for developers: their OAuth clients (usage, secret rotation, deletion, and
registration with a secret or with their own keys), and the applications they authorized."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from api.access.client_keys import fetch_jwks
from api.html import error_page, login_url, read_form, render
from api.representations.clients import clients_json
from api.runtime.oauth import flush_usage
from api.state import app_state, in_transaction
from core.errors import NotAuthenticated, ShuduError, ValidationFailed
from core.identity.oauth import AUTH_METHODS, SCOPES, OAuthClientService
from core.identity.principal import Principal
from core.identity.services import OrganizationService

MAX_JWKS_FIELD = 64 * 1024


def _pasted_jwks(text: str) -> dict[str, Any]:
    if len(text) > MAX_JWKS_FIELD:
        raise ValidationFailed("The JWK Set is too long", {"jwks": [f"at most {MAX_JWKS_FIELD}"]})
    try:
        document = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise ValidationFailed(
            "The JWK Set is not valid JSON", {"jwks": ['paste {"keys": [...]}']}
        ) from exc
    if not isinstance(document, dict):
        raise ValidationFailed("The JWK Set must be a JSON object", {"jwks": ['{"keys": [...]}']})
    return document


async def _client_keys(request: Request, form: dict[str, str]) -> dict[str, Any] | None:
    """The keys a private_key_jwt registration gives: pasted, or read from its jwks_uri."""
    if form.get("auth_method") != "private_key_jwt":
        return None
    pasted, uri = form.get("jwks", "").strip(), form.get("jwks_uri", "").strip()
    if bool(pasted) == bool(uri):
        raise ValidationFailed(
            "A client that signs its own assertions gives its public keys: paste a JWK Set"
            " or give a jwks_uri (one of the two)",
            {"jwks": ["a JWK Set, or a jwks_uri"]},
        )
    if pasted:
        return _pasted_jwks(pasted)
    return await fetch_jwks(uri, app_state(request).settings.base_url)


async def clients_page(request: Request) -> Response:
    if not request.session.get("user_id"):
        return RedirectResponse(login_url("/account/clients"), status_code=303)
    shown: dict[str, Any] | None = None
    try:
        form = await read_form(request) if request.method == "POST" else None
        jwks = None
        if form is not None and form.get("action") == "create":
            jwks = await _client_keys(request, form)
    except ShuduError as exc:
        return error_page(request, exc.status_code, exc.message)

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
                auth_method = form.get("auth_method") or "client_secret_basic"
                issued = service.create(
                    principal,
                    name=form.get("name", ""),
                    grant_types=[form.get("grant", "client_credentials")],
                    scope=" ".join(s for s in SCOPES if form.get(f"scope:{s}") == "on"),
                    organization=None if org_name is None else orgs.get(org_name),
                    redirect_uris=[u for u in form.get("redirect_uri", "").split() if u],
                    auth_method=auth_method,
                    jwks=jwks,
                )
                shown = {"client_id": issued.client.client_id, "secret": issued.secret}
            elif action == "rotate":
                issued = service.rotate_secret(principal, form.get("client_id", ""))
                shown = {"client_id": issued.client.client_id, "secret": issued.secret}
            elif action == "delete":
                service.delete(principal, form.get("client_id", ""))
            elif action == "withdraw":
                service.withdraw_consent(principal.user_id, form.get("client_id", ""))
        authorized = [
            {
                "client_id": client.client_id,
                "name": client.name,
                "scope": consent.scope,
                "granted_at": consent.granted_at,
            }
            for consent, client in service.consents_of(principal.user_id)
        ]
        return {
            "clients": clients_json(session, service.list_for(principal)),
            "authorized": authorized,
            "orgs": sorted({r.organization_name for r in principal.roles}),
        }

    await flush_usage(request)
    try:
        context = await in_transaction(request, work)
    except ShuduError as exc:
        return error_page(request, exc.status_code, exc.message)
    if form is not None and form.get("action") == "delete":
        request.app.state.oauth.server.clients.forget(form.get("client_id", ""))
    return render(
        request,
        "account_clients.html",
        {
            **context,
            "shown": shown,
            "scopes": [(k, *v) for k, v in SCOPES.items()],
            "auth_methods": AUTH_METHODS,
        },
    )


def routes() -> list[Route]:
    return [Route("/account/clients", clients_page, methods=["GET", "POST"])]
