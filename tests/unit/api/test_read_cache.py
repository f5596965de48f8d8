"""Kept reads (api.readcache) never show a change late, nor anything to whom may not see it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from api import readcache
from catalog.filestore import FileStore
from catalog.models import Dataset
from core import generation
from core.clock import utcnow
from core.identity.models import ApiToken, OrgKind, Role
from tests.factories import make_dataset, make_member, make_org, make_user, token_for
from tests.factories.datastore import load, upload


@pytest.fixture
def world(session: Session) -> dict[str, Any]:
    dept = make_org(session, OrgKind.DEPARTMENT, name="transport-commission")
    publisher = make_member(session, dept, Role.PUBLISHER)
    outsider = make_user(session)
    make_dataset(session, dept, publisher, name="bus-routes")
    make_dataset(session, dept, publisher, name="secret-plans", open_level="closed")
    session.commit()
    return {
        "publisher": publisher,
        "token": token_for(session, publisher, write=True),
        "outsider": token_for(session, outsider, write=False),
    }


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the datasets whose representation was built (not served from memory)."""
    built: list[str] = []
    real = readcache.cached_json

    async def counting(request: Any, key: Any, build: Any) -> Any:
        def watched(session: Session, principal: Any) -> Any:
            built.append(key[-1])
            return build(session, principal)

        return await real(request, key, watched)

    monkeypatch.setattr("api.v1.datasets.cached_json", counting)
    monkeypatch.setattr("api.ckan.routes.cached_json", counting)
    return built


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_read_is_kept_and_revalidated(client: TestClient, world: Any, builds: list[str]) -> None:
    first = client.get("/api/v1/datasets/bus-routes")
    second = client.get("/api/v1/datasets/bus-routes")
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert builds == ["bus-routes"]
    assert first.headers["cache-control"] == "no-cache"
    etag = first.headers["etag"]
    assert second.headers["etag"] == etag
    unchanged = client.get("/api/v1/datasets/bus-routes", headers={"If-None-Match": etag})
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    ckan = [client.get("/api/3/action/package_show", params={"id": "bus-routes"}) for _ in "ab"]
    assert ckan[0].json()["result"]["name"] == "bus-routes"
    assert ckan[0].content == ckan[1].content
    assert builds == ["bus-routes", "bus-routes"]  # once for the v1 answer, once for CKAN's


def test_a_change_by_any_path_shows_at_once(
    client: TestClient, world: Any, builds: list[str], session: Session, files: FileStore
) -> None:
    before = client.get("/api/v1/datasets/bus-routes").json()
    patched = client.patch(
        "/api/v1/datasets/bus-routes",
        json={"title": {"zh": "新标题", "en": "New title"}},
        headers=bearer(world["token"]),
    )
    assert patched.status_code == 200
    assert client.get("/api/v1/datasets/bus-routes").json()["title"]["zh"] == "新标题"
    # Another process writes straight to the database: the kept read goes all the same.
    session.execute(update(Dataset).where(Dataset.name == "bus-routes").values(title_en="Bus"))
    session.commit()
    assert client.get("/api/v1/datasets/bus-routes").json()["title"]["en"] == "Bus"
    # A table loaded in the background changes the resource's state in the answer.
    dataset = session.scalar(select(Dataset).where(Dataset.name == "bus-routes"))
    assert dataset is not None
    table = upload(session, files, dataset, world["publisher"], b"a,b\n1,2\n", "t.csv")
    session.commit()
    waiting = client.get("/api/v1/datasets/bus-routes").json()["resources"][0]
    load(session, files, table)
    session.commit()
    loaded = client.get("/api/v1/datasets/bus-routes").json()["resources"][0]
    assert waiting != loaded
    assert before["title"]["zh"] != "新标题"
    assert len(builds) == 5


def test_what_not_everyone_may_see_is_never_kept(
    client: TestClient, world: Any, builds: list[str]
) -> None:
    own = [
        client.get("/api/v1/datasets/secret-plans", headers=bearer(world["token"])) for _ in "ab"
    ]
    assert [r.status_code for r in own] == [200, 200]
    assert own[0].headers["cache-control"] == "private, no-store"
    assert builds == ["secret-plans", "secret-plans"]  # built each time, never kept
    assert client.get("/api/v1/datasets/secret-plans").status_code == 404
    outsider = client.get("/api/v1/datasets/secret-plans", headers=bearer(world["outsider"]))
    assert outsider.status_code == 404
    ckan = client.get("/api/3/action/package_show", params={"id": "secret-plans"})
    assert ckan.status_code == 404


