"""CKAN dicts: how our datasets look to the CKAN Action API, and how CKAN dicts become ours.

Pure functions, no I/O. Outgoing dicts carry what CKAN's ``package_show`` carries (so the
real ``ckanapi`` client and CKAN harvesters read them as they read CKAN's own); what DCAT-AP
and Shudu know that CKAN has no key for travels in ``extras``. Incoming dicts (``package_create``,
harvested packages) are turned into the plain fields of ``catalog.schemas.DatasetCreate``;
unknown keys are ignored, as CKAN ignores them, and nothing secret is ever emitted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from catalog.licenses import OPEN_LICENSES
from catalog.models import DatasetState, OpenLevel, Theme
from catalog.reads import DatasetRead, OrganizationRead, ResourceRead, ThemeRead
from core.identity.models import Organization

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")

# CKAN's own license ids (ckan/model/license.py) and common spellings, to our SPDX ids.
LICENSE_ALIASES: dict[str, str] = {
    "cc-zero": "CC0-1.0",
    "cc0": "CC0-1.0",
    "cc0-1.0": "CC0-1.0",
    "cc-by": "CC-BY-4.0",
    "cc-by-4.0": "CC-BY-4.0",
    "cc-by-sa": "CC-BY-SA-4.0",
    "cc-by-sa-4.0": "CC-BY-SA-4.0",
    "odc-by": "ODC-BY-1.0",
    "odc-by-1.0": "ODC-BY-1.0",
    "odc-odbl": "ODbL-1.0",
    "odbl-1.0": "ODbL-1.0",
    "odc-pddl": "PDDL-1.0",
    "pddl-1.0": "PDDL-1.0",
}


def _license_key(raw: str) -> str:
    """Ids and URLs alike: lowercase, no scheme (http or https), no trailing slash."""
    key = raw.strip().lower().rstrip("/")
    for scheme in ("https://", "http://"):
        key = key.removeprefix(scheme)
    return key


for _license in OPEN_LICENSES.values():
    LICENSE_ALIASES[_license.id.lower()] = _license.id
    LICENSE_ALIASES[_license_key(_license.url)] = _license.id

# Extras we write and read back; anything else in extras is kept out of our model.
EXTRA_KEYS = (
    "open_level",
    "grade",
    "frequency",
    "temporal_start",
    "temporal_end",
    "spatial",
    "issued",
    "title_en",
    "title_zh",
)


def ckan_time(value: datetime | None) -> str | None:
    """CKAN writes naive UTC ISO timestamps: ``2024-01-31T08:00:00.000000``."""
    if value is None:
        return None
    return value.replace(tzinfo=None).isoformat(timespec="microseconds")


def license_id(raw: Any) -> str | None:
    """Our SPDX id for a CKAN license id, URL or SPDX id; None when it names no open license."""
    if not isinstance(raw, str) or not raw.strip():
        return None
    return LICENSE_ALIASES.get(_license_key(raw))


def organization_dict(
    org: Organization | OrganizationRead, package_count: int | None = None
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": str(org.id),
        "name": org.name,
        "title": org.title_zh or org.title_en,
        "display_name": org.title_zh or org.title_en or org.name,
        "description": org.description_zh or org.description_en,
        "title_translated": {"zh": org.title_zh, "en": org.title_en},
        "type": "organization",
        "is_organization": True,
        "state": "active",
        "approval_status": "approved",
        "image_url": "",
        "image_display_url": "",
        "created": ckan_time(org.created_at),
    }
    if package_count is not None:
        out["package_count"] = package_count
    return out


def group_dict(theme: Theme | ThemeRead, package_count: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": theme.code,
        "name": theme.code,
        "title": theme.title_zh or theme.title_en,
        "display_name": theme.title_zh or theme.title_en,
        "title_translated": {"zh": theme.title_zh, "en": theme.title_en},
        "description": "",
        "type": "group",
        "is_organization": False,
        "state": "active",
        "image_display_url": "",
    }
    if package_count is not None:
        out["package_count"] = package_count
    return out


def resource_dict(resource: ResourceRead, base_url: str) -> dict[str, Any]:
    upload = resource.is_upload
    download = f"{base_url}/api/v1/resources/{resource.id}/download"
    return {
        "id": str(resource.id),
        "package_id": str(resource.dataset_id),
        "position": resource.position,
        "name": resource.name,
        "description": resource.description,
        "format": resource.format,
        "mimetype": resource.media_type or None,
        "url": download if upload else (resource.url or ""),
        "url_type": "upload" if upload else None,
        "size": resource.size,
        "hash": f"sha256:{resource.sha256}" if resource.sha256 else "",
        "created": ckan_time(resource.created_at),
        "last_modified": ckan_time(resource.modified),
        "metadata_modified": ckan_time(resource.modified),
        "state": "active",
        "datastore_active": resource.datastore_active,
    }


def _state(dataset: DatasetRead) -> str:
    return {
        DatasetState.PUBLISHED: "active",
        DatasetState.DRAFT: "draft",
        DatasetState.WITHDRAWN: "deleted",
    }[dataset.state]


def package_dict(dataset: DatasetRead, base_url: str) -> dict[str, Any]:
    """``package_show``'s dict for one dataset."""
    license_ = OPEN_LICENSES.get(dataset.license_id or "")
    org = dataset.organization
    extras = {
        "open_level": dataset.open_level.value,
        "grade": dataset.grade.value,
        "frequency": dataset.update_frequency.value if dataset.update_frequency else "",
        "temporal_start": dataset.temporal_start.isoformat() if dataset.temporal_start else "",
        "temporal_end": dataset.temporal_end.isoformat() if dataset.temporal_end else "",
        "spatial": dataset.spatial,
        "issued": ckan_time(dataset.issued) or "",
        "title_en": dataset.title_en,
        "title_zh": dataset.title_zh,
    }
    tags = sorted(t.name for t in dataset.tags)
    return {
        "id": str(dataset.id),
        "name": dataset.name,
        "type": "dataset",
        "title": dataset.title_zh or dataset.title_en,
        "notes": dataset.description_zh or dataset.description_en,
        "title_translated": {"zh": dataset.title_zh, "en": dataset.title_en},
        "notes_translated": {"zh": dataset.description_zh, "en": dataset.description_en},
        "url": f"{base_url}/dataset/{dataset.name}",
        "version": dataset.version,
        "state": _state(dataset),
        "private": dataset.open_level is OpenLevel.CLOSED,
        "license_id": dataset.license_id or "",
        "license_title": license_.title if license_ else "",
        "license_url": license_.url if license_ else "",
        "isopen": dataset.open_level is OpenLevel.OPEN and license_ is not None,
        "author": org.title_zh or org.title_en,
        "author_email": None,
        "maintainer": dataset.contact_name or None,
        "maintainer_email": dataset.contact_email or None,
        "metadata_created": ckan_time(dataset.created_at),
        "metadata_modified": ckan_time(dataset.modified),
        "owner_org": str(org.id),
        "organization": organization_dict(org),
        "tags": [
            {"name": t, "display_name": t, "state": "active", "vocabulary_id": None} for t in tags
        ],
        "num_tags": len(tags),
        "groups": [group_dict(t) for t in dataset.themes],
        "extras": [{"key": k, "value": v} for k, v in sorted(extras.items()) if v],
        "resources": [resource_dict(r, base_url) for r in dataset.resources],
        "num_resources": len(dataset.resources),
        "relationships_as_object": [],
        "relationships_as_subject": [],
    }


