"""``GET /api/v1/search`` and ``/api/v1/search/suggest``."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from api.http import JSONResponse
from api.readcache import Built, kept_json
from api.registry import Param, Registry
from api.representations.exchange import annotate_offers
from api.representations.search import result_json, search_as
from api.runtime.search import search_runtime
from api.state import in_transaction
from catalog.search.query import FACET_FIELDS
from catalog.search.service import visibility_for
from core.errors import BadRequest
from core.identity.principal import Principal

search_api = Registry(prefix="/api/v1")

FILTER_PARAMS = tuple(
    Param(f, "query", f"Only datasets with this {f} (repeat or comma-separate for any of several)")
    for f in FACET_FIELDS
)


@search_api.op(
    "GET",
    "/search",
    summary="Search datasets: text, filters, facets, highlights, deep paging",
    tag="search",
    access="public",
    scope="catalog:read",
    response="SearchResult",
    params=(
        Param("q", "query", 'Words in Chinese or English; "quoted phrase"; prefix*'),
        Param("limit", "query", "Page size (1-100, default 20)", {"type": "integer"}),
        Param("cursor", "query", "next_cursor of the previous page"),
        Param("sort", "query", "relevance, newest, updated, downloads or title"),
        Param(
            "modified_from",
            "query",
            "Modified on or after (YYYY-MM-DD)",
            {"type": "string", "format": "date"},
        ),
        Param(
            "modified_to",
            "query",
            "Modified on or before (YYYY-MM-DD)",
            {"type": "string", "format": "date"},
        ),
        *FILTER_PARAMS,
    ),
    errors=(400, 401, 422, 503),
)
async def search(request: Request) -> Response:
    async def produce() -> tuple[Built, Principal]:
        principal, query, result, labels = await search_as(request)
        body = result_json(query, result, labels)
        # Each hit says how many licence offers it has (conditional datasets as products).
        await in_transaction(request, lambda session, _: annotate_offers(session, body["items"]))
        return Built(body, public=True), principal

    return await kept_json(request, ("v1.search", request.url.query), produce, view=visibility_for)


@search_api.op(
    "GET",
    "/search/suggest",
    summary="Suggestions for what is being typed: titles and tags",
    tag="search",
    access="public",
    scope="catalog:read",
    response="SuggestionList",
    params=(Param("q", "query", "The prefix typed so far", required=True),),
    errors=(400, 401, 503),
)
async def suggest(request: Request) -> Response:
    prefix = request.query_params.get("q", "")
    if len(prefix) > 200:
        raise BadRequest("A suggestion prefix is at most 200 characters")
    visibility = await in_transaction(request, lambda _s, p: visibility_for(p))
    suggestions = await search_runtime(request).backend.suggest(prefix, visibility)
    return JSONResponse(
        {"items": [{"text": s.text, "kind": s.kind, "name": s.name} for s in suggestions]}
    )


SEARCH_SCHEMAS: dict[str, dict[str, Any]] = {
    "SearchResult": {
        "type": "object",
        "required": ["total", "items", "facets", "next_cursor"],
        "properties": {
            "total": {"type": "integer"},
            "items": {"type": "array", "items": {"type": "object"}},
            "facets": {
                "type": "object",
                "additionalProperties": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "value": {"type": "string"},
                            "label": {},
                            "count": {"type": "integer"},
                        },
                    },
                },
            },
            "next_cursor": {"type": ["string", "null"]},
        },
    },
    "SuggestionList": {
        "type": "object",
        "properties": {
            "items": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "text": {"type": "string"},
                        "kind": {"enum": ["title", "tag"]},
                        "name": {"type": ["string", "null"]},
                    },
                },
            }
        },
    },
}
