"""A person in a real browser: search in Chinese, narrow by a facet, open a dataset, download.

Debian's Chromium driven by Playwright against `shudu demo` in its own process.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser

from tests.live import Demo

pytestmark = pytest.mark.live


def test_search_facet_dataset_download(demo: Demo, browser: Browser, tmp_path: Path) -> None:
    page = browser.new_page(accept_downloads=True)
    page.goto(demo.base + "/")
    page.get_by_label("搜索数据集").fill("空气质量")
    page.get_by_role("button", name="搜索").click()
    page.wait_for_url("**/search?q=*")
    count = page.locator("#result-count strong")
    total = int(count.inner_text())
    assert total >= 2
    assert page.locator(".hit mark").first.inner_text() == "空气质量"

    # Narrow by the access-type facet; the count cannot grow and the chosen link is marked.
    facet = page.locator('[data-facet="open_level"] a').first
    facet_label = facet.inner_text()
    facet.click()
    page.wait_for_url("**open_level=*")
    assert int(count.inner_text()) <= total
    assert page.locator('[data-facet="open_level"] a.active').inner_text().endswith(facet_label)

    # Open the first dataset with an uploaded CSV and download it.
    page.goto(demo.base + "/search?q=" + "空气质量" + "&format=CSV")
    page.locator(".hit h3 a").first.click()
    page.wait_for_url("**/dataset/*")
    heading = page.get_by_role("heading", level=1).inner_text()
    assert "空气" in heading
    with page.expect_download() as download_info:
        page.locator("a.resource-link[download]").first.click()
    download = download_info.value
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    content = saved.read_bytes()
    assert content.decode("utf-8").count("\n") > 5
    # What the browser saved is exactly what the API serves for that resource.
    name = page.url.rsplit("/", 1)[-1]
    dataset = httpx.get(f"{demo.base}/api/v1/datasets/{name}").json()
    sizes = {r["size"] for r in dataset["resources"] if r["kind"] == "upload"}
    assert len(content) in sizes
    page.screenshot(path=str(tmp_path / "dataset.png"))
