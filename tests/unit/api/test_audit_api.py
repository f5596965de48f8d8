"""The audit endpoints through the ASGI app: public proofs, the regulator's API, bad input."""

from __future__ import annotations

import base64
import csv
import io
from typing import Any

import orjson
import pytest
from openapi_spec_validator import validate
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from core import ledger, merkle
from core.identity.models import OrgKind, Role
from exchange.ledger.checkpoints import checkpoint_now
from exchange.ledger.verify import read_csv, read_jsonl, verify_records
from tests.factories import make_member, make_org, make_user, token_for


def _bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def world(client: TestClient, session: Session, sessions: sessionmaker[Session]) -> dict[str, Any]:
    regulator_org = make_org(session, OrgKind.REGULATOR)
    regulator = make_member(session, regulator_org, Role.REGULATOR)
    dept = make_org(session, OrgKind.DEPARTMENT)
    publisher = make_member(session, dept, Role.PUBLISHER)
    other = make_member(session, make_org(session, OrgKind.ENTERPRISE), Role.MEMBER)
    admin = make_user(session, admin=True)
    world = {
        "dept": dept,
        "publisher_id": str(publisher.id),
        "regulator": _bearer(token_for(session, regulator)),
        "publisher": _bearer(token_for(session, publisher)),
        "other": _bearer(token_for(session, other)),
        "admin": _bearer(token_for(session, admin)),
    }
    session.commit()
    checkpoint_now(sessions, client.app.state.audit.signer)  # type: ignore[attr-defined]
    return world


def test_public_endpoints_serve_checkpoint_key_and_proofs(
    client: TestClient, world: dict[str, Any]
) -> None:
    note = client.get("/audit/checkpoint")
    assert note.status_code == 200
    assert note.headers["content-type"].startswith("text/plain")
    origin, size_text, root_b64 = note.text.split("\n")[:3]
    assert origin == "testserver/audit"
    size = int(size_text)
    vkey = client.get("/audit/vkey").text.strip()
    assert vkey.startswith("testserver/audit+")
    hashes = [
        base64.b64decode(h)
        for h in client.get(f"/audit/leaves?start=0&end={size}").json()["leaf_hashes"]
    ]
    assert len(hashes) == size
    assert base64.b64encode(merkle.root_of(hashes)).decode() == root_b64
    proof = client.get(f"/audit/proofs/inclusion?index=1&size={size}").json()
    merkle.verify_inclusion(
        1,
        size,
        base64.b64decode(proof["leaf_hash"]),
        [base64.b64decode(p) for p in proof["proof"]],
        base64.b64decode(root_b64),
    )
    consistency = client.get(f"/audit/proofs/consistency?from=2&to={size}").json()
    merkle.verify_consistency(
        2,
        size,
        merkle.root_of(hashes[:2]),
        base64.b64decode(root_b64),
        [base64.b64decode(p) for p in consistency["proof"]],
    )


@pytest.mark.parametrize(
    "url",
    [
        "/audit/proofs/inclusion?index=5&size=5",  # index >= size
        "/audit/proofs/inclusion?index=0&size=99999",  # beyond the tree
        "/audit/proofs/inclusion?index=-1&size=3",
        "/audit/proofs/inclusion?index=x&size=3",
        "/audit/proofs/inclusion?size=3",
        "/audit/proofs/consistency?from=4&to=2",
        "/audit/proofs/consistency?from=0&to=2",
        "/audit/proofs/consistency?from=1&to=99999",
        "/audit/proofs/consistency?from=1.5&to=2",
        "/audit/leaves?start=3&end=3",
        "/audit/leaves?start=0&end=99999",
        "/audit/leaves?start=-2&end=1",
    ],
)
def test_bad_proof_requests_are_400(client: TestClient, world: dict[str, Any], url: str) -> None:
    response = client.get(url)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["message"]


def test_full_entries_for_regulators_admins_and_parties_only(
    client: TestClient, world: dict[str, Any]
) -> None:
    assert client.get("/api/v1/audit/entries").status_code == 401
    everything = client.get("/api/v1/audit/entries", headers=world["regulator"]).json()
    assert everything["total"] >= 9
    assert (
        client.get("/api/v1/audit/entries", headers=world["admin"]).json()["total"]
        == (everything["total"])
    )
    # A publisher sees the entries naming them or their department, nothing else.
    own = client.get("/api/v1/audit/entries", headers=world["publisher"]).json()["items"]
    dept_id = str(world["dept"].id)
    assert own
    assert all(e["actor"] == world["publisher_id"] or e["org"] == dept_id for e in own)
    foreign = next(e for e in everything["items"] if e["type"] == "organization.created")
    if foreign["org"] != dept_id:
        refused = client.get(f"/api/v1/audit/entries/{foreign['seq']}", headers=world["other"])
        assert refused.status_code == 403
    mine = client.get(f"/api/v1/audit/entries/{own[0]['seq']}", headers=world["publisher"])
    assert mine.status_code == 200
    assert client.get("/api/v1/audit/counts", headers=world["other"]).status_code == 403
    assert client.get("/api/v1/audit/export", headers=world["other"]).status_code == 403
    assert client.get("/api/v1/audit/export").status_code == 401


