"""Organizations: departments, enterprises, the exchange and regulators."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from api.http import (
    JSONResponse,
    page,
    query_int,
    read_model,
)
from api.registry import Param, Registry
from api.representations.catalog import (
    organization_json,
)
from api.state import in_transaction
from api.v1.params import (
    CURSOR,
    LIMIT,
    ORG_NAME,
    cursor_name,
    enum_param,
    trim_page,
)
from core.errors import NotAuthenticated, PermissionDenied
from core.identity.models import OrgKind
from core.identity.principal import Principal
from core.identity.schemas import OrganizationCreate
from core.identity.services import OrganizationService

organizations_api = Registry(prefix="/api/v1")


@organizations_api.op(
    "GET",
    "/organizations",
    summary="List organizations",
    tag="organizations",
    access="public",
    scope="catalog:read",
    response="OrganizationPage",
    params=(LIMIT, CURSOR, Param("kind", "query", "department, enterprise, exchange or regulator")),
    errors=(400, 422),
)
async def list_organizations(request: Request) -> Response:
    limit = query_int(request.query_params, "limit", 50, lo=1, hi=1000)
    kind = enum_param(request.query_params.get("kind"), OrgKind, "kind")
    after = cursor_name(request)

    def work(session: Session, _: Principal) -> dict[str, Any]:
        rows, total = OrganizationService(session).page(kind=kind, after=after, limit=limit + 1)
        rows, last = trim_page(rows, limit)
        return page([organization_json(o) for o in rows], total, last)

    return JSONResponse(await in_transaction(request, work))


@organizations_api.op(
    "POST",
    "/organizations",
    summary="Create an organization (site admins)",
    tag="organizations",
    access="write",
    scope="admin",
    body=OrganizationCreate,
    response="Organization",
    status=201,
    errors=(400, 401, 403, 409, 422),
)
async def create_organization(request: Request) -> Response:
    data = await read_model(request, OrganizationCreate)

    def work(session: Session, principal: Principal) -> dict[str, Any]:
        if not principal.is_authenticated:
            raise NotAuthenticated("Log in or send an API token")
        if not (principal.is_admin and principal.can_write):
            raise PermissionDenied("Only site administrators create organizations")
        org = OrganizationService(session).create(
            data.name,
            data.kind,
            title_zh=data.title.zh,
            title_en=data.title.en,
            description_zh=data.description.zh,
            description_en=data.description.en,
        )
        return organization_json(org)

    return JSONResponse(await in_transaction(request, work), status_code=201)


@organizations_api.op(
    "GET",
    "/organizations/{name}",
    summary="One organization",
    tag="organizations",
    access="public",
    scope="catalog:read",
    params=(ORG_NAME,),
    response="Organization",
    errors=(404,),
)
async def show_organization(request: Request) -> Response:
    name = request.path_params["name"]

    def work(session: Session, _: Principal) -> dict[str, Any]:
        return organization_json(OrganizationService(session).get(name))

    return JSONResponse(await in_transaction(request, work))
