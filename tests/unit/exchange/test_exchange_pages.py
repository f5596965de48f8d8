"""The exchange's pages, as people use them: a publisher lists and reviews, an enterprise applies
and accepts, a reviewer suspends; every form needs its CSRF token; search shows the badge."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from catalog.filestore import FileStore
from core.clock import utcnow
from core.identity.models import User
from exchange.models import Entitlement, UsageCounter
from exchange.schemas import Decision
from exchange.services import ApplicationService
from exchange.states import Action
from tests.factories import PASSWORD
from tests.factories.exchange import World, activate, apply, list_product, make_world
from tests.signin import sign_in


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match is not None
    return match.group(1)


def _login(client: TestClient, user: User) -> str:
    client.cookies.clear()
    sign_in(client, user.email, PASSWORD)
    return _csrf(client.get("/exchange").text)


def _world(session: Session, files: FileStore) -> World:
    world = make_world(session, files)
    session.commit()
    return world


def test_apply_review_accept_and_suspend_through_the_pages(
    client: TestClient, session: Session, files: FileStore
) -> None:
    world = _world(session, files)
    csrf = _login(client, world.publisher)
    listed = client.post(
        "/exchange/products",
        data={"csrf_token": csrf, "action": "list", "dataset": world.dataset.name},
        follow_redirects=False,
    )
    assert listed.status_code == 303, listed.text
    products = client.get("/exchange/products").text
    product_id = re.search(r'name="product_id" value="([^"]+)"', products)
    assert product_id is not None
    bad = client.post(
        "/exchange/products",
        data={
            "csrf_token": csrf,
            "action": "offer",
            "product_id": product_id.group(1),
            "name": "Basic",
            "policy": '{"permission": [{"action": "read", "constraint": [{"leftOperand": "x"}]}]}',
            "price_plan": '{"kind": "free"}',
        },
    )
    assert bad.status_code == 422
    offered = client.post(
        "/exchange/products",
        data={
            "csrf_token": csrf,
            "action": "offer",
            "product_id": product_id.group(1),
            "name": "Basic",
            "policy": '{"permission": [{"action": "read", "constraint": [{"leftOperand": '
            '"shudu:fields", "operator": "isAnyOf", "rightOperand": ["district"]}]}]}',
            "price_plan": '{"kind": "free"}',
        },
        follow_redirects=False,
    )
    assert offered.status_code == 303, offered.text

    # The enterprise finds the offer on the dataset page and applies.
    csrf = _login(client, world.member)
    page = client.get(f"/dataset/{world.dataset.name}").text
    assert 'id="offers"' in page
    apply_link = re.search(r'href="(/exchange/apply/[^"]+)"', page)
    assert apply_link is not None
    form = client.get(apply_link.group(1))
    assert world.client_id in form.text
    no_csrf = client.post(apply_link.group(1), data={"purpose_code": "market_analysis"})
    assert no_csrf.status_code == 403
    empty = client.post(
        apply_link.group(1),
        data={"csrf_token": csrf, "purpose_code": "market_analysis", "usage_scenario": "",
              "security_measures": "Encrypted at rest", "contact_name": "Chen",
              "contact_email": "chen@example.org"},
    )  # fmt: skip
    assert empty.status_code == 422  # nothing stored, the form back filled in
    assert "请填写这一项" in empty.text
    assert "Encrypted at rest</textarea>" in empty.text
    assert 'id="usage_scenario-error"' in empty.text
    applied = client.post(
        apply_link.group(1),
        data={
            "csrf_token": csrf,
            "purpose_code": "market_analysis",
            "usage_scenario": "Maps",
            "security_measures": "Logs",
            "contact_name": "Chen",
            "contact_email": "chen@example.org",
            "client_id": world.client_id,
            "submit": "on",
        },
        follow_redirects=False,
    )
    assert applied.status_code == 303, applied.text
    application_url = applied.headers["location"]
    submitted = client.get(application_url).text
    assert 'data-state="submitted">已提交' in submitted
    # The timeline is the ledger's: created, then submitted.
    timeline = submitted.split('class="timeline"', 1)[1].split("</ol>", 1)[0]
    assert "账本第" in timeline
    assert timeline.count("<li>") == 2

    # The provider reviews and issues the agreement from its queue.
    csrf = _login(client, world.publisher)
    app_id = application_url.rsplit("/", 1)[1]
    for step in ("start_review", "provider_approve", "issue_agreement"):
        done = client.post(
            "/exchange",
            data={"csrf_token": csrf, "action": "step", "step": step, "application_id": app_id},
            follow_redirects=False,
        )
        assert done.status_code == 303, (step, done.text)
    agreement = client.get(application_url).text
    digest = re.search(r'id="agreement-hash">([0-9a-f]{64})<', agreement)
    assert digest is not None
    # The signed text is Chinese; English is there to read, labelled, and not what is hashed.
    assert '<pre class="agreement" lang="zh-CN">' in agreement
    assert '<pre class="agreement" lang="en">' in agreement
    assert "英文阅读参考" in agreement
    for user in (world.publisher, world.member):
        csrf = _login(client, user)
        accepted = client.post(
            "/exchange",
            data={
                "csrf_token": csrf,
                "action": "accept",
                "application_id": app_id,
                "hash": digest.group(1),
            },
            follow_redirects=False,
        )
        assert accepted.status_code == 303, accepted.text
    dashboard = client.get("/exchange").text
    assert 'data-state="active">有效' in dashboard
    entitlement = re.search(r'name="entitlement_id" value="([^"]+)"', dashboard)
    assert entitlement is not None  # the clients and report forms
    csrf = _csrf(dashboard)
    designated = client.post(
        "/exchange",
        data={"csrf_token": csrf, "action": "clients", "entitlement_id": entitlement.group(1),
              f"client:{world.client_id}": "on"},
        follow_redirects=False,
    )  # fmt: skip
    assert designated.status_code == 303, designated.text
    none = client.post(
        "/exchange",
        data={"csrf_token": csrf, "action": "clients", "entitlement_id": entitlement.group(1)},
    )  # fmt: skip
    assert none.status_code == 422  # at least one client

    # The reviewer suspends it, with a reason.
    csrf = _login(client, world.reviewer)
    unknown = client.post(
        "/exchange",
        data={"csrf_token": csrf, "action": "change", "change": "explode", "reason": "x",
              "entitlement_id": entitlement.group(1)},
    )  # fmt: skip
    assert unknown.status_code == 422
    suspended = client.post(
        "/exchange",
        data={"csrf_token": csrf, "action": "change", "change": "suspend", "reason": "Audit",
              "entitlement_id": entitlement.group(1)},
        follow_redirects=False,
    )  # fmt: skip
    assert suspended.status_code == 303
    after = client.get("/exchange").text
    assert 'data-state="suspended">已暂停' in after
    assert "交易账本记下了" in after  # what the ledger recorded, shown once
    assert "授权已暂停" in after.split("交易账本记下了", 1)[1].split("</ul>", 1)[0]
    assert "交易账本记下了" not in client.get("/exchange").text
    no_reason = client.post(
        "/exchange",
        data={"csrf_token": csrf, "action": "change", "change": "resume", "reason": "",
              "entitlement_id": entitlement.group(1)},
    )  # fmt: skip
    assert no_reason.status_code == 422
    assert "没有办成" in no_reason.text
    assert 'data-state="suspended">已暂停' in no_reason.text  # nothing changed
    revoked = client.post(
        "/exchange",
        data={"csrf_token": csrf, "action": "change", "change": "revoke", "reason": "End",
              "entitlement_id": entitlement.group(1)},
        follow_redirects=False,
    )  # fmt: skip
    assert revoked.status_code == 303

    # The enterprise certifies that it deleted the data.
    csrf = _login(client, world.member)
    assert 'value="certify"' in client.get("/exchange").text
    certified = client.post(
        "/exchange",
        data={"csrf_token": csrf, "action": "certify", "entitlement_id": entitlement.group(1),
              "statement": "All copies deleted", "method": "Secure erase",
              "deleted_at": "2026-11-23T10:00:00+08:00"},
        follow_redirects=False,
    )  # fmt: skip
    assert certified.status_code == 303, certified.text


def test_search_hits_of_products_carry_the_badge(
    client: TestClient, session: Session, files: FileStore
) -> None:
    world = _world(session, files)
    list_product(session, world)
    session.commit()
    client.portal.call(client.app.state.search.indexer.drain)  # type: ignore[union-attr,attr-defined]
    page = client.get("/search", params={"q": world.dataset.title_zh})
    assert page.status_code == 200
    assert f'href="/dataset/{world.dataset.name}#offers"' in page.text
    # The JSON search says it too: how many offers each hit has.
    found = client.get("/api/v1/search", params={"q": world.dataset.title_zh}).json()["items"]
    assert [(hit["name"], hit["offers"]) for hit in found] == [(world.dataset.name, 1)]


def test_pages_need_a_login(client: TestClient) -> None:
    response = client.get("/exchange", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login"


def test_the_public_catalog_lists_products_and_their_offers(
    client: TestClient, session: Session, files: FileStore
) -> None:
    world = _world(session, files)
    _product, offer = list_product(session, world)
    session.commit()
    page = client.get("/exchange/catalog")  # anyone, signed in or not
    assert page.status_code == 200
    assert world.dataset.title_zh in page.text
    assert f'href="/exchange/apply/{offer.id}"' in page.text
    assert "每日调用不超过" in page.text  # the offer's terms in words
    assert 'href="/exchange/catalog" aria-current="page"' in page.text
    english = client.get("/exchange/catalog?lang=en").text
    assert "at most" in english


def test_a_reviewer_approves_with_conditions_and_the_agreement_shows_them(
    client: TestClient, session: Session, files: FileStore
) -> None:
    world = make_world(session, files, grade="important")
    _product, offer = list_product(session, world)
    application = apply(session, world, offer)
    member = ApplicationService(session, world.as_(world.member))
    provider = ApplicationService(session, world.as_(world.publisher))
    member.act(application.id, Action.SUBMIT, Decision())
    provider.act(application.id, Action.START_REVIEW, Decision())
    provider.act(application.id, Action.PROVIDER_APPROVE, Decision())
    session.commit()
    csrf = _login(client, world.reviewer)
    queue = client.get("/exchange").text
    assert f'id="cond-compliance_approve-{application.id}"' in queue
    approved = client.post(
        "/exchange",
        data={"csrf_token": csrf, "action": "step", "step": "compliance_approve",
              "application_id": str(application.id),
              "conditions": "数据仅存储于境内机房\r\n\r\n成果只以汇总形式发布\r\n"},
        follow_redirects=False,
    )  # fmt: skip
    assert approved.status_code == 303, approved.text
    recorded = client.get("/exchange").text.split("交易账本记下了", 1)[1]
    assert "合规审核已通过" in recorded.split("</ul>", 1)[0]
    # Conditions on a step that is not an approval are refused and change nothing.
    refused = client.post(
        "/exchange",
        data={"csrf_token": csrf, "action": "step", "step": "compliance_approve",
              "application_id": str(application.id), "conditions": "again"},
    )  # fmt: skip
    assert refused.status_code == 409  # already approved: the state moved on
    csrf = _login(client, world.publisher)
    issued = client.post(
        "/exchange",
        data={"csrf_token": csrf, "action": "step", "step": "issue_agreement",
              "application_id": str(application.id)},
        follow_redirects=False,
    )  # fmt: skip
    assert issued.status_code == 303, issued.text
    page = client.get(f"/exchange/applications/{application.id}").text
    conditions = page.split("审核附加条件", 1)[1].split("</dd>", 1)[0]
    assert "<li>数据仅存储于境内机房</li><li>成果只以汇总形式发布</li>" in conditions
    signed = page.split('<pre class="agreement" lang="zh-CN">', 1)[1].split("</pre>", 1)[0]
    assert "(1) 数据仅存储于境内机房" in signed.split("5.4", 1)[1]
    assert "(2) 成果只以汇总形式发布" in signed.split("5.4", 1)[1]


def test_quota_use_is_drawn_and_a_renewal_is_asked_and_granted(
    client: TestClient, session: Session, files: FileStore
) -> None:
    world = make_world(session, files)
    entitlement = activate(session, world, calls=10, rows=400)
    now = utcnow()
    session.add_all(
        [
            UsageCounter(entitlement_id=entitlement.id, period=now.strftime("%Y-%m-%d"),
                         calls=9, rows=120, denials=0),
            UsageCounter(entitlement_id=entitlement.id,
                         period=(now - timedelta(days=3)).strftime("%Y-%m-%d"),
                         calls=4, rows=80, denials=1),
            UsageCounter(entitlement_id=entitlement.id, period=now.strftime("%Y-%m"),
                         calls=13, rows=200, denials=1),
        ]
    )  # fmt: skip
    session.commit()
    csrf = _login(client, world.member)
    page = client.get("/exchange").text
    quota = page.split(f'id="quota-{entitlement.id}"', 1)[1].split("</section>", 1)[0]
    assert "今天已调用 9 次，每天最多 10 次（已用 90%，还剩 1 次）" in quota
    assert "本月已取 200 行，每月最多 400 行（已用 50%，还剩 200 行）" in quota
    assert "30 天共 13 次" in quota
    assert "虚线是每天 10 次的上限" in quota
    assert quota.count('<rect class="bar') == 30  # a column per day, empty days as 0
    assert quota.count("bar-limit") == 0  # 9 of 10: near, not at, the limit
    english = client.get("/exchange?lang=en").text
    assert 'lang="en"' in english[:100]
    assert "9 calls today of 10 a day (90% used, 1 left)" in english
    client.get("/exchange?lang=zh")

    # The enterprise asks to renew; the provider sees the request and grants it.
    asked = client.post(
        "/exchange",
        data={"csrf_token": csrf, "action": "renewal_request",
              "entitlement_id": str(entitlement.id), "days": "90", "note": "One more quarter"},
        follow_redirects=False,
    )  # fmt: skip
    assert asked.status_code == 303, asked.text
    again = client.post(
        "/exchange",
        data={"csrf_token": csrf, "action": "renewal_request",
              "entitlement_id": str(entitlement.id), "days": "30"},
    )  # fmt: skip
    assert again.status_code == 409
    assert "没有办成" in again.text
    before = entitlement.expires_at
    csrf = _login(client, world.publisher)
    provider_page = client.get("/exchange").text
    assert "已申请续期 90 天" in provider_page
    assert "One more quarter" in provider_page
    granted = client.post(
        "/exchange",
        data={"csrf_token": csrf, "action": "renewal_answer", "answer": "renew",
              "entitlement_id": str(entitlement.id)},
        follow_redirects=False,
    )  # fmt: skip
    assert granted.status_code == 303, granted.text
    after = client.get("/exchange").text
    assert "授权已续期" in after.split("交易账本记下了", 1)[1].split("</ul>", 1)[0]
    assert "已申请续期" not in after
    session.expire_all()
    renewed = session.get(Entitlement, entitlement.id)
    assert renewed is not None
    assert (renewed.expires_at - before).days == 90
