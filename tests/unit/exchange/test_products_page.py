"""The publisher's products page as a publisher uses it: list a dataset from the select, build
an offer with checkboxes and numbers (stored as ``build_policy`` makes it), read the live
summary in Chinese and English, get a bad form back filled in and named in the page's language,
and be refused without the CSRF token."""

from __future__ import annotations

import html
import re

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from catalog.datastore.services import DatastoreService
from catalog.filestore import FileStore
from exchange.models import Offer, Product
from licensing.builder import PolicyChoices, RowCondition, build_policy
from tests.factories import PASSWORD
from tests.factories.exchange import World, make_world
from tests.signin import sign_in

PAGE = "/exchange/products"


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match is not None
    return match.group(1)


def _world(session: Session, files: FileStore) -> World:
    world = make_world(session, files)
    session.commit()
    return world


def _listed(client: TestClient, world: World) -> tuple[str, str]:
    """Sign in as the publisher, list the dataset from the select: (csrf, product id)."""
    client.cookies.clear()
    sign_in(client, world.publisher.email, PASSWORD)
    page = client.get(PAGE).text
    # The select offers the department's conditional dataset by its title, not its slug.
    option = re.search(r'<option value="([^"]+)"[^>]*>([^<]+)</option>', page)
    assert option is not None
    assert option.group(1) == world.dataset.name
    assert html.unescape(option.group(2)).startswith(world.dataset.title_zh)
    csrf = _csrf(page)
    listed = client.post(
        PAGE,
        data={"csrf_token": csrf, "action": "list", "dataset": option.group(1), "title": "商户"},
        follow_redirects=False,
    )
    assert listed.status_code == 303, listed.text
    page = client.get(listed.headers["location"]).text
    assert "已上架" in page
    assert f'<option value="{world.dataset.name}"' not in page  # a product now, not offered
    product = re.search(r'name="product_id" value="([^"]+)"', page)
    assert product is not None
    return csrf, product.group(1)


def _offer_form(csrf: str, product_id: str, **more: object) -> dict[str, object]:
    form: dict[str, object] = {
        "csrf_token": csrf,
        "product_id": product_id,
        "name": "标准授权",
        "fields": ["district", "amount", "phone"],
        "masked": ["phone"],
        "filter_field_1": "district",
        "filter_values_1": "Pudong，Xuhui",
        "filter_field_2": "",
        "filter_values_2": "",
        "calls_per_day": "1,000",
        "rows_per_month": "",
        "min_group": "10",
        "purposes": ["market_analysis"],
        "duration_days": "180",
        "report_usage": "on",
        "report_every_days": "30",
        "delete_at_end": "on",
        "price_kind": "per_call",
        "unit_price": "0.05",
        "monthly_fee": "",
        "policy": "",
        "price_plan": "",
    }
    form.update(more)
    return form


EXPECTED = PolicyChoices(
    fields=("district", "amount", "phone"),
    masked=("phone",),
    row_filter=(RowCondition("district", ("Pudong", "Xuhui")),),
    calls_per_day=1000,
    purposes=("market_analysis",),
    report_every_days=30,
    delete_at_end=True,
)


def test_a_publisher_lists_a_dataset_and_builds_an_offer(
    client: TestClient, session: Session, files: FileStore
) -> None:
    world = _world(session, files)
    csrf, product_id = _listed(client, world)
    page = client.get(PAGE).text
    # The builder offers the loaded table's fields with their types in words, and the purposes.
    assert 'value="district"' in page
    assert "整数" in page
    assert "市场分析" in page
    assert 'aria-live="polite"' in page
    assert '<script src="/static/policy.js"' in page

    # Without JavaScript: the preview comes back with the summary, the form filled in.
    preview = client.post(PAGE, data=_offer_form(csrf, product_id, action="preview"))
    assert preview.status_code == 200, preview.text
    assert "每日调用不超过 1000 次" in preview.text
    assert "at most 1000 calls per day" in preview.text
    assert 'value="180"' in preview.text
    assert session.scalar(select(Offer.id)) is None  # a preview stores nothing

    offered = client.post(
        PAGE, data=_offer_form(csrf, product_id, action="offer"), follow_redirects=False
    )
    assert offered.status_code == 303, offered.text
    session.expire_all()
    offer = session.scalars(select(Offer)).one()
    schema = DatastoreService(session).loaded(world.dataset.resources[0].id)[1]
    assert offer.policy == build_policy(EXPECTED, schema)
    assert offer.price_plan == {"kind": "per_call", "currency": "CNY", "unit_price": "0.05"}
    assert offer.duration_days == 180
    assert offer.name == "标准授权"
    product = session.scalars(select(Product)).one()
    assert product.title == "商户"

    # The offer is listed with its summary in the page language, the dataset by its title.
    page = client.get(PAGE).text
    assert "<h3>标准授权</h3>" in page
    assert "以下字段脱敏返回：phone" in page
    assert f'<a href="/dataset/{world.dataset.name}">{world.dataset.title_zh}</a>' in page
    english = client.get(PAGE, params={"lang": "en"}).text
    assert "these fields are returned masked: phone" in english
    assert "per call: CNY 0.05 for each call" in english


