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
from api.i18n import N_, written_in
from api.readcache import kept_page
from api.representations.catalog import dataset_json, organization_json
from api.representations.exchange import annotate_offers
from api.representations.search import result_json, run_search
from api.state import app_state, in_transaction
from api.web.charts import chart_geometry, map_geometry
from api.web.exchange import offers_for
from catalog.datastore.query import RecordQuery
from catalog.datastore.services import DatastoreService, decision_for
from catalog.reads import DatasetRead
from catalog.search.query import FACET_FIELDS
from catalog.services import DatasetService
from core.errors import PermissionDenied
from core.identity.models import OrgKind
from core.identity.principal import Principal
from core.identity.services import OrganizationService
from exchange.figures import SiteFigures, site_figures

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
    return await kept_page(request, lambda: _home(request))


async def _home(request: Request) -> Response:
    # The home page is three searches (recently updated, most downloaded, newest) and the
    # site's figures; the first search's facets give the themes and suggested keywords.
    query, result, labels = await run_search(
        request, QueryParams("sort=updated&limit=6"), facet_size=40
    )
    body = result_json(query, result, labels)
    popular = await run_search(request, QueryParams("sort=downloads&limit=6"))
    newest = await run_search(request, QueryParams("sort=newest&limit=6"))

    def work(session: Session, _: Principal) -> tuple[int, SiteFigures]:
        departments = OrganizationService(session).page(kind=OrgKind.DEPARTMENT, limit=1)[1]
        return departments, site_figures(session)

    departments, figures = await in_transaction(request, work)
    return render(
        request,
        "home.html",
        {
            "total": body["total"],
            "recent": body["items"],
            # Only datasets that were downloaded at all: a "most downloaded" list of zeros says
            # nothing.
            "popular": [d for d in result_json(*popular)["items"] if d.get("downloads")],
            "newest": result_json(*newest)["items"],
            "themes": body["facets"]["theme"],
            "suggestions": written_in(
                [t["value"] for t in body["facets"].get("tag", [])], page_language(request)
            )[:6],
            "organizations": departments,
            "figures": figures,
        },
    )


async def search_page(request: Request) -> Response:
    return await kept_page(request, lambda: _search_page(request))


async def _search_page(request: Request) -> Response:
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


PREVIEW_ROWS = 20


def _preview_request(request: Request) -> tuple[int, str | None]:
    """The preview's page (from 1) and sort (``field`` or ``-field``) asked in the query; a
    malformed page reads as the first."""
    raw = request.query_params.get("page", "1")
    page = int(raw) if raw.isdigit() and 0 < int(raw) <= 10_000 else 1
    return page, request.query_params.get("sort") or None


async def dataset_page(request: Request) -> Response:
    return await kept_page(request, lambda: _dataset_page(request))


async def _dataset_page(request: Request) -> Response:
    name = request.path_params["name"]
    base_url = app_state(request).settings.base_url
    lang = page_language(request)
    page, sort = _preview_request(request)

    def work(session: Session, principal: Principal) -> dict[str, Any]:
        dataset = DatasetService(session, principal).read(name)
        return {
            "dataset": dataset_json(dataset, base_url),
            "keywords": written_in(sorted(t.name for t in dataset.tags), lang),
            **_data_views(session, principal, dataset, page, sort),
            "product": offers_for(session, principal, dataset.id, lang),
        }

    context = await in_transaction(request, work)
    context["base_url"] = base_url
    return render(request, "dataset.html", context)


def _data_views(
    session: Session, principal: Principal, dataset: DatasetRead, page: int, sort: str | None
) -> dict[str, Any]:
    """The first loaded table's preview page, chart and map, when the caller may read them.

    The same service and access decision as the records API (``/api/v1/resources/{id}/
    records``), which the page's script pages through when JavaScript runs.
    """
    service = DatastoreService(session)
    for resource in dataset.resources:
        meta = resource.table
        if meta is None or meta.table_name is None:
            continue
        try:
            decision = decision_for(principal, dataset)
        except PermissionDenied:
            return {"preview": None, "preview_licensed": True}
        field_ids = {f["id"] for f in meta.fields}
        if sort is not None and sort.lstrip("-") not in field_ids:
            sort = None
        query = RecordQuery(
            limit=PREVIEW_ROWS, offset=(page - 1) * PREVIEW_ROWS, sort=[sort] if sort else []
        )
        preview = service.records(resource.id, query, decision)
        pages = max(1, -(-int(preview["total"] or 0) // PREVIEW_ROWS))
        chart = service.chart(resource.id, decision)
        places = service.places(resource.id, decision)
        return {
            "preview": preview,
            "preview_resource": {"id": str(resource.id), "name": resource.name},
            "preview_page": min(page, pages),
            "preview_pages": pages,
            "preview_sort": sort,
            "preview_rows": PREVIEW_ROWS,
            "chart": None if chart is None else {**chart, **chart_geometry(chart)},
            "places": None if places is None else {**places, **map_geometry(places)},
        }
    return {"preview": None}


async def organization_page(request: Request) -> Response:
    return await kept_page(request, lambda: _organization_page(request))


async def _organization_page(request: Request) -> Response:
    name = request.path_params["name"]

    def work(session: Session, _: Principal) -> dict[str, Any]:
        return organization_json(OrganizationService(session).get(name))

    organization = await in_transaction(request, work)
    params = QueryParams(urlencode({"organization": name, "sort": "updated", "limit": 50}))
    body = result_json(*await run_search(request, params))
    return render(
        request,
        "organization.html",
        {
            "organization": organization,
            "result": body,
            "levels": {f["value"]: f["count"] for f in body["facets"]["open_level"]},
            "themes": body["facets"]["theme"],
            "formats": body["facets"]["format"],
        },
    )


async def organizations_page(request: Request) -> Response:
    return await kept_page(request, lambda: _organizations_page(request))


async def _organizations_page(request: Request) -> Response:
    """Every department, with how many datasets each publishes (from the search facets)."""

    def work(session: Session, _: Principal) -> list[dict[str, Any]]:
        rows, _total = OrganizationService(session).page(kind=OrgKind.DEPARTMENT, limit=500)
        return [organization_json(org) for org in rows]

    organizations = await in_transaction(request, work)
    body = result_json(*await run_search(request, QueryParams("limit=1"), facet_size=500))
    counts = {f["value"]: f["count"] for f in body["facets"]["organization"]}
    for org in organizations:
        org["datasets"] = counts.get(org["name"], 0)
    organizations.sort(key=lambda o: (-o["datasets"], o["name"]))
    return render(request, "organizations.html", {"organizations": organizations})


async def themes_page(request: Request) -> Response:
    return await kept_page(request, lambda: _themes_page(request))


async def _themes_page(request: Request) -> Response:
    body = result_json(*await run_search(request, QueryParams("limit=1"), facet_size=500))
    return render(request, "themes.html", {"themes": body["facets"]["theme"]})


def routes() -> list[Route]:
    return [
        Route("/", home, methods=["GET"]),
        Route("/search", search_page, methods=["GET"]),
        Route("/dataset/{name}", dataset_page, methods=["GET"]),
        Route("/organization/{name}", organization_page, methods=["GET"]),
        Route("/organizations", organizations_page, methods=["GET"]),
        Route("/themes", themes_page, methods=["GET"]),
    ]
