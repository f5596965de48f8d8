"""The search interface every backend implements, and what it answers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from catalog.search.query import SearchQuery


@dataclass(frozen=True, slots=True)
class Hit:
    name: str
    document: dict[str, Any]  # the indexed document (see catalog.search.documents)
    highlight: dict[str, str]  # field → text with \ue000…\ue001 around matches
    sort_key: tuple[Any, ...]  # to continue after this hit


@dataclass(frozen=True, slots=True)
class FacetCount:
    value: str
    count: int


@dataclass(frozen=True, slots=True)
class SearchResult:
    total: int
    hits: list[Hit]
    facets: dict[str, list[FacetCount]] = field(default_factory=dict)
    next_after: tuple[Any, ...] | None = None


@dataclass(frozen=True, slots=True)
class Suggestion:
    text: str
    kind: str  # "title" or "tag"
    name: str | None = None  # the dataset, for titles


class SearchBackend(Protocol):
    """A search engine over dataset documents.

    Indexing is idempotent (a document replaces the one of the same name); ``search`` applies
    ``query.visibility`` itself, so no caller can forget it. Raises
    ``core.errors.ServiceUnavailable`` when the engine cannot be reached.
    """

    name: str

    async def ensure_ready(self) -> None: ...

    async def index(self, documents: Sequence[dict[str, Any]]) -> None: ...

    async def delete(self, names: Sequence[str]) -> None: ...

    async def search(self, query: SearchQuery) -> SearchResult: ...

    async def suggest(self, prefix: str, visibility: Any, limit: int = 8) -> list[Suggestion]: ...

    async def rebuild(self, documents: Sequence[dict[str, Any]]) -> None:
        """Replace the whole index with these documents (ES: new index, then alias swap)."""
        ...

    async def count(self) -> int: ...

    async def close(self) -> None: ...
