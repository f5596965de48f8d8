"""JSON API v1 under ``/api/v1``. Handlers parse, call services, and render; nothing else."""

from __future__ import annotations

import uuid
from typing import Any, Protocol, TypeVar

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from api.http import (
    JSONResponse,
    decode_cursor,
    page,
    parse_model,
    query_int,
    read_model,
)
from api.licensed import licensed_download, refusal_response
from api.registry import Endpoint, Param, Registry
from api.representations import (
    dataset_json,
    me_json,
    organization_json,
    resource_json,
    revision_json,
    theme_json,
    token_json,
)
from api.state import app_state, in_transaction
from api.uploads import receive_upload
from catalog.licenses import OPEN_LICENSES
from catalog.models import DatasetState, OpenLevel
from catalog.schemas import DatasetCreate, DatasetUpdate, ResourceCreate, ResourceUpdate
from catalog.services import DatasetService, ThemeService
from core.errors import BadRequest, NotAuthenticated, NotFound, PermissionDenied, ValidationFailed
from core.identity.models import OrgKind
from core.identity.principal import Principal
from core.identity.schemas import OrganizationCreate, TokenCreate
from core.identity.services import OrganizationService, TokenService, UserService
from exchange.enforcement import Refusal, needs_licence

api = Registry(prefix="/api/v1")

LIMIT = Param("limit", "query", "Page size (1-1000, default 50)", {"type": "integer"})
CURSOR = Param("cursor", "query", "Opaque cursor from a previous page's next_cursor")
NAME = Param("name", "path", "Dataset name (slug)", required=True)
ORG_NAME = Param("name", "path", "Organization name (slug)", required=True)
RESOURCE_ID = Param("id", "path", "Resource id", {"type": "string", "format": "uuid"}, True)


def _enum_param(raw: str | None, enum: Any, name: str) -> Any:
    if raw is None or raw == "":
        return None
    try:
        return enum(raw)
    except ValueError:
        allowed = ", ".join(m.value for m in enum)
        raise ValidationFailed(f"Unknown {name} {raw!r}", {name: [f"one of {allowed}"]}) from None


def uuid_from_path(raw: str) -> uuid.UUID:
    """An id from the path; a malformed one names nothing (404, not 500)."""
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise NotFound("No such resource") from None


class _Named(Protocol):
    name: str


N = TypeVar("N", bound=_Named)


def _trim(rows: list[N], limit: int) -> tuple[list[N], str | None]:
    """Services are asked for one row more than a page: its presence means a next page."""
    if len(rows) > limit:
        return rows[:limit], rows[limit - 1].name
    return rows, None


def _cursor_name(request: Request) -> str | None:
    raw = request.query_params.get("cursor")
    if not raw:
        return None
    key = decode_cursor(raw)
    if not isinstance(key, str):
        raise BadRequest("The cursor is not one this API gave out; start again without it")
    return key


# -- me and tokens ---------------------------------------------------------------------------


def _require_user(principal: Principal) -> uuid.UUID:
    if principal.user_id is None:
        raise NotAuthenticated("Log in or send an API token")
    return principal.user_id


