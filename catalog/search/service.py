"""Choosing a backend from the settings, and turning a principal into search visibility."""

from __future__ import annotations

from pathlib import Path

from catalog.search.elastic import ElasticsearchBackend
from catalog.search.interfaces import SearchBackend
from catalog.search.query import Visibility
from catalog.search.sqlite_fts import SqliteFtsBackend
from core.identity.principal import Principal
from core.settings import Settings


def embedded_index_path(settings: Settings) -> Path:
    """The embedded index lives in the catalog's SQLite file, or beside it on PostgreSQL."""
    if settings.is_sqlite:
        return Path(settings.database_url.removeprefix("sqlite:///"))
    return settings.data_dir / "search.db"


def make_backend(settings: Settings) -> SearchBackend:
    if settings.search_url:
        return ElasticsearchBackend(settings.search_url, zh_analyzer=settings.search_zh_analyzer)
    return SqliteFtsBackend(embedded_index_path(settings))


def visibility_for(principal: Principal) -> Visibility:
    if principal.sees_everything:
        return Visibility(everything=True)
    return Visibility(own_org_ids=frozenset(str(i) for i in principal.publisher_org_ids))
