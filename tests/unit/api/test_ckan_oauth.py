"""OAuth access tokens on the CKAN Action API: each action needs its scope (fail closed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from core.identity.models import OrgKind, Role
from core.identity.oauth import OAuthClientService
from core.identity.principal import Principal
from core.settings import Settings, load_settings
from tests.factories import make_dataset, make_member, make_org


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    # Authlib insists on https except for loopback hosts; localhost stands in for the site.
    return load_settings(
        {
            "SHUDU_DATA_DIR": str(tmp_path / "data"),
            "SHUDU_DATABASE_URL": db_url,
            "SHUDU_BASE_URL": "http://localhost",
        }
    )


@pytest.fixture
def creds(session: Session) -> tuple[str, str]:
    dept = make_org(session, OrgKind.DEPARTMENT, name="transport-dept")
    publisher = make_member(session, dept, Role.PUBLISHER)
    make_dataset(session, dept, publisher, name="bus-lines")
    session.commit()
    issued = OAuthClientService(session).create(
        Principal.for_user(publisher, can_write=True, via="session"),
        name="CKAN client",
        grant_types=["client_credentials"],
        scope="catalog:read catalog:write",
        organization=dept,
    )
    session.commit()
    assert issued.secret is not None
    return issued.client.client_id, issued.secret


def _token(client: TestClient, creds: tuple[str, str], scope: str) -> dict[str, str]:
    response = client.post(
        "/oauth/token", data={"grant_type": "client_credentials", "scope": scope}, auth=creds
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_scopes_apply_per_action(client: TestClient, creds: tuple[str, str]) -> None:
    reader = _token(client, creds, "catalog:read")
    shown = client.get("/api/action/package_show", params={"id": "bus-lines"}, headers=reader)
    assert shown.json()["success"] is True
    body: dict[str, Any] = {"id": "bus-lines", "version": "9"}
    refused = client.post("/api/action/package_patch", json=body, headers=reader)
    assert refused.status_code == 403
    assert refused.json()["error"]["__type"] == "Authorization Error"
    assert "catalog:write" in refused.json()["error"]["message"]
    datastore = client.get(
        "/api/action/datastore_search",
        params={"resource_id": "00000000-0000-0000-0000-000000000000"},
        headers=reader,
    )
    assert datastore.status_code == 403  # needs datastore:read, which this token lacks

    writer = _token(client, creds, "catalog:read catalog:write")
    patched = client.post("/api/action/package_patch", json=body, headers=writer)
    assert patched.json()["result"]["version"] == "9"
