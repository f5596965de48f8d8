"""The catalog's vocabularies: themes and open licences."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from api.http import (
    JSONResponse,
)
from api.registry import Registry
from api.representations.catalog import (
    theme_json,
)
from api.state import in_transaction
from catalog.licenses import OPEN_LICENSES
from catalog.services import ThemeService
from core.identity.principal import Principal

vocabularies_api = Registry(prefix="/api/v1")


@vocabularies_api.op(
    "GET",
    "/themes",
    summary="Themes datasets are filed under",
    tag="catalog",
    access="public",
    scope="catalog:read",
    response="ThemeList",
)
async def list_themes(request: Request) -> Response:
    def work(session: Session, _: Principal) -> dict[str, Any]:
        themes = ThemeService(session).all()
        return {"items": [theme_json(t) for t in themes], "total": len(themes), "next_cursor": None}

    return JSONResponse(await in_transaction(request, work))


@vocabularies_api.op(
    "GET",
    "/licenses",
    summary="Open licenses an open dataset may carry",
    tag="catalog",
    access="public",
    scope="catalog:read",
    response="LicenseList",
)
async def list_licenses(request: Request) -> Response:
    items = [
        {
            "id": lic.id,
            "title": {"en": lic.title, "zh": lic.title_zh},
            "url": lic.url,
            "attribution": lic.attribution,
            "share_alike": lic.share_alike,
        }
        for lic in OPEN_LICENSES.values()
    ]
    return JSONResponse({"items": items, "total": len(items), "next_cursor": None})
