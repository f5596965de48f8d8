"""Project Open Data (``/data.json``, schema v1.1): the catalog as US federal portals list it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from catalog.licenses import OPEN_LICENSES
from catalog.models import Frequency, OpenLevel
from catalog.reads import DatasetRead

SCHEMA = "https://project-open-data.cio.gov/v1.1/schema"

ACCESS_LEVELS = {
    OpenLevel.OPEN: "public",
    OpenLevel.CONDITIONAL: "restricted public",
    OpenLevel.CLOSED: "non-public",
}
# ISO 8601 repeating durations, as the schema asks for accrualPeriodicity.
PERIODICITY = {
    Frequency.REALTIME: "R/PT1S",
    Frequency.DAILY: "R/P1D",
    Frequency.WEEKLY: "R/P1W",
    Frequency.MONTHLY: "R/P1M",
    Frequency.QUARTERLY: "R/P3M",
    Frequency.ANNUAL: "R/P1Y",
    Frequency.IRREGULAR: "irregular",
}


def _distribution(dataset: DatasetRead, base_url: str) -> list[dict[str, Any]]:
    out = []
    for resource in dataset.resources:
        item: dict[str, Any] = {"@type": "dcat:Distribution"}
        if resource.is_upload:
            item["downloadURL"] = f"{base_url}/api/v1/resources/{resource.id}/download"
        elif resource.url:
            item["accessURL"] = resource.url
        if resource.media_type:
            item["mediaType"] = resource.media_type
        if resource.format:
            item["format"] = resource.format
        if resource.name:
            item["title"] = resource.name
        if resource.description:
            item["description"] = resource.description
        out.append(item)
    return out


def dataset_entry(dataset: DatasetRead, base_url: str) -> dict[str, Any]:
    org = dataset.organization
    license_ = OPEN_LICENSES.get(dataset.license_id or "")
    entry: dict[str, Any] = {
        "@type": "dcat:Dataset",
        "identifier": f"{base_url}/dataset/{dataset.name}",
        "title": dataset.title_zh or dataset.title_en,
        "description": dataset.description_zh or dataset.description_en or dataset.title_en,
        "keyword": sorted(t.name for t in dataset.tags) or [dataset.name],
        "modified": dataset.modified.isoformat(),
        "publisher": {"@type": "org:Organization", "name": org.title_zh or org.title_en},
        "contactPoint": {
            "@type": "vcard:Contact",
            "fn": dataset.contact_name or org.title_zh or org.title_en,
            "hasEmail": f"mailto:{dataset.contact_email}" if dataset.contact_email else "",
        },
        "accessLevel": ACCESS_LEVELS[dataset.open_level],
        "landingPage": f"{base_url}/dataset/{dataset.name}",
        "theme": [t.title_en or t.code for t in dataset.themes],
        "distribution": _distribution(dataset, base_url),
    }
    if license_ is not None:
        entry["license"] = license_.url
    if dataset.spatial:
        entry["spatial"] = dataset.spatial
    if dataset.temporal_start and dataset.temporal_end:
        entry["temporal"] = f"{dataset.temporal_start}/{dataset.temporal_end}"
    if dataset.issued is not None:
        entry["issued"] = dataset.issued.isoformat()
    if dataset.update_frequency is not None:
        entry["accrualPeriodicity"] = PERIODICITY[dataset.update_frequency]
    if not entry["contactPoint"]["hasEmail"]:
        del entry["contactPoint"]["hasEmail"]
    return entry


def data_json(datasets: Iterable[DatasetRead], base_url: str) -> dict[str, Any]:
    return {
        "@context": f"{SCHEMA}/catalog.jsonld",
        "@id": f"{base_url}/data.json",
        "@type": "dcat:Catalog",
        "conformsTo": SCHEMA,
        "describedBy": f"{SCHEMA}/catalog.json",
        "dataset": [dataset_entry(d, base_url) for d in datasets],
    }
