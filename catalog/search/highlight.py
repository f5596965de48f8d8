"""Highlighting in Python for the embedded backend (Elasticsearch highlights on its own)."""

from __future__ import annotations

import re

from catalog.search.documents import HL_END, HL_START
from catalog.search.query import CJK_RE, Term

SNIPPET_CHARS = 160


def term_pattern(terms: list[Term]) -> re.Pattern[str] | None:
    parts: list[str] = []
    for term in terms:
        for i, word in enumerate(term.words):
            escaped = re.escape(word)
            if CJK_RE.match(word):
                parts.append(escaped)
            elif term.prefix and i == len(term.words) - 1:
                parts.append(rf"\b{escaped}\w*")
            else:
                parts.append(rf"\b{escaped}\b")
    if not parts:
        return None
    parts.sort(key=len, reverse=True)
    return re.compile("|".join(parts), re.IGNORECASE)


def mark(text: str, pattern: re.Pattern[str] | None) -> str | None:
    """The text with matches marked, or None when nothing matched."""
    if pattern is None or not text:
        return None
    marked, count = pattern.subn(lambda m: f"{HL_START}{m.group(0)}{HL_END}", text)
    return marked if count else None


def snippet(text: str, pattern: re.Pattern[str] | None) -> str | None:
    """A window of a long text around its first match, marked."""
    if pattern is None or not text:
        return None
    first = pattern.search(text)
    if first is None:
        return None
    start = max(0, first.start() - SNIPPET_CHARS // 3)
    end = min(len(text), start + SNIPPET_CHARS)
    window = ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")
    return mark(window, pattern)
