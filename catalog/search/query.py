"""The search query model, and parsing of what people type into the search box.

Parsing is ours, not the engine's: quotes make phrases, a trailing ``*`` a prefix, and every
other syntax character of Lucene or FTS5 is plain text. Backends build their native queries
from the parsed terms, so user input can never inject query syntax.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

MAX_QUERY_CHARS = 500  # beyond this a "search" is a paste accident; we keep the start
MAX_TERMS = 16

FACET_FIELDS = ("organization", "theme", "tag", "format", "license", "open_level")

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff"
CJK_RE = re.compile(f"[{_CJK}]")
# A word: a run of CJK characters, or of other letters and digits (with inner dots: "PM2.5"),
# so "2024年空气" is the two words 2024 and 年空气.
WORD_RE = re.compile(f"[{_CJK}]+|[^\\W_{_CJK}]+(?:\\.[^\\W_{_CJK}]+)*")


class Sort(enum.StrEnum):
    RELEVANCE = "relevance"
    NEWEST = "newest"  # first published
    UPDATED = "updated"  # recently modified
    DOWNLOADS = "downloads"
    TITLE = "title"


@dataclass(frozen=True, slots=True)
class Term:
    text: str  # normalised: NFKC, lowercase
    phrase: bool = False  # quoted by the user: the words must stand together
    prefix: bool = False  # the last word may continue ("bus*", or the suggest box)

    @property
    def words(self) -> list[str]:
        return WORD_RE.findall(self.text)


@dataclass(frozen=True, slots=True)
class Visibility:
    """Which documents a caller may find, in backend-neutral terms.

    See docs/architecture.md, "Data classification".
    """

    everything: bool = False
    own_org_ids: frozenset[str] = frozenset()

    @classmethod
    def public(cls) -> Visibility:
        return cls()


@dataclass(frozen=True, slots=True)
class SearchQuery:
    text: str = ""
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    modified_from: date | None = None
    modified_to: date | None = None
    sort: Sort = Sort.RELEVANCE
    limit: int = 20
    after: tuple[object, ...] | None = None  # the sort key of the last hit of the previous page
    visibility: Visibility = field(default_factory=Visibility.public)
    facet_size: int = 20

    @property
    def terms(self) -> list[Term]:
        return parse_terms(self.text)

    @property
    def normalized_text(self) -> str:
        return " ".join(w for t in self.terms for w in t.words)


def normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def parse_terms(raw: str) -> list[Term]:
    """Split a query into terms: "quoted phrases", word*, and plain words.

    An unbalanced quote is closed at the end; syntax characters are dropped as separators.
    """
    text = normalize(raw[:MAX_QUERY_CHARS])
    terms: list[Term] = []
    parts = text.split('"')
    for index, part in enumerate(parts):
        if not part.strip():
            continue
        quoted = index % 2 == 1
        if quoted:
            words = WORD_RE.findall(part)
            if words:
                terms.append(Term(" ".join(words), phrase=True))
            continue
        for chunk in part.split():
            words = WORD_RE.findall(chunk)
            if not words:
                continue
            prefix = chunk.endswith("*")
            # "bus-routes" or "空气质量" stay one term whose words must stand together.
            terms.append(Term(" ".join(words), phrase=len(words) > 1, prefix=prefix))
    return terms[:MAX_TERMS]


def cjk_bigrams(run: str) -> list[str]:
    """Overlapping bigrams of a CJK run: 空气质量 → 空气 气质 质量 (a lone character stays)."""
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]
