"""Page text in both languages: the Chinese text is the message id, gettext catalogs hold the rest.

Templates write their text in Chinese, ``{{ _("搜索数据集") }}``, with ``%(name)s`` placeholders
for what is filled in (``{{ _("共 %(total)s 行", total=n) }}``: a sentence is one message, never
glued from pieces) and ``pgettext(context, text)`` where one Chinese word means two things in
English. Code that hands text to a page marks it with :func:`N_` and the page translates it.
The English lives in ``api/locale/en/LC_MESSAGES/*.po`` (every ``.po`` file there is read, so a
family of pages may keep its own); a test extracts every message with Babel and fails on any
that has no English.

Bilingual *content* (dataset titles, theme labels, a licence's purposes) is data, stored in both
languages; templates choose it with ``pick(zh, en)``. See docs/architecture.md, "Interfaces".
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("zh", "en")
SOURCE_LANGUAGE = "zh"

Key = tuple[str | None, str]  # (context, Chinese text)


def N_(message: str) -> str:
    """Mark ``message`` for the catalogs; it is translated where a page shows it."""
    return message


@cache
def catalog(language: str) -> dict[Key, str]:
    """Every translated message of ``language``, from all its ``.po`` files."""
    messages: dict[Key, str] = {}
    for path in sorted((LOCALE_DIR / language / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as handle:
            for message in read_po(handle, locale=language):
                text, translated = message.id, message.string
                usable = isinstance(text, str) and isinstance(translated, str)
                if usable and text and translated and not message.fuzzy:
                    messages[(message.context, str(text))] = str(translated)
    return messages


def translate(language: str, message: str, context: str | None = None, **values: Any) -> str:
    """``message`` (Chinese) in ``language``, its ``%(name)s`` placeholders filled in.

    A message missing from the catalog stays Chinese rather than failing the page; the
    catalog test keeps that from shipping.
    """
    text = message
    if language != SOURCE_LANGUAGE:
        text = catalog(language).get((context, message), message)
    return text % values if values else text


def written_in(texts: list[str], language: str) -> list[str]:
    """The texts written in ``language``: with Chinese characters on a Chinese page, without
    on an English one. Keywords come in either language; a page shows its own, or all of them
    when none is in its language."""

    def chinese(text: str) -> bool:
        return any("\u4e00" <= ch <= "\u9fff" for ch in text)

    own = [t for t in texts if chinese(t) == (language == "zh")]
    return own or texts
