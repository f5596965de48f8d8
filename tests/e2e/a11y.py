"""axe-core (the copy bundled with axe-playwright-python) on a page: zero violations of any
impact, and the count printed per page so a run shows what was checked."""

from __future__ import annotations

from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

AXE = Axe()
# WCAG 2.1 A and AA, plus axe's best practices (landmarks, heading order, region).
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def violations(page: Page) -> list[dict[str, Any]]:
    results = AXE.run(page, options={"runOnly": {"type": "tag", "values": TAGS}})
    found: list[dict[str, Any]] = results.response["violations"]
    return found


def assert_accessible(page: Page, label: str) -> None:
    """Fail with every violation's rule, impact and first targets if axe finds any."""
    found = violations(page)
    print(f"axe {label}: {len(found)} violations")
    if found:
        lines = [
            f"- {v['id']} ({v['impact']}): {v['help']} at "
            + ", ".join(str(n["target"]) for n in v["nodes"][:3])
            for v in found
        ]
        raise AssertionError(f"axe found violations on {label}:\n" + "\n".join(lines))


def assert_enhanced_contrast(page: Page, label: str) -> None:
    """Text at 7:1 or more (axe's ``color-contrast-enhanced``, WCAG's AAA level), which elder
    mode promises beyond AA."""
    results = AXE.run(
        page, options={"runOnly": {"type": "rule", "values": ["color-contrast-enhanced"]}}
    )
    found: list[dict[str, Any]] = results.response["violations"]
    print(f"axe 7:1 {label}: {len(found)} violations")
    if found:
        targets = [
            f"{n['target']} {n['any'][0]['message'] if n.get('any') else ''}"
            for v in found
            for n in v["nodes"][:5]
        ]
        raise AssertionError(f"text below 7:1 on {label}:\n" + "\n".join(targets))


# Elder mode (适老化): what the mode promises, measured in the browser.
ELDER_PROMISE = """() => {
  const px = v => parseFloat(v);
  const body = px(getComputedStyle(document.body).fontSize);
  const small = [];
  const targets = 'button, input:not([type=hidden]), select, textarea, .button, nav a, summary';
  for (const el of document.querySelectorAll(targets)) {
    const r = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (r.width === 0 || style.visibility === 'hidden' || el.closest('[hidden]')) continue;
    if (el.matches('.skip')) continue;
    const size = Math.round(r.width) + 'x' + Math.round(r.height);
    if (r.height < 44 || r.width < 44) small.push(el.outerHTML.slice(0, 80) + ' ' + size);
  }
  return {body, small};
}"""


def assert_elder_promise(page: Page, label: str) -> None:
    """Body text of 20 px or more, no target under 44 px, and text at 7:1 (WCAG's AAA
    contrast rule), which elder mode promises."""
    found = page.evaluate(ELDER_PROMISE)
    assert found["body"] >= 20, f"{label}: body text {found['body']} px"
    assert found["small"] == [], f"{label}: targets under 44 px: {found['small']}"
    assert_enhanced_contrast(page, label)
