"""The regulator console in a real browser, as the demo's regulator uses it: signed in through
/login with TOTP, the demo enterprise's application entries found with the keyboard alone, an
entry opened and checked in the browser against the signed checkpoint, the month's CSV
downloaded; axe on every console page in both languages, normal and elder mode."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from tests.e2e.a11y import assert_accessible, assert_elder_promise
from tests.e2e.signin import browser_sign_in
from tests.live import Demo

pytestmark = pytest.mark.live

REGULATOR = "regulator@cyberspace-affairs-office.demo.shudu.example"
PASSWORD = "shudu-demo"
ENTERPRISE = "demo-enterprise"
SUBMITTED = {"zh": "申请已提交", "en": "Application submitted"}
VERIFIED = {"zh": "验证通过", "en": "Verified"}


@pytest.fixture(scope="module")
def signed_in(browser: Browser, demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The regulator's signed-in browser state, made once (TOTP enrolled on the first sign-in)."""
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    browser_sign_in(page, demo.base, REGULATOR, PASSWORD, "/console/audit")
    state = tmp_path_factory.mktemp("regulator") / "state.json"
    context.storage_state(path=str(state))
    context.close()
    return state


def _context(browser: Browser, demo: Demo, state: Path, mode: str, **more: Any) -> BrowserContext:
    context = browser.new_context(
        viewport={"width": 1366, "height": 900}, storage_state=str(state), **more
    )
    if mode == "elder":
        context.add_cookies([{"name": "shudu_elder", "value": "1", "url": demo.base}])
    return context


@pytest.fixture
def console(browser: Browser, demo: Demo, signed_in: Path) -> Iterator[Page]:
    context = _context(browser, demo, signed_in, "normal", accept_downloads=True)
    yield context.new_page()
    context.close()


def test_signing_in_is_needed_and_a_citizen_is_refused(browser: Browser, demo: Demo) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{demo.base}/console/audit")
    assert "/login?next=" in page.url
    member = f"member@{ENTERPRISE}.demo.shudu.example"
    browser_sign_in(page, demo.base, member, PASSWORD, "/exchange")
    response = page.goto(f"{demo.base}/console/audit")
    assert response is not None
    assert response.status == 403
    assert page.locator("h1").inner_text() == "没有权限查看"
    context.close()


def _select_by_keyboard(page: Page, selector: str, value: str) -> None:
    """Move a focused <select> to ``value`` with the arrow keys alone."""
    values = page.eval_on_selector(selector, "s => Array.from(s.options).map(o => o.value)")
    current = page.eval_on_selector(selector, "s => s.selectedIndex")
    target = values.index(value)
    key = "ArrowDown" if target > current else "ArrowUp"
    for _ in range(abs(target - current)):
        page.keyboard.press(key)
    assert page.eval_on_selector(selector, "s => s.value") == value


