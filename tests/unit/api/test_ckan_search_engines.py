"""CKAN ``package_search`` answered by each search engine: relevance, filters, counts, facets.

The same requests run on the embedded engine and on a real Elasticsearch. With free text the
engine matches, filters, counts and counts the facets; the database only re-checks the page.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from api.app import create_app
from catalog import package_search
from catalog.search.elastic import ElasticsearchBackend
from catalog.search.interfaces import SearchBackend
from catalog.search.sqlite_fts import SqliteFtsBackend
from core.errors import ServiceUnavailable
from core.identity.models import OrgKind, Role
from core.settings import Settings
from tests.factories import make_dataset, make_member, make_org, make_theme
from tests.search_corpus import backend_params
from tests.support import need_env
from tests.unit.api.test_ckan_api import failed, ok

ACTION = "/api/action/package_search"


@pytest.fixture(params=backend_params())
def engine_client(
    request: pytest.FixtureRequest,
    settings: Settings,
    sessions: sessionmaker[Session],
    tmp_path: Path,
) -> Iterator[TestClient]:
    backend: SearchBackend
    if request.param == "sqlite":
        backend = SqliteFtsBackend(tmp_path / "search.db")
    else:
        backend = ElasticsearchBackend(
            need_env("SHUDU_TEST_ES_URL"), alias=f"t-{uuid.uuid4().hex[:10]}"
        )
    app = create_app(settings, sessions=sessions, search_backend=backend)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client
        if isinstance(backend, ElasticsearchBackend):
            with contextlib.suppress(ServiceUnavailable):
                client.portal.call(backend.drop)  # type: ignore[union-attr]


@pytest.fixture
def air(session: Session, engine_client: TestClient) -> None:
    """Seven air-quality datasets in two departments, one bus dataset, one closed, one draft."""
    env = make_org(session, OrgKind.DEPARTMENT, name="ecology-bureau")
    env.title_zh = "市生态环境局"
    env_publisher = make_member(session, env, Role.PUBLISHER)
    weather = make_org(session, OrgKind.DEPARTMENT, name="weather-bureau")
    weather.title_zh = "市气象局"
    weather_publisher = make_member(session, weather, Role.PUBLISHER)
    make_theme(session, "environment")
    for i in range(5):
        make_dataset(
            session,
            env,
            env_publisher,
            name=f"air-quality-{i}",
            title={"zh": f"空气质量监测第{i}期", "en": f"Air quality {i}"},
            keywords=["空气质量", "监测"] if i % 2 == 0 else ["空气质量"],
            themes=["environment"],
        )
    for i in range(2):
        make_dataset(
            session,
            weather,
            weather_publisher,
            name=f"weather-air-{i}",
            title={"zh": f"空气湿度观测{i}", "en": f"Air humidity {i}"},
            keywords=["气象"],
            license="CC0-1.0",
        )
    make_dataset(
        session, env, env_publisher, name="bus-stops", title={"zh": "公交站点", "en": "Bus stops"}
    )
    make_dataset(
        session,
        env,
        env_publisher,
        name="air-secret",
        title={"zh": "空气秘密", "en": "Secret"},
        open_level="closed",
    )
    make_dataset(
        session,
        env,
        env_publisher,
        name="air-draft",
        title={"zh": "空气草稿", "en": "Draft"},
        state="draft",
    )
    session.commit()
    engine_client.portal.call(  # type: ignore[union-attr]
        engine_client.app.state.search.indexer.drain  # type: ignore[attr-defined]
    )


FACETS = '["organization", "tags", "groups", "res_format", "license_id"]'


def test_free_text_is_counted_and_faceted_by_the_engine(
    engine_client: TestClient, air: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine_pages: list[int] = []
    real = package_search.engine_search

    async def watched(backend: SearchBackend, query: Any) -> Any:
        answer = await real(backend, query)
        engine_pages.append(answer is not None)
        return answer

    monkeypatch.setattr("api.ckan.routes.engine_search", watched)
    result = ok(engine_client.get(ACTION, params={"q": "空气", "facet.field": FACETS}))
    assert engine_pages == [True]
    assert result["count"] == 7  # not the closed one, not the draft
    assert {p["name"] for p in result["results"]} == {
        *(f"air-quality-{i}" for i in range(5)),
        "weather-air-0",
        "weather-air-1",
    }
    assert result["facets"]["organization"] == {"ecology-bureau": 5, "weather-bureau": 2}
    assert result["facets"]["tags"]["空气质量"] == 5
    assert result["facets"]["tags"]["监测"] == 3
    assert result["facets"]["groups"] == {"environment": 5}
    assert result["facets"]["license_id"] == {"CC-BY-4.0": 5, "CC0-1.0": 2}
    labels = {
        i["name"]: i["display_name"] for i in result["search_facets"]["organization"]["items"]
    }
    assert labels == {"ecology-bureau": "市生态环境局", "weather-bureau": "市气象局"}
    # Ranked: the titles that say 空气质量 come before those that only share 空气.
    ranked = ok(engine_client.get(ACTION, params={"q": "空气质量", "rows": 5}))
    assert {p["name"] for p in ranked["results"]} == {f"air-quality-{i}" for i in range(5)}


def test_filters_paging_and_sorts_on_the_engine(engine_client: TestClient, air: None) -> None:
    by_org = ok(
        engine_client.get(
            ACTION,
            params={
                "q": "空气 organization:weather-bureau",
                "facet.field": '["organization"]',
            },
        )
    )
    assert by_org["count"] == 2
    assert by_org["facets"]["organization"] == {"weather-bureau": 2}
    tagged = ok(engine_client.post(ACTION, json={"q": "空气", "fq": 'tags:"监测"'}))
    assert tagged["count"] == 3
    licensed = ok(engine_client.get(ACTION, params={"q": "空气", "fq": "license_id:cc-zero"}))
    assert {p["name"] for p in licensed["results"]} == {"weather-air-0", "weather-air-1"}
    # Paging walks the engine's order without repeating or losing a dataset.
    pages = [
        ok(engine_client.get(ACTION, params={"q": "空气", "start": start, "rows": 3}))
        for start in (0, 3, 6)
    ]
    names = [p["name"] for page in pages for p in page["results"]]
    assert len(names) == 7 == len(set(names))
    assert all(page["count"] == 7 for page in pages)
    facets_only = ok(
        engine_client.get(ACTION, params={"q": "空气", "rows": 0, "facet.field": FACETS})
    )
    assert facets_only["results"] == []
    assert facets_only["facets"]["organization"]["ecology-bureau"] == 5
    by_title = ok(engine_client.get(ACTION, params={"q": "空气", "sort": "title_string asc"}))
    titles = [p["title"] for p in by_title["results"]]
    assert titles[:2] == ["空气湿度观测0", "空气湿度观测1"]  # 湿 (shi) sorts before 质 (zhi)
    limited = ok(
        engine_client.get(ACTION, params={"q": "空气", "facet.field": FACETS, "facet.limit": 1})
    )
    assert limited["facets"]["organization"] == {"ecology-bureau": 5}


def test_what_the_engine_cannot_say_is_answered_by_the_database(
    engine_client: TestClient, air: None
) -> None:
    negated = ok(engine_client.get(ACTION, params={"q": "空气", "fq": "-tags:监测"}))
    assert negated["count"] == 4
    by_name = ok(engine_client.get(ACTION, params={"q": "空气 name:air-quality-1"}))
    assert [p["name"] for p in by_name["results"]] == ["air-quality-1"]
    by_name_sort = ok(engine_client.get(ACTION, params={"q": "空气", "sort": "name asc"}))
    assert by_name_sort["results"][0]["name"] == "air-quality-0"
    failed(
        engine_client.get(ACTION, params={"q": "空气", "fq": "colour:blue"}),
        400,
        "Search Query Error",
    )
    failed(
        engine_client.get(ACTION, params={"q": "空气", "facet.field": '["colour"]'}),
        400,
        "Search Query Error",
    )
