"""The Elasticsearch backend: a versioned index behind an alias, an explicit mapping.

Text arrives as the tokens of our own pipeline (catalog.search.text: one script, bigrams of
Chinese, stemmed English), indexed by the built-in ``whitespace`` analyzer, and queries are the
pipeline's plans: segmented words, synonyms, corrected typos, pinyin and initials. So both
engines index the same tokens; the minimal distribution we test against has no stemmer or
Chinese analyzer anyway. Deployments with the ``smartcn`` plugin pass ``zh_analyzer``: the
Chinese fields then get folded text for that analyzer.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any

from elastic_transport import ConnectionError as TransportConnectionError
from elastic_transport import ConnectionTimeout
from elasticsearch import ApiError, AsyncElasticsearch, NotFoundError
from elasticsearch.helpers import async_bulk

from catalog.search.highlight import highlights
from catalog.search.interfaces import FacetCount, Hit, SearchResult, Suggestion
from catalog.search.query import FACET_FIELDS, SearchQuery, Sort, Visibility, parse_terms
from catalog.search.text import (
    ANALYSIS_VERSION,
    Clause,
    Phrase,
    corrections,
    document_pinyin,
    fold,
    index_text,
    learn,
    plan,
    typo_candidates,
    vocabulary_words,
)
from core.errors import BadRequest, ServiceUnavailable

log = logging.getLogger("shudu.search")

PIPELINE = "standard"  # zh_analyzer's default: the pipeline's tokens, as for every field
TOKENS = "whitespace"  # the analyzer of fields that hold the pipeline's tokens
BULK_BYTES = 768 * 1024
ZH_FIELDS = ("title_zh", "description_zh", "tags", "org_title")

TEXT_FIELDS = [
    "title_zh^10",
    "title_en^10",
    "tags^6",
    "org_title^2",
    "description_zh",
    "description_en",
]
FACET_SOURCE = {
    "organization": "organization",
    "theme": "themes",
    "tag": "tags_kw",
    "format": "formats",
    "license": "license",
    "open_level": "open_level",
}
SORT_FIELDS: dict[Sort, tuple[str, str]] = {
    Sort.RELEVANCE: ("_score", "desc"),
    Sort.NEWEST: ("issued", "desc"),
    Sort.UPDATED: ("modified", "desc"),
    Sort.DOWNLOADS: ("downloads", "desc"),
    Sort.TITLE: ("title_sort", "asc"),
}


def mapping(zh_analyzer: str) -> dict[str, Any]:
    keyword = {"type": "keyword"}
    if zh_analyzer == PIPELINE:
        zh_analyzer = TOKENS
    return {
        "dynamic": "strict",
        "_meta": {"analysis": ANALYSIS_VERSION},
        "properties": {
            "name": keyword,
            "title_zh": {"type": "text", "analyzer": zh_analyzer},
            "title_en": {"type": "text", "analyzer": TOKENS},
            "title_norm_zh": keyword,
            "title_norm_en": keyword,
            "description_zh": {"type": "text", "analyzer": zh_analyzer},
            "description_en": {"type": "text", "analyzer": TOKENS},
            "tags": {"type": "text", "analyzer": zh_analyzer},
            "tags_kw": keyword,
            "themes": keyword,
            "formats": keyword,
            "organization": keyword,
            "org_title": {"type": "text", "analyzer": zh_analyzer},
            "org_id": keyword,
            "license": keyword,
            "open_level": keyword,
            "state": keyword,
            "public": {"type": "boolean"},
            "issued": {"type": "date"},
            "modified": {"type": "date"},
            "downloads": {"type": "long"},
            "title_sort": keyword,
            "title_pinyin": {"type": "text", "analyzer": "whitespace"},
            "title_initials": {"type": "text", "analyzer": "whitespace"},
            "words": keyword,  # Latin words as written: what a mistyped word may become
            "doc": {"type": "object", "enabled": False},
        },
    }


def _es_doc(doc: dict[str, Any], pipeline: bool = True) -> dict[str, Any]:
    zh = index_text if pipeline else fold
    pinyin, initials = document_pinyin(doc)
    return {
        "name": doc["name"],
        "title_zh": zh(doc["title_zh"]),
        "title_en": index_text(doc["title_en"]),
        "title_norm_zh": fold(doc["title_zh"]),
        "title_norm_en": fold(doc["title_en"]),
        "description_zh": zh(doc["description_zh"]),
        "description_en": index_text(doc["description_en"]),
        "tags": [zh(t) for t in doc["tags"]],
        "tags_kw": doc["tags"],
        "themes": doc["themes"],
        "formats": doc["formats"],
        "organization": doc["organization"],
        "org_title": [zh(doc["organization_title_zh"]), zh(doc["organization_title_en"])],
        "org_id": doc["org_id"],
        "license": doc["license"] or None,
        "open_level": doc["open_level"],
        "state": doc["state"],
        "public": doc["public"],
        "issued": doc["issued"],
        "modified": doc["modified"],
        "downloads": doc["downloads"],
        "title_sort": doc["title_sort"],
        "title_pinyin": pinyin,
        "title_initials": initials,
        "words": sorted(vocabulary_words(doc)),
        "doc": doc,
    }


PHRASE_FIELDS = {"pinyin": "title_pinyin^1.5", "initials": "title_initials"}


def _phrase_query(phrase: Phrase, pipeline: bool) -> dict[str, Any]:
    kind = "phrase_prefix" if phrase.prefix else "phrase"
    tokens = " ".join(phrase.tokens)
    if phrase.field == "text" and pipeline:
        return {"multi_match": {"query": tokens, "type": kind, "fields": TEXT_FIELDS}}
    if phrase.field == "text":  # the Chinese fields analyze folded text themselves
        zh = [f for f in TEXT_FIELDS if f.split("^")[0] in ZH_FIELDS]
        en = [f for f in TEXT_FIELDS if f not in zh]
        return _any(
            [
                {"multi_match": {"query": tokens, "type": kind, "fields": en}},
                {"multi_match": {"query": phrase.text, "type": kind, "fields": zh}},
            ]
        )
    return {
        "multi_match": {
            "query": " ".join(phrase.tokens),
            "type": kind,
            "fields": [PHRASE_FIELDS[phrase.field]],
        }
    }


def _any(queries: list[dict[str, Any]]) -> dict[str, Any]:
    if len(queries) == 1:
        return queries[0]
    return {"bool": {"should": queries, "minimum_should_match": 1}}


def clause_query(clause: Clause, pipeline: bool = True) -> dict[str, Any]:
    """One term's plan: any alternative; an alternative's slots all; a slot's phrases any."""
    alternatives = []
    for alternative in clause:
        slots = [
            _any([_phrase_query(p, pipeline) for p in slot if p.tokens]) for slot in alternative
        ]
        alternatives.append(slots[0] if len(slots) == 1 else {"bool": {"must": slots}})
    return _any(alternatives)


