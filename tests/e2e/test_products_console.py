"""The publisher's products page in a real browser against the live demo: a transport
commission publisher lists its conditional dataset of heavy goods vehicle trajectories, builds
an offer with the keyboard only, watches the live summary (Chinese and English) change as a
field is ticked, submits, and finds the offer listed. axe on the page in both languages and
both modes, and elder mode's promise."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.e2e.a11y import assert_accessible, assert_elder_promise
from tests.e2e.signin import browser_sign_in
from tests.live import Demo

pytestmark = pytest.mark.live

PUBLISHER = "publisher@transport-commission.demo.shudu.example"
PASSWORD = "shudu-demo"
DATASET = "freight-vehicle-trajectories"  # conditional, important, loaded; not a product yet
PAGE = "/exchange/products"


def _press_on(page: Page, target: Locator, key: str = "Space") -> None:
    target.focus()
    page.keyboard.press(key)


def _product(page: Page) -> Locator:
    return page.locator(f'section.product:has(a[href="/dataset/{DATASET}"])')


def _list_the_dataset(page: Page) -> None:
    """List the dataset from the select by keyboard, unless an earlier test did."""
    if not page.locator(f'#dataset option[value="{DATASET}"]').count():
        return
    select = page.locator("#dataset")
    select.focus()
    values = select.evaluate("s => Array.from(s.options).map(o => o.value)")
    steps = values.index(DATASET) - values.index(select.input_value())
    for _ in range(abs(steps)):
        page.keyboard.press("ArrowDown" if steps > 0 else "ArrowUp")
    assert select.input_value() == DATASET
    _press_on(page, page.locator("form:has(#dataset) button[type=submit]"), "Enter")
    page.wait_for_url(re.compile(r"done=listed"))


def test_a_publisher_builds_an_offer_by_keyboard(demo: Demo, browser: Browser) -> None:
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    try:
        browser_sign_in(page, demo.base, PUBLISHER, PASSWORD, f"{PAGE}?lang=zh")
        _list_the_dataset(page)
        product = _product(page)
        expect(product).to_have_count(1)
        form = product.locator("form.policy-builder")
        expect(form).to_have_attribute("data-live", "on")  # policy.js runs
        if not form.is_visible():
            _press_on(page, product.locator("details.new-offer > summary"), "Enter")
        name = f"键盘报价 {int(time.time())}"
        form.locator("input[name=name]").focus()
        page.keyboard.type(name)
        fields = form.locator("input[name=fields]")
        for i in (0, 1):
            _press_on(page, fields.nth(i))
        _press_on(page, form.locator("input[name=purposes][value=transport_research]"))
        form.locator("input[name=calls_per_day]").focus()
        page.keyboard.type("500")

        summary = form.locator(".offer-summary")
        expect(summary).to_have_attribute("aria-live", "polite")
        zh = summary.locator('[data-summary-lang="zh"]')
        en = summary.locator('[lang="en"][data-summary-lang="en"]')
        expect(zh).to_contain_text("每日调用不超过 500 次")
        expect(en).to_contain_text("at most 500 calls per day")
        third = fields.nth(2).get_attribute("value")
        assert third
        expect(en).not_to_contain_text(third)
        _press_on(page, fields.nth(2))  # one more field ticked: the summary says so
        expect(en).to_contain_text(third)
        expect(zh).to_contain_text(third)
        assert_accessible(page, "products builder zh")

        _press_on(page, form.locator("button[name=action][value=offer]"), "Enter")
        page.wait_for_url(re.compile(r"done=offer"))
        product = _product(page)
        expect(product.locator("h3", has_text=name)).to_have_count(1)
        expect(product).to_contain_text("每日调用不超过 500 次")
        expect(page.locator(".notice-ok")).to_be_visible()
    finally:
        context.close()


@pytest.mark.parametrize("elder", [False, True])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_products_page_is_accessible(
    demo: Demo, browser: Browser, lang: str, elder: bool
) -> None:
    mode = "elder" if elder else "normal"
    context = browser.new_context(viewport={"width": 390 if elder else 1366, "height": 900})
    if elder:
        context.add_cookies([{"name": "shudu_elder", "value": "1", "url": demo.base}])
    page = context.new_page()
    try:
        browser_sign_in(page, demo.base, PUBLISHER, PASSWORD, f"{PAGE}?lang={lang}")
        _list_the_dataset(page)
        product = _product(page)
        details = product.locator("details.new-offer")
        if details.get_attribute("open") is None:
            _press_on(page, details.locator("> summary"), "Enter")
        form = product.locator("form.policy-builder")
        _press_on(page, form.locator("input[name=fields]").first)
        _press_on(page, form.locator("input[name=purposes]").first)
        expect(form.locator('[data-summary-lang="en"]')).to_be_visible()
        assert_accessible(page, f"products {lang} {mode}")
        if elder:
            assert_elder_promise(page, f"products {lang} {mode}")
        # A bad submit comes back filled in, the field named, and is still accessible.
        form.locator("input[name=calls_per_day]").fill("lots")
        _press_on(page, form.locator("button[name=action][value=offer]"), "Enter")
        page.wait_for_selector("#form-errors")
        expect(page.locator("#form-errors")).to_contain_text(
            "每日调用次数上限" if lang == "zh" else "Calls per day"
        )
        invalid = _product(page).locator("input[name=calls_per_day]")
        expect(invalid).to_have_value("lots")
        expect(invalid).to_have_attribute("aria-invalid", "true")
        assert_accessible(page, f"products errors {lang} {mode}")
        if elder:
            assert_elder_promise(page, f"products errors {lang} {mode}")
    finally:
        context.close()
