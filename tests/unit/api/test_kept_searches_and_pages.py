"""Kept searches and pages (api.readcache): shared only by callers who may see the same, fresh
as soon as the index or the database changes, and each visitor's own CSRF token on each page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from catalog.models import SearchMiss
from core.identity.models import OrgKind, Role
from tests.factories import (
    PASSWORD,
    make_dataset,
    make_member,
    make_org,
    make_user,
    token_for,
)
from tests.signin import sign_in
from tests.support import drain_search

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def world(session: Session, client: TestClient) -> dict[str, Any]:
    dept = make_org(session, OrgKind.DEPARTMENT, name="transport-commission")
    publisher = make_member(session, dept, Role.PUBLISHER)
    make_dataset(
        session, dept, publisher, name="bus-routes", title={"zh": "公交线路", "en": "Bus routes"}
    )
    make_dataset(
        session,
        dept,
        publisher,
        name="bus-closed",
        open_level="closed",
        title={"zh": "公交车辆登记", "en": "Bus registrations"},
    )
    session.commit()
    drain_search(client)
    return {"dept": dept, "publisher": publisher, "token": token_for(session, publisher)}


@pytest.fixture
def searches(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """One entry per search run (not served from memory): the API's or CKAN's."""
    ran: list[str] = []
    import api.ckan.routes as ckan
    import api.v1.search as v1

    real_v1, real_ckan = v1.search_as, ckan._package_search

    async def v1_counting(request: Any, *args: Any, **kwargs: Any) -> Any:
        ran.append("v1")
        return await real_v1(request, *args, **kwargs)

    async def ckan_counting(request: Any, query: Any) -> Any:
        ran.append("ckan")
        return await real_ckan(request, query)

    monkeypatch.setattr(v1, "search_as", v1_counting)
    monkeypatch.setattr(ckan, "_package_search", ckan_counting)
    return ran


@pytest.fixture
def pages(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The pages rendered (not served from memory)."""
    rendered: list[str] = []
    import api.web.catalog as catalog_pages

    for name in ("_home", "_dataset_page"):
        real = getattr(catalog_pages, name)

        def counting(request: Any, real: Any = real, name: str = name) -> Any:
            rendered.append(name)
            return real(request)

        monkeypatch.setattr(catalog_pages, name, counting)
    return rendered


def names(answer: Any) -> list[str]:
    return sorted(item["name"] for item in answer.json()["items"])


def test_a_search_is_kept_per_view_and_never_shown_to_who_may_not_see(
    client: TestClient, world: Any, searches: list[str]
) -> None:
    own = {"Authorization": f"Bearer {world['token']}"}
    assert names(client.get("/api/v1/search", params={"q": "公交"}, headers=own)) == [
        "bus-closed",
        "bus-routes",
    ]
    assert names(client.get("/api/v1/search", params={"q": "公交"}, headers=own)) == [
        "bus-closed",
        "bus-routes",
    ]
    assert searches == ["v1"]  # the publisher's second search came from memory
    anonymous = [client.get("/api/v1/search", params={"q": "公交"}) for _ in "ab"]
    assert [names(a) for a in anonymous] == [["bus-routes"], ["bus-routes"]]
    assert anonymous[0].headers["cache-control"] == "no-cache"
    assert searches == ["v1", "v1"]  # a view of its own, built once

    ckan = {"Authorization": world["token"]}
    params = {"q": "公交", "include_private": "true"}
    shown = [client.get("/api/3/action/package_search", params=params, headers=ckan) for _ in "ab"]
    assert [s.json()["result"]["count"] for s in shown] == [2, 2]
    public = client.get("/api/3/action/package_search", params=params)
    assert public.json()["result"]["count"] == 1
    assert searches == ["v1", "v1", "ckan", "ckan"]


