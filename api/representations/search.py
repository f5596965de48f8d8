"""Searching the catalog for a request, and its result as JSON: shared by the search API and the
search pages, so both find the same datasets with the same rules."""

from __future__ import annotations

import html
from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import QueryParams
from starlette.requests import Request

from api.http import decode_cursor, encode_cursor, query_int
from api.readcache import not_kept
from api.runtime.search import search_runtime
from api.state import in_transaction
from catalog.models import Theme
from catalog.search.documents import HL_END, HL_START
from catalog.search.interfaces import SearchResult
from catalog.search.misses import SearchMissService
from catalog.search.query import FACET_FIELDS, MAX_QUERY_CHARS, SearchQuery, Sort, Visibility
from catalog.search.service import visibility_for
from core.errors import BadRequest, ValidationFailed
from core.identity.models import Organization, OrgStatus
from core.identity.principal import Principal

KNOWN_PARAMS = {"q", "limit", "cursor", "sort", "modified_from", "modified_to", *FACET_FIELDS}
OPEN_LEVEL_LABELS = {
    "open": {"zh": "无条件开放", "en": "Open"},
    "conditional": {"zh": "有条件开放", "en": "Conditional (licensed)"},
    "closed": {"zh": "非开放", "en": "Closed"},
}


def highlight_html(marked: str) -> str:
    """Escape the text, then turn our private marks into <mark> tags: safe to render as HTML."""
    return html.escape(marked).replace(HL_START, "<mark>").replace(HL_END, "</mark>")


def _date(params: Any, name: str) -> date | None:
    raw = params.get(name)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed(
            f"{name} must be a date like 2024-01-31", {name: ["not a date"]}
        ) from None


def parse_search(params: Any, visibility: Visibility) -> SearchQuery:
    unknown = sorted(set(params.keys()) - KNOWN_PARAMS)
    if unknown:
        raise BadRequest(
            f"Unknown search parameter(s): {', '.join(unknown)}",
            {"allowed": sorted(KNOWN_PARAMS)},
        )
    text = params.get("q", "")
    if len(text) > 10 * MAX_QUERY_CHARS * 4:
        raise BadRequest("The query is too long; shorten it to a few words")
    try:
        sort = Sort(params.get("sort") or "relevance")
    except ValueError:
        allowed = ", ".join(s.value for s in Sort)
        raise ValidationFailed("Unknown sort", {"sort": [f"one of {allowed}"]}) from None
    filters = {
        field: tuple(v for raw in params.getlist(field) for v in raw.split(",") if v)
        for field in FACET_FIELDS
        if params.getlist(field)
    }
    after = None
    if params.get("cursor"):
        key = decode_cursor(params["cursor"])
        if not isinstance(key, list) or len(key) != 3 or key[0] != sort.value:
            raise BadRequest("The cursor belongs to another search; start again without it")
        after = tuple(key[1:])
    return SearchQuery(
        text=text,
        filters=filters,
        modified_from=_date(params, "modified_from"),
        modified_to=_date(params, "modified_to"),
        sort=sort,
        limit=query_int(params, "limit", 20, lo=1, hi=100),
        after=after,
        visibility=visibility,
    )


def _labels(session: Session) -> dict[str, dict[str, dict[str, str]]]:
    """Facet labels: every organization's and theme's title, in two small Core reads."""
    return {
        "organization": {
            name: {"zh": zh, "en": en}
            for name, zh, en in session.execute(
                select(Organization.name, Organization.title_zh, Organization.title_en).where(
                    Organization.status == OrgStatus.APPROVED
                )
            )
        },
        "theme": {
            code: {"zh": zh, "en": en}
            for code, zh, en in session.execute(select(Theme.code, Theme.title_zh, Theme.title_en))
        },
        "open_level": OPEN_LEVEL_LABELS,
    }


async def search_as(
    request: Request, params: QueryParams | None = None, *, facet_size: int | None = None
) -> tuple[Principal, SearchQuery, SearchResult, dict[str, Any]]:
    """Resolve the caller, run the search, and fetch facet labels (shared by API and pages).

    ``params`` replaces the request's own query parameters (pages search on their own terms);
    ``facet_size`` asks for more facet values than a search page shows (the list of every
    department or theme with its count). The answer depends on the caller only through
    ``visibility_for(principal)``.
    """

    def who(session: Session, principal: Principal) -> tuple[Principal, dict[str, Any]]:
        return principal, _labels(session)

    principal, labels = await in_transaction(request, who)
    query = parse_search(
        request.query_params if params is None else params, visibility_for(principal)
    )
    if facet_size is not None:
        query = replace(query, facet_size=facet_size)
    result = await search_runtime(request).backend.search(query)
    unfiltered = not query.filters and query.modified_from is None and query.modified_to is None
    if result.total == 0 and query.text.strip() and unfiltered and query.after is None:
        # Nothing in the whole catalog (not just under a filter): count the words, no more.
        def count(session: Session, _: Principal) -> None:
            SearchMissService(session).record(query.text)

        await in_transaction(request, count, write=True)
        not_kept(request)  # the next such search is counted too
    return principal, query, result, labels


async def run_search(
    request: Request, params: QueryParams | None = None, *, facet_size: int | None = None
) -> tuple[SearchQuery, SearchResult, dict[str, Any]]:
    """``search_as`` without the caller."""
    _, query, result, labels = await search_as(request, params, facet_size=facet_size)
    return query, result, labels


def result_json(query: SearchQuery, result: SearchResult, labels: dict[str, Any]) -> dict[str, Any]:
    def label(field: str, value: str) -> Any:
        return labels.get(field, {}).get(value, value)

    items = []
    for hit in result.hits:
        doc = hit.document
        items.append(
            {
                "name": doc["name"],
                "title": {"zh": doc["title_zh"], "en": doc["title_en"]},
                "description": {"zh": doc["description_zh"], "en": doc["description_en"]},
                "organization": {
                    "name": doc["organization"],
                    "title": {
                        "zh": doc["organization_title_zh"],
                        "en": doc["organization_title_en"],
                    },
                },
                "open_level": doc["open_level"],
                "licensed": doc["open_level"] == "conditional",
                "license": doc["license"] or None,
                "themes": doc["themes"],
                "tags": doc["tags"],
                "formats": doc["formats"],
                "state": doc["state"],
                "issued": doc["issued"],
                "modified": doc["modified"],
                "downloads": doc["downloads"],
                "highlight": {k: highlight_html(v) for k, v in hit.highlight.items()},
            }
        )
    next_cursor = (
        None if result.next_after is None else encode_cursor([query.sort.value, *result.next_after])
    )
    return {
        "total": result.total,
        "items": items,
        "facets": {
            field: [
                {"value": f.value, "label": label(field, f.value), "count": f.count} for f in counts
            ]
            for field, counts in result.facets.items()
        },
        "next_cursor": next_cursor,
    }