def test_search_filters_and_deep_paging(client: TestClient, world: dict[str, Any]) -> None:
    reg = world["regulator"]
    tokens = client.get(
        "/api/v1/audit/entries", params={"type": "api_token.created"}, headers=reg
    ).json()
    assert tokens["total"] == 4
    assert {e["type"] for e in tokens["items"]} == {"api_token.created"}
    by_org = client.get(
        "/api/v1/audit/entries", params={"organization": world["dept"].name}, headers=reg
    ).json()
    assert {e["type"] for e in by_org["items"]} == {"organization.created", "membership.added"}
    seen: list[int] = []
    params: dict[str, Any] = {"limit": 2}
    while True:
        body = client.get("/api/v1/audit/entries", params=params, headers=reg).json()
        seen += [e["seq"] for e in body["items"]]
        if body["next_cursor"] is None:
            break
        params["cursor"] = body["next_cursor"]
    total = client.get("/api/v1/audit/entries", headers=reg).json()["total"]
    assert seen == sorted(seen)
    assert len(seen) == len(set(seen)) == total
    future = client.get(
        "/api/v1/audit/entries", params={"since": "2999-01-01T00:00:00Z"}, headers=reg
    ).json()
    assert future["total"] == 0
    bad = client.get("/api/v1/audit/entries", params={"since": "yesterday"}, headers=reg)
    assert bad.status_code == 400


def test_counts_per_type(client: TestClient, world: dict[str, Any]) -> None:
    body = client.get(
        "/api/v1/audit/counts", params={"bucket": "day"}, headers=world["regulator"]
    ).json()
    series = {s["type"]: s["points"] for s in body["series"]}
    assert sum(p["count"] for p in series["api_token.created"]) == 4
    assert len(series["api_token.created"][0]["t"]) == len("2025-01-31")
    wrong = client.get("/api/v1/audit/counts?bucket=week", headers=world["regulator"])
    assert wrong.status_code == 400


@pytest.mark.parametrize("kind", ["jsonl", "csv"])
def test_exports_verify_offline(client: TestClient, world: dict[str, Any], kind: str) -> None:
    response = client.get(f"/api/v1/audit/export?format={kind}", headers=world["admin"])
    assert response.status_code == 200
    if kind == "jsonl":
        records = list(read_jsonl(response.content.splitlines()))
        assert records[0]["kind"] == "header"
        assert records[-1]["kind"] == "end"
        assert any(r["kind"] == "checkpoint" for r in records)
    else:
        records = list(read_csv(io.StringIO(response.text)))
        assert next(csv.reader(io.StringIO(response.text)))[0] == "kind"
    vkey = client.get("/audit/vkey").text.strip()
    report = verify_records(records, vkey=vkey)
    assert report.ok, report.summary()


def test_appends_commit_with_their_request(client: TestClient, world: dict[str, Any]) -> None:
    created = client.post("/api/v1/me/tokens", json={"name": "x"}, headers=world["publisher"])
    assert created.status_code == 201
    body = client.get(
        "/api/v1/audit/entries",
        params={"subject": f"api_token:{created.json()['id']}"},
        headers=world["regulator"],
    ).json()
    assert [e["type"] for e in body["items"]] == ["api_token.created"]
    revoked = client.delete(f"/api/v1/me/tokens/{created.json()['id']}", headers=world["publisher"])
    assert revoked.status_code == 200
    refused = client.post("/api/v1/me/tokens", json={"days": 9999}, headers=world["publisher"])
    assert refused.status_code == 422
    types = [
        e["type"]
        for e in client.get(
            "/api/v1/audit/entries",
            params={"actor": world["publisher_id"]},
            headers=world["regulator"],
        ).json()["items"]
    ]
    assert types[-2:] == ["api_token.created", "api_token.revoked"]


def test_openapi_lists_the_audit_api(client: TestClient) -> None:
    document = client.get("/api/v1/openapi.json").json()
    validate(document)
    assert {"/api/v1/audit/entries", "/api/v1/audit/export"} <= set(document["paths"])


def test_entries_are_canonical(session: Session) -> None:
    appended = ledger.append(session, "x", data={"b": [1, 2], "a": None})
    assert orjson.loads(appended.entry)["data"] == {"a": None, "b": [1, 2]}
