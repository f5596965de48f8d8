"""Signing in through the pages in a real browser, as a person would: e-mail and password on
/login, then the second factor. A role that needs TOTP enrols on its first sign-in (the secret
read from ``#totp-secret``, as an authenticator app would scan it); later sign-ins give a fresh
code. A code is good once, and the server accepts the step before and after the current one,
so a third sign-in within one 30-second step waits for the next."""

from __future__ import annotations

import time
from urllib.parse import quote

import pyotp
from playwright.sync_api import Page

from tests.live import wait_until

# Each enrolled account's secret and the last time step it used.
_enrolled: dict[str, tuple[str, int]] = {}


def _code(email: str) -> str:
    secret, last = _enrolled[email]
    totp = pyotp.TOTP(secret)
    now = int(time.time()) // totp.interval
    step = max(now, last + 1)
    if step > now + 1:  # the server would not take a code that far ahead yet: wait a step
        wait_until(
            lambda: int(time.time()) // totp.interval >= step - 1,
            "the next TOTP time step",
            totp.interval + 5,
        )
    _enrolled[email] = (secret, step)
    return totp.generate_otp(step)


def browser_sign_in(page: Page, base: str, email: str, password: str, next_path: str) -> None:
    """Sign ``page``'s browser context in and land on ``next_path``."""
    page.goto(f"{base}/login?next={quote(next_path)}")
    page.fill("#email", email)
    page.fill("#password", password)
    page.locator('form[action="/login"] button[type="submit"]').click()
    page.wait_for_load_state()
    if page.url.split("?")[0].endswith("/login/code"):
        page.fill("#code", _code(email))
        page.locator('form[action="/login/code"] button[type="submit"]').click()
        page.wait_for_load_state()
    elif page.locator("#totp-secret").count():
        secret = page.locator("#totp-secret").inner_text().strip()
        _enrolled[email] = (secret, -1)
        page.fill("#confirm-code", _code(email))
        page.locator('form:has(#confirm-code) button[type="submit"]').click()
        page.wait_for_load_state()
    if not page.url.startswith(base + next_path):
        page.goto(base + next_path)
    assert page.url.startswith(base + next_path), page.url
