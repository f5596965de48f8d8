"""The public catalog pages: search with facets and paging, organization page, languages."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from core.identity.models import OrgKind, Role
from tests.factories import make_dataset, make_member, make_org, make_theme


@pytest.fixture
def catalog(session: Session, client: TestClient) -> dict[str, Any]:
    make_theme(session, "transport")
    dept = make_org(session, OrgKind.DEPARTMENT, name="transport-commission")
    publisher = make_member(session, dept, Role.PUBLISHER)
    for i in range(25):
        make_dataset(
            session,
            dept,
            publisher,
            name=f"bus-line-{i:02d}",
            themes=["transport"],
            title={"zh": f"公交{i}路线路走向", "en": f"Bus line {i}"},
        )
    make_dataset(
        session,
        dept,
        publisher,
        name="taxi-trips",
        open_level="conditional",
        title={"zh": "出租车<script>行程", "en": "Taxi trips"},
    )
    make_dataset(
        session,
        dept,
        publisher,
        name="secret-plan",
        open_level="closed",
        title={"zh": "公交内部规划", "en": "Internal bus plan"},
    )
    session.commit()
    client.portal.call(client.app.state.search.indexer.drain)  # type: ignore[union-attr,attr-defined]
    return {"dept": dept}


def test_search_page_with_facets_highlights_and_paging(
    client: TestClient, catalog: dict[str, Any]
) -> None:
    page = client.get("/search", params={"q": "公交"})
    assert page.status_code == 200
    assert re.search(r"<strong>25</strong>", page.text)
    assert "<mark>公交</mark>" in page.text
    assert "secret-plan" not in page.text
    theme_link = re.search(r'<a href="(/search\?q=[^"]*theme=transport)"', page.text)
    assert theme_link is not None
    filtered = client.get(theme_link.group(1).replace("&amp;", "&"))
    assert 'aria-current="true" class="active"' in filtered.text
    next_link = re.search(r'<a [^>]*href="([^"]+)" rel="next"', page.text)
    assert next_link is not None
    second = client.get(next_link.group(1).replace("&amp;", "&"))
    first_names = set(re.findall(r'href="/dataset/([a-z0-9-]+)"', page.text))
    second_names = set(re.findall(r'href="/dataset/([a-z0-9-]+)"', second.text))
    assert len(first_names) == 20
    assert len(second_names) == 5
    assert not first_names & second_names


def test_pages_escape_and_switch_language(client: TestClient, catalog: dict[str, Any]) -> None:
    page = client.get("/search", params={"q": "出租车"})
    assert "<script>行程" not in page.text
    assert "&lt;script&gt;" in page.text
    english = client.get("/search", params={"q": "taxi", "lang": "en"})
    assert 'lang="en"' in english.text
    assert ">Conditional</span>" in english.text  # the open level as a word, in English
    assert "Taxi trips" in client.get("/").text  # the choice is remembered
    assert "公交" in client.get("/", params={"lang": "zh"}).text


def test_organization_and_home_pages(client: TestClient, catalog: dict[str, Any]) -> None:
    organization = client.get("/organization/transport-commission")
    assert organization.status_code == 200
    assert "<strong>26</strong>" in organization.text  # the closed one is not counted
    assert client.get("/organization/nobody").status_code == 404
    home = client.get("/")
    assert "<strong>26</strong>" in home.text
    assert "/search?theme=transport" in home.text
