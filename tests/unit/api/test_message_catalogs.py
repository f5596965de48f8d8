"""Every page text has its English: Babel extracts the messages of the templates and of the page
code, and each must be in the English catalog, with the same placeholders; nothing stale stays."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file

from api.i18n import N_, catalog, translate

API = Path(__file__).resolve().parents[3] / "api"
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None}
PLACEHOLDER = re.compile(r"%\((\w+)\)s")

Key = tuple[str | None, str]


def _extracted() -> dict[Key, str]:
    found: dict[Key, str] = {}
    sources = [("jinja2.ext:babel_extract", p) for p in sorted(API.rglob("templates/*.html"))]
    sources += [("python", p) for p in sorted(API.rglob("*.py"))]
    for method, path in sources:
        for _line, message, _comments, context in extract_from_file(
            method, str(path), keywords=KEYWORDS
        ):
            text = message if isinstance(message, str) else message[0]
            found[(context, text)] = f"{path.relative_to(API)}:{_line}"
    return found


def test_every_message_has_its_english() -> None:
    found = _extracted()
    assert len(found) > 150  # the extraction reads the templates, not nothing
    english = catalog("en")
    missing = [
        f"{where}: {text!r}"
        for key, where in found.items()
        if key not in english
        for text in [key[1]]
    ]
    assert missing == []


def test_placeholders_survive_translation() -> None:
    wrong = [
        text
        for (_context, text), translated in catalog("en").items()
        if set(PLACEHOLDER.findall(text)) != set(PLACEHOLDER.findall(translated))
    ]
    assert wrong == []


def test_catalog_keeps_nothing_stale() -> None:
    found = _extracted()
    stale = [text for key in catalog("en") if key not in found for text in [key[1]]]
    assert stale == []


def test_translate_fills_in_and_falls_back() -> None:
    message = "第 %(page)s 页，共 %(pages)s 页（%(total)s 行）"
    assert translate("en", message, page=2, pages=3, total=50) == "Page 2 of 3 (50 rows)"
    assert translate("zh", message, page=2, pages=3, total=50) == "第 2 页，共 3 页（50 行）"
    assert translate("en", "搜索") == "Search"
    assert translate("en", "授权", "verb") != translate("en", "授权")
    assert translate("en", N_("一句未收录的话")) == "一句未收录的话"
