"""Developer self-service for OAuth clients: register, list, rotate the secret, delete."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from api.http import JSONResponse, read_model
from api.registry import Param, Registry
from api.representations.clients import clients_json, issued_client_json
from api.runtime.oauth import flush_usage
from api.state import in_transaction
from core.errors import NotAuthenticated, PermissionDenied
from core.identity.oauth import OAuthClientService
from core.identity.oauth_schemas import OAuthClientCreate
from core.identity.principal import Principal
from core.identity.services import OrganizationService

clients_api = Registry(prefix="/api/v1")
log = logging.getLogger("shudu.oauth")

CLIENT_ID = Param("client_id", "path", "The client's id (sdc_…)", required=True)

_STR = {"type": "string"}
CLIENT_SCHEMAS: dict[str, dict[str, Any]] = {
    "OAuthClient": {
        "type": "object",
        "properties": {
            "client_id": _STR,
            "name": _STR,
            "organization": {"type": ["string", "null"]},
            "grant_types": {"type": "array", "items": _STR},
            "scope": _STR,
            "redirect_uris": {"type": "array", "items": _STR},
            "auth_method": _STR,
            "usage_count": {"type": "integer", "description": "tokens granted so far"},
            "calls_total": {"type": "integer", "description": "API calls made with its tokens"},
            "calls_today": {"type": "integer", "description": "API calls today (UTC)"},
            "daily_usage": {
                "type": "array",
                "description": "API calls and token grants per UTC day, last 30 days, newest first",
                "items": {
                    "type": "object",
                    "properties": {
                        "day": {"type": "string", "format": "date"},
                        "calls": {"type": "integer"},
                        "grants": {"type": "integer"},
                    },
                },
            },
            "last_used_at": {"type": ["string", "null"], "format": "date-time"},
            "created_at": {"type": "string", "format": "date-time"},
            "secret_rotated_at": {"type": ["string", "null"], "format": "date-time"},
        },
    },
    "NewOAuthClient": {
        "allOf": [
            {"$ref": "#/components/schemas/OAuthClient"},
            {
                "type": "object",
                "properties": {"client_secret": {"type": ["string", "null"]}},
                "required": ["client_secret"],
            },
        ]
    },
    "OAuthClientList": {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/OAuthClient"}},
            "total": {"type": "integer"},
            "next_cursor": {"type": ["string", "null"]},
        },
    },
}


def _writer(principal: Principal) -> Principal:
    if principal.user_id is None:
        raise NotAuthenticated("Log in or send an API token")
    if not principal.can_write:
        raise PermissionDenied("A read-only credential cannot change OAuth clients")
    return principal


@clients_api.op(
    "GET",
    "/oauth/clients",
    summary="My OAuth clients and my organizations' ones, with usage counts",
    tag="oauth",
    access="read",
    scope="admin",
    response="OAuthClientList",
    errors=(401,),
)
async def list_clients(request: Request) -> Response:
    def work(session: Session, principal: Principal) -> dict[str, Any]:
        if principal.user_id is None:
            raise NotAuthenticated("Log in or send an API token")
        items = clients_json(session, OAuthClientService(session).list_for(principal))
        return {"items": items, "total": len(items), "next_cursor": None}

    await flush_usage(request)
    return JSONResponse(await in_transaction(request, work))


@clients_api.op(
    "POST",
    "/oauth/clients",
    summary="Register an OAuth client; the secret is in this answer only",
    tag="oauth",
    access="write",
    scope="admin",
    body=OAuthClientCreate,
    response="NewOAuthClient",
    status=201,
    errors=(400, 401, 403, 404, 415, 422),
)
async def create_client(request: Request) -> Response:
    data = await read_model(request, OAuthClientCreate)

    def work(session: Session, principal: Principal) -> dict[str, Any]:
        org = None
        if data.organization is not None:
            org = OrganizationService(session).get(data.organization)
        issued = OAuthClientService(session).create(
            _writer(principal),
            name=data.name,
            grant_types=list(data.grant_types),
            scope=data.scope,
            organization=org,
            redirect_uris=data.redirect_uris,
            auth_method=data.auth_method,
            jwks=data.jwks,
        )
        return issued_client_json(session, issued)

    return JSONResponse(await in_transaction(request, work), status_code=201)


@clients_api.op(
    "GET",
    "/oauth/clients/{client_id}",
    summary="One of my OAuth clients",
    tag="oauth",
    access="read",
    scope="admin",
    params=(CLIENT_ID,),
    response="OAuthClient",
    errors=(401, 404),
)
async def show_client(request: Request) -> Response:
    client_id = request.path_params["client_id"]

    def work(session: Session, principal: Principal) -> dict[str, Any]:
        client = OAuthClientService(session).get_managed(principal, client_id)
        return clients_json(session, [client])[0]

    await flush_usage(request)
    return JSONResponse(await in_transaction(request, work))


@clients_api.op(
    "POST",
    "/oauth/clients/{client_id}/secret",
    summary="Rotate a client's secret: the old one stops working now",
    tag="oauth",
    access="write",
    scope="admin",
    params=(CLIENT_ID,),
    response="NewOAuthClient",
    errors=(401, 403, 404, 422),
)
async def rotate_client_secret(request: Request) -> Response:
    client_id = request.path_params["client_id"]

    def work(session: Session, principal: Principal) -> dict[str, Any]:
        issued = OAuthClientService(session).rotate_secret(_writer(principal), client_id)
        return issued_client_json(session, issued)

    return JSONResponse(await in_transaction(request, work))


@clients_api.op(
    "DELETE",
    "/oauth/clients/{client_id}",
    summary="Delete a client: its tokens stop working",
    tag="oauth",
    access="write",
    scope="admin",
    params=(CLIENT_ID,),
    status=204,
    errors=(401, 403, 404),
)
async def delete_client(request: Request) -> Response:
    client_id = request.path_params["client_id"]

    def work(session: Session, principal: Principal) -> None:
        OAuthClientService(session).delete(_writer(principal), client_id)

    await in_transaction(request, work)
    request.app.state.oauth.server.clients.forget(client_id)
    return Response(status_code=204)
