"""Licensed calls through the app with OAuth client-credentials tokens: projection, masking,
row filter, quotas with headers, suspension, expiry, downloads, and the ledger of each call."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from catalog.filestore import FileStore
from core import ledger_outbox
from core.clock import utcnow
from core.ledger import LedgerEntry
from core.settings import Settings, load_settings
from exchange.entitlements import EntitlementService
from exchange.models import Entitlement, EntitlementState
from exchange.states import EntitlementAction
from tests.factories import token_for
from tests.factories.exchange import World, activate, make_world

BASE = "http://localhost"


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    # Authlib insists on https except for loopback hosts; localhost stands in for the site.
    return load_settings(
        {
            "SHUDU_DATA_DIR": str(tmp_path / "data"),
            "SHUDU_DATABASE_URL": db_url,
            "SHUDU_BASE_URL": BASE,
        }
    )


@pytest.fixture
def files(settings: Settings) -> FileStore:
    return FileStore(settings.files_dir)


@pytest.fixture
def world(session: Session, files: FileStore) -> World:
    made = make_world(session, files)
    session.commit()
    return made


def _bearer(client: TestClient, client_id: str, secret: str) -> dict[str, str]:
    response = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "scope": "datastore:read catalog:read"},
        auth=(client_id, secret),
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _licensed(session: Session, world: World, **policy_args: Any) -> Entitlement:
    entitlement = activate(session, world, **policy_args)
    session.commit()
    return entitlement


def _records(client: TestClient, world: World, headers: dict[str, str], query: str = "") -> Any:
    return client.get(f"/api/v1/resources/{world.resource_id}/records{query}", headers=headers)


def _ledger(sessions: sessionmaker[Session], kind: str) -> list[LedgerEntry]:
    """The entries of ``kind`` once the queued ones are appended (licensed calls queue theirs)."""
    ledger_outbox.drain_all(sessions)
    with sessions() as session:
        return list(session.scalars(select(LedgerEntry).where(LedgerEntry.type == kind)))


def test_a_licensed_client_sees_only_allowed_fields_and_rows_masked(
    client: TestClient, session: Session, sessions: sessionmaker[Session], world: World
) -> None:
    _licensed(session, world)
    headers = _bearer(client, world.client_id, world.client_secret)
    response = _records(client, world, headers, "?sort=amount")
    assert response.status_code == 200, response.text
    body = response.json()
    assert [f["id"] for f in body["fields"]] == ["district", "category", "phone", "amount"]
    assert {r["district"] for r in body["records"]} == {"Pudong", "Xuhui"}
    assert len(body["records"]) == 5  # Jingan filtered out by the licence
    assert {r["phone"] for r in body["records"]} == {"***"}
    assert response.headers["X-Quota-Calls-Limit"] == "1000"
    assert response.headers["X-Quota-Calls-Remaining"] == "999"
    assert response.headers["X-Quota-Rows-Remaining"] == str(100000 - 5)
    access = _ledger(sessions, "exchange.access")
    assert len(access) == 1
    assert access[0].actor == world.client_id


def test_a_field_outside_the_licence_is_refused_naming_the_term(
    client: TestClient, session: Session, sessions: sessionmaker[Session], world: World
) -> None:
    _licensed(session, world)
    headers = _bearer(client, world.client_id, world.client_secret)
    response = _records(client, world, headers, "?fields=district,name")
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "licence_denied"
    assert error["details"]["term"] == "shudu:fields"
    assert "name" in error["message"]
    assert "records" not in response.json()
    filtered = _records(client, world, headers, '?filters={"phone":"13800000001"}')
    assert filtered.status_code == 403  # masked: cannot be filtered on
    assert len(_ledger(sessions, "exchange.access.denied")) == 2


def test_anonymous_and_unlicensed_callers_get_nothing(
    client: TestClient, session: Session, world: World
) -> None:
    _licensed(session, world)
    anonymous = _records(client, world, {})
    assert anonymous.status_code == 401
    assert "records" not in anonymous.json()
    other = _bearer(client, world.other_client_id, world.other_client_secret)
    refused = _records(client, world, other)
    assert refused.status_code == 403
    assert refused.json()["error"]["details"]["term"] == "entitlement"
    # A member's personal token is not a designated client either.
    personal = {"Authorization": f"Bearer {token_for(session, world.member, write=False)}"}
    session.commit()
    assert _records(client, world, personal).status_code == 403
    # The publisher reads its own data in full.
    own = {"Authorization": f"Bearer {token_for(session, world.publisher, write=False)}"}
    session.commit()
    full = _records(client, world, own)
    assert full.status_code == 200
    assert len(full.json()["records"]) == 6


def test_calls_quota_then_429_with_headers(
    client: TestClient, session: Session, world: World
) -> None:
    _licensed(session, world, calls=3)
    headers = _bearer(client, world.client_id, world.client_secret)
    remaining = [
        _records(client, world, headers).headers["X-Quota-Calls-Remaining"] for _ in range(3)
    ]
    assert remaining == ["2", "1", "0"]
    over = _records(client, world, headers)
    assert over.status_code == 429
    assert over.json()["error"]["details"]["term"] == "shudu:callsPerDay"
    assert over.headers["X-Quota-Calls-Remaining"] == "0"


def test_rows_quota_is_never_exceeded(client: TestClient, session: Session, world: World) -> None:
    _licensed(session, world, rows=4)
    headers = _bearer(client, world.client_id, world.client_secret)
    first = _records(client, world, headers, "?limit=3")
    assert len(first.json()["records"]) == 3
    assert first.headers["X-Quota-Rows-Remaining"] == "1"
    second = _records(client, world, headers, "?limit=100")
    assert len(second.json()["records"]) == 1  # clamped to what is left
    third = _records(client, world, headers)
    assert third.status_code == 429
    assert third.json()["error"]["details"]["term"] == "shudu:rowsPerMonth"


def test_suspend_resume_revoke_take_effect_on_the_next_call(
    client: TestClient, session: Session, world: World
) -> None:
    entitlement = _licensed(session, world)
    headers = _bearer(client, world.client_id, world.client_secret)
    reviewer = EntitlementService(session, world.as_(world.reviewer))
    reviewer.change(entitlement.id, EntitlementAction.SUSPEND, "Audit")
    session.commit()
    suspended = _records(client, world, headers)
    assert suspended.status_code == 403
    assert "suspended" in suspended.json()["error"]["message"]
    reviewer.change(entitlement.id, EntitlementAction.RESUME, "Fine")
    session.commit()
    assert _records(client, world, headers).status_code == 200
    reviewer.change(entitlement.id, EntitlementAction.REVOKE, "Misuse")
    session.commit()
    assert _records(client, world, headers).status_code == 403


def test_an_expired_licence_denies_and_is_marked_expired(
    client: TestClient, session: Session, world: World
) -> None:
    entitlement = _licensed(session, world)
    entitlement.expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    headers = _bearer(client, world.client_id, world.client_secret)
    response = _records(client, world, headers)
    assert response.status_code == 403
    assert response.json()["error"]["details"]["term"] == "expiry"
    session.refresh(entitlement)
    assert entitlement.state is EntitlementState.EXPIRED


def test_exports_and_files_are_downloads_to_the_licence(
    client: TestClient, session: Session, world: World
) -> None:
    _licensed(session, world)  # permits "read" only
    headers = _bearer(client, world.client_id, world.client_secret)
    export = _records(client, world, headers, "?format=csv")
    assert export.status_code == 403
    download = client.get(f"/api/v1/resources/{world.resource_id}/download", headers=headers)
    assert download.status_code == 403
    assert client.get(f"/api/v1/resources/{world.resource_id}/download").status_code == 401


def test_an_export_under_a_use_licence_carries_only_the_licence(
    client: TestClient, session: Session, world: World
) -> None:
    _licensed(session, world, action="use", rows=4)
    headers = _bearer(client, world.client_id, world.client_secret)
    export = _records(client, world, headers, "?format=csv&fields=district,amount")
    assert export.status_code == 200, export.text
    lines = export.text.lstrip("\ufeff").strip().splitlines()
    assert lines[0] == "district,amount"
    assert len(lines) == 1 + 4  # rows quota of 4, though 5 rows match
    assert "Jingan" not in export.text
    # The whole file would bypass the licence's restrictions: refused.
    download = client.get(f"/api/v1/resources/{world.resource_id}/download", headers=headers)
    assert download.status_code == 403
    assert download.json()["error"]["details"]["term"] == "download"


def test_aggregates_under_the_licence(client: TestClient, session: Session, world: World) -> None:
    _licensed(session, world)
    headers = _bearer(client, world.client_id, world.client_secret)
    response = _records(client, world, headers, "?group_by=district&aggregates=count")
    assert response.status_code == 200, response.text
    counts = {r["district"]: r["count"] for r in response.json()["records"]}
    assert counts == {"Pudong": 3, "Xuhui": 2}