def test_the_summary_endpoint_answers_in_both_languages(
    client: TestClient, session: Session, files: FileStore
) -> None:
    world = _world(session, files)
    csrf, product_id = _listed(client, world)
    answer = client.post(f"{PAGE}/summary", data=_offer_form(csrf, product_id))
    assert answer.status_code == 200, answer.text
    said = answer.json()
    assert "仅可使用以下字段：district、amount、phone" in said["zh"]["policy"][0]
    assert "only these fields may be used: district, amount, phone" in said["en"]["policy"][0]
    assert said["zh"]["price"] == "按次计费，每次调用 0.05 元"
    assert said["en"]["term"] == "Term: 180 days from the agreement's start"
    # Ticking one more field changes the summary.
    more = client.post(
        f"{PAGE}/summary",
        data=_offer_form(csrf, product_id, fields=["district", "amount", "phone", "name"]),
    ).json()
    assert "district, amount, phone, name" in more["en"]["policy"][0]
    # Bad choices answer with the errors by field, in the page's language.
    bad = client.post(f"{PAGE}/summary", data=_offer_form(csrf, product_id, fields=[], masked=[]))
    assert bad.status_code == 422
    assert list(bad.json()["errors"]) == ["fields"]
    assert bad.json()["lines"] == ["可以读取的字段：请至少选择一个可以读取的字段"]
    refused = client.post(f"{PAGE}/summary", data={"product_id": product_id})
    assert refused.status_code == 403


def test_a_bad_offer_comes_back_filled_in_and_named(
    client: TestClient, session: Session, files: FileStore
) -> None:
    world = _world(session, files)
    csrf, product_id = _listed(client, world)
    bad = _offer_form(
        csrf, product_id, action="offer", calls_per_day="lots", masked=["name"], purposes=[]
    )
    answer = client.post(PAGE, data=bad)
    assert answer.status_code == 422
    text = answer.text
    assert "每日调用次数上限：请填写整数，例如 1000" in text
    assert "脱敏返回的字段：脱敏的字段必须也是可以读取的字段：name" in text
    assert "允许的用途：请至少选择一个允许的用途" in text
    assert 'value="lots"' in text
    assert 'value="标准授权"' in text
    assert 'aria-invalid="true"' in text
    english = client.post(f"{PAGE}?lang=en", data=bad)
    assert english.status_code == 422
    assert "Calls per day, at most: Enter a whole number, e.g. 1000" in english.text
    assert "Fields returned masked: A masked field must also be one that may be read" in (
        english.text
    )
    # A value that does not fit its field's type is named on its condition.
    typed = client.post(
        f"{PAGE}?lang=zh",
        data=_offer_form(
            csrf, product_id, action="offer", filter_field_2="amount", filter_values_2="ten"
        ),
    )
    assert typed.status_code == 422
    assert "行过滤条件 2：这些值不符合字段的类型：ten" in typed.text
    session.expire_all()
    assert session.scalar(select(Offer.id)) is None


def test_no_csrf_token_is_refused_and_stores_nothing(
    client: TestClient, session: Session, files: FileStore
) -> None:
    world = _world(session, files)
    _csrf_token, product_id = _listed(client, world)
    form = _offer_form("", product_id, action="offer")
    del form["csrf_token"]
    refused = client.post(PAGE, data=form)
    assert refused.status_code == 403
    forged = client.post(PAGE, data={**form, "csrf_token": "forged"})
    assert forged.status_code == 403
    session.expire_all()
    assert session.scalar(select(Offer.id)) is None


def test_the_page_needs_a_publisher(client: TestClient, session: Session, files: FileStore) -> None:
    world = _world(session, files)
    signed_out = client.get(PAGE, follow_redirects=False)
    assert signed_out.status_code == 303
    assert signed_out.headers["location"].startswith("/login?next=")
    sign_in(client, world.member.email, PASSWORD)
    assert client.get(PAGE).status_code == 403
