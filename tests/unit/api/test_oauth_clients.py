"""Developer self-service for OAuth clients: the API and the page."""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path
from typing import Any

import orjson
import pytest
from joserfc import jwt
from joserfc.jwk import ECKey
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from core.identity.models import OrgKind, Role
from core.settings import Settings, load_settings
from tests.factories import PASSWORD, make_member, make_org, make_user, token_for


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    return load_settings(
        {
            "SHUDU_DATA_DIR": str(tmp_path / "data"),
            "SHUDU_DATABASE_URL": db_url,
            "SHUDU_BASE_URL": "http://localhost",
        }
    )


@pytest.fixture
def people(session: Session) -> dict[str, Any]:
    firm = make_org(session, OrgKind.ENTERPRISE, name="acme-data")
    member = make_member(session, firm, Role.MEMBER)
    stranger = make_user(session)
    session.commit()
    return {
        "member": member,
        "writer": {"Authorization": f"Bearer {token_for(session, member)}"},
        "reader": {"Authorization": f"Bearer {token_for(session, member, write=False)}"},
        "stranger": {"Authorization": f"Bearer {token_for(session, stranger)}"},
    }


def _register(client: TestClient, headers: dict[str, str], **body: Any) -> Any:
    payload = {"name": "ETL job", "grant_types": ["client_credentials"], "scope": "catalog:read"}
    payload.update(body)
    return client.post("/api/v1/oauth/clients", json=payload, headers=headers)


def test_register_use_rotate_and_delete(client: TestClient, people: dict[str, Any]) -> None:
    created = _register(client, people["writer"], organization="acme-data")
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["organization"] == "acme-data"
    creds = (body["client_id"], body["client_secret"])

    grant = {"grant_type": "client_credentials"}
    assert client.post("/oauth/token", data=grant, auth=creds).status_code == 200
    listed = client.get("/api/v1/oauth/clients", headers=people["writer"]).json()
    assert [c["usage_count"] for c in listed["items"]] == [1]
    assert "client_secret" not in listed["items"][0]

    rotated = client.post(
        f"/api/v1/oauth/clients/{creds[0]}/secret", headers=people["writer"]
    ).json()
    assert rotated["client_secret"] != creds[1]
    assert client.post("/oauth/token", data=grant, auth=creds).status_code in (400, 401)
    new = (creds[0], rotated["client_secret"])
    assert client.post("/oauth/token", data=grant, auth=new).status_code == 200

    gone = client.delete(f"/api/v1/oauth/clients/{creds[0]}", headers=people["writer"])
    assert gone.status_code == 204
    assert client.post("/oauth/token", data=grant, auth=new).status_code in (400, 401)


def test_others_cannot_see_or_touch_a_client(client: TestClient, people: dict[str, Any]) -> None:
    client_id = _register(client, people["writer"]).json()["client_id"]
    assert client.get("/api/v1/oauth/clients", headers=people["stranger"]).json()["total"] == 0
    for method, path in [
        ("GET", f"/api/v1/oauth/clients/{client_id}"),
        ("POST", f"/api/v1/oauth/clients/{client_id}/secret"),
        ("DELETE", f"/api/v1/oauth/clients/{client_id}"),
    ]:
        response = client.request(method, path, headers=people["stranger"])
        assert response.status_code == 404, (method, path)
    # Nor may a stranger register a client for an organization they are not in.
    response = _register(client, people["stranger"], organization="acme-data")
    assert response.status_code == 403


def test_bad_registrations(client: TestClient, people: dict[str, Any]) -> None:
    assert _register(client, people["reader"]).status_code == 403  # read-only token
    assert _register(client, {}).status_code == 401
    assert _register(client, people["writer"], scope="everything").status_code == 422
    assert _register(client, people["writer"], scope="admin").status_code == 403
    assert _register(client, people["writer"], grant_types=["password"]).status_code == 422
    code_without_uri = _register(client, people["writer"], grant_types=["authorization_code"])
    assert code_without_uri.status_code == 422
    fragment = _register(
        client,
        people["writer"],
        grant_types=["authorization_code"],
        redirect_uris=["https://app.example/cb#frag"],
    )
    assert fragment.status_code == 422