def test_a_kept_search_shows_what_was_indexed_since(
    client: TestClient, world: Any, session: Session, searches: list[str]
) -> None:
    assert names(client.get("/api/v1/search", params={"q": "公交"})) == ["bus-routes"]
    make_dataset(
        session,
        world["dept"],
        world["publisher"],
        name="bus-stops",
        title={"zh": "公交站点", "en": "Bus stops"},
    )
    session.commit()
    drain_search(client)  # the index changed after the database: the indexer moves the generation
    assert names(client.get("/api/v1/search", params={"q": "公交"})) == ["bus-routes", "bus-stops"]
    ckan = client.get("/api/3/action/package_search", params={"q": "公交"})
    assert ckan.json()["result"]["count"] == 2
    assert searches == ["v1", "v1", "ckan"]


def test_a_search_that_finds_nothing_is_counted_each_time(
    client: TestClient, world: Any, session: Session, searches: list[str]
) -> None:
    for _ in range(3):
        assert client.get("/api/v1/search", params={"q": "潮汐能"}).json()["total"] == 0
    assert searches == ["v1", "v1", "v1"]
    counted = session.scalar(select(func.sum(SearchMiss.count)))
    assert counted == 3


def test_a_page_is_kept_with_each_visitors_own_csrf_token(
    client: TestClient, world: Any, pages: list[str]
) -> None:
    first = client.get("/")
    visitor = TestClient(client.app, raise_server_exceptions=False)
    second = visitor.get("/")
    assert first.status_code == second.status_code == 200
    assert pages == ["_home"]
    mine, theirs = CSRF.findall(first.text), CSRF.findall(second.text)
    assert mine
    assert theirs
    assert set(mine) != set(theirs)
    assert "csrf-mark-" not in second.text
    assert first.text.replace(mine[0], "") == second.text.replace(theirs[0], "")
    # The token on the kept page is the visitor's own: their form is accepted, another's not.
    forged = visitor.post(
        "/preferences",
        data={"csrf_token": mine[0], "elder": "on", "return_to": "/"},
        follow_redirects=False,
    )
    assert forged.status_code == 403
    posted = visitor.post(
        "/preferences",
        data={"csrf_token": theirs[0], "elder": "on", "return_to": "/"},
        follow_redirects=False,
    )
    assert posted.status_code == 303
    elder = visitor.get("/")  # elder mode and each language are pages of their own
    assert 'class="elder"' in elder.text
    english = client.get("/", params={"lang": "en"})
    assert 'lang="en"' in english.text
    assert pages == ["_home", "_home", "_home"]
    again = client.get("/", params={"lang": "en"})
    assert again.text.replace(CSRF.findall(again.text)[0], "") == english.text.replace(
        CSRF.findall(english.text)[0], ""
    )
    assert 'lang="en"' in client.get("/").text  # the choice is remembered: English, a page
    assert pages == ["_home", "_home", "_home", "_home"]


def signed_in(client: TestClient, user: Any) -> TestClient:
    browser = TestClient(client.app, raise_server_exceptions=False)
    sign_in(browser, user.email, PASSWORD)
    return browser


