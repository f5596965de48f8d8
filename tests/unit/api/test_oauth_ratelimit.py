"""Rate limits per OAuth client and per anonymous address, counted in the database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from api.app import create_app
from catalog.search.sqlite_fts import SqliteFtsBackend
from core.identity.oauth import OAuthClientService
from core.identity.principal import Principal
from core.settings import Settings, load_settings
from tests.factories import make_user, token_for


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    return load_settings(
        {
            "SHUDU_DATA_DIR": str(tmp_path / "data"),
            "SHUDU_DATABASE_URL": db_url,
            "SHUDU_BASE_URL": "http://localhost",
            "SHUDU_RATE_LIMIT_ANONYMOUS": "3",
            "SHUDU_RATE_LIMIT_CLIENT": "2",
        }
    )


@pytest.fixture
def second_process(settings: Settings, sessions: sessionmaker[Session]) -> Iterator[TestClient]:
    """Another app on the same database: what a second worker process sees."""
    backend = SqliteFtsBackend(settings.data_dir / "search2.db")
    app = create_app(settings, sessions=sessions, search_backend=backend)
    with TestClient(app, raise_server_exceptions=False) as other:
        yield other


def _client_token(client: TestClient, session: Session) -> str:
    issued = OAuthClientService(session).create(
        Principal.operator(), name="busy", grant_types=["client_credentials"], scope="catalog:read"
    )
    session.commit()
    creds = (issued.client.client_id, issued.secret or "")
    response = client.post("/oauth/token", data={"grant_type": "client_credentials"}, auth=creds)
    return str(response.json()["access_token"])


def _assert_limited(response: Any, limit: int) -> None:
    assert response.status_code == 429, response.text
    assert response.json()["error"]["code"] == "rate_limited"
    assert 0 < int(response.headers["retry-after"]) <= 60
    assert response.headers["ratelimit-limit"] == str(limit)
    assert response.headers["ratelimit-remaining"] == "0"


def test_anonymous_limit_is_shared_across_processes(
    client: TestClient, second_process: TestClient
) -> None:
    first = client.get("/api/v1/themes")
    assert first.status_code == 200
    assert first.headers["ratelimit-limit"] == "3"
    assert first.headers["ratelimit-remaining"] == "2"
    assert int(first.headers["ratelimit-reset"]) <= 60
    assert client.get("/api/v1/licenses").headers["ratelimit-remaining"] == "1"
    # The other process continues the same count: the state is in the database.
    assert second_process.get("/api/v1/themes").headers["ratelimit-remaining"] == "0"
    _assert_limited(second_process.get("/api/v1/themes"), 3)
    _assert_limited(client.get("/api/v1/datasets"), 3)
    # Pages and the OAuth endpoints are not API calls.
    assert client.get("/.well-known/jwks.json").status_code == 200


def test_each_client_has_its_own_budget(client: TestClient, session: Session) -> None:
    busy = {"Authorization": f"Bearer {_client_token(client, session)}"}
    calm = {"Authorization": f"Bearer {_client_token(client, session)}"}
    for _ in range(2):
        assert client.get("/api/v1/themes", headers=busy).status_code == 200
    _assert_limited(client.get("/api/v1/themes", headers=busy), 2)
    assert client.get("/api/v1/themes", headers=calm).status_code == 200
    # Anonymous callers from the same address have a budget of their own.
    assert client.get("/api/v1/themes").status_code == 200


def test_people_with_personal_tokens_are_not_limited(client: TestClient, session: Session) -> None:
    user = make_user(session)
    headers = {"Authorization": f"Bearer {token_for(session, user)}"}
    session.commit()
    for _ in range(5):
        response = client.get("/api/v1/me", headers=headers)
        assert response.status_code == 200
        assert "ratelimit-limit" not in response.headers
