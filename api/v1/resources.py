"""A dataset's resources: files and links, uploads, downloads (licensed ones through the
exchange)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from api.http import (
    JSONResponse,
    parse_model,
    read_model,
)
from api.registry import Registry
from api.representations.catalog import (
    resource_json,
)
from api.state import app_state, in_transaction
from api.uploads import receive_upload
from api.v1.licensed import refusal_response, request_fingerprint
from api.v1.params import (
    NAME,
    RESOURCE_ID,
    uuid_from_path,
)
from catalog.reads import resource_now
from catalog.schemas import ResourceCreate, ResourceUpdate
from catalog.services import DatasetService
from core.errors import NotFound, ValidationFailed
from core.identity.principal import Principal
from exchange.enforcement import Grant, Refusal, needs_licence
from exchange.reads import LicensedReads

resources_api = Registry(prefix="/api/v1")


@resources_api.op(
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
            return resource_json(resource_now(session, service.add_resource(name, data)), base_url)

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
            return resource_json(resource_now(session, resource), base_url)

        body = await in_transaction(request, add)
    except BaseException:
        await in_transaction(request, lambda s, p: _forget_unreferenced(request, s, blob.sha256))
        raise
    return JSONResponse(body, status_code=201)


def _forget_unreferenced(request: Request, session: Session, sha256: str) -> None:
    """Remove a just-stored blob that no resource ended up referring to."""
    if not DatasetService(session, Principal.anonymous()).blob_referenced(sha256):
        app_state(request).files.path(sha256).unlink(missing_ok=True)


@resources_api.op(
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
        return resource_json(resource_now(session, resource), base_url)

    return JSONResponse(await in_transaction(request, work))


@resources_api.op(
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
        return resource_json(resource_now(session, resource), base_url)

    return JSONResponse(await in_transaction(request, work))


@resources_api.op(
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


@resources_api.op(
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
    if found is None:  # conditional data: the licence decides (exchange.reads)
        fingerprint = request_fingerprint(request)

        def admit(session: Session, principal: Principal) -> Grant | Refusal:
            return LicensedReads(session, principal, state.sessions).download(
                resource_id, fingerprint
            )

        outcome = await in_transaction(request, admit, write=True)
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
