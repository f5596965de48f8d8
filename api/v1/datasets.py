"""Datasets: list, create, read, update, publish and withdraw, history."""

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
from api.readcache import Built, cached_json
from api.registry import Endpoint, Param, Registry
from api.representations.catalog import (
    dataset_json,
    revision_json,
)
from api.state import app_state, in_transaction
from api.v1.params import (
    CURSOR,
    LIMIT,
    NAME,
    cursor_name,
    enum_param,
    trim_page,
)
from catalog.models import DatasetState, OpenLevel
from catalog.reads import dataset_now, reads_of
from catalog.schemas import DatasetCreate, DatasetUpdate
from catalog.search.documents import is_public
from catalog.services import DatasetService
from core.identity.principal import Principal

datasets_api = Registry(prefix="/api/v1")


@datasets_api.op(
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
    open_level = enum_param(params.get("open_level"), OpenLevel, "open_level")
    state = enum_param(params.get("state"), DatasetState, "state")
    after = cursor_name(request)
    base_url = app_state(request).settings.base_url

    def work(session: Session, principal: Principal) -> dict[str, Any]:
        rows, total = DatasetService(session, principal).page(
            limit=limit + 1,
            after=after,
            organization=params.get("organization") or None,
            open_level=open_level,
            state=state,
        )
        rows, last = trim_page(rows, limit)
        return page([dataset_json(d, base_url) for d in reads_of(session, rows)], total, last)

    return JSONResponse(await in_transaction(request, work))


@datasets_api.op(
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
        created = DatasetService(session, principal).create(data)
        return dataset_json(dataset_now(session, created), base_url)

    return JSONResponse(await in_transaction(request, work), status_code=201)


@datasets_api.op(
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

    def build(session: Session, principal: Principal) -> Built:
        dataset = DatasetService(session, principal).read(name)
        return Built(dataset_json(dataset, base_url), is_public(dataset))

    return await cached_json(request, ("v1.dataset", name), build)


@datasets_api.op(
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
        updated = DatasetService(session, principal).update(name, data)
        return dataset_json(dataset_now(session, updated), base_url)

    return JSONResponse(await in_transaction(request, work))


def _state_change(action: str) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        name = request.path_params["name"]
        base_url = app_state(request).settings.base_url

        def work(session: Session, principal: Principal) -> dict[str, Any]:
            service = DatasetService(session, principal)
            dataset = service.publish(name) if action == "publish" else service.withdraw(name)
            return dataset_json(dataset_now(session, dataset), base_url)

        return JSONResponse(await in_transaction(request, work))

    endpoint.__name__ = f"{action}_dataset"
    return endpoint


datasets_api.op(
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
datasets_api.op(
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


@datasets_api.op(
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
