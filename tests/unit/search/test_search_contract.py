"""One contract, two backends: every test runs unchanged on SQLite FTS5 and on Elasticsearch."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from catalog.search.documents import HL_END, HL_START
from catalog.search.interfaces import SearchBackend
from catalog.search.query import SearchQuery, Sort, Visibility
from core.errors import BadRequest
from tests.search_corpus import CORPUS, ORG_ENV, PUBLIC_NAMES, backend_params, doc, open_backend

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(params=backend_params())
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SearchBackend]:
    async for backend in open_backend(request.param, tmp_path):
        await backend.index(CORPUS)
        yield backend


async def names(engine: SearchBackend, text: str = "", **kwargs: Any) -> list[str]:
    result = await engine.search(SearchQuery(text=text, limit=100, **kwargs))
    return [h.name for h in result.hits]


async def test_chinese_without_spaces(engine: SearchBackend) -> None:
    found = await names(engine, "空气质量")
    assert found[:2] == ["air-quality-monthly", "air-stations"] or set(found[:2]) == {
        "air-quality-monthly",
        "air-stations",
    }
    assert "bus-routes" not in found
    assert (await names(engine, "公交"))[0] == "bus-routes"  # a two-character word
    assert await names(engine, "客流") == ["metro-ridership"]


async def test_either_language_title_matches(engine: SearchBackend) -> None:
    assert (await names(engine, "Metro"))[0] == "metro-ridership"
    assert (await names(engine, "轨道交通"))[0] == "metro-ridership"
    assert (await names(engine, "AIR QUALITY"))[0] in {"air-quality-monthly", "air-stations"}


async def test_title_outranks_description_and_exact_title_ranks_first(
    engine: SearchBackend,
) -> None:
    found = await names(engine, "空气质量")
    assert found.index("river-water") > found.index("air-stations")  # description-only match
    assert (await names(engine, "Air quality monitoring stations"))[0] == "air-stations"
    assert (await names(engine, "bus"))[0] == "bus-routes"


async def test_phrases_and_prefixes(engine: SearchBackend) -> None:
    assert "routes-report" in await names(engine, "bus routes")  # both words, apart
    assert await names(engine, '"bus routes"') == ["bus-routes"]  # only together
    assert "metro-ridership" in await names(engine, "metr*")


async def test_filters(engine: SearchBackend) -> None:
    env = await names(engine, filters={"organization": ("ecology-bureau",)})
    assert set(env) == {"air-quality-monthly", "air-stations", "river-water"}
    assert await names(engine, filters={"format": ("JSON",), "theme": ("environment",)}) == [
        "air-stations"
    ]
    assert await names(engine, filters={"license": ("CC0-1.0",)}) == ["air-quality-monthly"]
    assert await names(engine, filters={"open_level": ("conditional",)}) == ["taxi-trips"]
    assert await names(engine, filters={"tag": ("metro", "taxi")}) == [
        "metro-ridership",
        "taxi-trips",
    ]
    recent = await names(engine, modified_from=date(2025, 1, 1))
    assert set(recent) == {"bus-routes", "metro-ridership"}
    assert await names(engine, modified_from=date(2025, 1, 1), modified_to=date(2025, 1, 10)) == [
        "bus-routes"
    ]
    with pytest.raises(BadRequest):
        await names(engine, filters={"colour": ("red",)})


async def test_facet_counts(engine: SearchBackend) -> None:
    result = await engine.search(SearchQuery(text="", limit=1))
    assert result.total == len(PUBLIC_NAMES)
    facets = {f: {c.value: c.count for c in counts} for f, counts in result.facets.items()}
    assert facets["organization"] == {"transport-commission": 4, "ecology-bureau": 3}
    assert facets["open_level"] == {"open": 6, "conditional": 1}
    assert facets["theme"] == {"transport": 4, "environment": 3}
    assert facets["format"]["CSV"] == 6
    assert facets["format"]["JSON"] == 2
    assert facets["license"]["CC-BY-4.0"] == 5
    narrowed = await engine.search(SearchQuery(text="空气质量", limit=1))
    assert {c.value: c.count for c in narrowed.facets["organization"]} == {"ecology-bureau": 3}


async def test_sorts(engine: SearchBackend) -> None:
    by_downloads = await names(engine, sort=Sort.DOWNLOADS)
    assert by_downloads[:3] == ["air-quality-monthly", "metro-ridership", "bus-routes"]
    assert (await names(engine, sort=Sort.UPDATED))[:2] == ["metro-ridership", "bus-routes"]
    assert (await names(engine, sort=Sort.NEWEST))[-1] == "bus-routes"  # issued 2020
    titles = await names(engine, sort=Sort.TITLE)
    docs = {d["name"]: d for d in CORPUS}
    assert [docs[n]["title_sort"] for n in titles] == sorted(docs[n]["title_sort"] for n in titles)


@pytest.mark.parametrize("sort", list(Sort))
async def test_deep_paging_visits_every_hit_once(engine: SearchBackend, sort: Sort) -> None:
    seen: list[str] = []
    after = None
    while True:
        page = await engine.search(SearchQuery(text="", sort=sort, limit=2, after=after))
        seen += [h.name for h in page.hits]
        assert page.total == len(PUBLIC_NAMES)
        if page.next_after is None:
            break
        after = page.next_after
    assert sorted(seen) == sorted(PUBLIC_NAMES)
    assert seen == await names(engine, sort=sort)


async def test_visibility(engine: SearchBackend) -> None:
    assert set(await names(engine)) == PUBLIC_NAMES
    own = await names(engine, visibility=Visibility(own_org_ids=frozenset({ORG_ENV})))
    assert set(own) == PUBLIC_NAMES | {"env-draft"}
    everything = await names(engine, visibility=Visibility(everything=True))
    assert set(everything) == {d["name"] for d in CORPUS}
    assert await names(engine, "车辆登记") == []  # a closed dataset's own title
    suggestions = await engine.suggest("停车", Visibility.public())
    assert all(s.name != "draft-parking" for s in suggestions)


async def test_highlights_mark_the_match(engine: SearchBackend) -> None:
    result = await engine.search(SearchQuery(text="空气质量"))
    hit = next(h for h in result.hits if h.name == "air-quality-monthly")
    marked = hit.highlight["title_zh"]
    assert HL_START in marked
    assert marked.replace(HL_START, "").replace(HL_END, "") == "各区空气质量月报"
    english = await engine.search(SearchQuery(text="ridership"))
    assert f"{HL_START}ridership{HL_END}" in english.hits[0].highlight["title_en"].lower()


async def test_suggestions(engine: SearchBackend) -> None:
    titles = [s for s in await engine.suggest("空气", Visibility.public()) if s.kind == "title"]
    assert {s.name for s in titles} >= {"air-quality-monthly", "air-stations"}
    tags = [s.text for s in await engine.suggest("me", Visibility.public()) if s.kind == "tag"]
    assert tags == ["metro"]
    assert await engine.suggest("", Visibility.public()) == []


@pytest.mark.parametrize(
    "text",
    [
        '*:()"^~',
        'bus "routes',
        "bus AND OR NOT",
        "NEAR(bus metro)",
        "a" * 10_000,
        "\\",
        "公交*",
        "title_zh:公交",
        "-bus",
        "bus^10 ~2",
    ],
)
async def test_syntax_characters_are_plain_text(engine: SearchBackend, text: str) -> None:
    result = await engine.search(SearchQuery(text=text))
    assert result.total >= 0
    if "bus" in text.lower() and "near" not in text.lower():
        assert "closed-registry" not in [h.name for h in result.hits]


async def test_indexing_is_idempotent_and_deletes(engine: SearchBackend) -> None:
    before = await engine.count()
    await engine.index([doc("bus-routes", "公交线路及站点信息（新版）", "Bus routes and stops")])
    await engine.index([doc("bus-routes", "公交线路及站点信息（新版）", "Bus routes and stops")])
    assert await engine.count() == before
    assert "新版" in (await engine.search(SearchQuery(text="新版"))).hits[0].document["title_zh"]
    await engine.delete(["bus-routes", "no-such-dataset"])
    assert await engine.count() == before - 1
    assert "bus-routes" not in await names(engine, "公交")


async def test_rebuild_replaces_everything(engine: SearchBackend) -> None:
    await engine.rebuild([doc("only-one", "唯一数据集", "The only dataset")])
    assert await engine.count() == 1
    assert await names(engine) == ["only-one"]
