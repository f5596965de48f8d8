"""Chinese as people type it, on both engines: script folding, glued words, pinyin, synonyms."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from catalog.search.documents import HL_END, HL_START
from catalog.search.interfaces import SearchBackend
from catalog.search.query import SearchQuery
from tests.search_corpus import CORPUS, backend_params, doc, open_backend

pytestmark = pytest.mark.anyio

EXTRA = [
    doc(
        "taipei-air",
        "臺北市空氣品質監測",
        "Taipei air quality monitoring",
        tags=["空氣品質"],
        themes=["environment"],
    ),
    doc("hk-bus-lines", "九龍巴士綫路", "Kowloon bus lines", tags=["巴士"]),
    doc("metro-line-flows", "地铁线路客流统计", "Passenger flows per metro line"),
    doc("lane-names", "裏弄名錄", "Lanes of the old town"),
    doc("hospitals-list", "医疗机构名录", "Medical institutions"),
    doc("district-reports", "2024年各区水质月报", "Water quality by district, 2024"),
]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(params=backend_params())
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SearchBackend]:
    async for backend in open_backend(request.param, tmp_path):
        await backend.index([*CORPUS, *EXTRA])
        yield backend


async def names(engine: SearchBackend, text: str, **kwargs: Any) -> list[str]:
    result = await engine.search(SearchQuery(text=text, limit=100, **kwargs))
    return [h.name for h in result.hits]


async def test_simplified_finds_traditional_and_the_reverse(engine: SearchBackend) -> None:
    assert (await names(engine, "空气品质"))[0] == "taipei-air"
    assert (await names(engine, "空氣品質"))[0] == "taipei-air"
    assert "metro-line-flows" in await names(engine, "地鐵")  # Traditional query, Simplified title


async def test_variants_fold_together(engine: SearchBackend) -> None:
    assert (await names(engine, "台北"))[0] == "taipei-air"  # 台 for 臺
    assert (await names(engine, "九龙巴士线路"))[0] == "hk-bus-lines"  # 綫 for 线
    assert (await names(engine, "里弄"))[0] == "lane-names"  # 裏 for 里


async def test_glued_words_need_not_stand_together(engine: SearchBackend) -> None:
    found = await names(engine, "地铁客流")
    assert "metro-line-flows" in found  # 地铁线路客流统计: both words, apart
    assert "metro-ridership" in found  # 轨道交通客流, tagged 地铁


async def test_digits_do_not_glue_to_the_characters_after_them(engine: SearchBackend) -> None:
    assert await names(engine, "水质月报") == ["district-reports"]  # title 2024年各区水质月报
    assert await names(engine, "2024 月报") == ["district-reports"]


async def test_pinyin_and_initials_rank_below_chinese(engine: SearchBackend) -> None:
    top = await names(engine, "kongqi zhiliang")
    assert set(top[:2]) == {"air-quality-monthly", "air-stations"}
    assert "air-quality-monthly" in (await names(engine, "kqzl"))[:3]
    assert "taipei-air" in await names(engine, "taibei")
    # A Chinese query for the same words finds the same datasets, by their characters.
    assert (await names(engine, "空气质量"))[0] in {"air-quality-monthly", "air-stations"}


async def test_synonyms_apply_at_query_time(engine: SearchBackend) -> None:
    assert "bus-routes" in await names(engine, "巴士")  # 公交线路及站点信息
    assert "hk-bus-lines" in await names(engine, "公交")
    assert "hospitals-list" in await names(engine, "医院")
    assert {"air-quality-monthly"} <= set(await names(engine, "空气质量指数"))  # tagged AQI


async def test_highlights_mark_the_original_characters(engine: SearchBackend) -> None:
    result = await engine.search(SearchQuery(text="空气品质", limit=5))
    hit = next(h for h in result.hits if h.name == "taipei-air")
    assert hit.highlight["title_zh"] == f"臺北市{HL_START}空氣品質{HL_END}監測"
