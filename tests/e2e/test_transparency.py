"""The ledger verified in a visitor's browser, and the check failing, naming the step, when the
server lies: a changed root, a forged signature, a changed leaf or proof. See
docs/architecture.md, "The audit ledger"."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import Browser, Page, Route

from tests.e2e.a11y import assert_accessible
from tests.live import Demo

pytestmark = pytest.mark.live

VERIFIED = {"zh": "验证通过", "en": "Verified"}


def _verify(page: Page) -> str:
    page.locator("#verify-button").click()
    page.wait_for_selector("#verify-status.notice")
    return page.locator("#verify-status").inner_text()


@pytest.mark.parametrize("elder", [False, True])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_ledger_verifies_in_the_browser(
    demo: Demo, browser: Browser, lang: str, elder: bool
) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    if elder:
        context.add_cookies([{"name": "shudu_elder", "value": "1", "url": demo.base}])
    page = context.new_page()
    page.goto(f"{demo.base}/transparency?lang={lang}")
    label = f"transparency {lang} {'elder' if elder else 'normal'}"
    assert_accessible(page, label)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # By keyboard: focus the button and press Enter.
    page.locator("#verify-button").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#verify-status.notice-ok")
    assert page.locator("#verify-status").inner_text().startswith(VERIFIED[lang])
    assert page.locator('#verify-steps [data-state="ok"]').count() == 5
    assert_accessible(page, label + " after verifying")
    context.close()


def _tampered(page: Page, pattern: str, change: Callable[[str], str]) -> None:
    def handle(route: Route) -> None:
        real = httpx.get(route.request.url)
        route.fulfill(status=200, body=change(real.text), content_type=real.headers["content-type"])

    page.route(pattern, handle)


def _flip(text: str) -> str:
    """The same base64 text with its first character changed."""
    return ("B" if text[0] == "A" else "A") + text[1:]


def test_a_changed_root_a_forged_signature_or_a_changed_leaf_fails(
    demo: Demo, browser: Browser
) -> None:
    def root_changed(note: str) -> str:
        lines = note.split("\n")
        lines[2] = _flip(lines[2])
        return "\n".join(lines)

    def signature_forged(note: str) -> str:
        body, _, line = note.rpartition("\n\n")
        prefix, _, encoded = line.rstrip("\n").rpartition(" ")
        raw = bytearray(base64.b64decode(encoded))
        raw[10] ^= 0xFF  # a byte of the signature itself, after the 4-byte key id
        return f"{body}\n\n{prefix} {base64.b64encode(bytes(raw)).decode()}\n"

    def key_swapped(note: str) -> str:
        body, _, line = note.rpartition("\n\n")
        prefix, _, encoded = line.rstrip("\n").rpartition(" ")
        raw = bytearray(base64.b64decode(encoded))
        raw[0] ^= 0xFF
        return f"{body}\n\n{prefix} {base64.b64encode(bytes(raw)).decode()}\n"

    def leaf_changed(body: str) -> str:
        hashes = json.loads(body)
        hashes["leaf_hashes"][0] = _flip(hashes["leaf_hashes"][0])
        return json.dumps(hashes)

    def proof_changed(body: str) -> str:
        proof = json.loads(body)
        proof["leaf_hash"] = _flip(proof["leaf_hash"])
        return json.dumps(proof)

    cases = [
        ("**/audit/checkpoint", signature_forged, "signature", "签名无效"),
        ("**/audit/checkpoint", root_changed, "signature", "签名无效"),
        ("**/audit/checkpoint", key_swapped, "key", "密钥编号不一致"),
        ("**/audit/leaves*", leaf_changed, "root", "重新计算的树根"),
        ("**/audit/proofs/inclusion*", proof_changed, "proof", "包含证明"),
    ]
    for pattern, change, step, words in cases:
        page = browser.new_page()
        _tampered(page, pattern, change)
        page.goto(f"{demo.base}/transparency")
        message = _verify(page)
        assert words in message, (step, message)
        assert page.locator(f'#verify-steps [data-step="{step}"]').get_attribute("data-state") == (
            "failed"
        )
        assert page.locator("#verify-status.notice-error").count() == 1
        page.close()
