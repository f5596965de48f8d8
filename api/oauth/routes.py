"""The OAuth endpoints: authorize (with its consent page), token, introspect, revoke, and the
two well-known documents. Handlers await the request, then run Authlib in a worker thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from authlib.oauth2 import OAuth2Error
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from api.access.auth import CSRF_FORM_FIELD, check_csrf, session_user
from api.access.server import (
    HttpInput,
    OAuthResponse,
    ShuduAuthorizationServer,
    bind_session,
    unbind_session,
)
from api.html import error_page, login_url, page_language, render
from api.http import JSONResponse
from api.oauth import pages
from api.runtime.oauth import OAuthRuntime
from api.state import app_state
from core.db import transaction
from core.errors import BadRequest, PayloadTooLarge
from core.identity.models import Organization, User
from core.identity.oauth import SCOPES, OAuthClientService

MAX_FORM_FIELDS = 20
MAX_FORM_BYTES = 64 * 1024  # an OAuth request is a few hundred bytes; a JWT assertion a few KB


def runtime(request: Request) -> OAuthRuntime:
    oauth: OAuthRuntime = request.app.state.oauth
    return oauth


async def _input(request: Request, *, form: bool) -> HttpInput:
    settings = app_state(request).settings
    # Authlib sees the public URL: behind a TLS-terminating proxy that is the https base URL.
    uri = settings.base_url + request.url.path
    if request.url.query:
        uri += "?" + request.url.query
    values: dict[str, list[str]] = {}
    if form:
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_FORM_BYTES:
                raise PayloadTooLarge(f"OAuth requests are limited to {MAX_FORM_BYTES} bytes")
            chunks.append(chunk)
        body = b"".join(chunks).decode("utf-8", "replace")
        try:
            values = parse_qs(body, keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS)
        except ValueError as exc:
            raise BadRequest(f"At most {MAX_FORM_FIELDS} form fields") from exc
    query = parse_qs(request.url.query, keep_blank_values=True)
    return HttpInput(request.method, uri, request.headers, query, values)


def _render(result: OAuthResponse) -> Response:
    headers = {k: v for k, v in result.headers if k.lower() != "content-type"}
    if result.status in (301, 302, 303):
        return RedirectResponse(headers.pop("Location"), status_code=302, headers=headers)
    body = result.body
    if isinstance(body, str):
        return Response(body, status_code=result.status, headers=headers)
    return JSONResponse(body, status_code=result.status, headers=headers)


async def _run(request: Request, work: Callable[[ShuduAuthorizationServer, Session], Any]) -> Any:
    sessions = app_state(request).sessions
    server = runtime(request).server

    def run() -> Any:
        with transaction(sessions, write=True) as session:
            token = bind_session(session)
            try:
                return work(server, session)
            finally:
                unbind_session(token)

    return await run_in_threadpool(run)


async def token(request: Request) -> Response:
    http = await _input(request, form=True)
    result = await _run(request, lambda server, _: server.create_token_response(http))
    return _render(result)


async def revoke(request: Request) -> Response:
    http = await _input(request, form=True)
    result = await _run(
        request, lambda server, _: server.create_endpoint_response("revocation", http)
    )
    return _render(result)


async def introspect(request: Request) -> Response:
    http = await _input(request, form=True)
    result = await _run(
        request, lambda server, _: server.create_endpoint_response("introspection", http)
    )
    return _render(result)


async def metadata(request: Request) -> Response:
    return JSONResponse(runtime(request).server.metadata())


async def jwks(request: Request) -> Response:
    return JSONResponse(
        runtime(request).server.keys.jwks(), headers={"cache-control": "public, max-age=60"}
    )


def _consent_context(
    server: ShuduAuthorizationServer, session: Session, grant: Any
) -> dict[str, Any]:
    client = grant.client.row
    org = (
        None
        if client.organization_id is None
        else session.get(Organization, client.organization_id)
    )
    owner = None if client.owner_user_id is None else session.get(User, client.owner_user_id)
    scopes = scope_list(grant.request.scope)
    return {
        "client_name": client.name,
        "client_id": client.client_id,
        "organization": org,
        "owner_email": None if owner is None else owner.email,
        "scopes": [(s, *SCOPES[s]) for s in scopes],
        "redirect_uri": grant.redirect_uri,
    }


def scope_list(scope: str | None) -> list[str]:
    return [s for s in (scope or "").split() if s in SCOPES]


def _to_login(request: Request) -> Response:
    """Log in first, then come back to this very authorization request (GET: the consent
    page; a POST's decision is not replayed, the person sees the page again)."""
    back = request.url.path + ("?" + request.url.query if request.url.query else "")
    return RedirectResponse(login_url(back), status_code=303)


async def authorize(request: Request) -> Response:
    """GET shows the consent page; POST (CSRF-checked) records the person's decision."""
    user_id = request.session.get("user_id")
    if not isinstance(user_id, str):
        return _to_login(request)
    page_language(request)
    http = await _input(request, form=request.method == "POST")
    if request.method == "POST":
        check_csrf(request, (http.form.get(CSRF_FORM_FIELD) or [""])[0])

    def work(server: ShuduAuthorizationServer, session: Session) -> Any:
        user = session_user(request, session)
        if user is None or str(user.id) != user_id:
            return None
        oauth_request = server.create_oauth2_request(http)
        try:
            grant = server.get_consent_grant(oauth_request, end_user=user)
        except OAuth2Error as error:
            if error.redirect_uri:
                return server.handle_error_response(oauth_request, error)
            return ("error", error.description or error.error)
        clients = OAuthClientService(session)
        client_id = grant.client.get_client_id()
        if request.method == "GET":
            # Consent is remembered per (person, client): the same or fewer scopes again
            # need no page, unless the client asks for one (prompt=consent).
            asked = "consent" in (http.query.get("prompt") or [""])[0].split()
            if not asked and clients.has_consent(user.id, client_id, grant.request.scope or ""):
                return server.create_authorization_response(
                    oauth_request, grant_user=user, grant=grant
                )
            return ("consent", _consent_context(server, session, grant))
        approved = (http.form.get("decision") or [""])[0] == "allow"
        if approved:
            clients.remember_consent(user.id, client_id, grant.request.scope or "")
        return server.create_authorization_response(
            oauth_request, grant_user=user if approved else None, grant=grant
        )

    result = await _run(request, work)
    if result is None:
        request.session.clear()
        return _to_login(request)
    if isinstance(result, OAuthResponse):
        return _render(result)
    kind, value = result
    if kind == "error":
        return error_page(request, 400, f"This authorization request is not valid: {value}")
    query = request.url.query
    return render(request, "oauth_consent.html", {**value, "query": query})


def routes() -> list[Route]:
    return [
        *pages.routes(),
        Route("/oauth/authorize", authorize, methods=["GET", "POST"]),
        Route("/oauth/token", token, methods=["POST"]),
        Route("/oauth/introspect", introspect, methods=["POST"]),
        Route("/oauth/revoke", revoke, methods=["POST"]),
        Route("/.well-known/oauth-authorization-server", metadata, methods=["GET"]),
        Route("/.well-known/jwks.json", jwks, methods=["GET"]),
    ]
