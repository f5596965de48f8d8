"""Searches that found nothing: counted by their words alone (on the search page and the API),
never under a filter or when they look like personal data, and shown in the publisher console."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from catalog.models import SearchMiss
from catalog.search import misses
from catalog.search.misses import SearchMissService, miss_text
from core.clock import utcnow
from core.identity.models import OrgKind, Role
from tests.factories import PASSWORD, make_dataset, make_member, make_org, make_user
from tests.signin import sign_in
from tests.support import drain_search


@pytest.fixture
def world(session: Session, client: TestClient) -> dict[str, Any]:
    dept = make_org(session, OrgKind.DEPARTMENT, name="transport-commission")
    publisher = make_member(session, dept, Role.PUBLISHER)
    make_dataset(
        session,
        dept,
        publisher,
        name="bus-routes",
        title={"zh": "公交线路及站点信息", "en": "Bus routes and stops"},
    )
    citizen = make_user(session)
    session.commit()
    drain_search(client)
    return {"publisher": publisher, "citizen": citizen}


def counted(session: Session) -> dict[str, int]:
    session.expire_all()
    return {m.text: m.count for m in session.scalars(select(SearchMiss))}


def test_what_is_kept_of_a_search() -> None:
    assert miss_text("  Flood   MAPS ") == "flood maps"
    assert miss_text("ＡＱＩ") == "aqi"  # full-width folded
    assert miss_text("13812345678") is None  # a phone number
    assert miss_text("310101198001011234 社保") is None  # an ID card number
    assert miss_text("someone@example.org") is None
    assert miss_text("x" * 101) is None
    assert miss_text("   ") is None
    assert miss_text("2024年") == "2024年"  # a year is not personal


def test_misses_are_counted_from_the_page_and_the_api(
    client: TestClient, session: Session, world: dict[str, Any]
) -> None:
    assert client.get("/api/v1/search", params={"q": "洪水地图"}).json()["total"] == 0
    assert client.get("/search", params={"q": "洪水地图"}).status_code == 200
    client.get("/search", params={"q": "flood maps"})
    client.get("/search", params={"q": "公交"})  # found something
    client.get("/search", params={"q": "洪水地图", "organization": "transport-commission"})
    client.get("/search", params={"q": "13812345678"})  # looks like a phone number
    client.get("/api/v1/search", params={"q": "洪水地图", "modified_from": "2020-01-01"})
    assert counted(session) == {"洪水地图": 2, "flood maps": 1}


def test_publishers_see_them_in_their_console(
    client: TestClient, session: Session, world: dict[str, Any]
) -> None:
    for _ in range(3):
        client.get("/search", params={"q": "洪水地图"})
    client.get("/search", params={"q": "flood <maps>"})
    sign_in(client, world["citizen"].email, PASSWORD)
    assert client.get("/console/publish/searches").status_code == 403
    client.cookies.clear()
    sign_in(client, world["publisher"].email, PASSWORD)
    page = client.get("/console/publish/searches")
    assert page.status_code == 200
    body = page.text
    assert body.index("洪水地图") < body.index("flood &lt;maps&gt;")  # by count, escaped
    assert "/search?q=%E6%B4%AA%E6%B0%B4%E5%9C%B0%E5%9B%BE" in body
    assert "没有找到结果的搜索" in body
    english = client.get("/console/publish/searches?lang=en").text
    assert "Searches that found nothing" in english
    assert "没有找到结果的搜索" not in english
    assert "/console/publish/searches" in client.get("/console/publish").text


def test_the_table_stays_bounded(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(misses, "MAX_ROWS", 2)
    service = SearchMissService(session)
    service.record("one")
    service.record("two")
    service.record("three")  # full: not added
    service.record("one")  # known: still counted
    session.commit()
    assert counted(session) == {"one": 2, "two": 1}
    session.execute(
        SearchMiss.__table__.update()
        .where(SearchMiss.text == "two")
        .values(last_seen=utcnow() - timedelta(days=misses.KEEP_DAYS + 1))
    )
    service.record("three")  # "two" has aged out: room again
    session.commit()
    assert counted(session) == {"one": 2, "three": 1}
    assert [m.text for m in service.top(days=30)] == ["one", "three"]
