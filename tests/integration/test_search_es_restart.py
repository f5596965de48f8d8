"""Stop the real Elasticsearch server mid-work and start it again.

While it is down, catalog writes still succeed and search answers 503; the outbox keeps the
changes, and once the server is back the indexer catches up without losing one.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from api.app import create_app
from catalog.search.elastic import ElasticsearchBackend
from core.errors import ServiceUnavailable
from core.identity.models import OrgKind, Role
from core.settings import Settings
from tests.factories import make_member, make_org, token_for
from tests.support import need_env

pytestmark = pytest.mark.elasticsearch

SERVICES = Path(__file__).resolve().parents[2] / "scripts" / "services.sh"


def _services(action: str) -> None:
    env = {**os.environ, "SHUDU_SERVICES": "es"}
    subprocess.run([str(SERVICES), action], env=env, check=True, timeout=300)


@pytest.fixture
def es_client(settings: Settings, sessions: sessionmaker[Session]) -> Iterator[TestClient]:
    backend = ElasticsearchBackend(
        need_env("SHUDU_TEST_ES_URL"), alias=f"t-{uuid.uuid4().hex[:10]}"
    )
    app = create_app(settings, sessions=sessions, search_backend=backend)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client
        with contextlib.suppress(ServiceUnavailable):
            client.portal.call(backend.drop)  # type: ignore[union-attr]


def _dataset(name: str, org: str) -> dict[str, object]:
    return {
        "name": name,
        "title": {"zh": f"公交{name}", "en": name},
        "organization": org,
        "open_level": "open",
        "license": "CC-BY-4.0",
        "state": "published",
    }


def test_outage_and_catch_up(es_client: TestClient, session: Session) -> None:
    url = need_env("SHUDU_TEST_ES_URL")
    dept = make_org(session, OrgKind.DEPARTMENT)
    headers = {
        "Authorization": f"Bearer {token_for(session, make_member(session, dept, Role.PUBLISHER))}"
    }
    session.commit()
    indexer = es_client.app.state.search.indexer  # type: ignore[attr-defined]
    portal = es_client.portal  # type: ignore[union-attr]

    assert (
        es_client.post(
            "/api/v1/datasets", json=_dataset("before-outage", dept.name), headers=headers
        ).status_code
        == 201
    )
    assert portal.call(indexer.drain) >= 1
    assert es_client.get("/api/v1/search", params={"q": "before-outage"}).json()["total"] == 1

    _services("down")
    try:
        with pytest.raises(httpx.TransportError):
            httpx.get(url, timeout=2)
        created = es_client.post(
            "/api/v1/datasets", json=_dataset("during-outage", dept.name), headers=headers
        )
        assert created.status_code == 201  # the write does not depend on search
        down = es_client.get("/api/v1/search", params={"q": "公交"})
        assert down.status_code == 503
        assert "try again" in down.json()["error"]["message"]
        with pytest.raises(ServiceUnavailable):
            portal.call(indexer.drain)  # the change stays in the outbox
    finally:
        _services("up")

    assert portal.call(indexer.drain) >= 1
    found = es_client.get("/api/v1/search", params={"q": "during-outage"}).json()
    assert [item["name"] for item in found["items"]] == ["during-outage"]
    assert portal.call(indexer.drain) == 0
