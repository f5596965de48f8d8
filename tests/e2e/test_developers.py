"""The developer portal and the transparency page in a real browser: axe on each in both
languages and both modes, no horizontal scrolling on a small phone, and the API reference
searched and its examples copied with the keyboard alone."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from tests.e2e.a11y import assert_accessible, assert_elder_promise
from tests.live import Demo

pytestmark = pytest.mark.live

PAGES = ("/developers", "/developers/reference", "/developers/reference?q=records", "/transparency")
COUNT = {"zh": "显示 2 个接口，共 {total} 个", "en": "Showing 2 of {total} operations"}
NONE = {"zh": "没有匹配的接口", "en": "No operation matches"}
COPIED = {"zh": "已复制到剪贴板", "en": "Copied to the clipboard"}


@pytest.fixture
def open_context(browser: Browser, demo: Demo) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=demo.base)
    yield context
    context.close()


def _visible_operations(page: Page) -> list[str]:
    return page.eval_on_selector_all(
        "article.op", "els => els.filter(e => !e.closest('[hidden]')).map(e => e.id)"
    )


@pytest.mark.parametrize("mode", ["normal", "elder"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_pages_are_accessible(browser: Browser, demo: Demo, lang: str, mode: str) -> None:
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    if mode == "elder":
        context.add_cookies([{"name": "shudu_elder", "value": "1", "url": demo.base}])
    page = context.new_page()
    try:
        for path in PAGES:
            joiner = "&" if "?" in path else "?"
            response = page.goto(f"{demo.base}{path}{joiner}lang={lang}")
            assert response is not None
            assert response.status == 200, path
            label = f"{path} {lang} {mode}"
            assert_accessible(page, label)
            if mode == "elder":
                assert_elder_promise(page, label)
    finally:
        context.close()


@pytest.mark.parametrize("width", [320, 390])
def test_no_horizontal_scrolling_on_a_phone(browser: Browser, demo: Demo, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    try:
        for path in PAGES:
            page.goto(f"{demo.base}{path}")
            wide = page.evaluate("document.documentElement.scrollWidth")
            assert wide <= width, f"{path} is {wide} px wide in a {width} px window"
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_reference_is_searched_and_copied_by_keyboard(
    open_context: BrowserContext, demo: Demo, lang: str
) -> None:
    total = len(
        [
            op
            for methods in httpx.get(f"{demo.base}/api/v1/openapi.json").json()["paths"].values()
            for op in methods.values()
        ]
    )
    page = open_context.new_page()
    page.goto(f"{demo.base}/developers?lang={lang}")
    # From the guide to the reference by keyboard: the button in the page header.
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('href')") == "/developers/reference":
            break
    else:
        pytest.fail("Tab never reached the link to the reference")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert len(_visible_operations(page)) == total

    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "ref-q":
            break
    else:
        pytest.fail("Tab never reached the reference's search box")
    page.keyboard.type("records")
    expected = COUNT[lang].format(total=total)
    page.wait_for_function(
        "t => document.getElementById('ref-count').textContent === t", arg=expected
    )
    assert sorted(_visible_operations(page)) == ["op-records_get", "op-records_post"]
    assert page.locator("#ref-empty").is_hidden()

    # The first shown example's copy button is the next thing Tab reaches that copies.
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('button[data-copy]')"):
            break
    else:
        pytest.fail("Tab never reached a copy button")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "t => document.getElementById('copy-status').textContent === t", arg=COPIED[lang]
    )
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("curl ")
    assert "/api/v1/resources/{id}/records" in copied

    page.locator("#ref-q").fill("zzzxq")
    page.wait_for_function(
        "t => document.getElementById('ref-count').textContent === t", arg=NONE[lang]
    )
    assert _visible_operations(page) == []
    assert page.locator("#ref-empty").is_visible()