def test_a_token_is_refused_at_once_when_revoked_or_expired(
    client: TestClient,
    world: Any,
    builds: list[str],
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    headers = bearer(world["outsider"])
    assert client.get("/api/v1/datasets/bus-routes", headers=headers).status_code == 200
    assert client.get("/api/v1/datasets/bus-routes", headers=headers).status_code == 200
    assert builds == ["bus-routes"]  # the token checked once, the read kept
    outsiders = ApiToken.user_id != world["publisher"].id
    session.execute(update(ApiToken).where(outsiders).values(revoked_at=utcnow()))
    session.commit()
    assert client.get("/api/v1/datasets/bus-routes", headers=headers).status_code == 401
    assert client.get("/api/v1/datasets/bus-routes").status_code == 200  # anonymous: still

    # Expiry needs no write: the kept check knows when the token stops working.
    fresh = client.get("/api/v1/datasets/bus-routes", headers=bearer(world["token"]))
    assert fresh.status_code == 200
    expires = session.scalar(
        select(ApiToken.expires_at).where(ApiToken.user_id == world["publisher"].id)
    )
    assert expires is not None
    later = (expires + timedelta(seconds=1)).timestamp()
    monkeypatch.setattr(readcache.time, "time", lambda: later)
    monkeypatch.setattr("core.identity.services.utcnow", lambda: expires + timedelta(seconds=1))
    gone = client.get("/api/v1/datasets/bus-routes", headers=bearer(world["token"]))
    assert gone.status_code == 401


def test_a_bad_credential_is_refused_even_for_a_kept_read(client: TestClient, world: Any) -> None:
    assert client.get("/api/v1/datasets/bus-routes").status_code == 200
    assert (
        client.get("/api/v1/datasets/bus-routes", headers=bearer("sdu_nonsense")).status_code == 401
    )
    ckan = client.get(
        "/api/3/action/package_show", params={"id": "bus-routes"}, headers={"Authorization": "x"}
    )
    assert ckan.status_code == 403


def test_writes_move_the_generation_and_bookkeeping_does_not() -> None:
    assert generation.counts("UPDATE datasets SET title_zh=? WHERE datasets.id = ?")
    assert generation.counts("INSERT INTO resources (id, name) VALUES (?, ?)")
    assert generation.counts("DELETE FROM dataset_tags WHERE dataset_id = ?")
    assert generation.counts("INSERT OR REPLACE INTO something_new VALUES (1)")
    assert generation.counts("WITH x AS (SELECT 1) UPDATE users SET is_active = 0")
    assert generation.counts("UPDATE api_tokens SET revoked_at=? WHERE api_tokens.id = ?")
    assert not generation.counts("UPDATE api_tokens SET last_used_at=? WHERE api_tokens.id = ?")
    assert not generation.counts(
        "UPDATE oauth_clients SET usage_count = usage_count + ?, last_used_at = ? WHERE id = ?"
    )
    assert not generation.counts("INSERT INTO outbox_events (topic) VALUES (?)")
    assert not generation.counts("INSERT INTO rate_limit_windows VALUES (?, ?, 1)")
    assert not generation.counts("INSERT INTO web_sessions (id, user_id) VALUES (?, ?)")
    assert generation.counts("UPDATE web_sessions SET ended_at=? WHERE web_sessions.id = ?")
    assert generation.counts("DELETE FROM web_sessions WHERE user_id = ?")
    assert not generation.counts("SELECT * FROM datasets")
    assert not generation.counts("WITH x AS (SELECT 1) SELECT * FROM x")


def test_a_rolled_back_write_leaves_the_generation(session: Session) -> None:
    bind = session.connection()
    before = generation.current(bind)
    assert before is not None
    nested = session.begin_nested()
    session.execute(update(Dataset).values(title_en="x"))
    assert generation.current(bind) == before + 1  # this transaction sees its own count
    nested.rollback()
    assert generation.current(bind) == before
    session.execute(update(Dataset).values(title_en="y"))
    assert generation.current(bind) == before + 1  # counted again after the rollback