# -- CKAN dicts to our fields --------------------------------------------------------------


def extras_of(package: Mapping[str, Any]) -> dict[str, str]:
    """``extras`` as a plain dict; CKAN sends a list of {key, value}, some clients a dict."""
    raw = package.get("extras") or []
    if isinstance(raw, Mapping):
        return {str(k): str(v) for k, v in raw.items() if v is not None}
    out: dict[str, str] = {}
    if isinstance(raw, list):
        for item in raw:
            if isinstance(item, Mapping) and "key" in item and item.get("value") is not None:
                out[str(item["key"])] = str(item["value"])
    return out


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _bilingual(package: Mapping[str, Any], key: str, extras: Mapping[str, str]) -> dict[str, str]:
    """A zh/en pair from ``KEY_translated`` (ckanext-fluent), our extras, or the plain key."""
    translated = package.get(f"{key}_translated")
    if isinstance(translated, Mapping):
        pair = {"zh": _text(translated.get("zh")), "en": _text(translated.get("en"))}
        if pair["zh"] or pair["en"]:
            return pair
    pair = {"zh": _text(extras.get(f"{key}_zh")), "en": _text(extras.get(f"{key}_en"))}
    if pair["zh"] or pair["en"]:
        return pair
    plain = _text(package.get(key))
    if not plain:
        return {"zh": "", "en": ""}
    return {"zh": plain, "en": ""} if CJK.search(plain) else {"zh": "", "en": plain}


