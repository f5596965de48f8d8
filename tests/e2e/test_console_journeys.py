"""Journeys through the console in Chromium against the live demo, whose mail goes through a
real SMTP server: a new person signs up by keyboard, verifies the address from the mail,
registers an enterprise (a mistyped credit code named first) and is approved by the site
admin; and the site admin locks an account, whose browser and API token stop at once. Every
page visited is checked by axe (zero violations), in both languages and in elder mode."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.a11y import assert_accessible, assert_elder_promise
from tests.e2e.signin import browser_sign_in
from tests.live import Demo, shudu
from tests.mailbox import Inbox

DEMO_PASSWORD = "shudu-demo"
ADMIN = "admin@demo.shudu.example"
NEW_PASSWORD = "a long new passphrase"
# Real codes (from published business licences): one per language's run.
CODES = {"zh": "9144030071526726XG", "en": "914403001922038216"}


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    made: list[BrowserContext] = []
    yield made
    for context in made:
        context.close()


def _context(
    browser: Browser, made: list[BrowserContext], demo: Demo, lang: str, *, elder: bool = False
) -> Page:
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    if elder:
        context.add_cookies([{"name": "shudu_elder", "value": "1", "url": demo.base}])
    made.append(context)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # the console asks before it acts
    page.goto(f"{demo.base}/?lang={lang}")
    return page


def _check(page: Page, label: str, *, elder: bool = False) -> None:
    assert_accessible(page, label)
    if elder:
        assert_elder_promise(page, label)


def _type(page: Page, selector: str, text: str) -> None:
    """Move to a field by keyboard focus and type, as a keyboard user does."""
    page.focus(selector)
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_sign_up_register_an_enterprise_and_be_approved(
    browser: Browser, contexts: list[BrowserContext], demo: Demo, inbox: Inbox, lang: str
) -> None:
    elder = lang == "en"  # the English run goes through in elder mode
    page = _context(browser, contexts, demo, lang, elder=elder)
    address = f"journey.{lang}@enterprise.example"

    # Sign up, by keyboard only.
    page.goto(f"{demo.base}/signup")
    _check(page, f"signup {lang}", elder=elder)
    _type(page, "#email", address)
    page.keyboard.press("Tab")
    page.keyboard.type("王芳" if lang == "zh" else "Wang Fang")
    page.keyboard.press("Tab")
    page.keyboard.type(NEW_PASSWORD)
    page.keyboard.press("Tab")
    page.keyboard.type(NEW_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.locator("main")).to_contain_text(address)
    _check(page, f"signup sent {lang}")

    # The link arrives through SMTP; opening it asks for one more press, then the address is
    # proved.
    mail = inbox.wait_for(address)
    found = re.search(r"http://127\.0\.0\.1:\d+/signup/verify\?token=[\w-]+", inbox.text(mail))
    assert found is not None, inbox.text(mail)
    page.goto(found.group(0))
    _check(page, f"verify {lang}", elder=elder)
    page.locator('main form button[type="submit"]').focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.locator('main a[href^="/login"]').first).to_be_visible()

    browser_sign_in(page, demo.base, address, NEW_PASSWORD, "/console")
    _check(page, f"console {lang}", elder=elder)

    # Register the enterprise: a typo in the check character first.
    code = CODES[lang]
    typo = code[:-1] + ("A" if code[-1] != "A" else "B")
    page.goto(f"{demo.base}/console/register")
    _check(page, f"register {lang}", elder=elder)
    _type(page, "#credit_code", typo)
    _type(page, "#legal_name", f"示例数据有限公司（{lang}）")
    _type(page, "#title_en", f"Example Data ({lang})")
    _type(page, "#name", f"example-data-{lang}")
    _type(page, "#contact_name", "王芳")
    _type(page, "#contact_phone", "+86 20 1234 5678")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    error = page.locator("#credit_code-error")
    expect(error).to_be_visible()
    expect(page.locator("#credit_code")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#legal_name")).to_have_value(f"示例数据有限公司（{lang}）")  # kept
    words = "校验码" if lang == "zh" else "check character"
    expect(error).to_contain_text(words)
    _check(page, f"register error {lang}", elder=elder)
    _type(page, "#credit_code", code)
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.locator(".notice-ok")).to_be_visible()
    expect(page.locator("main")).to_contain_text(code)
    _check(page, f"console registered {lang}", elder=elder)

    # The site admin approves (second factor included).
    admin = _context(browser, contexts, demo, lang, elder=elder)
    browser_sign_in(admin, demo.base, ADMIN, DEMO_PASSWORD, "/console/admin/organizations")
    _check(admin, f"admin organizations {lang}", elder=elder)
    item = admin.locator("li", has=admin.locator(f"code:text-is('{code}')"))
    item.locator('button[value="approve"]').click()
    admin.wait_for_load_state()
    expect(admin.locator(".notice-ok")).to_be_visible()
    _check(admin, f"admin approved {lang}", elder=elder)

    # The enterprise acts now: its console and its members page are open.
    page.goto(f"{demo.base}/console")
    expect(page.locator('main .console-cards a[href="/exchange"]')).to_be_visible()
    page.goto(f"{demo.base}/console/org/example-data-{lang}")
    _check(page, f"org members {lang}", elder=elder)
    expect(page.locator("main")).to_contain_text(address)

    _license_and_preview(browser, contexts, demo, page, lang, f"example-data-{lang}")


def _license_and_preview(
    browser: Browser,
    contexts: list[BrowserContext],
    demo: Demo,
    page: Page,
    lang: str,
    org: str,
) -> None:
    """The approved enterprise registers an OAuth client, applies for the demo's product; the
    publisher and the exchange's reviewer approve, both sides sign; the enterprise previews
    the licensed data in the browser and sees the day's calls move."""
    page.goto(f"{demo.base}/account/clients")
    _type(page, "#name", f"Analytics {lang}")
    page.select_option("#organization", org)
    page.check('input[name="scope:datastore:read"]')
    page.locator('form:has(input[value="create"]) button[type="submit"]').click()
    page.wait_for_load_state()

    products = httpx.get(f"{demo.base}/api/v1/exchange/products").json()["items"]
    product = products[0]
    offer_id = product["offers"][0]["id"]
    publisher = f"publisher@{product['organization']}.demo.shudu.example"

    page.goto(f"{demo.base}/exchange/apply/{offer_id}")
    _check(page, f"apply {lang}")
    _type(page, "#purpose_text", "小微商户信用评估")
    _type(page, "#usage_scenario", "评估辖区小微商户的经营状况")
    _type(page, "#security_measures", "加密存储，访问留痕，专人专岗")
    _type(page, "#contact_name", "王芳")
    _type(page, "#contact_email", "wang.fang@enterprise.example")
    page.locator('main form button[type="submit"]').click()
    page.wait_for_load_state()
    application_url = page.url
    expect(page.locator('[data-state="submitted"]')).to_be_visible()
    _check(page, f"application {lang}")
    application_id = application_url.rsplit("/", 1)[1]

    def step(who: Page, value: str) -> None:
        form = who.locator(f'form:has(input[name="application_id"][value="{application_id}"])')
        form.locator(f'button[value="{value}"]').first.click()
        who.wait_for_load_state()

    provider = _context(browser, contexts, demo, lang)
    browser_sign_in(provider, demo.base, publisher, DEMO_PASSWORD, "/exchange")
    _check(provider, f"provider queue {lang}")
    step(provider, "start_review")
    step(provider, "provider_approve")

    reviewer = _context(browser, contexts, demo, lang)
    email = "reviewer@shudu-data-exchange.demo.shudu.example"
    browser_sign_in(reviewer, demo.base, email, DEMO_PASSWORD, "/exchange")
    _check(reviewer, f"compliance queue {lang}")
    step(reviewer, "compliance_approve")

    provider.goto(f"{demo.base}/exchange")
    step(provider, "issue_agreement")
    for signer in (provider, page):
        signer.goto(application_url)
        signer.locator('form:has(input[value="accept"]) button[type="submit"]').click()
        signer.wait_for_load_state()
    page.goto(application_url)
    expect(page.locator('[data-state="active"]')).to_be_visible()

    # The licence is in force: preview it in the browser, each page a metered call.
    page.goto(f"{demo.base}/exchange")
    _check(page, f"exchange dashboard {lang}")
    page.locator('a[href$="/preview"]').first.click()
    page.wait_for_load_state()
    _check(page, f"preview {lang}")
    page.locator('form:has(input[value="designate"]) button[type="submit"]').click()
    page.wait_for_load_state()
    page.locator('form:has(input[value="read"]) button[type="submit"]').first.click()
    page.wait_for_load_state()
    expect(page.locator("#preview-status")).to_be_visible()
    _check(page, f"preview shown {lang}")
    first = int(re.findall(r"\d+", page.locator("#calls-left").inner_text())[0])
    page.locator('form:has(input[value="read"]) button[type="submit"]').first.click()
    page.wait_for_load_state()
    second = int(re.findall(r"\d+", page.locator("#calls-left").inner_text())[0])
    assert second == first - 1  # the quota moved by one call


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_admin_locks_an_account_and_it_stops_at_once(
    browser: Browser, contexts: list[BrowserContext], demo: Demo, lang: str
) -> None:
    address = f"to.lock.{lang}@example.org"
    shudu(demo.env, "user", "create", address, "--password", NEW_PASSWORD)
    token = shudu(demo.env, "token", "create", address).strip().splitlines()[-1]
    bearer = {"Authorization": f"Bearer {token}"}
    assert httpx.get(f"{demo.base}/api/v1/me", headers=bearer).status_code == 200

    person = _context(browser, contexts, demo, lang)
    browser_sign_in(person, demo.base, address, NEW_PASSWORD, "/console")

    admin = _context(browser, contexts, demo, lang)
    browser_sign_in(admin, demo.base, ADMIN, DEMO_PASSWORD, "/console/admin")
    _check(admin, f"admin overview {lang}")
    admin.goto(f"{demo.base}/console/admin/users")
    _check(admin, f"admin users {lang}")
    _type(admin, "#user-q", address)
    admin.keyboard.press("Enter")
    admin.wait_for_load_state()
    admin.locator(f"a:text-is('{address}')").click()
    admin.wait_for_load_state()
    _check(admin, f"admin user {lang}")
    # No reason: refused, named at the field.
    admin.locator('form:has(input[value="lock"]) button[type="submit"]').click()
    admin.wait_for_load_state()
    expect(admin.locator("#note-error")).to_be_visible()
    _check(admin, f"admin lock error {lang}")
    _type(admin, "#note", "账户疑似被盗用" if lang == "zh" else "Account reported stolen")
    admin.keyboard.press("Enter")
    admin.wait_for_load_state()
    expect(admin.locator(".notice-ok")).to_be_visible()
    _check(admin, f"admin locked {lang}")

    # At once: the browser is sent to sign in, the token refused.
    person.goto(f"{demo.base}/console")
    assert "/login" in person.url
    assert httpx.get(f"{demo.base}/api/v1/me", headers=bearer).status_code == 401

    admin.goto(f"{demo.base}/console/admin/clients")
    _check(admin, f"admin clients {lang}")
