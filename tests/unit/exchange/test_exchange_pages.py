"""The exchange's pages, as people use them: a publisher lists and reviews, an enterprise applies
and accepts, a reviewer suspends; every form needs its CSRF token; search shows the badge."""

from __future__ import annotations

import re

from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from catalog.filestore import FileStore
from core.identity.models import User
from tests.factories import PASSWORD
from tests.factories.exchange import World, list_product, make_world
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
