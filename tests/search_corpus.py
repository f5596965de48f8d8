"""A small hand-made corpus for the search contract tests, and backend fixtures."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from catalog.search.documents import title_sort_key
from catalog.search.elastic import ElasticsearchBackend
from catalog.search.interfaces import SearchBackend
from catalog.search.sqlite_fts import SqliteFtsBackend
from tests.support import need_env

ORG_TRANSPORT = str(uuid.UUID(int=1))
ORG_ENV = str(uuid.UUID(int=2))


def doc(name: str, title_zh: str, title_en: str, **extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": name,
        "title_zh": title_zh,
        "title_en": title_en,
        "description_zh": "",
        "description_en": "",
        "tags": [],
        "themes": ["transport"],
        "formats": ["CSV"],
        "organization": "transport-commission",
        "organization_title_zh": "市交通委员会",
        "organization_title_en": "Municipal Transportation Commission",
        "org_id": ORG_TRANSPORT,
        "license": "CC-BY-4.0",
        "open_level": "open",
        "state": "published",
        "public": True,
        "issued": "2024-01-01T00:00:00+00:00",
        "modified": "2024-06-01T00:00:00+00:00",
        "downloads": 0,
    }
    base.update(extra)
    base["title_sort"] = title_sort_key(base["title_zh"] or base["title_en"])
    if base["open_level"] != "open":
        base["license"] = ""
    return base


CORPUS: list[dict[str, Any]] = [
    doc(
        "bus-routes",
        "公交线路及站点信息",
        "Bus routes and stops",
        tags=["公交", "bus"],
        description_en="Every bus route with its stops.",
        downloads=50,
        issued="2020-03-01T00:00:00+00:00",
        modified="2025-01-10T00:00:00+00:00",
    ),
    doc(
        "metro-ridership",
        "轨道交通客流",
        "Metro ridership",
        tags=["地铁", "metro"],
        formats=["CSV", "JSON"],
        downloads=80,
        modified="2025-03-01T00:00:00+00:00",
    ),
    doc(
        "air-quality-monthly",
        "各区空气质量月报",
        "Monthly air quality by district",
        tags=["空气质量", "AQI"],
        themes=["environment"],
        organization="ecology-bureau",
        organization_title_zh="市生态环境局",
        organization_title_en="Ecology Bureau",
        org_id=ORG_ENV,
        license="CC0-1.0",
        downloads=120,
        description_zh="全市各区空气质量指数月度统计。",
        modified="2024-12-01T00:00:00+00:00",
    ),
    doc(
        "air-stations",
        "空气质量监测站点",
        "Air quality monitoring stations",
        themes=["environment"],
        organization="ecology-bureau",
        org_id=ORG_ENV,
        organization_title_zh="市生态环境局",
        organization_title_en="Ecology Bureau",
        formats=["JSON"],
        downloads=5,
    ),
    doc(
        "river-water",
        "河道水质监测",
        "River water quality",
        themes=["environment"],
        organization="ecology-bureau",
        org_id=ORG_ENV,
        organization_title_zh="市生态环境局",
        organization_title_en="Ecology Bureau",
        description_zh="主要河道水质，参考空气质量监测方法发布。",
        downloads=2,
    ),
    doc(
        "taxi-trips",
        "出租车行程（脱敏）",
        "Taxi trips (de-identified)",
        open_level="conditional",
        tags=["出租车", "taxi"],
        downloads=30,
    ),
    doc(
        "routes-report",
        "交通年度报告",
        "Annual transport report",
        description_en="Includes routes of buses and a bus network map.",
        downloads=1,
    ),
    doc(
        "closed-registry",
        "车辆登记底册",
        "Vehicle registration ledger",
        open_level="closed",
        public=False,
    ),
    doc("draft-parking", "停车场名录（草稿）", "Parking lots (draft)", state="draft", public=False),
    doc(
        "env-draft",
        "噪声监测（草稿）",
        "Noise monitoring (draft)",
        state="draft",
        public=False,
        organization="ecology-bureau",
        org_id=ORG_ENV,
        themes=["environment"],
        organization_title_zh="市生态环境局",
        organization_title_en="Ecology Bureau",
    ),
]
PUBLIC_NAMES = {d["name"] for d in CORPUS if d["public"]}


def backend_params() -> list[Any]:
    return [
        pytest.param("sqlite", id="sqlite"),
        pytest.param("elasticsearch", id="elasticsearch", marks=pytest.mark.elasticsearch),
    ]


async def open_backend(kind: str, tmp_path: Path) -> AsyncIterator[SearchBackend]:
    backend: SearchBackend
    if kind == "sqlite":
        backend = SqliteFtsBackend(tmp_path / "search.db")
    else:
        backend = ElasticsearchBackend(
            need_env("SHUDU_TEST_ES_URL"), alias=f"test-{uuid.uuid4().hex[:12]}"
        )
    await backend.ensure_ready()
    try:
        yield backend
    finally:
        if isinstance(backend, ElasticsearchBackend):
            await backend.drop()
        await backend.close()
