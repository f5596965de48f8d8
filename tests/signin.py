"""Signing in through the pages as a person would, second factor included: a role that needs
TOTP enrols on first sign-in (the secret read from the page, as an authenticator app would
scan it) and gives a fresh code on every later one."""

from __future__ import annotations

import html
import re
import time
from typing import Protocol

import pyotp

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SECRET = re.compile(r'id="totp-secret"[^>]*>([A-Z2-7]+)<')

# Each enrolled account's secret and the last time step it used (a code is good once).
_enrolled: dict[str, tuple[str, int]] = {}


class _Response(Protocol):
    status_code: int
    text: str
    headers: object


def csrf_of(page: str) -> str:
    match = CSRF.search(page)
    assert match is not None, "no CSRF field on the page"
    return match.group(1)


def next_code(email: str) -> str:
    """A code for ``email``'s secret at a time step it has not used yet."""
    secret, last = _enrolled[email]
    totp = pyotp.TOTP(secret)
    step = max(int(time.time()) // totp.interval, last + 1)
    _enrolled[email] = (secret, step)
    return totp.generate_otp(step)


def enrol_from_page(email: str, page: str) -> str:
    """Remember the secret the set-up page shows and give its first code."""
    match = SECRET.search(html.unescape(page))
    assert match is not None, "the set-up page shows no TOTP secret"
    _enrolled[email] = (match.group(1), -1)
    return next_code(email)


def sign_in(client: object, email: str, password: str, next_path: str | None = None) -> str:
    """Sign ``client`` (a Starlette TestClient or an httpx.Client) in; return where it landed."""
    get = client.get  # type: ignore[attr-defined]
    post = client.post  # type: ignore[attr-defined]
    url = "/login" if next_path is None else f"/login?next={next_path}"
    data = {"email": email, "password": password, "csrf_token": csrf_of(get(url).text)}
    if next_path is not None:
        data["next"] = next_path
    done = post("/login", data=data, follow_redirects=False)
    assert done.status_code == 303, done.text
    where = str(done.headers["location"])
    if where.endswith("/login/code"):
        page = get("/login/code").text
        done = post(
            "/login/code",
            data={"code": next_code(email), "csrf_token": csrf_of(page)},
            follow_redirects=False,
        )
        assert done.status_code == 303, done.text
        where = str(done.headers["location"])
    elif where.endswith("/account/security"):
        page = get("/account/security").text
        if 'name="action" value="confirm"' in page:
            done = post(
                "/account/security",
                data={
                    "action": "confirm",
                    "code": enrol_from_page(email, page),
                    "csrf_token": csrf_of(page),
                },
                follow_redirects=False,
            )
            assert done.status_code == 303, done.text
            where = str(done.headers["location"])
    return where