def visibility_filter(visibility: Visibility) -> list[dict[str, Any]]:
    if visibility.everything:
        return []
    should: list[dict[str, Any]] = [{"term": {"public": True}}]
    if visibility.own_org_ids:
        should.append({"terms": {"org_id": sorted(visibility.own_org_ids)}})
    return [{"bool": {"should": should, "minimum_should_match": 1}}]


def _insensitive_regex(prefix: str) -> str:
    """A Lucene regexp matching values that start with ``prefix``, ignoring case."""
    out = []
    for char in prefix:
        if char.lower() != char.upper():
            out.append(f"[{char.lower()}{char.upper()}]")
        elif char.isalnum():
            out.append(char)
        else:
            out.append("\\" + char)
    return "".join(out) + ".*"


class ElasticsearchBackend:
    name = "elasticsearch"

    def __init__(
        self, url: str, *, alias: str = "shudu-datasets", zh_analyzer: str = "standard"
    ) -> None:
        self.alias = alias
        self.zh_analyzer = zh_analyzer
        self.pipeline = zh_analyzer == PIPELINE
        self.client = AsyncElasticsearch(url, request_timeout=10, max_retries=1)

    async def _call(self, coro: Any) -> Any:
        try:
            return await coro
        except (TransportConnectionError, ConnectionTimeout) as exc:
            raise ServiceUnavailable(
                "Search is unavailable right now (Elasticsearch cannot be reached); "
                "please try again shortly"
            ) from exc
        except NotFoundError:
            raise
        except ApiError as exc:
            if exc.status_code >= 500 or exc.status_code == 429:
                raise ServiceUnavailable(f"Search is unavailable right now: {exc.message}") from exc
            raise BadRequest(f"The search could not be run: {exc.message}") from exc

    async def _create_index(self) -> str:
        index = f"{self.alias}-{time.time_ns()}"
        await self._call(
            self.client.indices.create(
                index=index,
                mappings=mapping(self.zh_analyzer),
                settings={"number_of_shards": 1, "number_of_replicas": 0},
            )
        )
        return index

    async def ensure_ready(self) -> None:
        if not await self._call(self.client.indices.exists_alias(name=self.alias)):
            index = await self._create_index()
            await self._call(self.client.indices.put_alias(index=index, name=self.alias))
            return
        mappings = await self._call(self.client.indices.get_mapping(index=self.alias))
        versions = {m["mappings"].get("_meta", {}).get("analysis") for m in mappings.values()}
        if versions != {ANALYSIS_VERSION}:
            log.warning(
                "the search index was built by another text analysis; it is replaced by an"
                " empty one and must be rebuilt: shudu search reindex"
            )
            await self.rebuild([])

    async def _bulk(self, index: str, documents: Sequence[dict[str, Any]]) -> None:
        async def actions() -> AsyncIterator[dict[str, Any]]:
            for doc in documents:
                yield {"_index": index, "_id": doc["name"], "_source": _es_doc(doc, self.pipeline)}

        # Requests stay under aiohttp's 1 MB, beyond which it writes the body blocking the loop.
        await self._call(
            async_bulk(
                self.client,
                actions(),
                chunk_size=1000,
                max_chunk_bytes=BULK_BYTES,
                refresh=False,
            )
        )

    async def index(self, documents: Sequence[dict[str, Any]]) -> None:
        if not documents:
            return
        learn(documents)
        await self._bulk(self.alias, documents)
        await self._call(self.client.indices.refresh(index=self.alias))

    async def delete(self, names: Sequence[str]) -> None:
        if not names:
            return
        actions = [{"_op_type": "delete", "_index": self.alias, "_id": n} for n in names]
        await self._call(async_bulk(self.client, actions, raise_on_error=False))
        await self._call(self.client.indices.refresh(index=self.alias))

    async def rebuild(self, documents: Sequence[dict[str, Any]]) -> None:
        """Zero-downtime reindex: fill a new index, then swap the alias in one step."""
        index = await self._create_index()
        learn(documents)
        await self._bulk(index, documents)
        await self._call(self.client.indices.refresh(index=index))
        old: list[str] = []
        if await self._call(self.client.indices.exists_alias(name=self.alias)):
            current = await self._call(self.client.indices.get_alias(name=self.alias))
            old = list(current)
        actions: list[dict[str, Any]] = [{"add": {"index": index, "alias": self.alias}}]
        actions += [{"remove": {"index": name, "alias": self.alias}} for name in old]
        await self._call(self.client.indices.update_aliases(actions=actions))
        for name in old:
            await self._call(self.client.indices.delete(index=name))

    async def count(self) -> int:
        response = await self._call(self.client.count(index=self.alias))
        return int(response["count"])

    async def _plan(self, query: SearchQuery) -> list[Clause]:
        """The query plan, with mistyped words corrected from the index's own vocabulary."""
        wanted = sorted(typo_candidates(query.terms))
        if not wanted:
            return plan(query.terms)
        response = await self._call(
            self.client.search(
                index=self.alias,
                size=0,
                query={"terms": {"words": wanted}},
                aggs={
                    "known": {"terms": {"field": "words", "include": wanted, "size": len(wanted)}}
                },
            )
        )
        known = {str(b["key"]) for b in response["aggregations"]["known"]["buckets"]}
        return plan(query.terms, corrections(query.terms, known))

    def _body(self, query: SearchQuery, clauses: list[Clause]) -> dict[str, Any]:
        filters: list[dict[str, Any]] = visibility_filter(query.visibility)
        for field, values in query.filters.items():
            if field not in FACET_SOURCE:
                raise BadRequest(f"Unknown filter {field!r}")
            if values:
                filters.append({"terms": {FACET_SOURCE[field]: list(values)}})
        if query.modified_from or query.modified_to:
            bounds: dict[str, str] = {}
            if query.modified_from:
                bounds["gte"] = query.modified_from.isoformat()
            if query.modified_to:
                bounds["lte"] = query.modified_to.isoformat() + "||/d"
            filters.append({"range": {"modified": bounds}})
        bool_query: dict[str, Any] = {"filter": filters}
        if clauses:
            bool_query["must"] = [clause_query(c, self.pipeline) for c in clauses]
            needle = fold(query.text.replace('"', "").replace("*", "")).strip()
            bool_query["should"] = [
                {"term": {"title_norm_zh": {"value": needle, "boost": 30}}},
                {"term": {"title_norm_en": {"value": needle, "boost": 30}}},
                {
                    "multi_match": {
                        "query": index_text(needle) if self.pipeline else needle,
                        "type": "phrase",
                        "fields": ["title_zh", "title_en"],
                        "boost": 8,
                    }
                },
            ]
        field, direction = SORT_FIELDS[query.sort]
        # Ties break by name: ascending for relevance and title, else in the sort's direction
        # (the same order as the embedded backend, which serves it from one index).
        tie = "asc" if field in ("_score", "title_sort") else direction
        sort: list[Any] = [
            {field: {"order": direction}}
            if field == "_score"
            else {field: {"order": direction, "missing": "_last"}},
            {"name": {"order": tie}},
        ]
        body: dict[str, Any] = {
            "query": {"bool": bool_query},
            "sort": sort,
            "size": query.limit + 1,
            "track_total_hits": True,
            "_source": ["doc"],
        }
        if query.facet_size > 0:  # Elasticsearch refuses a terms aggregation of size 0
            body["aggs"] = {
                facet: {"terms": {"field": source, "size": query.facet_size}}
                for facet, source in FACET_SOURCE.items()
            }
        if query.after is not None:
            body["search_after"] = list(query.after)
        return body

    async def search(self, query: SearchQuery) -> SearchResult:
        clauses = await self._plan(query)
        body = self._body(query, clauses)
        response = await self._call(self.client.search(index=self.alias, **body))
        raw_hits = response["hits"]["hits"]
        more = len(raw_hits) > query.limit
        hits = [
            Hit(
                name=h["_source"]["doc"]["name"],
                document=h["_source"]["doc"],
                highlight=highlights(h["_source"]["doc"], clauses),
                sort_key=tuple(h["sort"]),
            )
            for h in raw_hits[: query.limit]
        ]
        facets = {
            facet: [
                FacetCount(str(b["key"]), int(b["doc_count"]))
                for b in response.get("aggregations", {}).get(facet, {}).get("buckets", [])
            ]
            for facet in FACET_FIELDS
        }
        return SearchResult(
            total=int(response["hits"]["total"]["value"]),
            hits=hits,
            facets=facets,
            next_after=hits[-1].sort_key if more and hits else None,
        )

    async def suggest(self, prefix: str, visibility: Any, limit: int = 8) -> list[Suggestion]:
        terms = parse_terms(prefix)
        if not terms:
            return []
        needle = fold(" ".join(w for t in terms for w in t.words))
        body: dict[str, Any] = {
            "query": {
                "bool": {
                    "must": [
                        {
                            "multi_match": {
                                "query": index_text(needle) if self.pipeline else needle,
                                "type": "phrase_prefix",
                                "fields": ["title_zh", "title_en"],
                            }
                        }
                    ],
                    "filter": visibility_filter(visibility),
                }
            },
            "size": limit,
            "_source": ["doc.name", "doc.title_zh", "doc.title_en"],
        }
        titles = await self._call(self.client.search(index=self.alias, **body))
        tag_body: dict[str, Any] = {
            "query": {"bool": {"filter": visibility_filter(visibility)}},
            "size": 0,
            "aggs": {
                "tags": {
                    "terms": {
                        "field": "tags_kw",
                        "size": limit,
                        "include": _insensitive_regex(needle),
                    }
                }
            },
        }
        tags = await self._call(self.client.search(index=self.alias, **tag_body))
        out = [
            Suggestion(
                h["_source"]["doc"]["title_zh"] or h["_source"]["doc"]["title_en"],
                "title",
                h["_source"]["doc"]["name"],
            )
            for h in titles["hits"]["hits"]
        ]
        out += [Suggestion(b["key"], "tag") for b in tags["aggregations"]["tags"]["buckets"]]
        return out

    async def drop(self) -> None:
        """Delete the alias and every index behind it (tests, and `search reindex --fresh`)."""
        try:
            current = await self._call(self.client.indices.get_alias(name=self.alias))
        except NotFoundError:
            return
        for name in current:
            await self._call(self.client.indices.delete(index=name))

    async def close(self) -> None:
        await self.client.close()
