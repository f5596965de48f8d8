"""CKAN's ``package_search`` answered by the search engine: relevance, filters, counts, facets.

A search with free text whose filters, sort and listing the engine can express goes to the
engine whole: it matches, filters, counts, pages and counts the facets. Anything else — a
negated or ranged term, a filter by name or id, two values of one field, drafts or private
datasets, a sort the engine does not keep — is answered by the database over the engine's
ranked matches (``PackageService.search``). See docs/architecture.md, "Search text analysis".
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from catalog.formats.ckan import license_id
from catalog.packages import FACETS, PackageQuery, fq_terms, split_q
from catalog.search.interfaces import SearchBackend
from catalog.search.query import SearchQuery, Sort

MAX_DEPTH = 10_000  # how far into the matches ``start`` may page
CHUNK = 1000  # hits per engine call while paging to ``start``

# CKAN's facet names and filter keys → the engine's facet fields.
ENGINE_FACETS = {
    "organization": "organization",
    "tags": "tag",
    "groups": "theme",
    "res_format": "format",
    "license_id": "license",
}
ENGINE_FILTERS = {
    **ENGINE_FACETS,
    "owner_org": "organization",
    "format": "format",
    "license": "license",
}
ENGINE_SORTS = {
    "score desc": Sort.RELEVANCE,
    "metadata_modified desc": Sort.UPDATED,
    "title_string asc": Sort.TITLE,
}


@dataclass(frozen=True, slots=True)
class EngineAnswer:
    """What the engine found: the total, one page of names in order, and facet counts."""

    count: int
    names: list[str]
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)  # CKAN name → counts


def _engine_sort(sort: str) -> Sort | None:
    parts = [" ".join(p.lower().split()) for p in sort.split(",") if p.strip()]
    if not parts:
        return Sort.RELEVANCE
    first = ENGINE_SORTS.get(parts[0])
    if first is Sort.RELEVANCE:  # CKAN's default "score desc, metadata_modified desc"
        return first
    return first if len(parts) == 1 else None


def engine_query(query: PackageQuery) -> SearchQuery | None:
    """The engine's query for ``query``, or None when the engine cannot answer it exactly.

    Raises SearchQueryError for what no path can answer (an fq that does not parse).
    """
    fielded, text = split_q(query.q)
    terms = fq_terms(query.fq) + [t for f in fielded for t in fq_terms(f)]
    if not text or query.include_private or query.include_drafts:
        return None
    sort = _engine_sort(query.sort)
    if sort is None:
        return None
    filters: dict[str, tuple[str, ...]] = {}
    for term in terms:
        target = ENGINE_FILTERS.get(term.key)
        if target is None or term.negate or term.is_range or target in filters:
            return None
        value = term.value
        if target == "format":
            value = value.upper()
        elif target == "license":
            value = license_id(value) or value
        filters[target] = (value,)
    return SearchQuery(text=text, filters=filters, sort=sort, facet_size=0)


async def engine_search(backend: SearchBackend, query: PackageQuery) -> EngineAnswer | None:
    """``query`` answered by the engine (public datasets only), or None (see ``engine_query``)."""
    search = engine_query(query)
    if search is None:
        return None
    unknown = [f for f in query.facet_fields if f not in FACETS]
    if unknown:
        return None  # the database refuses it with the list of facets
    wanted = {ENGINE_FACETS[f]: f for f in query.facet_fields}
    facet_size = CHUNK if query.facet_limit < 0 else query.facet_limit
    end = min(query.start + query.rows, MAX_DEPTH)
    names: list[str] = []
    first = True
    total = 0
    facets: dict[str, list[tuple[str, int]]] = {}
    after: tuple[object, ...] | None = None
    while first or (after is not None and len(names) < end):
        result = await backend.search(
            replace(
                search,
                limit=min(CHUNK, max(end - len(names), 0)),
                after=after,
                facet_size=facet_size if first and wanted else 0,  # 0: no facets
            )
        )
        if first:
            total = result.total
            facets = {
                ckan: [(c.value, c.count) for c in result.facets.get(engine, [])]
                for engine, ckan in wanted.items()
            }
            first = False
        names.extend(h.name for h in result.hits)
        after = result.next_after
    return EngineAnswer(total, names[query.start : end], facets)
