"""DCAT-AP 3 and Project Open Data: ``/catalog.{jsonld,ttl,rdf}`` (Hydra-paged),
``/dataset/{name}.{jsonld,ttl,rdf}`` and ``/data.json``.

Public metadata documents for harvesters; each caller sees what the catalog's visibility rules
let them see (anonymous callers: the published open and conditional datasets).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.http import JSONResponse, query_int
from api.state import app_state, in_transaction
from catalog.formats.datajson import data_json
from catalog.formats.dcat import (
    MEDIA_TYPES,
    CatalogPage,
    catalog_graph,
    dataset_graph,
    serialize,
)
from catalog.packages import PackageQuery, PackageService
from core.identity.principal import Principal

PER_PAGE = 100
DATA_JSON_LIMIT = 100_000  # the whole public catalog in one document, as the schema wants


def _catalog(extension: str) -> Callable[[Request], Any]:
    async def endpoint(request: Request) -> Response:
        page = query_int(request.query_params, "page", 1, lo=1, hi=1_000_000)
        per_page = query_int(request.query_params, "per_page", PER_PAGE, lo=1, hi=1000)
        base_url = app_state(request).settings.base_url

        def work(session: Session, principal: Principal) -> bytes:
            found = PackageService(session, principal).search(
                PackageQuery(sort="name asc", start=(page - 1) * per_page, rows=per_page)
            )
            where = CatalogPage(page=page, per_page=per_page, total=found.count)
            return serialize(catalog_graph(found.results, base_url, where, extension), extension)

        body = await in_transaction(request, work)
        return Response(body, media_type=MEDIA_TYPES[extension])

    endpoint.__name__ = f"catalog_{extension}"
    return endpoint


def _dataset(extension: str) -> Callable[[Request], Any]:
    async def endpoint(request: Request) -> Response:
        name = request.path_params["name"]
        base_url = app_state(request).settings.base_url

        def work(session: Session, principal: Principal) -> bytes:
            dataset = PackageService(session, principal).read(name)
            return serialize(dataset_graph(dataset, base_url), extension)

        body = await in_transaction(request, work)
        return Response(body, media_type=MEDIA_TYPES[extension])

    endpoint.__name__ = f"dataset_{extension}"
    return endpoint


async def data_json_endpoint(request: Request) -> Response:
    base_url = app_state(request).settings.base_url

    def work(session: Session, principal: Principal) -> dict[str, Any]:
        found = PackageService(session, principal).search(
            PackageQuery(sort="name asc", rows=DATA_JSON_LIMIT)
        )
        return data_json(found.results, base_url)

    document = await in_transaction(request, work)
    return JSONResponse(document)


def routes() -> list[Route]:
    """Mounted before the web pages: ``/dataset/{name}`` would otherwise take ``x.ttl``."""
    out = [Route("/data.json", data_json_endpoint, methods=["GET"])]
    for extension in MEDIA_TYPES:
        out.append(Route(f"/catalog.{extension}", _catalog(extension), methods=["GET"]))
        out.append(Route(f"/dataset/{{name}}.{extension}", _dataset(extension), methods=["GET"]))
    return out
