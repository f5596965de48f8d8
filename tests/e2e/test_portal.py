"""A visitor's whole journey through the public portal in a real browser, in both languages,
on a phone and on a desktop, by mouse and by keyboard only; axe-core on every page it visits,
in normal and in elder mode (docs/architecture.md, "Pages and their design system")."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from tests.e2e.a11y import assert_accessible, assert_elder_promise
from tests.live import Demo

pytestmark = pytest.mark.live

VIEWPORTS = {"phone": (390, 844), "desktop": (1366, 900)}
DATASET = "air-station-readings"  # the demo's hourly station readings: preview, chart and map
COPIED = {"zh": "已复制到剪贴板", "en": "Copied to the clipboard"}


def _context(browser: Browser, demo: Demo, viewport: str, elder: bool = False) -> BrowserContext:
    width, height = VIEWPORTS[viewport]
    context = browser.new_context(
        viewport={"width": width, "height": height}, accept_downloads=True
    )
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=demo.base)
    if elder:
        context.add_cookies([{"name": "shudu_elder", "value": "1", "url": demo.base}])
    return context


@pytest.fixture
def context(browser: Browser, demo: Demo, request: pytest.FixtureRequest) -> Iterator[Any]:
    opened: list[BrowserContext] = []

    def make(viewport: str = "desktop", elder: bool = False) -> BrowserContext:
        opened.append(_context(browser, demo, viewport, elder))
        return opened[-1]

    yield make
    for c in opened:
        c.close()


def _fits(page: Page, what: str) -> None:
    """No horizontal scrolling: the page is no wider than the window."""
    width = page.evaluate("document.documentElement.scrollWidth")
    window = page.evaluate("window.innerWidth")
    assert width <= window, f"{what} is {width} px wide in a {window} px window"


def _checked(page: Page, label: str) -> None:
    _fits(page, label)
    assert_accessible(page, label)


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_visitor_finds_reads_charts_calls_and_downloads(
    demo: Demo, context: Any, lang: str, viewport: str, tmp_path: Path
) -> None:
    page = context(viewport).new_page()
    where = f"{lang} {viewport}"
    page.goto(f"{demo.base}/?lang={lang}")
    _checked(page, f"home {where}")

    # Search from the hero, then narrow by the access-type facet.
    words = "空气质量" if lang == "zh" else "air quality"
    page.locator("#site-q").fill(words)
    page.locator("#site-q").press("Enter")
    page.wait_for_url("**/search?q=*")
    count = page.locator("#result-count strong")
    total = int(re.sub(r"\D", "", count.inner_text()))
    assert total >= 2
    assert page.locator(".hit mark").first.inner_text().lower() in words
    _checked(page, f"search {where}")
    facet = page.locator('[data-facet="open_level"] a').first
    facet_label = facet.inner_text()
    facet.click()
    page.wait_for_url("**open_level=*")
    assert int(re.sub(r"\D", "", count.inner_text())) <= total
    assert page.locator('[data-facet="open_level"] a.active').inner_text().endswith(facet_label)
    _checked(page, f"search with a facet {where}")

    # The station readings: the words, not the codes, and a size people read.
    page.goto(f"{demo.base}/dataset/{DATASET}")
    _checked(page, f"dataset {where}")
    facts = page.locator("#about").inner_text()
    assert "realtime" not in facts
    assert "active" not in facts
    assert re.search(r"\d+(\.\d)? KB", page.locator("#resources").inner_text())

    # The preview pages in place through the records API, and shows what the API says.
    data = page.locator("#data")
    first_row = data.locator("tbody tr").first.inner_text()
    data.locator('a[rel="next"]').click()
    page.wait_for_function("document.getElementById('data').dataset.page === '2'")
    assert "page=2" in page.url
    assert data.locator("tbody tr").first.inner_text() != first_row
    resource = httpx.get(f"{demo.base}/api/v1/datasets/{DATASET}").json()["resources"][0]["id"]
    rows = int(data.get_attribute("data-rows") or 0)
    second = httpx.get(
        f"{demo.base}/api/v1/resources/{resource}/records",
        params={"limit": 1, "offset": rows},
    ).json()["records"][0]
    assert second["station_name"] in data.locator("tbody tr").first.inner_text()
    assert "2" in page.locator("#preview-status").inner_text()

    # The chart averages the concentration per hour and says so; its figures are a table.
    caption = page.locator("#chart figcaption").inner_text()
    assert ("平均值" if lang == "zh" else "Average") in caption
    assert page.locator("#chart svg polyline").count() >= 1
    page.locator("#chart summary").click()
    assert page.locator("#chart tbody tr").count() == page.locator("#chart svg circle").count()

    # The map draws every station listed in its table.
    page.locator("#map summary").click()
    assert page.locator("#map svg circle").count() == page.locator("#map tbody tr").count() > 1

    # Copy the curl example: the clipboard holds exactly the code shown, and it is announced.
    snippet = page.locator("#api pre").first
    page.locator("#api button[data-copy]").first.click()
    expect_status(page, COPIED[lang])
    assert page.evaluate("navigator.clipboard.readText()") == snippet.locator("code").inner_text()
    assert resource in snippet.inner_text()

    # Download the file: what the browser saves is what the API describes.
    with page.expect_download() as download_info:
        page.locator("a.resource-link[download]").first.click()
    saved = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(saved)
    sizes = {
        r["size"]
        for r in httpx.get(f"{demo.base}/api/v1/datasets/{DATASET}").json()["resources"]
        if r["kind"] == "upload"
    }
    assert saved.stat().st_size in sizes


def expect_status(page: Page, text: str) -> None:
    page.wait_for_function(
        "t => document.getElementById('copy-status').textContent === t", arg=text
    )


def _tab_to(page: Page, predicate: str, limit: int = 200) -> None:
    """Press Tab until the focused element satisfies ``predicate`` (a JS expression over
    ``el``); fail if it is never reached, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(
            f"(() => {{ const el = document.activeElement; return !!({predicate}); }})()"
        ):
            outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
            assert outline != "none", "the focused element shows no focus ring"
            return
    pytest.fail(f"Tab never reached {predicate}")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_keyboard_only_journey(demo: Demo, context: Any, lang: str) -> None:
    page = context("desktop").new_page()
    page.goto(f"{demo.base}/?lang={lang}")
    # The first Tab reaches the skip link, which moves focus past the header.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('skip')")
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")

    _tab_to(page, "el.id === 'site-q'")
    page.keyboard.type("空气站点")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=*")
    _tab_to(page, "el.matches('.hit h3 a')")
    assert page.evaluate("document.activeElement.getAttribute('href')") == f"/dataset/{DATASET}"
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/dataset/{DATASET}")

    _tab_to(page, "el.matches('#data a[rel=\"next\"]')")
    page.keyboard.press("Enter")
    page.wait_for_function("document.getElementById('data').dataset.page === '2'")
    _tab_to(page, "el.matches('#api button[data-copy]')")
    page.keyboard.press("Enter")
    expect_status(page, COPIED[lang])

    # The elder-mode switch is a button a keyboard reaches and presses.
    page.goto(f"{demo.base}/?lang={lang}")
    _tab_to(page, "el.id === 'elder-toggle'")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.evaluate("document.documentElement.classList.contains('elder')")
    assert page.locator("#elder-toggle").get_attribute("aria-pressed") == "true"
    with page.expect_navigation():
        page.locator("#elder-toggle").click()
    assert not page.evaluate("document.documentElement.classList.contains('elder')")


