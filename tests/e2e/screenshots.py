"""``scripts/screenshots``: every public page, both languages, desktop and mobile, normal and
elder mode, saved as full-page PNGs to look at (see README, "Looking at the pages")."""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
from playwright.sync_api import Browser, sync_playwright

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

VIEWPORTS = {"desktop": (1366, 900), "mobile": (390, 844)}
LANGUAGES = ("zh", "en")
MODES = ("normal", "elder")


def public_pages(base: str) -> list[tuple[str, str]]:
    """(name, path) of every public page, with real datasets and departments of the site."""
    search = httpx.get(f"{base}/api/v1/search", params={"q": "空气", "limit": 1}).json()
    dataset = search["items"][0]["name"]
    conditional = httpx.get(
        f"{base}/api/v1/search", params={"open_level": "conditional", "limit": 1}
    ).json()["items"]
    organization = search["items"][0]["organization"]["name"]
    pages = [
        ("home", "/"),
        ("search", "/search?q=空气"),
        ("search-empty", "/search?q=zzzxq"),
        ("dataset", f"/dataset/{dataset}"),
        ("organizations", "/organizations"),
        ("organization", f"/organization/{organization}"),
        ("themes", "/themes"),
        ("developers", "/developers"),
        ("reference", "/developers/reference"),
        ("transparency", "/transparency"),
        ("exchange-products", "/exchange/products"),
        ("accessibility", "/accessibility"),
        ("about", "/about"),
        ("login", "/login"),
        ("not-found", "/no-such-page"),
    ]
    if conditional:
        pages.insert(4, ("dataset-conditional", f"/dataset/{conditional[0]['name']}"))
    return pages


def shoot(browser: Browser, base: str, out: Path) -> int:
    count = 0
    pages = public_pages(base)
    for viewport, (width, height) in VIEWPORTS.items():
        for mode in MODES:
            for lang in LANGUAGES:
                context = browser.new_context(viewport={"width": width, "height": height})
                if mode == "elder":
                    context.add_cookies([{"name": "shudu_elder", "value": "1", "url": base}])
                page = context.new_page()
                for name, path in pages:
                    joiner = "&" if "?" in path else "?"
                    page.goto(f"{base}{path}{joiner}lang={lang}")
                    target = out / f"{name}-{lang}-{viewport}-{mode}.png"
                    page.screenshot(path=str(target), full_page=True)
                    wide = page.evaluate("document.documentElement.scrollWidth")
                    if wide > width:
                        print(f"  {target.name}: {wide} px wide on a {width} px screen")
                    count += 1
                context.close()
    return count


@contextlib.contextmanager
def site(base: str | None) -> Iterator[str]:
    if base:
        yield base.rstrip("/")
        return
    from tests.live import run_demo  # imported here: it needs pytest only for its failures

    with tempfile.TemporaryDirectory(prefix="shudu-shots-") as tmp:
        demo = run_demo(Path(tmp))
        yield next(demo).base
        with contextlib.suppress(StopIteration):
            next(demo)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("screenshots"))
    parser.add_argument("--base", help="a running site (default: start a demo)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with site(args.base) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        count = shoot(browser, base, args.out)
        browser.close()
    print(f"{count} screenshots in {args.out}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
