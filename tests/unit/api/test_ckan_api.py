"""The CKAN Action API through the ASGI app: envelopes, statuses, visibility, writes."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from catalog.filestore import FileStore
from core.identity.models import OrgKind, Role
from tests.factories import make_dataset, make_member, make_org, make_theme, make_user, token_for
from tests.factories.datastore import load, upload


@pytest.fixture
def world(session: Session, files: FileStore) -> dict[str, Any]:
    dept = make_org(session, OrgKind.DEPARTMENT, name="transport-commission")
    publisher = make_member(session, dept, Role.PUBLISHER)
    other = make_org(session, OrgKind.DEPARTMENT, name="health-commission")
    other_publisher = make_member(session, other, Role.PUBLISHER)
    admin = make_user(session, admin=True)
    make_theme(session, "transport")
    bus = make_dataset(
        session, dept, publisher, name="bus-routes", keywords=["公交", "bus"], themes=["transport"]
    )
    make_dataset(session, dept, publisher, name="metro-lines", keywords=["metro"])
    make_dataset(session, other, other_publisher, name="clinics", license="CC0-1.0")
    make_dataset(session, dept, publisher, name="secret-plans", open_level="closed")
    make_dataset(session, dept, publisher, name="draft-one", state="draft")
    table = upload(session, files, bus, publisher, b"stop,riders\nA,10\nB,20\nC,30\n", "stops.csv")
    load(session, files, table)
    session.commit()
    return {
        "table": str(table.id),
        "writer": token_for(session, publisher),
        "reader": token_for(session, publisher, write=False),
        "outsider": token_for(session, other_publisher),
        "admin": token_for(session, admin),
    }


def ok(response: Any) -> Any:
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["success"] is True
    assert body["help"].startswith("http://testserver/api/3/action/help_show?name=")
    return body["result"]


def failed(response: Any, status: int, kind: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is False
    assert body["error"]["__type"] == kind
    error: dict[str, Any] = body["error"]
    return error


def test_both_paths_get_and_post(client: TestClient, world: dict[str, Any]) -> None:
    names = ok(client.get("/api/3/action/package_list"))
    assert names == ["bus-routes", "clinics", "metro-lines"]  # closed and draft are not listed
    assert ok(client.post("/api/action/package_list", json={})) == names
    assert ok(client.get("/api/action/package_list", params={"limit": 1, "offset": 1})) == [
        "clinics"
    ]
    status = ok(client.get("/api/action/status_show"))
    assert status["ckan_version"].startswith("2.")


def test_package_show_maps_the_model(client: TestClient, world: dict[str, Any]) -> None:
    package = ok(
        client.post(
            "/api/action/package_show",
            json={"id": "bus-routes", "include_password_hash": True, "include_users": True},
        )
    )
    assert package["name"] == "bus-routes"
    assert package["organization"]["name"] == "transport-commission"
    assert package["license_id"] == "CC-BY-4.0"
    assert {t["name"] for t in package["tags"]} == {"公交", "bus"}
    assert [g["name"] for g in package["groups"]] == ["transport"]
    extras = {e["key"]: e["value"] for e in package["extras"]}
    assert extras["open_level"] == "open"
    assert package["resources"][0]["datastore_active"] is True
    assert package["resources"][0]["url_type"] == "upload"
    assert "password" not in str(package).lower()
    by_id = ok(client.get("/api/3/action/package_show", params={"id": package["id"]}))
    assert by_id["name"] == "bus-routes"


def test_visibility_follows_the_catalog_rules(client: TestClient, world: dict[str, Any]) -> None:
    failed(
        client.get("/api/action/package_show", params={"id": "secret-plans"}),
        404,
        "Not Found Error",
    )
    own = client.get(
        "/api/action/package_show",
        params={"id": "secret-plans"},
        headers={"Authorization": world["reader"]},  # raw, as ckanapi sends it
    )
    assert ok(own)["private"] is True
    outsider = client.get(
        "/api/action/package_show",
        params={"id": "secret-plans"},
        headers={"Authorization": world["outsider"]},
    )
    failed(outsider, 404, "Not Found Error")
    everything = ok(client.get("/api/action/package_search", params={"rows": 1000}))
    assert "secret-plans" not in {p["name"] for p in everything["results"]}


def test_bad_token_is_refused_not_ignored(client: TestClient, world: dict[str, Any]) -> None:
    response = client.get("/api/action/package_list", headers={"Authorization": "sdu_nonsense"})
    failed(response, 403, "Authorization Error")


def test_package_search_filters_facets_and_paging(
    client: TestClient, world: dict[str, Any]
) -> None:
    result = ok(
        client.get(
            "/api/action/package_search",
            params={
                "fq": "organization:transport-commission",
                "facet.field": '["tags", "organization", "res_format", "groups", "license_id"]',
                "sort": "name asc",
            },
        )
    )
    assert result["count"] == 2
    assert [p["name"] for p in result["results"]] == ["bus-routes", "metro-lines"]
    assert result["facets"]["organization"] == {"transport-commission": 2}
    assert result["facets"]["res_format"] == {"CSV": 1}
    assert result["search_facets"]["tags"]["items"][0]["count"] == 1
    tagged = ok(client.post("/api/action/package_search", json={"fq": 'tags:"公交"'}))
    assert [p["name"] for p in tagged["results"]] == ["bus-routes"]
    client.portal.call(client.app.state.search.indexer.drain)  # type: ignore[union-attr,attr-defined]
    text = ok(client.get("/api/action/package_search", params={"q": "metro"}))
    assert [p["name"] for p in text["results"]] == ["metro-lines"]
    # Free text is the search engine's: folded (捷運 is Traditional), synonyms, relevance.
    synonym = ok(
        client.get(
            "/api/action/package_search", params={"q": "捷運 organization:transport-commission"}
        )
    )
    assert [p["name"] for p in synonym["results"]] == ["metro-lines"]
    ranked = ok(
        client.get("/api/action/package_search", params={"q": "公交", "sort": "score desc"})
    )
    assert ranked["results"][0]["name"] == "bus-routes"  # tagged 公交 too
    past_end = ok(client.get("/api/action/package_search", params={"start": 50}))
    assert past_end["count"] == 3
    assert past_end["results"] == []
    capped = ok(client.get("/api/action/package_search", params={"rows": 5000}))
    assert len(capped["results"]) == 3
    licensed = ok(client.get("/api/action/package_search", params={"fq": "license_id:cc-zero"}))
    assert [p["name"] for p in licensed["results"]] == ["clinics"]


def test_search_query_errors(client: TestClient, world: dict[str, Any]) -> None:
    for params in (
        {"fq": "colour:blue"},
        {"sort": "popularity desc"},
        {"facet.field": "[not json"},
        {"facet.field": '["colour"]'},
    ):
        failed(client.get("/api/action/package_search", params=params), 400, "Search Query Error")


def test_organizations_groups_tags_licenses(client: TestClient, world: dict[str, Any]) -> None:
    assert ok(client.get("/api/action/organization_list")) == [
        "health-commission",
        "transport-commission",
    ]
    full = ok(client.get("/api/action/organization_list", params={"all_fields": "true"}))
    assert {o["name"]: o["package_count"] for o in full} == {
        "health-commission": 1,
        "transport-commission": 2,
    }
    shown = ok(
        client.get(
            "/api/action/organization_show",
            params={"id": "transport-commission", "include_datasets": "true"},
        )
    )
    assert [p["name"] for p in shown["packages"]] == ["metro-lines", "bus-routes"] or {
        p["name"] for p in shown["packages"]
    } == {"bus-routes", "metro-lines"}
    assert ok(client.get("/api/action/group_list")) == ["transport"]
    assert (
        ok(client.get("/api/action/group_show", params={"id": "transport"}))["package_count"] == 1
    )
    assert "公交" in ok(client.get("/api/action/tag_list"))
    assert "CC-BY-4.0" in {lic["id"] for lic in ok(client.get("/api/action/license_list"))}
    failed(
        client.get("/api/action/organization_show", params={"id": "nope"}), 404, "Not Found Error"
    )


def test_resource_show_and_datastore_search(client: TestClient, world: dict[str, Any]) -> None:
    resource = ok(client.get("/api/action/resource_show", params={"id": world["table"]}))
    assert resource["format"] == "CSV"
    found = ok(
        client.post(
            "/api/action/datastore_search",
            json={
                "resource_id": world["table"],
                "filters": {"stop": ["A", "C"]},
                "sort": "riders desc",
                "limit": 1,
            },
        )
    )
    assert found["total"] == 2
    assert [r["stop"] for r in found["records"]] == ["C"]
    assert {f["id"]: f["type"] for f in found["fields"]}["riders"] == "int"
    assert found["_links"]["next"].endswith("offset=1")
    failed(
        client.get("/api/action/datastore_search", params={"resource_id": "not-a-uuid"}),
        404,
        "Not Found Error",
    )


def test_unknown_action_and_writes_by_get(client: TestClient, world: dict[str, Any]) -> None:
    response = client.get("/api/action/package_explode")
    assert response.status_code == 400
    assert response.json()["success"] is False
    failed(client.get("/api/action/package_create", params={"name": "x"}), 400, "Bad Request")
    assert client.post("/api/action/package_list", json=[1]).json()["success"] is False


def _package(**extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "ferry-times",
        "title": "Ferry timetables",
        "notes": "When the ferries leave",
        "owner_org": "transport-commission",
        "license_id": "cc-by",
        "tags": [{"name": "ferry"}],
        "groups": [{"name": "transport"}],
        "maintainer": "Port office",
        "maintainer_email": "port@example.org",
        "extras": [{"key": "frequency", "value": "weekly"}, {"key": "spatial", "value": "上海"}],
        "resources": [
            {"name": "timetable", "url": "https://example.org/ferry.csv", "format": "CSV"}
        ],
    }
    body.update(extra)
    return body


def test_package_create_update_patch(client: TestClient, world: dict[str, Any]) -> None:
    auth = {"Authorization": world["writer"]}
    created = ok(client.post("/api/action/package_create", json=_package(), headers=auth))
    assert created["state"] == "active"
    assert created["license_id"] == "CC-BY-4.0"
    assert created["title_translated"]["en"] == "Ferry timetables"
    assert created["resources"][0]["url"] == "https://example.org/ferry.csv"
    extras = {e["key"]: e["value"] for e in created["extras"]}
    assert extras["frequency"] == "weekly"
    assert extras["spatial"] == "上海"

    patched = ok(
        client.post(
            "/api/action/package_patch", json={"id": "ferry-times", "version": "2.0"}, headers=auth
        )
    )
    assert patched["version"] == "2.0"
    assert patched["notes"] == "When the ferries leave"
    assert len(patched["resources"]) == 1

    updated = ok(
        client.post(
            "/api/action/package_update",
            json=_package(title="Ferries", resources=[], tags=[]),
            headers=auth,
        )
    )
    assert updated["title"] == "Ferries"
    assert updated["resources"] == []
    assert updated["tags"] == []


def test_write_errors(client: TestClient, world: dict[str, Any]) -> None:
    auth = {"Authorization": world["writer"]}
    failed(client.post("/api/action/package_create", json=_package()), 403, "Authorization Error")
    reader = {"Authorization": world["reader"]}
    failed(
        client.post("/api/action/package_create", json=_package(), headers=reader),
        403,
        "Authorization Error",
    )
    outsider = {"Authorization": world["outsider"]}
    failed(
        client.post("/api/action/package_create", json=_package(), headers=outsider),
        403,
        "Authorization Error",
    )
    error = failed(
        client.post("/api/action/package_create", json=_package(name="Bad Name!"), headers=auth),
        409,
        "Validation Error",
    )
    assert "name" in error
    error = failed(
        client.post(
            "/api/action/package_create", json=_package(license_id="proprietary"), headers=auth
        ),
        409,
        "Validation Error",
    )
    assert "license_id" in error
    error = failed(
        client.post("/api/action/package_create", json=_package(owner_org="nobody"), headers=auth),
        409,
        "Validation Error",
    )
    assert "owner_org" in error
    ok(client.post("/api/action/package_create", json=_package(), headers=auth))
    error = failed(
        client.post("/api/action/package_create", json=_package(), headers=auth),
        409,
        "Validation Error",
    )
    assert "name" in error
    # Nothing half-made: the refused creates left no dataset behind.
    assert ok(client.get("/api/action/package_list")).count("ferry-times") == 1


def test_resource_create_and_patch_with_uploads(client: TestClient, world: dict[str, Any]) -> None:
    auth = {"Authorization": world["writer"]}
    made = ok(
        client.post(
            "/api/action/resource_create",
            data={"package_id": "metro-lines", "name": "lines", "format": "CSV"},
            files={"upload": ("lines.csv", b"line,km\n1,30\n", "text/csv")},
            headers=auth,
        )
    )
    assert made["url_type"] == "upload"
    assert made["size"] == len(b"line,km\n1,30\n")
    download = client.get(made["url"].removeprefix("http://testserver"))
    assert download.content == b"line,km\n1,30\n"
    patched = ok(
        client.post(
            "/api/action/resource_patch",
            data={"id": made["id"], "description": "new file"},
            files={"upload": ("lines.csv", b"line,km\n2,40\n", "text/csv")},
            headers=auth,
        )
    )
    assert patched["id"] == made["id"]
    assert patched["description"] == "new file"
    assert client.get(patched["url"].removeprefix("http://testserver")).content == (
        b"line,km\n2,40\n"
    )
    link = ok(
        client.post(
            "/api/action/resource_create",
            json={"package_id": "metro-lines", "url": "https://example.org/x.json"},
            headers=auth,
        )
    )
    assert link["url_type"] is None
    failed(
        client.post(
            "/api/action/resource_create",
            json={"package_id": "metro-lines", "url": "ftp://nope"},
            headers=auth,
        ),
        409,
        "Validation Error",
    )


def test_organization_create_is_for_admins(client: TestClient, world: dict[str, Any]) -> None:
    body = {"name": "water-authority", "title": "水务局"}
    failed(
        client.post(
            "/api/action/organization_create", json=body, headers={"Authorization": world["writer"]}
        ),
        403,
        "Authorization Error",
    )
    made = ok(
        client.post(
            "/api/action/organization_create", json=body, headers={"Authorization": world["admin"]}
        )
    )
    assert made["name"] == "water-authority"
    assert made["title"] == "水务局"
    failed(
        client.post(
            "/api/action/organization_create", json=body, headers={"Authorization": world["admin"]}
        ),
        409,
        "Validation Error",
    )


def test_uploads_need_a_writer_before_the_body_is_read(
    client: TestClient, world: dict[str, Any]
) -> None:
    refused = client.post(
        "/api/action/resource_create",
        data={"package_id": "metro-lines"},
        files={"upload": ("x.csv", b"a,b\n1,2\n", "text/csv")},
        headers={"Authorization": world["reader"]},
    )
    failed(refused, 403, "Authorization Error")
    assert ok(client.get("/api/action/help_show", params={"name": "package_search"}))


def test_a_refused_upload_leaves_no_file(
    client: TestClient, world: dict[str, Any], files: FileStore
) -> None:
    content = b"ward,beds\nN1,12\n"
    refused = client.post(
        "/api/action/resource_create",
        data={"package_id": "metro-lines"},  # not the outsider's organization
        files={"upload": ("beds.csv", content, "text/csv")},
        headers={"Authorization": world["outsider"]},
    )
    failed(refused, 403, "Authorization Error")
    assert not files.exists(hashlib.sha256(content).hexdigest())
