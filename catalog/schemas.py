"""Validated inputs for catalog writes.

Unknown fields are rejected (``extra="forbid"``) and types are strict, so a typo in a field
name is an error the client sees, not a silently ignored value.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints, model_validator

from catalog.models import DatasetState, Frequency, Grade, OpenLevel

Slug = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,98}[a-z0-9]$", max_length=100),
]
Keyword = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, str_strip_whitespace=True)


class Text2(Strict):
    """A text in Chinese and English."""

    zh: Annotated[str, StringConstraints(max_length=20000)] = ""
    en: Annotated[str, StringConstraints(max_length=20000)] = ""


class Title2(Strict):
    zh: Annotated[str, StringConstraints(max_length=300)] = ""
    en: Annotated[str, StringConstraints(max_length=300)] = ""

    @model_validator(mode="after")
    def one_language_at_least(self) -> Self:
        if not (self.zh or self.en):
            raise ValueError("give the title in Chinese (zh), English (en) or both")
        return self


class ContactPoint(Strict):
    name: Annotated[str, StringConstraints(max_length=200)] = ""
    email: EmailStr | None = None


class Temporal(Strict):
    # Dates arrive as ISO strings in JSON; strict mode would refuse them, so allow that one cast.
    start: Annotated[date | None, Field(strict=False)] = None
    end: Annotated[date | None, Field(strict=False)] = None

    @model_validator(mode="after")
    def ordered(self) -> Self:
        if self.start and self.end and self.start > self.end:
            raise ValueError("start must not be after end")
        return self


class _DatasetFields(Strict):
    description: Text2 | None = None
    contact_point: ContactPoint | None = None
    license: Annotated[str, StringConstraints(max_length=50)] | None = None
    grade: Annotated[Grade, Field(strict=False)] | None = None
    update_frequency: Annotated[Frequency, Field(strict=False)] | None = None
    temporal: Temporal | None = None
    spatial: Annotated[str, StringConstraints(max_length=200)] | None = None
    version: Annotated[str, StringConstraints(max_length=50)] | None = None
    keywords: Annotated[list[Keyword], Field(max_length=50)] | None = None
    themes: Annotated[list[str], Field(max_length=10)] | None = None


class DatasetCreate(_DatasetFields):
    name: Slug
    title: Title2
    organization: Annotated[str, StringConstraints(max_length=100)]
    open_level: Annotated[OpenLevel, Field(strict=False)]
    state: Annotated[DatasetState, Field(strict=False)] = DatasetState.DRAFT


class DatasetUpdate(_DatasetFields):
    """A partial update: only the fields present change (JSON merge-patch semantics)."""

    title: Title2 | None = None
    open_level: Annotated[OpenLevel, Field(strict=False)] | None = None


class ResourceFields(Strict):
    name: Annotated[str, StringConstraints(max_length=300)] = ""
    description: Annotated[str, StringConstraints(max_length=20000)] = ""
    format: Annotated[str, StringConstraints(max_length=30)] = ""
    media_type: Annotated[str, StringConstraints(max_length=100)] = ""


class ResourceCreate(ResourceFields):
    url: Annotated[str, StringConstraints(pattern=r"^https?://", max_length=2000)] | None = None


class ResourceUpdate(Strict):
    name: Annotated[str, StringConstraints(max_length=300)] | None = None
    description: Annotated[str, StringConstraints(max_length=20000)] | None = None
    format: Annotated[str, StringConstraints(max_length=30)] | None = None
    media_type: Annotated[str, StringConstraints(max_length=100)] | None = None
    url: Annotated[str, StringConstraints(pattern=r"^https?://", max_length=2000)] | None = None
