"""Validated inputs for identity writes through the API."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from core.identity.models import OrgKind


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, str_strip_whitespace=True)


class _Text2(_Strict):
    zh: Annotated[str, StringConstraints(max_length=2000)] = ""
    en: Annotated[str, StringConstraints(max_length=2000)] = ""


class OrganizationCreate(_Strict):
    name: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,98}[a-z0-9]$")]
    kind: Annotated[OrgKind, Field(strict=False)]
    title: _Text2 = _Text2()
    description: _Text2 = _Text2()


class TokenCreate(_Strict):
    name: Annotated[str, StringConstraints(max_length=100)] = ""
    write: bool = False
    days: Annotated[int, Field(ge=1, le=366)] = 90