def test_a_signed_in_page_is_kept_per_view_and_never_shown_to_others(
    client: TestClient, world: Any, pages: list[str], session: Session
) -> None:
    make_dataset(session, world["dept"], world["publisher"], name="tram", open_level="closed")
    colleague = make_member(session, world["dept"], Role.PUBLISHER)
    residents = [make_user(session), make_user(session)]
    session.commit()
    publisher = signed_in(client, world["publisher"])
    assert client.get("/dataset/tram").status_code == 404
    own = [publisher.get("/dataset/tram") for _ in "ab"]
    assert [p.status_code for p in own] == [200, 200]
    assert all(world["publisher"].email in p.text for p in own)
    assert pages.count("_dataset_page") == 2  # the second read was kept, for this view
    # Signing in does not move the generation: a new session is checked before it is served.
    fellow, *browsers = (signed_in(client, u) for u in (colleague, *residents))
    assert world["publisher"].email in publisher.get("/dataset/tram").text
    assert pages.count("_dataset_page") == 2
    assert client.get("/dataset/tram").status_code == 404
    # Each session is checked on its first page, then served what its view may see.
    for browser in (fellow, *browsers):
        assert browser.get("/").status_code == 200
    assert pages.count("_home") == 2  # the public view signed in, and the department's
    shared = fellow.get("/dataset/tram")  # the colleague sees what the publisher sees
    assert shared.status_code == 200
    assert colleague.email in shared.text
    assert world["publisher"].email not in shared.text
    assert CSRF.findall(shared.text) != CSRF.findall(own[0].text)
    assert pages.count("_dataset_page") == 3
    # Residents see the public view, signed in: never the department's.
    assert [b.get("/dataset/tram").status_code for b in browsers] == [404, 404]
    first, second = (b.get("/dataset/bus-routes") for b in browsers)
    assert pages.count("_dataset_page") == 6  # two 404s, and the resident's bus-routes once
    assert residents[0].email in first.text
    assert residents[1].email in second.text
    assert residents[0].email not in second.text
    assert world["publisher"].email not in first.text + second.text
    assert "email-mark-" not in first.text + second.text + shared.text
    anonymous = client.get("/dataset/bus-routes").text
    assert not any(r.email in anonymous for r in residents)
    assert "/logout" not in anonymous


def test_a_kept_signed_in_page_stops_when_the_session_ends(
    client: TestClient, world: Any, pages: list[str], session: Session
) -> None:
    make_dataset(session, world["dept"], world["publisher"], name="tram", open_level="closed")
    session.commit()
    publisher = signed_in(client, world["publisher"])
    assert [publisher.get("/dataset/tram").status_code for _ in "ab"] == [200, 200]
    assert pages.count("_dataset_page") == 1
    csrf = CSRF.findall(publisher.get("/").text)[0]
    assert publisher.post("/logout", data={"csrf_token": csrf}).status_code == 200
    assert publisher.get("/dataset/tram").status_code == 404
    # A session ended elsewhere (the cookie still sent): refused at once, not served from memory.
    again = signed_in(client, world["publisher"])
    assert again.get("/dataset/tram").status_code == 200
    other = signed_in(client, world["publisher"])
    security = other.get("/account/security")
    ended = other.post(
        "/account/security",
        data={"csrf_token": CSRF.findall(security.text)[0], "action": "end_others"},
    )
    assert ended.status_code == 200
    assert again.get("/dataset/tram").status_code == 404
    assert world["publisher"].email not in again.get("/").text


def test_a_changed_dataset_shows_on_its_kept_page_at_once(
    client: TestClient, world: Any, pages: list[str]
) -> None:
    assert "公交线路" in client.get("/dataset/bus-routes").text
    changed = client.patch(
        "/api/v1/datasets/bus-routes",
        json={"title": {"zh": "公交线路与站点", "en": "Bus routes and stops"}},
        headers={"Authorization": f"Bearer {world['token']}"},
    )
    assert changed.status_code == 200
    assert "公交线路与站点" in client.get("/dataset/bus-routes").text
    assert pages == ["_dataset_page", "_dataset_page"]


def test_a_signed_in_page_resolves_its_visitor_once(
    client: TestClient, world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import api.state

    publisher = TestClient(client.app, raise_server_exceptions=False)
    sign_in(publisher, world["publisher"].email, PASSWORD)
    resolved: list[str] = []
    real = api.state.resolve_principal

    def counting(request: Any, session: Session) -> Any:
        principal = real(request, session)
        resolved.append(principal.via)
        return principal

    monkeypatch.setattr(api.state, "resolve_principal", counting)
    home = publisher.get("/")  # three searches and the figures: four transactions
    assert home.status_code == 200
    assert world["publisher"].email in home.text
    assert resolved == ["session"]
    assert world["publisher"].email in publisher.get("/").text  # kept, its session known
    assert resolved == ["session"]
    # Signed out elsewhere: the next page resolves afresh and finds nobody.
    publisher.cookies.clear()
    assert world["publisher"].email not in publisher.get("/").text
    assert resolved == ["session", "anonymous"]
