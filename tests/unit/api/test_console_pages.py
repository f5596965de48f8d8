"""The console over the app, as people use it: an enterprise registers (a mistyped credit code
named in the page's language, the form filled in again, nothing stored), the site admin
refuses without a reason and then approves, a person's request to join is answered with a
role, and a locked account's browser and token stop working at once."""

from __future__ import annotations

import html

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from catalog.harvest.models import HarvestRun, HarvestSource
from core.identity.models import Organization, OrgKind, OrgStatus, Role, User
from tests.factories import PASSWORD, make_member, make_org, make_user, token_for
from tests.signin import csrf_of, sign_in

CODE = "91350100M000100Y43"
FORM = {
    "name": "acme-data",
    "credit_code": CODE,
    "legal_name": "福州示例数据有限公司",
    "title_en": "Acme Data",
    "contact_name": "王芳",
    "contact_email": "wang.fang@acme.example",
    "contact_phone": "",
}


def _orgs(session: Session, name: str) -> int:
    query = select(func.count()).select_from(Organization).where(Organization.name == name)
    return session.scalar(query) or 0


def _other(client: TestClient) -> TestClient:
    """A second browser on the same app (its own cookies)."""
    return TestClient(client.app, raise_server_exceptions=False)


def test_register_approve_and_act(client: TestClient, session: Session) -> None:
    person = make_user(session, email="wang.fang@acme.example")
    site_admin = make_user(session, admin=True, email="root@example.org")
    session.commit()
    assert sign_in(client, person.email, PASSWORD, "/console") == "/console"

    page = client.get("/console/register")
    assert page.status_code == 200
    assert 'value="wang.fang@acme.example"' in page.text  # the contact starts as the person

    # A typo in the check character: named in Chinese, the form back filled in, nothing kept.
    typo = {**FORM, "credit_code": "91350100M000100Y44"}
    bad = client.post("/console/register", data={**typo, "csrf_token": csrf_of(page.text)})
    assert bad.status_code == 422
    text = html.unescape(bad.text)
    assert "最后一位校验码与前面的字符不符" in text
    assert 'value="福州示例数据有限公司"' in text
    assert 'value="91350100M000100Y44"' in text
    assert 'aria-invalid="true"' in text
    assert _orgs(session, "acme-data") == 0

    # The same in English, and a letter O where a zero belongs is named by position.
    english = client.get("/console/register?lang=en")
    typo = {**FORM, "credit_code": "91350100M0001O0Y43"}
    bad = client.post("/console/register", data={**typo, "csrf_token": csrf_of(english.text)})
    assert bad.status_code == 422
    assert "Character 14 is not allowed" in html.unescape(bad.text)
    client.get("/console?lang=zh")

    # No CSRF token: refused, nothing kept.
    assert client.post("/console/register", data=FORM).status_code == 403
    assert _orgs(session, "acme-data") == 0

    done = client.post(
        "/console/register",
        data={**FORM, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert done.status_code == 303
    hub = client.get(done.headers["location"])
    assert "登记已提交" in hub.text
    assert "待审核" in hub.text
    # Pending: the registrant has no enterprise role yet, so no enterprise console.
    assert "企业数据申请" not in hub.text

    # The site admin: a refusal without a reason is refused, then the registration approved.
    admin = _other(client)
    sign_in(admin, site_admin.email, PASSWORD)
    queue = admin.get("/console/admin/organizations")
    assert queue.status_code == 200
    assert CODE in queue.text
    assert "wang.fang@acme.example" in queue.text  # reviewers see the contact
    org_id = session.scalar(select(Organization.id).where(Organization.name == "acme-data"))
    decide = {"action": "decide", "organization_id": str(org_id), "csrf_token": csrf_of(queue.text)}
    refused = admin.post("/console/admin/organizations", data={**decide, "decision": "reject"})
    assert refused.status_code == 422
    assert "不通过时请写明理由" in html.unescape(refused.text)
    approved = admin.post(
        "/console/admin/organizations",
        data={**decide, "decision": "approve"},
        follow_redirects=False,
    )
    assert approved.status_code == 303
    session.expire_all()
    org = session.scalar(select(Organization).where(Organization.name == "acme-data"))
    assert org is not None
    assert org.status is OrgStatus.APPROVED

    hub = client.get("/console")
    assert "企业数据申请" in hub.text  # the enterprise now acts
    assert client.get("/console/org/acme-data").status_code == 200


def test_join_request_answered_with_a_role(client: TestClient, session: Session) -> None:
    department = make_org(session, OrgKind.DEPARTMENT, name="transport-test")
    admin_user = make_member(session, department, Role.ADMIN)
    person = make_user(session)
    session.commit()
    sign_in(client, person.email, PASSWORD)
    hub = client.get("/console")
    assert 'value="transport-test"' in hub.text
    sent = client.post(
        "/console/join",
        data={
            "organization": "transport-test",
            "message": "数据科",
            "csrf_token": csrf_of(hub.text),
        },
        follow_redirects=False,
    )
    assert sent.status_code == 303
    assert "待处理" in client.get("/console").text
    # Not this organization's admin: refused.
    assert client.get("/console/org/transport-test").status_code == 403

    admin = _other(client)
    sign_in(admin, admin_user.email, PASSWORD)
    page = admin.get("/console/org/transport-test")
    assert page.status_code == 200
    assert person.email in page.text
    assert "数据科" in page.text
    request_id = page.text.split('name="request_id" value="', 1)[1].split('"', 1)[0]
    answer = {
        "action": "decide",
        "request_id": request_id,
        "decision": "approve",
        "csrf_token": csrf_of(page.text),
    }
    wrong = admin.post("/console/org/transport-test", data={**answer, "role": "member"})
    assert wrong.status_code == 422  # a department has no plain members
    assert "请选择一个角色" in html.unescape(wrong.text)
    done = admin.post(
        "/console/org/transport-test",
        data={**answer, "role": "publisher"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    hub = client.get("/console")
    assert "已同意" in hub.text
    assert "/console/publish" in hub.text  # the publisher's console is open now


def test_a_locked_account_stops_at_once(client: TestClient, session: Session) -> None:
    site_admin = make_user(session, admin=True)
    person = make_user(session)
    token = token_for(session, person, write=False)
    session.commit()
    sign_in(client, person.email, PASSWORD)
    assert client.get("/console").status_code == 200
    api = _other(client)
    bearer = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/v1/me", headers=bearer).status_code == 200

    # A person who is not a site admin cannot open the admin console.
    assert client.get("/console/admin").status_code == 403
    assert client.get("/console/admin/users").status_code == 403

    admin = _other(client)
    sign_in(admin, site_admin.email, PASSWORD)
    found = admin.get("/console/admin/users", params={"q": person.email})
    assert person.email in found.text
    page = admin.get(f"/console/admin/users/{person.id}")
    assert page.status_code == 200
    lock = {"action": "lock", "csrf_token": csrf_of(page.text)}
    no_reason = admin.post(f"/console/admin/users/{person.id}", data=lock)
    assert no_reason.status_code == 422
    assert "锁定账户时请写明理由" in html.unescape(no_reason.text)
    locked = admin.post(
        f"/console/admin/users/{person.id}",
        data={**lock, "note": "疑似被盗用"},
        follow_redirects=False,
    )
    assert locked.status_code == 303
    assert "账户已锁定" in admin.get(locked.headers["location"]).text

    # At once: the signed-in browser is sent to sign in, the token refused, sign-in refused.
    again = client.get("/console", follow_redirects=False)
    assert again.status_code == 303
    assert again.headers["location"].startswith("/login")
    assert api.get("/api/v1/me", headers=bearer).status_code == 401
    session.expire_all()
    stored = session.get(User, person.id)
    assert stored is not None
    assert stored.is_active is False


def test_admin_overview_shows_health_and_rotates_the_key(
    client: TestClient, session: Session
) -> None:
    site_admin = make_user(session, admin=True)
    session.commit()
    sign_in(client, site_admin.email, PASSWORD)
    page = client.get("/console/admin")
    assert page.status_code == 200
    assert "令牌签名密钥" in page.text
    before = page.text.count("只用于验证旧令牌")
    rotated = client.post(
        "/console/admin/keys", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False
    )
    assert rotated.status_code == 303
    after = client.get(rotated.headers["location"])
    assert "已生成新的签名密钥" in after.text
    assert after.text.count("只用于验证旧令牌") == before + 1
    assert client.post("/console/admin/keys", data={}).status_code == 403  # no CSRF token


def test_admin_adds_and_runs_a_harvest_source(client: TestClient, session: Session) -> None:
    site_admin = make_user(session, admin=True)
    session.commit()
    sign_in(client, site_admin.email, PASSWORD)
    page = client.get("/console/admin")
    add = {"action": "add", "name": "city-ckan", "kind": "ckan", "interval": "0"}
    bad = client.post(
        "/console/admin/harvest",
        data={**add, "url": "ftp://data.example.gov", "csrf_token": csrf_of(page.text)},
    )
    assert bad.status_code == 422
    text = html.unescape(bad.text)
    assert "请填写以 http:// 或 https:// 开头的网址" in text
    assert 'value="city-ckan"' in text  # the form comes back filled in
    assert session.scalar(select(func.count()).select_from(HarvestSource)) == 0

    url = "http://127.0.0.1:9/"  # nothing listens there: the run fails, and says so
    added = client.post(
        "/console/admin/harvest",
        data={**add, "url": url, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert added.status_code == 303
    shown = client.get(added.headers["location"]).text
    assert "采集来源已添加" in shown
    assert "city-ckan" in shown
    ran = client.post(
        "/console/admin/harvest",
        data={"action": "run", "source": "city-ckan", "csrf_token": csrf_of(shown)},
        follow_redirects=False,
    )
    assert ran.status_code == 303
    session.expire_all()
    runs = list(session.scalars(select(HarvestRun)))
    assert len(runs) == 1  # the run happened (in the background), and its report is kept
    assert runs[0].status == "failed"
    assert "还没有运行" not in client.get("/console/admin").text.split("harvest-h", 1)[1]
