"""What a dataset looks like to the search engines: one flat, JSON-ready document."""

from __future__ import annotations

from typing import Any

from pypinyin import lazy_pinyin

from catalog.models import Dataset, DatasetState, OpenLevel
from catalog.reads import DatasetRead

HL_START, HL_END = "\ue000", "\ue001"  # private-use marks around highlighted words


def is_public(dataset: Dataset | DatasetRead) -> bool:
    return dataset.state is DatasetState.PUBLISHED and dataset.open_level in (
        OpenLevel.OPEN,
        OpenLevel.CONDITIONAL,
    )


def title_sort_key(title: str) -> str:
    """Chinese titles sort by pinyin (as people expect in a 目录), not by code point."""
    return " ".join(lazy_pinyin(title.lower())).strip()


def document_for(dataset: Dataset) -> dict[str, Any]:
    org = dataset.organization
    formats = sorted({r.format.upper() for r in dataset.resources if r.format})
    return {
        "name": dataset.name,
        "title_zh": dataset.title_zh,
        "title_en": dataset.title_en,
        "description_zh": dataset.description_zh,
        "description_en": dataset.description_en,
        "tags": sorted(t.name for t in dataset.tags),
        "themes": sorted(t.code for t in dataset.themes),
        "formats": formats,
        "organization": org.name,
        "organization_title_zh": org.title_zh,
        "organization_title_en": org.title_en,
        "org_id": str(dataset.organization_id),
        "license": dataset.license_id or "",
        "open_level": dataset.open_level.value,
        "state": dataset.state.value,
        "public": is_public(dataset),
        "issued": dataset.issued.isoformat() if dataset.issued else None,
        "modified": dataset.modified.isoformat(),
        "downloads": dataset.download_count,
        "title_sort": title_sort_key(dataset.title_zh or dataset.title_en),
    }


def facet_values(document: dict[str, Any]) -> dict[str, list[str]]:
    """The values a document contributes to each facet."""
    return {
        "organization": [document["organization"]],
        "theme": list(document["themes"]),
        "tag": list(document["tags"]),
        "format": list(document["formats"]),
        "license": [document["license"]] if document["license"] else [],
        "open_level": [document["open_level"]],
    }
