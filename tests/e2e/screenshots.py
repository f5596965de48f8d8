"""``scripts/screenshots``: every public page, both languages, desktop and mobile, normal and
elder mode, saved as full-page PNGs to look at (see README, "Looking at the pages"); and every
console, signed in once as its demo account (TOTP enrolled on that sign-in where the role needs
it)."""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
from playwright.sync_api import Browser, Page, StorageState, sync_playwright

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.e2e.signin import browser_sign_in

VIEWPORTS = {"desktop": (1366, 900), "mobile": (390, 844)}
DEMO_PASSWORD = "shudu-demo"
ENTERPRISE = "demo-enterprise"
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
        ("exchange-catalog", "/exchange/catalog"),
        ("accessibility", "/accessibility"),
        ("about", "/about"),
        ("login", "/login"),
        ("not-found", "/no-such-page"),
    ]
    if conditional:
        pages.insert(4, ("dataset-conditional", f"/dataset/{conditional[0]['name']}"))
    return pages


def _first_href(page: Page, selector: str) -> str | None:
    link = page.locator(selector).first
    return link.get_attribute("href") if link.count() else None


def _regulator_pages(page: Page) -> list[tuple[str, str]]:
    pages = [
        ("console-audit", "/console/audit"),
        ("console-audit-filtered", "/console/audit?organization=demo-enterprise"),
        ("console-audit-bad-date", "/console/audit?since=not-a-date"),
    ]
    if href := _first_href(page, "table.audit-entries a"):
        pages.append(("console-audit-entry", href))
    return pages


def _admin_pages(page: Page) -> list[tuple[str, str]]:
    pages = [
        ("console-hub-admin", "/console"),
        ("console-admin", "/console/admin"),
        ("console-admin-users", "/console/admin/users"),
        ("console-admin-organizations", "/console/admin/organizations"),
        ("console-admin-clients", "/console/admin/clients"),
        ("console-org-members", f"/console/org/{ENTERPRISE}"),
    ]
    page.goto(page.url.split("/console")[0] + "/console/admin/users?q=member")
    if href := _first_href(page, 'main table a[href^="/console/admin/users/"]'):
        pages.append(("console-admin-user", href))
    return pages


def _publisher_pages(page: Page) -> list[tuple[str, str]]:
    pages = [
        ("console-hub-publisher", "/console"),
        ("console-publish", "/console/publish"),
        ("console-publish-new", "/console/publish/new"),
        ("console-publish-harvest", "/console/publish/harvest"),
        ("console-publish-searches", "/console/publish/searches"),
        ("exchange-provider", "/exchange"),
        ("exchange-products", "/exchange/products"),
    ]
    href = _first_href(page, 'main a[href^="/console/publish/datasets/"]')
    if href:
        base = href.split("?")[0].rstrip("/")
        pages += [
            ("console-publish-dataset", base),
            ("console-publish-edit", f"{base}/edit"),
            ("console-publish-history", f"{base}/history"),
            ("console-publish-withdraw", f"{base}/withdraw"),
        ]
    return pages


def _enterprise_pages(page: Page) -> list[tuple[str, str]]:
    pages = [
        ("console-hub-enterprise", "/console"),
        ("console-register", "/console/register"),
        ("exchange-enterprise", "/exchange"),
        ("account-clients", "/account/clients"),
    ]
    page.goto(page.url.split("/console")[0] + "/exchange")
    if href := _first_href(page, 'main a[href^="/exchange/applications/"]'):
        pages.append(("exchange-application", href))
    if href := _first_href(page, 'main a[href$="/preview"]'):
        pages.append(("exchange-preview", href))
    return pages


# Each console's demo account, where it lands, and the pages it opens (found on the site).
ACCOUNTS: list[tuple[str, str, Callable[[Page], list[tuple[str, str]]]]] = [
    (
        "regulator@cyberspace-affairs-office.demo.shudu.example",
        "/console/audit?organization=demo-enterprise",
        _regulator_pages,
    ),
    ("admin@demo.shudu.example", "/console", _admin_pages),
    ("publisher@transport-commission.demo.shudu.example", "/console/publish", _publisher_pages),
    (f"member@{ENTERPRISE}.demo.shudu.example", "/console", _enterprise_pages),
]


def signed_in(browser: Browser, base: str) -> list[tuple[StorageState, list[tuple[str, str]]]]:
    """Each console's signed-in browser state and its pages (name, path) to shoot; an account
    the site does not have (or that enrolled TOTP elsewhere) is left out, and said so."""
    found = []
    for email, landing, pages_of in ACCOUNTS:
        context = browser.new_context()
        page = context.new_page()
        try:
            browser_sign_in(page, base, email, DEMO_PASSWORD, landing)
            pages = pages_of(page)
        except (AssertionError, KeyError):
            print(f"  could not sign in as {email}: no screenshots of its console")
            context.close()
            continue
        found.append((context.storage_state(), pages))
        context.close()
    return found


def shoot(browser: Browser, base: str, out: Path) -> int:
    count = 0
    public = public_pages(base)
    consoles = signed_in(browser, base)
    for viewport in VIEWPORTS:
        for mode in MODES:
            for lang in LANGUAGES:
                sets: list[tuple[StorageState | None, list[tuple[str, str]]]] = [
                    (None, public),
                    *consoles,
                ]
                for state, pages in sets:
                    count += _shoot_set(browser, base, out, state, pages, viewport, mode, lang)
    return count


def _shoot_set(
    browser: Browser,
    base: str,
    out: Path,
    state: StorageState | None,
    pages: list[tuple[str, str]],
    viewport: str,
    mode: str,
    lang: str,
) -> int:
    """One context (signed in with ``state``, if any) and its pages: how many were shot."""
    width, height = VIEWPORTS[viewport]
    context = browser.new_context(viewport={"width": width, "height": height}, storage_state=state)
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
    context.close()
    return len(pages)


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
