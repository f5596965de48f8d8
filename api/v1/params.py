"""What the JSON API's handlers share: common parameters, ids from paths, name-keyed paging."""

from __future__ import annotations

import uuid
from typing import Any, Protocol, TypeVar

from starlette.requests import Request

from api.http import (
    decode_cursor,
)
from api.registry import Param
from core.errors import BadRequest, NotAuthenticated, NotFound, ValidationFailed
from core.identity.principal import Principal

LIMIT = Param("limit", "query", "Page size (1-1000, default 50)", {"type": "integer"})
CURSOR = Param("cursor", "query", "Opaque cursor from a previous page's next_cursor")
NAME = Param("name", "path", "Dataset name (slug)", required=True)
ORG_NAME = Param("name", "path", "Organization name (slug)", required=True)
RESOURCE_ID = Param("id", "path", "Resource id", {"type": "string", "format": "uuid"}, True)


def enum_param(raw: str | None, enum: Any, name: str) -> Any:
    if raw is None or raw == "":
        return None
    try:
        return enum(raw)
    except ValueError:
        allowed = ", ".join(m.value for m in enum)
        raise ValidationFailed(f"Unknown {name} {raw!r}", {name: [f"one of {allowed}"]}) from None


def uuid_from_path(raw: str) -> uuid.UUID:
    """An id from the path; a malformed one names nothing (404, not 500)."""
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise NotFound("No such resource") from None


class _Named(Protocol):
    name: str


N = TypeVar("N", bound=_Named)


def trim_page(rows: list[N], limit: int) -> tuple[list[N], str | None]:
    """Services are asked for one row more than a page: its presence means a next page."""
    if len(rows) > limit:
        return rows[:limit], rows[limit - 1].name
    return rows, None


def cursor_name(request: Request) -> str | None:
    raw = request.query_params.get("cursor")
    if not raw:
        return None
    key = decode_cursor(raw)
    if not isinstance(key, str):
        raise BadRequest("The cursor is not one this API gave out; start again without it")
    return key


def require_user(principal: Principal) -> uuid.UUID:
    if principal.user_id is None:
        raise NotAuthenticated("Log in or send an API token")
    return principal.user_id
