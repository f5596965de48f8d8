"""How catalog objects look in the JSON API v1."""

from __future__ import annotations

from typing import Any

from catalog.datastore.services import status_json
from catalog.licenses import OPEN_LICENSES
from catalog.models import DatasetRevision, Theme
from catalog.reads import DatasetRead, ResourceRead, ThemeRead
from core.identity.models import ApiToken, Organization, User
from core.identity.principal import Principal


def organization_json(org: Organization) -> dict[str, Any]:
    return {
        "id": org.id,
        "name": org.name,
        "kind": org.kind.value,
        "title": {"zh": org.title_zh, "en": org.title_en},
        "description": {"zh": org.description_zh, "en": org.description_en},
        "created_at": org.created_at,
    }


def resource_json(resource: ResourceRead, base_url: str) -> dict[str, Any]:
    download = f"{base_url}/api/v1/resources/{resource.id}/download" if resource.is_upload else None
    return {
        "id": resource.id,
        "dataset_id": resource.dataset_id,
        "name": resource.name,
        "description": resource.description,
        "format": resource.format,
        "media_type": resource.media_type,
        "url": resource.url or download,
        "download_url": download,
        "kind": "upload" if resource.is_upload else "link",
        "size": resource.size,
        "sha256": resource.sha256,
        "filename": resource.filename,
        "created_at": resource.created_at,
        "modified": resource.modified,
        # Tabular uploads: load state and report, and the schema once loaded.
        **status_json(resource.table),
    }


def theme_json(theme: Theme | ThemeRead) -> dict[str, Any]:
    return {"code": theme.code, "title": {"zh": theme.title_zh, "en": theme.title_en}}


def dataset_json(dataset: DatasetRead, base_url: str) -> dict[str, Any]:
    org = dataset.organization
    license_ = OPEN_LICENSES.get(dataset.license_id or "")
    return {
        "id": dataset.id,
        "name": dataset.name,
        "title": {"zh": dataset.title_zh, "en": dataset.title_en},
        "description": {"zh": dataset.description_zh, "en": dataset.description_en},
        "organization": {
            "name": org.name,
            "title": {"zh": org.title_zh, "en": org.title_en},
        },
        "contact_point": {"name": dataset.contact_name, "email": dataset.contact_email or None},
        "keywords": sorted(t.name for t in dataset.tags),
        "themes": [theme_json(t) for t in dataset.themes],
        "license": None
        if license_ is None
        else {"id": license_.id, "title": license_.title, "url": license_.url},
        "open_level": dataset.open_level.value,
        "grade": dataset.grade.value,
        "update_frequency": dataset.update_frequency.value if dataset.update_frequency else None,
        "temporal": {"start": dataset.temporal_start, "end": dataset.temporal_end},
        "spatial": dataset.spatial,
        "version": dataset.version,
        "state": dataset.state.value,
        "issued": dataset.issued,
        "modified": dataset.modified,
        "created_at": dataset.created_at,
        "download_count": dataset.download_count,
        "resources": [resource_json(r, base_url) for r in dataset.resources],
        "url": f"{base_url}/dataset/{dataset.name}",
    }


def revision_json(revision: DatasetRevision) -> dict[str, Any]:
    return {
        "number": revision.number,
        "action": revision.action,
        "changes": revision.changes,
        "actor_id": revision.actor_id,
        "created_at": revision.created_at,
    }


def token_json(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.id,
        "name": token.name,
        "prefix": token.prefix,
        "write": token.can_write,
        "created_at": token.created_at,
        "expires_at": token.expires_at,
        "revoked_at": token.revoked_at,
        "last_used_at": token.last_used_at,
    }


def me_json(user: User, principal: Principal) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "display_name": user.display_name,
        "is_admin": user.is_admin,
        "authenticated_by": principal.via,
        "write": principal.can_write,
        "memberships": [
            {
                "organization": r.organization_name,
                "kind": r.kind.value,
                "role": r.role.value,
            }
            for r in principal.roles
        ],
    }