def test_the_regulator_finds_checks_and_exports_the_enterprise_applications(
    console: Page, demo: Demo
) -> None:
    page = console
    page.goto(f"{demo.base}/console/audit?lang=zh")
    assert page.locator("h1").inner_text().startswith("监管控制台")
    # Keyboard only: the organization and the type chosen with the arrow keys, Enter to search.
    page.locator("#f-organization").focus()
    _select_by_keyboard(page, "#f-organization", ENTERPRISE)
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.id") == "f-type"
    _select_by_keyboard(page, "#f-type", "exchange.application.submit")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "f-actor"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "organization=demo-enterprise" in page.url
    assert "type=exchange.application.submit" in page.url
    rows = page.locator("table.audit-entries tbody tr")
    assert rows.count() == 1
    assert SUBMITTED["zh"] in rows.first.inner_text()
    assert "演示企业" in rows.first.inner_text()

    # Every application step of the enterprise, without the type.
    page.goto(f"{demo.base}/console/audit?organization={ENTERPRISE}&subject=")
    words = page.locator("table.audit-entries tbody").inner_text()
    steps = ("申请已创建", "申请已提交", "提供方已同意申请", "合规审核已通过", "授权协议已签署")
    for step in steps:
        assert step in words, step

    # The entry, checked in this browser against the signed checkpoint.
    page.goto(
        f"{demo.base}/console/audit?organization={ENTERPRISE}&type=exchange.application.submit"
    )
    page.locator("table.audit-entries a").first.click()
    page.wait_for_url("**/console/audit/entries/*")
    assert SUBMITTED["zh"] in page.locator("h1").inner_text()
    page.locator("#verify-button").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#verify-status.notice-ok")
    assert page.locator("#verify-status").inner_text().startswith(VERIFIED["zh"])
    assert page.locator('#verify-steps [data-state="ok"]').count() == 5

    # The month's CSV: the filter's entries and the checkpoint they are proven in.
    page.goto(
        f"{demo.base}/console/audit?organization={ENTERPRISE}&type=exchange.application.submit"
    )
    with page.expect_download() as download:
        page.locator("#month-csv").click()
    path = download.value.path()
    assert path is not None
    rows_csv = list(csv.DictReader(io.StringIO(Path(path).read_text())))
    kinds = [r["kind"] for r in rows_csv]
    assert kinds[:2] == ["header", "checkpoint"]
    entries = [r for r in rows_csv if r["kind"] == "entry"]
    assert len(entries) == 1
    assert entries[0]["type"] == "exchange.application.submit"
    assert rows_csv[1]["note"].split("\n")[0].endswith("/audit")


def test_a_tampered_entry_fails_at_the_leaf_step(console: Page, demo: Demo) -> None:
    page = console
    page.goto(f"{demo.base}/console/audit?organization={ENTERPRISE}")
    page.locator("table.audit-entries a").first.click()
    page.wait_for_url("**/console/audit/entries/*")
    page.evaluate(
        "() => { const c = document.getElementById('entry-canonical');"
        " c.textContent = c.textContent.replace('demo', 'dem0'); }"
    )
    page.locator("#verify-button").click()
    page.wait_for_selector("#verify-status.notice-error")
    assert page.locator('#verify-steps [data-step="leaf"]').get_attribute("data-state") == "failed"
    assert "记录被改动过" in page.locator("#verify-status").inner_text()


@pytest.mark.parametrize("mode", ["normal", "elder"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_console_page_is_accessible(
    browser: Browser, demo: Demo, signed_in: Path, lang: str, mode: str
) -> None:
    context = _context(browser, demo, signed_in, mode)
    page = context.new_page()
    try:
        page.goto(f"{demo.base}/console/audit?organization={ENTERPRISE}&lang={lang}")
        href = page.locator("table.audit-entries a").first.get_attribute("href")
        assert href is not None
        pages = [
            ("/console/audit", 200),
            (f"/console/audit?organization={ENTERPRISE}", 200),
            ("/console/audit?since=not-a-date", 400),
            (href, 200),
        ]
        for path, status in pages:
            joiner = "&" if "?" in path else "?"
            response = page.goto(f"{demo.base}{path}{joiner}lang={lang}")
            assert response is not None
            assert response.status == status, path
            label = f"{path} {lang} {mode}"
            assert_accessible(page, label)
            if mode == "elder":
                assert_elder_promise(page, label)
        page.locator("#verify-button").click()
        page.wait_for_selector("#verify-status.notice-ok")
        assert page.locator("#verify-status").inner_text().startswith(VERIFIED[lang])
        assert_accessible(page, f"entry {lang} {mode} after verifying")
    finally:
        context.close()


@pytest.mark.parametrize("width", [320, 390])
def test_no_horizontal_scrolling_on_a_phone(
    browser: Browser, demo: Demo, signed_in: Path, width: int
) -> None:
    context = browser.new_context(
        viewport={"width": width, "height": 800}, storage_state=str(signed_in)
    )
    page = context.new_page()
    try:
        for path in ("/console/audit", f"/console/audit?organization={ENTERPRISE}"):
            page.goto(f"{demo.base}{path}")
            wide = page.evaluate("document.documentElement.scrollWidth")
            assert wide <= width, f"{path} is {wide} px wide in a {width} px window"
    finally:
        context.close()
