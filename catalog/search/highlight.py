"""Highlighting in Python for both backends: found in folded text, marked on the original.

A query for 空气品质 marks 空氣品質 in a Traditional title, because matches are looked for in
the folded text (see catalog.search.text) and mapped back to the original characters.
"""

from __future__ import annotations

import re

from catalog.search.documents import HL_END, HL_START
from catalog.search.query import CJK_RE
from catalog.search.text import Clause, fold, fold_with_offsets, stem, surface_forms

SNIPPET_CHARS = 160
FIELDS = ("title_zh", "title_en", "description_zh", "description_en")
LATIN_RE = re.compile("[a-z]+")


def term_pattern(
    clauses: list[Clause], variants: dict[str, set[str]] | None = None
) -> re.Pattern[str] | None:
    """What to mark: the plan's words and, from ``variants`` (stem → the words of the text
    with that stem), the other forms of an English word that matched by its stem."""
    parts: list[str] = []
    for form, prefix in surface_forms(clauses):
        words = form.split()
        pieces = []
        for i, word in enumerate(words):
            escaped = re.escape(word)
            if CJK_RE.match(word):
                pieces.append(escaped)
            elif prefix and i == len(words) - 1:
                pieces.append(rf"\b{escaped}\w*")
            else:
                forms = sorted({word, *(variants or {}).get(stem(word), ())}, key=len)
                alternation = "|".join(re.escape(f) for f in reversed(forms))
                pieces.append(rf"\b(?:{alternation})\b")
        parts.append(r"\W+".join(pieces))
    if not parts:
        return None
    parts.sort(key=len, reverse=True)
    return re.compile("|".join(parts))


def _spans(text: str, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
    folded, origin = fold_with_offsets(text)
    spans: list[tuple[int, int]] = []
    for match in pattern.finditer(folded):
        if match.end() == match.start():
            continue
        start, end = origin[match.start()], origin[match.end() - 1] + 1
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
        else:
            spans.append((start, end))
    return spans


def _marked(text: str, spans: list[tuple[int, int]]) -> str:
    out: list[str] = []
    last = 0
    for start, end in spans:
        out.append(text[last:start] + HL_START + text[start:end] + HL_END)
        last = end
    out.append(text[last:])
    return "".join(out)


def mark(text: str, pattern: re.Pattern[str] | None) -> str | None:
    """The text with matches marked, or None when nothing matched."""
    if pattern is None or not text:
        return None
    spans = _spans(text, pattern)
    return _marked(text, spans) if spans else None


def snippet(text: str, pattern: re.Pattern[str] | None) -> str | None:
    """A window of a long text around its first match, marked."""
    if pattern is None or not text:
        return None
    spans = _spans(text, pattern)
    if not spans:
        return None
    start = max(0, spans[0][0] - SNIPPET_CHARS // 3)
    end = min(len(text), start + SNIPPET_CHARS)
    window = ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")
    return mark(window, pattern)


def highlights(document: dict[str, object], clauses: list[Clause]) -> dict[str, str]:
    """Marked titles and description snippets of one hit, for the fields that matched."""
    variants: dict[str, set[str]] = {}
    for field in FIELDS:
        value = document.get(field)
        if isinstance(value, str):
            for word in LATIN_RE.findall(fold(value)):
                variants.setdefault(stem(word), set()).add(word)
    pattern = term_pattern(clauses, variants)
    found: dict[str, str] = {}
    for field, how in (
        ("title_zh", mark),
        ("title_en", mark),
        ("description_zh", snippet),
        ("description_en", snippet),
    ):
        value = document.get(field)
        if isinstance(value, str) and (marked := how(value, pattern)):
            found[field] = marked
    return found
