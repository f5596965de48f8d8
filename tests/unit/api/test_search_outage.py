"""When the search engine is unreachable, writes still succeed and search says 503."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from api.app import create_app
from catalog.search.elastic import ElasticsearchBackend
from core.identity.models import OrgKind, Role
from core.settings import Settings
from tests.factories import make_member, make_org, token_for


@pytest.fixture
def down_client(settings: Settings, sessions: sessionmaker[Session]) -> Iterator[TestClient]:
    # Port 9 (discard) has no listener here: a real client meeting a real refused connection.
    backend = ElasticsearchBackend("http://127.0.0.1:9", alias="nowhere")
    app = create_app(settings, sessions=sessions, search_backend=backend)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def test_search_down_means_503_and_writes_still_work(
    down_client: TestClient, session: Session
) -> None:
    dept = make_org(session, OrgKind.DEPARTMENT, name="transport-commission")
    publisher = make_member(session, dept, Role.PUBLISHER)
    headers = {"Authorization": f"Bearer {token_for(session, publisher)}"}
    session.commit()
    response = down_client.get("/api/v1/search", params={"q": "公交"})
    assert response.status_code == 503
    assert "unavailable" in response.json()["error"]["message"]
    created = down_client.post(
        "/api/v1/datasets",
        json={
            "name": "bus-routes",
            "title": {"zh": "公交"},
            "organization": dept.name,
            "open_level": "open",
            "license": "CC-BY-4.0",
            "state": "published",
        },
        headers=headers,
    )
    assert created.status_code == 201
    assert down_client.get("/api/v1/datasets/bus-routes").status_code == 200
