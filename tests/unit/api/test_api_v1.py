"""The JSON API v1 through the ASGI app, against the real database of the lane."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import validate
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from core.identity.models import OrgKind, Role
from tests.factories import make_dataset, make_member, make_org, make_theme, make_user, token_for


@pytest.fixture
def world(session: Session) -> dict[str, Any]:
    dept = make_org(session, OrgKind.DEPARTMENT, name="transport-commission")
    publisher = make_member(session, dept, Role.PUBLISHER)
    outsider = make_member(session, make_org(session, OrgKind.DEPARTMENT), Role.PUBLISHER)
    admin = make_user(session, admin=True)
    make_theme(session, "transport")
    existing = make_dataset(session, dept, publisher, name="bus-routes")
    session.commit()
    return {
        "dept": dept,
        "existing": existing.name,
        "writer": {"Authorization": f"Bearer {token_for(session, publisher)}"},
        "reader": {"Authorization": f"Bearer {token_for(session, publisher, write=False)}"},
        "outsider": {"Authorization": f"Bearer {token_for(session, outsider)}"},
        "admin": {"Authorization": f"Bearer {token_for(session, admin)}"},
    }


def _new(**extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "metro-stations",
        "title": {"zh": "轨道交通站点", "en": "Metro stations"},
        "organization": "transport-commission",
        "open_level": "open",
        "license": "CC-BY-4.0",
        "keywords": ["地铁", "metro"],
        "themes": ["transport"],
        "temporal": {"start": "2024-01-01", "end": "2024-12-31"},
        "contact_point": {"name": "数据处", "email": "data@jtw.example.gov.cn"},
    }
    body.update(extra)
    return body


def _error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert set(error) == {"code", "message", "details"}
    assert error["message"]
    return error


def test_create_read_and_list(client: TestClient, world: dict[str, Any]) -> None:
    created = client.post("/api/v1/datasets", json=_new(), headers=world["writer"])
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["state"] == "draft"
    assert body["license"]["id"] == "CC-BY-4.0"
    assert body["keywords"] == ["metro", "地铁"]
    assert body["themes"][0]["code"] == "transport"
    assert body["temporal"] == {"start": "2024-01-01", "end": "2024-12-31"}
    # A draft is invisible to the public, visible to its publisher.
    _error(client.get("/api/v1/datasets/metro-stations"), 404)
    assert client.get("/api/v1/datasets/metro-stations", headers=world["reader"]).status_code == 200
    published = client.post("/api/v1/datasets/metro-stations/publish", headers=world["writer"])
    assert published.json()["state"] == "published"
    assert published.json()["issued"]
    public = client.get("/api/v1/datasets", params={"limit": 1})
    assert public.json()["total"] == 2
    assert len(public.json()["items"]) == 1
    second = client.get(
        "/api/v1/datasets", params={"limit": 1, "cursor": public.json()["next_cursor"]}
    )
    names = [public.json()["items"][0]["name"], second.json()["items"][0]["name"]]
    assert names == ["bus-routes", "metro-stations"]
    assert second.json()["next_cursor"] is None


def test_update_and_history(client: TestClient, world: dict[str, Any]) -> None:
    name = world["existing"]
    patched = client.patch(
        f"/api/v1/datasets/{name}",
        json={"version": "2.1", "spatial": "全市"},
        headers=world["writer"],
    )
    assert patched.status_code == 200
    assert patched.json()["version"] == "2.1"
    history = client.get(f"/api/v1/datasets/{name}/history").json()["items"]
    assert history[-1]["changes"]["version"] == ["1.0", "2.1"]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        (_new(colour="blue"), 422, "colour"),
        (_new(open_level=3), 422, "open_level"),
        (_new(license="WTFPL"), 422, "license"),
        (_new(name="Bad Name!"), 422, "name"),
        (_new(title={"zh": "", "en": ""}), 422, "title"),
        (_new(temporal={"start": "2025-01-01", "end": "2024-01-01"}), 422, "temporal"),
        (_new(themes=["astrology"]), 422, "themes"),
        (_new(name="bus-routes"), 409, "name"),
    ],
)
def test_bad_input_gets_a_clear_error(
    client: TestClient, world: dict[str, Any], body: dict[str, Any], status: int, field: str
) -> None:
    before = client.get("/api/v1/datasets", headers=world["reader"]).json()["total"]
    error = _error(client.post("/api/v1/datasets", json=body, headers=world["writer"]), status)
    assert any(key.startswith(field) for key in error["details"]), error
    assert client.get("/api/v1/datasets", headers=world["reader"]).json()["total"] == before


def test_malformed_json_and_wrong_content_type(client: TestClient, world: dict[str, Any]) -> None:
    headers = {**world["writer"], "content-type": "application/json"}
    assert _error(client.post("/api/v1/datasets", content=b"{nope", headers=headers), 400)
    assert _error(client.post("/api/v1/datasets", content=b"[1]", headers=headers), 422)
    gbk = '{"name": "公交"}'.encode("gbk")
    assert (
        "UTF-8"
        in _error(client.post("/api/v1/datasets", content=gbk, headers=headers), 400)["message"]
    )
    plain = {**world["writer"], "content-type": "text/plain"}
    _error(client.post("/api/v1/datasets", content=b"{}", headers=plain), 415)
    _error(client.get("/api/v1/datasets", params={"limit": "many"}), 422)
    _error(client.get("/api/v1/datasets", params={"cursor": "!!!"}), 400)
    _error(client.get("/api/v1/nothing-here"), 404)


def test_authentication_and_permissions(client: TestClient, world: dict[str, Any]) -> None:
    no_credentials = client.post("/api/v1/datasets", json=_new())
    _error(no_credentials, 401)
    assert no_credentials.headers["www-authenticate"].startswith("Bearer")
    _error(client.get("/api/v1/datasets", headers={"Authorization": "Bearer sdu_forged"}), 401)
    _error(client.get("/api/v1/me", headers={"Authorization": "Basic abc"}), 401)
    _error(client.post("/api/v1/datasets", json=_new(), headers=world["reader"]), 403)
    _error(client.post("/api/v1/datasets", json=_new(), headers=world["outsider"]), 403)
    _error(
        client.patch(
            f"/api/v1/datasets/{world['existing']}",
            json={"version": "3"},
            headers=world["outsider"],
        ),
        403,
    )
    _error(
        client.post(
            "/api/v1/organizations",
            json={"name": "new-org", "kind": "enterprise"},
            headers=world["writer"],
        ),
        403,
    )
    created = client.post(
        "/api/v1/organizations",
        json={"name": "new-org", "kind": "enterprise"},
        headers=world["admin"],
    )
    assert created.status_code == 201
    assert created.json()["kind"] == "enterprise"
    me = client.get("/api/v1/me", headers=world["reader"]).json()
    assert me["write"] is False
    assert me["memberships"][0]["role"] == "publisher"


def test_tokens_through_the_api(client: TestClient, world: dict[str, Any]) -> None:
    made = client.post("/api/v1/me/tokens", json={"name": "ci", "days": 7}, headers=world["writer"])
    assert made.status_code == 201
    secret = made.json()["token"]
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    )
    listed = client.get("/api/v1/me/tokens", headers=world["writer"]).json()["items"]
    assert all("token" not in t for t in listed)
    _error(client.post("/api/v1/me/tokens", json={"write": True}, headers=world["reader"]), 403)
    revoked = client.delete(f"/api/v1/me/tokens/{made.json()['id']}", headers=world["writer"])
    assert revoked.json()["revoked_at"] is not None
    _error(client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}), 401)


def test_upload_download_range_and_etag(client: TestClient, world: dict[str, Any]) -> None:
    content = "district,aqi\n黄浦区,42\n徐汇区,51\n".encode()
    url = f"/api/v1/datasets/{world['existing']}/resources"
    uploaded = client.post(
        url,
        files={"file": ("aqi.csv", content, "text/csv")},
        data={"description": "各区 AQI"},
        headers=world["writer"],
    )
    assert uploaded.status_code == 201, uploaded.text
    resource = uploaded.json()
    assert resource["sha256"] == hashlib.sha256(content).hexdigest()
    assert resource["size"] == len(content)
    assert resource["format"] == "CSV"
    assert resource["media_type"] == "text/csv"
    assert resource["description"] == "各区 AQI"
    download = f"/api/v1/resources/{resource['id']}/download"
    whole = client.get(download)
    assert whole.content == content
    assert whole.headers["etag"] == f'"{resource["sha256"]}"'
    part = client.get(download, headers={"Range": "bytes=0-7"})
    assert part.status_code == 206
    assert part.content == content[:8]
    assert part.headers["content-range"] == f"bytes 0-7/{len(content)}"
    assert client.get(download, headers={"If-None-Match": whole.headers["etag"]}).status_code == 304
    assert client.get(download, headers={"Range": "bytes=9999-"}).status_code == 416
    dataset = client.get(f"/api/v1/datasets/{world['existing']}").json()
    assert dataset["download_count"] == 1
    assert dataset["resources"][0]["id"] == resource["id"]

    link = client.post(
        url,
        json={"name": "API", "url": "https://data.example.gov.cn/api/aqi"},
        headers=world["writer"],
    )
    assert link.status_code == 201
    assert link.json()["kind"] == "link"
    _error(
        client.post(url, json={"name": "x", "url": "javascript:alert(1)"}, headers=world["writer"]),
        422,
    )


def test_oversized_upload_is_refused_and_nothing_is_stored(
    client: TestClient, world: dict[str, Any], settings: Any
) -> None:
    too_big = b"x" * (settings.max_upload_bytes + 1)
    url = f"/api/v1/datasets/{world['existing']}/resources"
    error = _error(
        client.post(url, files={"file": ("big.bin", too_big)}, headers=world["writer"]), 413
    )
    assert error["details"]["limit_bytes"] == settings.max_upload_bytes
    stored = [p for p in Path(settings.files_dir).rglob("*") if p.is_file()]
    assert stored == []
    assert client.get(f"/api/v1/datasets/{world['existing']}").json()["resources"] == []
    _error(
        client.post(
            url,
            content=b"--x\r\nbroken",
            headers={**world["writer"], "content-type": "multipart/form-data; boundary=x"},
        ),
        400,
    )
    _error(client.post(url, files={"file": ("a.csv", b"a")}, headers=world["outsider"]), 403)
    _error(client.post(url, files={"file": ("a.csv", b"a")}), 401)


def test_openapi_document_validates_and_covers_every_route(client: TestClient) -> None:
    document = client.get("/api/v1/openapi.json").json()
    validate(document)
    assert document["openapi"] == "3.1.0"
    paths = document["paths"]
    for path in (
        "/api/v1/datasets",
        "/api/v1/datasets/{name}",
        "/api/v1/me",
        "/api/v1/datasets/{name}/resources",
        "/api/v1/resources/{id}/download",
    ):
        assert path in paths
    assert set(paths["/api/v1/datasets"]) == {"get", "post"}
    assert "DatasetCreate" in document["components"]["schemas"]