def test_clients_page_registers_and_shows_the_secret_once(
    client: TestClient, people: dict[str, Any]
) -> None:
    login = client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', login.text)
    assert csrf is not None
    client.post(
        "/login",
        data={"email": people["member"].email, "password": PASSWORD, "csrf_token": csrf.group(1)},
    )
    page = client.get("/account/clients")
    assert page.status_code == 200
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    created = client.post(
        "/account/clients",
        data={
            "csrf_token": csrf.group(1),
            "action": "create",
            "name": "Dashboard",
            "grant": "client_credentials",
            "scope:catalog:read": "on",
        },
    )
    assert created.status_code == 200, created.text
    assert 'id="new-client-secret"' in created.text
    assert "Dashboard" in created.text
    again = client.get("/account/clients")
    assert 'id="new-client-secret"' not in again.text
    no_csrf = client.post("/account/clients", data={"action": "create", "name": "x"})
    assert no_csrf.status_code == 403


def test_usage_counts_api_calls_per_day_not_only_grants(
    client: TestClient, people: dict[str, Any]
) -> None:
    body = _register(client, people["writer"]).json()
    creds = (body["client_id"], body["client_secret"])
    token = client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=creds
    ).json()["access_token"]
    bearer = {"Authorization": f"Bearer {token}"}
    for _ in range(3):
        assert client.get("/api/v1/themes", headers=bearer).status_code == 200
    shown = client.get(f"/api/v1/oauth/clients/{creds[0]}", headers=people["writer"]).json()
    assert shown["usage_count"] == 1  # tokens granted
    assert shown["calls_today"] == shown["calls_total"] == 3
    [today] = shown["daily_usage"]
    assert today == {"day": today["day"], "calls": 3, "grants": 1}
    # Counted once: a second listing adds nothing that was already flushed.
    assert client.get("/api/v1/themes", headers=bearer).status_code == 200
    listed = client.get("/api/v1/oauth/clients", headers=people["writer"]).json()
    assert [c["calls_total"] for c in listed["items"]] == [4]


def _logged_in_page(client: TestClient, email: str) -> str:
    login = client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', login.text)
    assert csrf is not None
    client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf.group(1)})
    page = client.get("/account/clients")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    return csrf.group(1)


def test_clients_page_registers_a_private_key_jwt_client(
    client: TestClient, people: dict[str, Any]
) -> None:
    csrf = _logged_in_page(client, people["member"].email)
    key = ECKey.generate_key("P-256", {"kid": "k1"}, private=True)
    form = {
        "csrf_token": csrf,
        "action": "create",
        "name": "Signed job",
        "grant": "client_credentials",
        "scope:catalog:read": "on",
        "auth_method": "private_key_jwt",
    }

    def create(**extra: str) -> Any:
        return client.post("/account/clients", data={**form, **extra})

    private = orjson.dumps({"keys": [key.as_dict(private=True)]}).decode()
    public = orjson.dumps({"keys": [key.as_dict(private=False)]}).decode()
    refusals = {
        "private key material": create(jwks=private),
        "not valid JSON": create(jwks="{keys"),
        "one of the two": create(),
        "one of the two ": create(jwks=public, jwks_uri="https://keys.example/jwks.json"),
        "lacks": create(jwks='{"keys": [{"kty": "EC", "crv": "P-256"}]}'),
        "https URL": create(jwks_uri="http://keys.example/jwks.json"),
    }
    for why, response in refusals.items():
        assert response.status_code == 422, (why, response.text)
        assert why.strip() in response.text
    created = create(jwks=public)
    assert created.status_code == 200, created.text
    client_id = re.search(r'id="new-client-id">([^<]+)<', created.text)
    assert client_id is not None
    assert 'id="new-client-secret"' not in created.text
    listed = client.get("/api/v1/oauth/clients", headers=people["writer"]).json()["items"]
    assert [c["auth_method"] for c in listed] == ["private_key_jwt"]
    # The registered key authenticates the client at the token endpoint.
    now = int(time.time())
    assertion = jwt.encode(
        {"alg": "ES256", "kid": "k1"},
        {"iss": client_id.group(1), "sub": client_id.group(1), "aud": "http://localhost/oauth/token",
         "iat": now, "exp": now + 60, "jti": secrets.token_urlsafe(8)},
        key,
    )  # fmt: skip
    token = client.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": client_id.group(1),
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion,
        },
    )
    assert token.status_code == 200, token.text


def test_a_deleted_client_token_is_refused_at_once_even_after_use(
    client: TestClient, people: dict[str, Any]
) -> None:
    body = _register(client, people["writer"]).json()
    creds = (body["client_id"], body["client_secret"])
    token = client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=creds
    ).json()["access_token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/themes", headers=bearer).status_code == 200  # now cached
    gone = client.delete(f"/api/v1/oauth/clients/{creds[0]}", headers=people["writer"])
    assert gone.status_code == 204
    refused = client.get("/api/v1/themes", headers=bearer)
    assert refused.status_code == 401
    assert "no longer exists" in refused.json()["error"]["message"]
