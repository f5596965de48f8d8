"""Public catalog pages: home, search with facets, dataset and organization pages.

Server-rendered and usable without JavaScript; the search box gains suggestions with it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.html import page_language, render
from api.i18n import N_
from api.representations.catalog import dataset_json, organization_json
from api.representations.exchange import annotate_offers
from api.representations.search import result_json, run_search
from api.state import app_state, in_transaction
from api.web.charts import bar_chart
from api.web.exchange import offers_for
from catalog.datastore.services import DatastoreService, decision_for
from catalog.models import Dataset
from catalog.search.query import FACET_FIELDS
from catalog.services import DatasetService
from core.errors import PermissionDenied
from core.identity.models import OrgKind
from core.identity.principal import Principal
from core.identity.services import OrganizationService

FACET_TITLES = {
    "organization": N_("发布部门"),
    "theme": N_("主题"),
    "tag": N_("关键词"),
    "format": N_("格式"),
    "license": N_("许可"),
    "open_level": N_("开放类型"),
}
SORT_TITLES = {
    "relevance": N_("相关度"),
    "updated": N_("最近更新"),
    "newest": N_("最新发布"),
    "downloads": N_("下载最多"),
    "title": N_("标题"),
}
PAGE_PARAMS = ("q", "sort", "modified_from", "modified_to", *FACET_FIELDS)


def _link(params: list[tuple[str, str]]) -> str:
    return "/search" + ("?" + urlencode(params) if params else "")


def _kept(query: QueryParams) -> list[tuple[str, str]]:
    """The search's own parameters, without paging (a changed search starts at page one)."""
    return [(k, v) for k, v in query.multi_items() if k in PAGE_PARAMS and v]


def facet_links(query: QueryParams, facets: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    kept = _kept(query)
    out: dict[str, list[dict[str, Any]]] = {}
    for field, values in facets.items():
        chosen = set(query.getlist(field))
        entries = []
        for facet in values:
            value = facet["value"]
            active = value in chosen
            params = (
                [(k, v) for k, v in kept if not (k == field and v == value)]
                if active
                else [*kept, (field, value)]
            )
            label = facet["label"]
            entries.append(
                {
                    "value": value,
                    "label_zh": label["zh"] if isinstance(label, dict) else label,
                    "label_en": label["en"] if isinstance(label, dict) else label,
                    "count": facet["count"],
                    "active": active,
                    "href": _link(params),
                }
            )
        out[field] = entries
    return out


async def home(request: Request) -> Response:
    # The home page is a search for everything, most recently updated first.
    query, result, labels = await run_search(request, QueryParams("sort=updated&limit=12"))
    body = result_json(query, result, labels)

    def publishers(session: Session, _: Principal) -> int:
        return OrganizationService(session).page(kind=OrgKind.DEPARTMENT, limit=1)[1]

    return render(
        request,
        "home.html",
        {
            "total": body["total"],
            "recent": body["items"],
            "themes": body["facets"]["theme"],
            "organizations": await in_transaction(request, publishers),
        },
    )


async def search_page(request: Request) -> Response:
    own = QueryParams([(k, v) for k, v in request.query_params.multi_items() if k != "lang"])
    query, result, labels = await run_search(request, own)
    body = result_json(query, result, labels)
    await in_transaction(request, lambda session, _: annotate_offers(session, body["items"]))
    kept = _kept(request.query_params)
    next_href = (
        None if body["next_cursor"] is None else _link([*kept, ("cursor", body["next_cursor"])])
    )
    sorts = [
        {
            "value": value,
            "title": title,
            "active": query.sort.value == value,
            "href": _link([*[(k, v) for k, v in kept if k != "sort"], ("sort", value)]),
        }
        for value, title in SORT_TITLES.items()
    ]
    return render(
        request,
        "search.html",
        {
            "q": query.text,
            "result": body,
            "facets": facet_links(request.query_params, body["facets"]),
            "facet_titles": FACET_TITLES,
            "sorts": sorts,
            "next_href": next_href,
            "first_href": _link(kept) if request.query_params.get("cursor") else None,
            "filtered": any(request.query_params.getlist(f) for f in FACET_FIELDS),
        },
    )


async def dataset_page(request: Request) -> Response:
    name = request.path_params["name"]
    base_url = app_state(request).settings.base_url
    lang = page_language(request)

    def work(session: Session, principal: Principal) -> dict[str, Any]:
        dataset = DatasetService(session, principal).get(name)
        return {
            "dataset": dataset_json(dataset, base_url),
            **_data_preview(session, principal, dataset),
            "product": offers_for(session, principal, dataset.id, lang),
        }

    return render(request, "dataset.html", await in_transaction(request, work))


def _data_preview(session: Session, principal: Principal, dataset: Dataset) -> dict[str, Any]:
    """The first loaded table's first 100 rows and a chart, when the caller may read them."""
    service = DatastoreService(session)
    for resource in dataset.resources:
        meta = service.table_of(resource.id)
        if meta is None or meta.table_name is None:
            continue
        try:
            decision = decision_for(principal, dataset)
        except PermissionDenied:
            return {"preview": None, "preview_licensed": True}
        chart = service.chart(resource.id, decision)
        return {
            "preview": service.preview(resource.id, decision),
            "preview_resource": resource.name,
            "chart": None if chart is None else {**chart, **bar_chart(chart["points"])},
        }
    return {"preview": None}


async def organization_page(request: Request) -> Response:
    name = request.path_params["name"]

    def work(session: Session, _: Principal) -> dict[str, Any]:
        return organization_json(OrganizationService(session).get(name))

    organization = await in_transaction(request, work)
    scope = dict(request.scope)
    scope["query_string"] = urlencode(
        {"organization": name, "sort": "updated", "limit": 50}
    ).encode()
    query, result, labels = await run_search(Request(scope, request.receive))
    return render(
        request,
        "organization.html",
        {"organization": organization, "result": result_json(query, result, labels)},
    )


def routes() -> list[Route]:
    return [
        Route("/", home, methods=["GET"]),
        Route("/search", search_page, methods=["GET"]),
        Route("/dataset/{name}", dataset_page, methods=["GET"]),
        Route("/organization/{name}", organization_page, methods=["GET"]),
    ]