def _names(items: Any) -> list[str]:
    """Names from CKAN's [{"name": ...}] lists (plain strings are taken too)."""
    if isinstance(items, str):
        return [t.strip() for t in items.split(",") if t.strip()]
    if not isinstance(items, list):
        return []
    out = []
    for item in items:
        if isinstance(item, Mapping) and isinstance(item.get("name"), str):
            out.append(item["name"])
        elif isinstance(item, str):
            out.append(item)
    return out


def _iso_date(raw: str | None) -> str | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw[:10]).isoformat()
    except ValueError:
        return raw  # left for validation to name


def dataset_fields(package: Mapping[str, Any], organization: str) -> dict[str, Any]:
    """The fields of ``DatasetCreate`` for a CKAN package dict (validation happens there).

    ``open_level``: our extra if present; a private package is closed; a package under an
    open license is open, any other is conditional (its terms are not an open license).
    """
    extras = extras_of(package)
    license_raw = package.get("license_id") or package.get("license_url") or ""
    spdx = license_id(license_raw)
    level = extras.get("open_level")
    if level not in {lv.value for lv in OpenLevel}:
        if package.get("private") is True:
            level = OpenLevel.CLOSED.value
        else:
            level = OpenLevel.OPEN.value if spdx or license_raw else OpenLevel.CONDITIONAL.value
    fields: dict[str, Any] = {
        "name": package.get("name"),
        "title": _bilingual(package, "title", extras),
        "description": _bilingual(package, "notes", extras),
        "organization": organization,
        "open_level": level,
        "keywords": _names(package.get("tags")),
        "themes": _names(package.get("groups")),
        "state": "draft" if package.get("state") == "draft" else "published",
    }
    if level == OpenLevel.OPEN.value:
        # An unknown license stays as given, so validation names it instead of dropping it.
        fields["license"] = spdx or (str(license_raw) if license_raw else None)
    contact = {
        "name": _text(package.get("maintainer")) or _text(package.get("author")),
        "email": _text(package.get("maintainer_email")) or _text(package.get("author_email")),
    }
    fields["contact_point"] = {"name": contact["name"][:200], "email": contact["email"] or None}
    if isinstance(package.get("version"), str) and package["version"].strip():
        fields["version"] = package["version"].strip()
    if extras.get("grade"):
        fields["grade"] = extras["grade"]
    if extras.get("frequency"):
        fields["update_frequency"] = extras["frequency"]
    start, end = _iso_date(extras.get("temporal_start")), _iso_date(extras.get("temporal_end"))
    if start or end:
        fields["temporal"] = {"start": start, "end": end}
    if extras.get("spatial"):
        fields["spatial"] = extras["spatial"]
    return fields


def resource_fields(resource: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of ``ResourceCreate`` (a link) for a CKAN resource dict."""
    out: dict[str, Any] = {
        "name": _text(resource.get("name"))[:300],
        "description": _text(resource.get("description")),
        "format": _text(resource.get("format"))[:30],
        "media_type": _text(resource.get("mimetype"))[:100],
    }
    url = _text(resource.get("url"))
    if url:
        out["url"] = url
    return out


# CKAN field names for the fields our validation names, so errors point at what was sent.
CKAN_FIELD_NAMES = {
    "license": "license_id",
    "description": "notes",
    "keywords": "tags",
    "themes": "groups",
    "organization": "owner_org",
    "contact_point": "maintainer",
    "contact_point.email": "maintainer_email",
    "contact_point.name": "maintainer",
    "update_frequency": "frequency",
    "media_type": "mimetype",
}


def ckan_field(name: str) -> str:
    head = name.split(".")[0]
    return CKAN_FIELD_NAMES.get(name) or CKAN_FIELD_NAMES.get(head) or head
