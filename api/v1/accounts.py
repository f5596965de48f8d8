"""``/api/v1/me`` and personal API tokens (``/api/v1/tokens``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from api.http import (
    JSONResponse,
    read_model,
)
from api.registry import Param, Registry
from api.representations.catalog import (
    me_json,
    token_json,
)
from api.state import in_transaction
from api.v1.params import (
    require_user,
    uuid_from_path,
)
from core.errors import PermissionDenied
from core.identity.principal import Principal
from core.identity.schemas import TokenCreate
from core.identity.services import TokenService, UserService

accounts_api = Registry(prefix="/api/v1")


@accounts_api.op(
    "GET",
    "/me",
    summary="The calling user",
    tag="account",
    access="read",
    scope="catalog:read",
    response="Me",
    errors=(401,),
)
async def me(request: Request) -> Response:
    def work(session: Session, principal: Principal) -> dict[str, Any]:
        user = UserService(session).get(require_user(principal))
        return me_json(user, principal)

    return JSONResponse(await in_transaction(request, work))


@accounts_api.op(
    "GET",
    "/me/tokens",
    summary="List my API tokens (secrets are never shown again)",
    tag="account",
    access="read",
    scope="admin",
    response="TokenList",
    errors=(401,),
)
async def list_tokens(request: Request) -> Response:
    def work(session: Session, principal: Principal) -> dict[str, Any]:
        tokens = TokenService(session).list_for(require_user(principal))
        return {"items": [token_json(t) for t in tokens], "total": len(tokens), "next_cursor": None}

    return JSONResponse(await in_transaction(request, work))


@accounts_api.op(
    "POST",
    "/me/tokens",
    summary="Create an API token; the secret is in this answer only",
    tag="account",
    access="write",
    scope="admin",
    body=TokenCreate,
    response="NewToken",
    status=201,
    errors=(401, 403, 422),
)
async def create_token(request: Request) -> Response:
    data = await read_model(request, TokenCreate)

    def work(session: Session, principal: Principal) -> dict[str, Any]:
        user = UserService(session).get(require_user(principal))
        if principal.via == "token" and not principal.can_write:
            raise PermissionDenied("A read-only token cannot create tokens")
        if data.write and not principal.can_write:
            raise PermissionDenied("A read-only credential cannot create a write token")
        issued = TokenService(session).create(
            user, name=data.name, can_write=data.write, days=data.days
        )
        return {**token_json(issued.token), "token": issued.secret}

    return JSONResponse(await in_transaction(request, work), status_code=201)


@accounts_api.op(
    "DELETE",
    "/me/tokens/{id}",
    summary="Revoke one of my API tokens",
    tag="account",
    access="write",
    scope="admin",
    params=(Param("id", "path", "Token id", {"type": "string"}, True),),
    response="Token",
    errors=(401, 404),
)
async def revoke_token(request: Request) -> Response:
    token_id = uuid_from_path(request.path_params["id"])

    def work(session: Session, principal: Principal) -> dict[str, Any]:
        return token_json(TokenService(session).revoke(require_user(principal), token_id))

    return JSONResponse(await in_transaction(request, work))
