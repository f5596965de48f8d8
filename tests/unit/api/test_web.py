"""Web sessions: login, CSRF on every form and on cookie-borne API writes, escaping."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from core.identity.models import OrgKind, Role
from tests.factories import PASSWORD, make_dataset, make_member, make_org, make_theme


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "form without a CSRF token"
    return match.group(1)


def _login(client: TestClient, email: str) -> str:
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": _csrf(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    return _csrf(client.get("/account/tokens").text)


def test_login_requires_csrf_and_the_right_password(client: TestClient, session: Session) -> None:
    user = make_member(session, make_org(session, OrgKind.DEPARTMENT), Role.PUBLISHER)
    session.commit()
    client.get("/login")
    forged = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert forged.status_code == 403
    assert "CSRF" in forged.text
    page = client.get("/login")
    wrong = client.post(
        "/login", data={"email": user.email, "password": "nope", "csrf_token": _csrf(page.text)}
    )
    assert wrong.status_code == 401
    assert "shudu_session" not in wrong.headers.get("set-cookie", "") or "user_id" not in str(
        client.cookies
    )


def test_session_api_writes_need_the_csrf_header(client: TestClient, session: Session) -> None:
    dept = make_org(session, OrgKind.DEPARTMENT)
    user = make_member(session, dept, Role.PUBLISHER)
    make_theme(session)
    dataset = make_dataset(session, dept, user)
    session.commit()
    token = _login(client, user.email)
    assert client.get("/api/v1/me").json()["authenticated_by"] == "session"
    url = f"/api/v1/datasets/{dataset.name}"
    refused = client.patch(url, json={"version": "5"})
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["error"]["message"]
    accepted = client.patch(url, json={"version": "5"}, headers={"X-CSRF-Token": token})
    assert accepted.status_code == 200
    assert accepted.json()["version"] == "5"


def test_token_page_shows_a_new_token_once(client: TestClient, session: Session) -> None:
    user = make_member(session, make_org(session, OrgKind.DEPARTMENT), Role.PUBLISHER)
    session.commit()
    token = _login(client, user.email)
    created = client.post(
        "/account/tokens", data={"name": "<script>x</script>", "days": "30", "csrf_token": token}
    )
    secret = re.search(r'<code id="new-token">([^<]+)</code>', created.text)
    assert secret is not None
    assert "<script>x</script>" not in created.text
    assert "&lt;script&gt;" in created.text
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret.group(1)}"}).json()[
            "email"
        ]
        == user.email
    )
    assert secret.group(1) not in client.get("/account/tokens").text


def test_pages_render_and_escape(client: TestClient, session: Session) -> None:
    dept = make_org(session, OrgKind.DEPARTMENT)
    user = make_member(session, dept, Role.PUBLISHER)
    make_theme(session)
    dataset = make_dataset(
        session, dept, user, title={"zh": "<b>公交</b>", "en": "Bus"}, description={"zh": "说明"}
    )
    session.commit()
    page = client.get(f"/dataset/{dataset.name}")
    assert page.status_code == 200
    assert "&lt;b&gt;公交&lt;/b&gt;" in page.text
    client.portal.call(client.app.state.search.indexer.drain)  # type: ignore[union-attr,attr-defined]
    home: Any = client.get("/")
    assert dataset.name in home.text
    assert client.get("/dataset/no-such-thing").status_code == 404
