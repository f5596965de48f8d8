"""The browser tests' shared parts: one demo server per test process, one Chromium per module.

The demo is session-scoped, so every module that pytest-xdist gives the same worker shares it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.live import Demo, run_demo
from tests.mailbox import Inbox, smtp_server
from tests.support import IN_CI

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def inbox() -> Iterator[Inbox]:
    """The real SMTP server the demo sends its mail through (sign-up, password reset)."""
    with smtp_server() as server:
        yield server


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory, inbox: Inbox) -> Iterator[Demo]:
    mail = {"SHUDU_SMTP_URL": f"smtp://127.0.0.1:{inbox.port}"}
    yield from run_demo(tmp_path_factory.mktemp("browser-demo"), mail)


# Per module, not per session: a running Playwright keeps an event loop on the main thread,
# and the tests that the same worker runs after the module call asyncio.run().
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not os.path.exists(CHROMIUM):
        message = f"{CHROMIUM} is missing: apt-get install chromium (scripts/test does)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
