"""The publisher console in a real browser against the live demo, as a department's staff
member uses it: sign in, create a dataset through the form by keyboard, upload a GBK table
with a column of resident ID numbers (loaded in the background, as the demo does), see the
publication refused naming the column and the row, mark the field personal, make the data
conditional, publish, find the dataset through the public search, and see a search that found
nothing listed in the console. axe on every console page, in both languages and both modes."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.a11y import assert_accessible, assert_elder_promise
from tests.live import Demo, wait_until

pytestmark = pytest.mark.live

PUBLISHER = "publisher@transport-commission.demo.shudu.example"
PASSWORD = "shudu-demo"
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def resident_id(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return first17 + "10X98765432"[total % 11]


TABLE = (
    "站点,身份证号,客流\n"
    f"人民广场,{resident_id('31010119800101123')},12000\n"
    f"徐家汇,{resident_id('31011519900215456')},9000\n"
    "世纪大道,,11000\n"
).encode("gbk")

WORDS = {
    "zh": {
        "refused": "文件“stations.csv”的“身份证号”列第 2 行是居民身份证号。",
        "marked": "文件“stations.csv”的“身份证号”列标为个人信息。",
        "encoding": "GB18030",
        "rows": "载入行数",
        "published": "数据集已发布",
    },
    "en": {
        "refused": "File “stations.csv”, column “身份证号”, row 2 holds a resident ID number.",
        "marked": "File “stations.csv”, column “身份证号” is marked as Personal.",
        "encoding": "GB18030",
        "rows": "Rows loaded",
        "published": "The dataset is published",
    },
}


def _check(page: Page, label: str, elder: bool) -> None:
    assert_accessible(page, label)
    if elder:
        assert_elder_promise(page, label)


def _type(page: Page, selector: str, text: str) -> None:
    page.locator(selector).focus()
    page.keyboard.type(text)


def _choose(page: Page, selector: str, value: str) -> None:
    """A select changed from the keyboard: focused, then arrowed until it holds ``value``."""
    select = page.locator(selector)
    select.focus()
    values = select.evaluate("s => Array.from(s.options).map(o => o.value)")
    current = select.input_value()
    steps = values.index(value) - values.index(current)
    for _ in range(abs(steps)):
        page.keyboard.press("ArrowDown" if steps > 0 else "ArrowUp")
    assert select.input_value() == value


@pytest.mark.parametrize("elder", [False, True])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_publisher_publishes_a_table_through_the_console(
    demo: Demo, browser: Browser, lang: str, elder: bool
) -> None:
    words = WORDS[lang]
    mode = "elder" if elder else "normal"
    name = f"console-flow-{lang}-{mode}"
    title = f"控制台客流{lang}{mode}{int(time.time())}"
    context = browser.new_context(viewport={"width": 390 if elder else 1366, "height": 900})
    if elder:
        context.add_cookies([{"name": "shudu_elder", "value": "1", "url": demo.base}])
    page = context.new_page()
    try:
        # Signed out, the console sends to the login page and back.
        page.goto(f"{demo.base}/console/publish?lang={lang}")
        assert "/login" in page.url
        _type(page, "#email", PUBLISHER)
        _type(page, "#password", PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/console/publish"))
        _check(page, f"console list {lang} {mode}", elder)

        page.goto(f"{demo.base}/console/publish/new")
        _check(page, f"console new {lang} {mode}", elder)
        _type(page, "#name", name)
        _type(page, "#title_zh", title)
        _type(page, "#title_en", f"Console flow {lang} {mode}")
        _type(page, "#description_zh", "各站点的日客流。")
        _type(page, "#keywords", "客流，站点")
        page.locator("#themes input[type=checkbox]").first.focus()
        page.keyboard.press("Space")
        _choose(page, "#open_level", "open")
        _choose(page, "#license", "CC-BY-4.0")
        _choose(page, "#update_frequency", "daily")
        _type(page, "#contact_email", "not an address")
        page.locator("form.console-form button[type=submit]").focus()
        page.keyboard.press("Enter")
        # Refused with the field named, the form filled in again.
        page.wait_for_selector("#form-errors")
        expect(page.locator("#contact_email")).to_have_attribute("aria-invalid", "true")
        expect(page.locator("#title_zh")).to_have_value(title)
        _check(page, f"console form errors {lang} {mode}", elder)
        page.locator("#contact_email").fill("")
        _type(page, "#contact_email", "data@jtw.example.cn")
        page.locator("form.console-form button[type=submit]").focus()
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(rf"/console/publish/datasets/{name}"))
        _check(page, f"console dataset {lang} {mode}", elder)

        # The upload, with its progress bar; the demo loads the table in the background and
        # the page looks again until the load report is there.
        page.set_input_files(
            "#upload-file", {"name": "stations.csv", "mimeType": "text/csv", "buffer": TABLE}
        )
        page.locator("#upload-form button[type=submit]").click()
        page.wait_for_selector(".load-report", timeout=60_000)
        report = page.locator(".load-report").inner_text()
        assert words["rows"] in report
        assert words["encoding"] in report
        _check(page, f"console load report {lang} {mode}", elder)

        page.goto(f"{demo.base}/console/publish/datasets/{name}/publish")
        _check(page, f"console confirm {lang} {mode}", elder)
        page.locator("#confirm").click()
        page.wait_for_selector("#refusal")
        assert words["refused"] in page.locator("#refusal").inner_text()
        _check(page, f"console refusal {lang} {mode}", elder)

        # The column really is personal data: marked so, the open data is still refused…
        page.goto(f"{demo.base}/console/publish/datasets/{name}")
        page.locator("select[name='field:身份证号']").select_option("personal")
        page.locator("form[action*='/schema/'] button[type=submit]").first.click()
        page.wait_for_url(re.compile(r"done=schema"))
        page.goto(f"{demo.base}/console/publish/datasets/{name}/publish")
        page.locator("#confirm").click()
        page.wait_for_selector("#refusal")
        assert words["marked"] in page.locator("#refusal").inner_text()

        # … so it is published as conditional data, licensed through the exchange.
        page.goto(f"{demo.base}/console/publish/datasets/{name}/edit")
        _check(page, f"console edit {lang} {mode}", elder)
        _choose(page, "#open_level", "conditional")
        _choose(page, "#license", "")
        page.locator("form.console-form button[type=submit]").focus()
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"done=saved"))
        page.goto(f"{demo.base}/console/publish/datasets/{name}/publish")
        page.locator("#confirm").focus()
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"done=published"))
        assert words["published"] in page.locator("main").inner_text()

        page.goto(f"{demo.base}/console/publish/datasets/{name}/history")
        _check(page, f"console history {lang} {mode}", elder)

        # The public finds it (the search index catches up in the background).
        def found() -> bool:
            page.goto(f"{demo.base}/search?q={title}")
            return bool(page.locator(f"a[href='/dataset/{name}']").count())

        wait_until(found, "the dataset reaching the public search", 60)

        # What people looked for and did not find reaches the console.
        missing = f"洪水地图{lang}{mode}"
        page.goto(f"{demo.base}/search?q={missing}")
        page.goto(f"{demo.base}/console/publish/searches")
        assert missing in page.locator("main table").inner_text()
        _check(page, f"console searches {lang} {mode}", elder)
    finally:
        context.close()
