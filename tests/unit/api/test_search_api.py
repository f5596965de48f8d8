"""/api/v1/search through the app: the outbox feeds the index, visibility per role, bad input."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from core.identity.models import OrgKind, Role
from tests.factories import make_dataset, make_member, make_org, make_theme, make_user, token_for
from tests.support import drain_search


@pytest.fixture
def world(session: Session, client: TestClient) -> dict[str, Any]:
    make_theme(session, "transport")
    dept = make_org(session, OrgKind.DEPARTMENT, name="transport-commission")
    publisher = make_member(session, dept, Role.PUBLISHER)
    regulator = make_member(session, make_org(session, OrgKind.REGULATOR), Role.REGULATOR)
    make_dataset(
        session,
        dept,
        publisher,
        name="bus-routes",
        themes=["transport"],
        title={"zh": "公交线路及站点信息", "en": "Bus routes and stops"},
        keywords=["公交", "bus"],
    )
    make_dataset(
        session,
        dept,
        publisher,
        name="bus-draft",
        state="draft",
        title={"zh": "公交客流（草稿）", "en": "Bus ridership (draft)"},
    )
    make_dataset(
        session,
        dept,
        publisher,
        name="bus-closed",
        open_level="closed",
        title={"zh": "公交车辆登记", "en": "Bus registrations"},
    )
    make_dataset(
        session,
        dept,
        publisher,
        name="taxi",
        open_level="conditional",
        title={"zh": "出租车行程", "en": "Taxi trips <b>raw</b>"},
    )
    session.commit()
    assert drain_search(client) > 0
    return {
        "publisher": {"Authorization": f"Bearer {token_for(session, publisher)}"},
        "regulator": {"Authorization": f"Bearer {token_for(session, regulator)}"},
        "enterprise": {"Authorization": f"Bearer {token_for(session, make_user(session))}"},
    }


def _names(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["name"] for item in response.json()["items"]]


def test_search_answers_the_documented_shape(client: TestClient, world: dict[str, Any]) -> None:
    body = client.get("/api/v1/search", params={"q": "公交"}).json()
    assert body["total"] == 1
    item = body["items"][0]
    assert item["name"] == "bus-routes"
    assert item["title"] == {"zh": "公交线路及站点信息", "en": "Bus routes and stops"}
    assert item["organization"]["name"] == "transport-commission"
    assert item["highlight"]["title_zh"] == "<mark>公交</mark>线路及站点信息"
    organization = body["facets"]["organization"][0]
    assert organization == {
        "value": "transport-commission",
        "label": {"zh": "测试机构", "en": "Test organization"},
        "count": 1,
    }
    assert body["facets"]["theme"][0]["label"] == {"zh": "交通", "en": "Transport"}
    assert body["next_cursor"] is None


def test_highlights_are_escaped_html(client: TestClient, world: dict[str, Any]) -> None:
    item = client.get("/api/v1/search", params={"q": "taxi"}).json()["items"][0]
    assert item["highlight"]["title_en"] == "<mark>Taxi</mark> trips &lt;b&gt;raw&lt;/b&gt;"
    assert item["licensed"] is True


def test_visibility_per_role(client: TestClient, world: dict[str, Any]) -> None:
    public = {"bus-routes", "taxi"}
    assert set(_names(client.get("/api/v1/search"))) == public
    assert set(_names(client.get("/api/v1/search", headers=world["enterprise"]))) == public
    everything = public | {"bus-draft", "bus-closed"}
    assert set(_names(client.get("/api/v1/search", headers=world["publisher"]))) == everything
    assert set(_names(client.get("/api/v1/search", headers=world["regulator"]))) == everything
    suggestions = client.get("/api/v1/search/suggest", params={"q": "公交"}).json()["items"]
    assert {s["name"] for s in suggestions if s["kind"] == "title"} == {"bus-routes"}


def test_changes_reach_the_index_through_the_outbox(
    client: TestClient, world: dict[str, Any]
) -> None:
    client.patch(
        "/api/v1/datasets/bus-routes",
        json={"title": {"zh": "公交线路", "en": "Bus lines"}},
        headers=world["publisher"],
    )
    client.post("/api/v1/datasets/bus-draft/publish", headers=world["publisher"])
    client.post("/api/v1/datasets/taxi/withdraw", headers=world["publisher"])
    assert drain_search(client) >= 3
    assert drain_search(client) == 0  # every event settled once
    assert set(_names(client.get("/api/v1/search", params={"q": "bus"}))) == {
        "bus-routes",
        "bus-draft",
    }
    assert _names(client.get("/api/v1/search", params={"q": "Bus lines"}))[0] == "bus-routes"
    assert _names(client.get("/api/v1/search", params={"q": "taxi"})) == []


def test_cursor_paging(client: TestClient, world: dict[str, Any]) -> None:
    first = client.get("/api/v1/search", params={"limit": 1, "sort": "title"}).json()
    second = client.get(
        "/api/v1/search", params={"limit": 1, "sort": "title", "cursor": first["next_cursor"]}
    ).json()
    # 出租车 (chu) before 公交 (gong): titles sort by pinyin, not by code point.
    assert [first["items"][0]["name"], second["items"][0]["name"]] == ["taxi", "bus-routes"]
    assert second["next_cursor"] is None
    mismatched = client.get(
        "/api/v1/search", params={"sort": "newest", "cursor": first["next_cursor"]}
    )
    assert mismatched.status_code == 400


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"q": '*:()"^~'}, 200),
        ({"q": 'bus "routes'}, 200),
        ({"q": "公交" * 1700}, 200),  # 10 KB of UTF-8
        ({"colour": "red"}, 400),
        ({"cursor": "garbage!"}, 400),
        ({"sort": "random"}, 422),
        ({"modified_from": "yesterday"}, 422),
        ({"limit": "0"}, 422),
    ],
)
def test_bad_input_never_500(
    client: TestClient, world: dict[str, Any], params: dict[str, str], status: int
) -> None:
    response = client.get("/api/v1/search", params=params)
    assert response.status_code == status, response.text
    if status != 200:
        assert response.json()["error"]["message"]


def test_filters_through_the_api(client: TestClient, world: dict[str, Any]) -> None:
    assert _names(client.get("/api/v1/search", params={"open_level": "conditional"})) == ["taxi"]
    assert _names(client.get("/api/v1/search", params={"theme": "transport"})) == ["bus-routes"]
    assert set(_names(client.get("/api/v1/search", params={"open_level": "open,conditional"}))) == {
        "bus-routes",
        "taxi",
    }