def _public_pages(base: str) -> list[str]:
    conditional = httpx.get(
        f"{base}/api/v1/search", params={"open_level": "conditional", "limit": 1}
    ).json()["items"][0]["name"]
    organization = httpx.get(f"{base}/api/v1/datasets/{DATASET}").json()["organization"]["name"]
    return [
        "/",
        "/search?q=空气",
        "/search?q=zzzxqnothing",
        f"/dataset/{DATASET}",
        f"/dataset/{conditional}",
        "/organizations",
        f"/organization/{organization}",
        "/themes",
        "/exchange/catalog",
        "/accessibility",
        "/about",
        "/login",
        "/no-such-page",
    ]


@pytest.mark.parametrize("mode", ["normal", "elder"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_public_page_is_accessible(demo: Demo, context: Any, lang: str, mode: str) -> None:
    elder = mode == "elder"
    page = context("desktop", elder=elder).new_page()
    for path in _public_pages(demo.base):
        joiner = "&" if "?" in path else "?"
        response = page.goto(f"{demo.base}{path}{joiner}lang={lang}")
        assert response is not None
        assert response.status == (404 if path == "/no-such-page" else 200), path
        label = f"{path} {lang} {mode}"
        assert_accessible(page, label)
        if elder:
            assert_elder_promise(page, label)


def test_elder_mode_is_one_column_on_a_desktop(demo: Demo, context: Any) -> None:
    page = context("desktop", elder=True).new_page()
    page.goto(f"{demo.base}/dataset/{DATASET}")
    boxes = page.evaluate(
        """() => [...document.querySelectorAll('main .layout-main-side > *, main .grid-2 > *')]
              .map(e => e.getBoundingClientRect().left)"""
    )
    assert boxes
    assert len({round(x) for x in boxes}) == 1, boxes
    _fits(page, "elder dataset page")
