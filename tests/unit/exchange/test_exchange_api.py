"""The exchange's JSON API, end to end through HTTP with personal tokens: list, offer, apply,
review, accept, use, suspend, statements; bad input is a 4xx that says what to fix."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from catalog.filestore import FileStore
from core.clock import utcnow
from tests.factories import token_for
from tests.factories.exchange import PRICE, World, make_world, policy


@pytest.fixture
def world(session: Session, files: FileStore) -> World:
    made = make_world(session, files)
    session.commit()
    return made


def _auth(session: Session, user: Any) -> dict[str, str]:
    token = token_for(session, user)
    session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_the_road_through_the_api(client: TestClient, session: Session, world: World) -> None:
    publisher = _auth(session, world.publisher)
    member = _auth(session, world.member)
    reviewer = _auth(session, world.reviewer)
    regulator = _auth(session, world.regulator)

    product = client.post(
        "/api/v1/exchange/products", json={"dataset": world.dataset.name}, headers=publisher
    )
    assert product.status_code == 201, product.text
    product_id = product.json()["id"]
    bad = client.post(
        f"/api/v1/exchange/products/{product_id}/offers",
        json={"name": "x", "policy": {"permission": "everything"}, "price_plan": PRICE},
        headers=publisher,
    )
    assert bad.status_code == 422
    assert "permission" in bad.json()["error"]["message"]
    offer = client.post(
        f"/api/v1/exchange/products/{product_id}/offers",
        json={"name": "Standard", "policy": policy(), "price_plan": PRICE},
        headers=publisher,
    )
    assert offer.status_code == 201, offer.text
    listed = client.get("/api/v1/exchange/products").json()["items"]
    assert [p["dataset"] for p in listed] == [world.dataset.name]

    application = client.post(
        "/api/v1/exchange/applications",
        json={
            "offer_id": offer.json()["id"],
            "purpose_code": "market_analysis",
            "usage_scenario": "Shop density maps",
            "security_measures": "Access logs",
            "contact_name": "Chen",
            "contact_email": "chen@example.org",
            "client_ids": [world.client_id],
        },
        headers=member,
    )
    assert application.status_code == 201, application.text
    app_id = application.json()["id"]
    assert application.json()["state"] == "draft"

    def step(action: str, who: dict[str, str], **body: Any) -> Any:
        return client.post(
            f"/api/v1/exchange/applications/{app_id}/{action}", json=body, headers=who
        )

    assert step("start_review", publisher).status_code == 409  # not submitted yet
    assert step("submit", publisher).status_code == 403  # not the applicant
    assert step("submit", member).json()["state"] == "submitted"
    queue = client.get("/api/v1/exchange/review/provider", headers=publisher).json()["items"]
    assert [a["id"] for a in queue] == [app_id]
    assert step("start_review", publisher).json()["state"] == "provider_review"
    assert step("provider_approve", publisher).json()["state"] == "approved"
    issued = step("issue_agreement", publisher).json()
    assert issued["state"] == "agreement_pending"
    digest = issued["agreement"]["hash"]
    wrong = client.post(
        f"/api/v1/exchange/applications/{app_id}/accept", json={"hash": "f" * 64}, headers=member
    )
    assert wrong.status_code == 409
    for path, who in (("accept", member), ("countersign", publisher)):
        done = client.post(
            f"/api/v1/exchange/applications/{app_id}/{path}", json={"hash": digest}, headers=who
        )
        assert done.status_code == 200, done.text
    assert (
        client.get(f"/api/v1/exchange/applications/{app_id}", headers=member).json()["state"]
        == "active"
    )

    entitlements = client.get("/api/v1/exchange/entitlements", headers=member).json()["items"]
    assert len(entitlements) == 1
    ent_id = entitlements[0]["id"]
    assert entitlements[0]["clients"] == [world.client_id]
    # The enterprise asks to renew; the provider declines with a reason the enterprise reads.
    asked = client.post(
        f"/api/v1/exchange/entitlements/{ent_id}/renewal-request",
        json={"days": 90, "note": "One more quarter"},
        headers=member,
    )
    assert asked.status_code == 200, asked.text
    assert asked.json()["renewal_request"]["days"] == 90
    no_days = client.post(
        f"/api/v1/exchange/entitlements/{ent_id}/renewal-request", json={"days": 0}, headers=member
    )
    assert no_days.status_code == 422
    declined = client.post(
        f"/api/v1/exchange/entitlements/{ent_id}/renewal-decline",
        json={"reason": "After the audit"},
        headers=_auth(session, world.publisher),
    )
    assert declined.status_code == 200, declined.text
    assert declined.json()["renewal_request"] is None
    assert declined.json()["reason"] == "After the audit"
    refused = client.post(
        f"/api/v1/exchange/entitlements/{ent_id}/suspend", json={"reason": "x"}, headers=member
    )
    assert refused.status_code == 403
    suspended = client.post(
        f"/api/v1/exchange/entitlements/{ent_id}/suspend",
        json={"reason": "Audit"},
        headers=reviewer,
    )
    assert suspended.json()["state"] == "suspended"
    no_reason = client.post(
        f"/api/v1/exchange/entitlements/{ent_id}/resume", json={}, headers=reviewer
    )
    assert no_reason.status_code == 422

    month = utcnow().strftime("%Y-%m")
    issued_statement = client.post(
        "/api/v1/exchange/statements",
        json={"organization": world.enterprise.name, "month": month},
        headers=reviewer,
    )
    assert issued_statement.status_code == 201, issued_statement.text
    for who in (member, publisher, regulator):
        items = client.get("/api/v1/exchange/statements", headers=who).json()["items"]
        assert [s["month"] for s in items] == [month]
    bad_month = client.post(
        "/api/v1/exchange/statements",
        json={"organization": world.enterprise.name, "month": "2026-13"},
        headers=reviewer,
    )
    assert bad_month.status_code == 422
    usage = client.get(f"/api/v1/exchange/entitlements/{ent_id}/usage", headers=publisher)
    assert usage.status_code == 200


def test_malformed_ids_and_bodies_are_4xx(
    client: TestClient, session: Session, world: World
) -> None:
    member = _auth(session, world.member)
    assert client.get("/api/v1/exchange/applications/nope", headers=member).status_code == 404
    assert client.get("/api/v1/exchange/products/nope").status_code == 404
    missing = client.post("/api/v1/exchange/applications", json={}, headers=member)
    assert missing.status_code == 422
    assert "purpose_code" in missing.json()["error"]["details"]
    full = {
        "offer_id": "00000000-0000-0000-0000-000000000000",
        "purpose_code": "other",
        "usage_scenario": "s",
        "security_measures": "m",
        "contact_name": "c",
        "contact_email": "c@example.org",
    }
    assert client.post("/api/v1/exchange/applications", json=full).status_code == 401
    assert (
        client.post("/api/v1/exchange/applications", json=full, headers=member).status_code == 404
    )


def test_openapi_describes_the_exchange(client: TestClient) -> None:
    document = client.get("/api/v1/openapi.json").json()
    paths = document["paths"]
    assert "/api/v1/exchange/applications/{id}/provider_approve" in paths
    assert "/api/v1/exchange/entitlements/{id}/revoke" in paths
    assert "Entitlement" in document["components"]["schemas"]