@api.op(
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
        user = UserService(session).get(_require_user(principal))
        return me_json(user, principal)

    return JSONResponse(await in_transaction(request, work))


@api.op(
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
        tokens = TokenService(session).list_for(_require_user(principal))
        return {"items": [token_json(t) for t in tokens], "total": len(tokens), "next_cursor": None}

    return JSONResponse(await in_transaction(request, work))


@api.op(
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
        user = UserService(session).get(_require_user(principal))
        if principal.via == "token" and not principal.can_write:
            raise PermissionDenied("A read-only token cannot create tokens")
        if data.write and not principal.can_write:
            raise PermissionDenied("A read-only credential cannot create a write token")
        issued = TokenService(session).create(
            user, name=data.name, can_write=data.write, days=data.days
        )
        return {**token_json(issued.token), "token": issued.secret}

    return JSONResponse(await in_transaction(request, work), status_code=201)


@api.op(
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
        return token_json(TokenService(session).revoke(_require_user(principal), token_id))

    return JSONResponse(await in_transaction(request, work))


# -- vocabularies ----------------------------------------------------------------------------


@api.op(
    "GET",
    "/themes",
    summary="Themes datasets are filed under",
    tag="catalog",
    access="public",
    scope="catalog:read",
    response="ThemeList",
)
async def list_themes(request: Request) -> Response:
    def work(session: Session, _: Principal) -> dict[str, Any]:
        themes = ThemeService(session).all()
        return {"items": [theme_json(t) for t in themes], "total": len(themes), "next_cursor": None}

    return JSONResponse(await in_transaction(request, work))


@api.op(
    "GET",
    "/licenses",
    summary="Open licenses an open dataset may carry",
    tag="catalog",
    access="public",
    scope="catalog:read",
    response="LicenseList",
)
async def list_licenses(request: Request) -> Response:
    items = [
        {
            "id": lic.id,
            "title": {"en": lic.title, "zh": lic.title_zh},
            "url": lic.url,
            "attribution": lic.attribution,
            "share_alike": lic.share_alike,
        }
        for lic in OPEN_LICENSES.values()
    ]
    return JSONResponse({"items": items, "total": len(items), "next_cursor": None})


# -- organizations ---------------------------------------------------------------------------


@api.op(
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
    kind = _enum_param(request.query_params.get("kind"), OrgKind, "kind")
    after = _cursor_name(request)

    def work(session: Session, _: Principal) -> dict[str, Any]:
        rows, total = OrganizationService(session).page(kind=kind, after=after, limit=limit + 1)
        rows, last = _trim(rows, limit)
        return page([organization_json(o) for o in rows], total, last)

    return JSONResponse(await in_transaction(request, work))


@api.op(
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


@api.op(
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


# -- datasets --------------------------------------------------------------------------------


@api.op(
    "GET",
    "/datasets",
    summary="List the datasets the caller may see",
    tag="datasets",
    access="public",
    scope="catalog:read",
    response="DatasetPage",
    params=(
        LIMIT,
        CURSOR,
        Param("organization", "query", "Only this organization's datasets"),
        Param("open_level", "query", "open, conditional or closed"),
        Param("state", "query", "draft, published or withdrawn"),
    ),
    errors=(400, 401, 422),
)
async def list_datasets(request: Request) -> Response:
    params = request.query_params
    limit = query_int(params, "limit", 50, lo=1, hi=1000)
    open_level = _enum_param(params.get("open_level"), OpenLevel, "open_level")
    state = _enum_param(params.get("state"), DatasetState, "state")
    after = _cursor_name(request)
    base_url = app_state(request).settings.base_url

    def work(session: Session, principal: Principal) -> dict[str, Any]:
        rows, total = DatasetService(session, principal).page(
            limit=limit + 1,
            after=after,
            organization=params.get("organization") or None,
            open_level=open_level,
            state=state,
        )
        rows, last = _trim(rows, limit)
        return page([dataset_json(d, base_url) for d in rows], total, last)

    return JSONResponse(await in_transaction(request, work))


@api.op(
    "POST",
    "/datasets",
    summary="Create a dataset (publishers of its organization)",
    tag="datasets",
    access="write",
    scope="catalog:write",
    body=DatasetCreate,
    response="Dataset",
    status=201,
    errors=(400, 401, 403, 409, 415, 422),
)
async def create_dataset(request: Request) -> Response:
    data = await read_model(request, DatasetCreate)
    base_url = app_state(request).settings.base_url

    def work(session: Session, principal: Principal) -> dict[str, Any]:
        return dataset_json(DatasetService(session, principal).create(data), base_url)

    return JSONResponse(await in_transaction(request, work), status_code=201)


@api.op(
    "GET",
    "/datasets/{name}",
    summary="One dataset with its resources",
    tag="datasets",
    access="public",
    scope="catalog:read",
    params=(NAME,),
    response="Dataset",
    errors=(404,),
)
async def show_dataset(request: Request) -> Response:
    name = request.path_params["name"]
    base_url = app_state(request).settings.base_url

    def work(session: Session, principal: Principal) -> dict[str, Any]:
        return dataset_json(DatasetService(session, principal).get(name), base_url)

    return JSONResponse(await in_transaction(request, work))


@api.op(
    "PATCH",
    "/datasets/{name}",
    summary="Change some of a dataset's metadata",
    tag="datasets",
    access="write",
    scope="catalog:write",
    params=(NAME,),
    body=DatasetUpdate,
    response="Dataset",
    errors=(400, 401, 403, 404, 415, 422),
)
async def update_dataset(request: Request) -> Response:
    name = request.path_params["name"]
    data = await read_model(request, DatasetUpdate)
    base_url = app_state(request).settings.base_url

    def work(session: Session, principal: Principal) -> dict[str, Any]:
        return dataset_json(DatasetService(session, principal).update(name, data), base_url)

    return JSONResponse(await in_transaction(request, work))


def _state_change(action: str) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        name = request.path_params["name"]
        base_url = app_state(request).settings.base_url

        def work(session: Session, principal: Principal) -> dict[str, Any]:
            service = DatasetService(session, principal)
            dataset = service.publish(name) if action == "publish" else service.withdraw(name)
            return dataset_json(dataset, base_url)

        return JSONResponse(await in_transaction(request, work))

    endpoint.__name__ = f"{action}_dataset"
    return endpoint


api.op(
    "POST",
    "/datasets/{name}/publish",
    summary="Publish a draft or withdrawn dataset",
    tag="datasets",
    access="write",
    scope="catalog:write",
    params=(NAME,),
    response="Dataset",
    errors=(401, 403, 404, 409, 422),
)(_state_change("publish"))
api.op(
    "POST",
    "/datasets/{name}/withdraw",
    summary="Withdraw a published dataset",
    tag="datasets",
    access="write",
    scope="catalog:write",
    params=(NAME,),
    response="Dataset",
    errors=(401, 403, 404, 409),
)(_state_change("withdraw"))


@api.op(
    "GET",
    "/datasets/{name}/history",
    summary="The history of a dataset's metadata",
    tag="datasets",
    access="public",
    scope="catalog:read",
    params=(NAME,),
    response="RevisionList",
    errors=(404,),
)
async def dataset_history(request: Request) -> Response:
    name = request.path_params["name"]

    def work(session: Session, principal: Principal) -> dict[str, Any]:
        revisions = DatasetService(session, principal).history(name)
        items = [revision_json(r) for r in revisions]
        return {"items": items, "total": len(items), "next_cursor": None}

    return JSONResponse(await in_transaction(request, work))


# -- resources -------------------------------------------------------------------------------


@api.op(
    "POST",
    "/datasets/{name}/resources",
    summary="Add a resource: multipart upload (field `file`) or a JSON link",
    tag="resources",
    access="write",
    scope="catalog:write",
    params=(NAME,),
    body="multipart",
    response="Resource",
    status=201,
    errors=(400, 401, 403, 404, 413, 415, 422),
)
async def add_resource(request: Request) -> Response:
    name = request.path_params["name"]
    state = app_state(request)
    base_url = state.settings.base_url
    content_type = request.headers.get("content-type", "")

    if content_type.startswith("application/json"):
        data = await read_model(request, ResourceCreate)

        def link(session: Session, principal: Principal) -> dict[str, Any]:
            service = DatasetService(session, principal)
            return resource_json(service.add_resource(name, data), base_url)

        return JSONResponse(await in_transaction(request, link), status_code=201)

    # Check the right to edit before reading a possibly huge body.
    await in_transaction(request, lambda s, p: DatasetService(s, p).check_can_edit(name))
    upload = await receive_upload(request, state.files, limit=state.settings.max_upload_bytes)
    if upload.blob is None:
        raise ValidationFailed("No file in the upload", {"file": ["attach the file as 'file'"]})
    blob = upload.blob
    fields: dict[str, Any] = dict(upload.fields)
    if not fields.get("media_type") and upload.content_type:
        fields["media_type"] = upload.content_type
    try:
        data = parse_model(ResourceCreate, fields)

        def add(session: Session, principal: Principal) -> dict[str, Any]:
            service = DatasetService(session, principal)
            resource = service.add_resource(name, data, blob=blob, filename=upload.filename)
            return resource_json(resource, base_url)

        body = await in_transaction(request, add)
    except BaseException:
        await in_transaction(request, lambda s, p: _forget_unreferenced(request, s, blob.sha256))
        raise
    return JSONResponse(body, status_code=201)


def _forget_unreferenced(request: Request, session: Session, sha256: str) -> None:
    """Remove a just-stored blob that no resource ended up referring to."""
    if not DatasetService(session, Principal.anonymous()).blob_referenced(sha256):
        app_state(request).files.path(sha256).unlink(missing_ok=True)


@api.op(
    "GET",
    "/resources/{id}",
    summary="One resource",
    tag="resources",
    access="public",
    scope="catalog:read",
    params=(RESOURCE_ID,),
    response="Resource",
    errors=(404,),
)
async def show_resource(request: Request) -> Response:
    resource_id = uuid_from_path(request.path_params["id"])
    base_url = app_state(request).settings.base_url

    def work(session: Session, principal: Principal) -> dict[str, Any]:
        resource = DatasetService(session, principal).get_resource(resource_id)
        return resource_json(resource, base_url)

    return JSONResponse(await in_transaction(request, work))


@api.op(
    "PATCH",
    "/resources/{id}",
    summary="Change a resource's description",
    tag="resources",
    access="write",
    scope="catalog:write",
    params=(RESOURCE_ID,),
    body=ResourceUpdate,
    response="Resource",
    errors=(400, 401, 403, 404, 415, 422),
)
async def update_resource(request: Request) -> Response:
    resource_id = uuid_from_path(request.path_params["id"])
    data = await read_model(request, ResourceUpdate)
    base_url = app_state(request).settings.base_url

    def work(session: Session, principal: Principal) -> dict[str, Any]:
        resource = DatasetService(session, principal).update_resource(resource_id, data)
        return resource_json(resource, base_url)

    return JSONResponse(await in_transaction(request, work))


@api.op(
    "DELETE",
    "/resources/{id}",
    summary="Remove a resource from its dataset",
    tag="resources",
    access="write",
    scope="catalog:write",
    params=(RESOURCE_ID,),
    status=204,
    errors=(401, 403, 404),
)
async def delete_resource(request: Request) -> Response:
    resource_id = uuid_from_path(request.path_params["id"])

    def work(session: Session, principal: Principal) -> None:
        DatasetService(session, principal).delete_resource(resource_id)

    await in_transaction(request, work)
    return Response(status_code=204)


@api.op(
    "GET",
    "/resources/{id}/download",
    summary="Download an uploaded file (supports Range, ETag and If-None-Match)",
    tag="resources",
    access="public",
    scope="catalog:read",
    params=(RESOURCE_ID,),
    raw_response="application/octet-stream",
    errors=(304, 404, 416),
)
async def download_resource(request: Request) -> Response:
    resource_id = uuid_from_path(request.path_params["id"])
    state = app_state(request)

    not_modified = {t.strip() for t in request.headers.get("if-none-match", "").split(",")}

    licensed = False

    def work(session: Session, principal: Principal) -> tuple[str, str, str] | None:
        service = DatasetService(session, principal)
        resource = service.get_resource(resource_id)
        if resource.sha256 is None:
            raise NotFound("This resource is a link; follow its url")
        if needs_licence(principal, resource.dataset) and not licensed:
            return None
        # Count whole downloads only: not range requests (resumes) nor revalidations.
        counted = f'"{resource.sha256}"' not in not_modified and "range" not in request.headers
        if counted and request.method == "GET":
            service.count_download(resource)
        return resource.sha256, resource.filename or str(resource.id), resource.media_type

    found = await in_transaction(request, work, write=True)
    headers: dict[str, str] = {}
    if found is None:  # conditional data: the licence decides (api.licensed)
        outcome = await licensed_download(request, resource_id)
        if isinstance(outcome, Refusal):
            return refusal_response(outcome)
        headers = {**outcome.headers, "cache-control": "private, no-store"}
        licensed = True
        found = await in_transaction(request, work, write=True)
        assert found is not None
    sha256, filename, media_type = found
    etag = f'"{sha256}"'
    if etag in not_modified:
        return Response(status_code=304, headers={"etag": etag, **headers})
    path = state.files.existing_path(sha256)
    return FileResponse(
        path,
        media_type=media_type or "application/octet-stream",
        filename=filename,
        headers={
            "etag": etag,
            "cache-control": "public, max-age=0, must-revalidate",
            **headers,
        },
    )
