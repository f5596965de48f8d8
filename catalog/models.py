"""Catalog tables: datasets (DCAT-AP 3 properties), resources, themes, tags, history."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Enum,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.clock import utcnow
from core.db import Base, new_id
from core.identity.models import Organization


class OpenLevel(enum.StrEnum):
    OPEN = "open"  # 无条件开放: anyone
    CONDITIONAL = "conditional"  # 有条件开放: licensed through the exchange
    CLOSED = "closed"  # 非开放: metadata for its publisher, reviewers and regulators only


class Grade(enum.StrEnum):
    """Data Security Law art. 21 classification."""

    GENERAL = "general"
    IMPORTANT = "important"
    CORE = "core"


class DatasetState(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


class Frequency(enum.StrEnum):
    """Update frequencies, mapped to the EU frequency vocabulary in DCAT output."""

    REALTIME = "realtime"
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    ANNUAL = "annual"
    IRREGULAR = "irregular"


def _enum(cls: type[enum.StrEnum], name: str) -> Enum:
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=20,
        values_callable=lambda e: [m.value for m in e],
    )


dataset_themes = Table(
    "dataset_themes",
    Base.metadata,
    Column("dataset_id", ForeignKey("datasets.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("themes.id", ondelete="CASCADE"), primary_key=True, index=True),
)

dataset_tags = Table(
    "dataset_tags",
    Base.metadata,
    Column("dataset_id", ForeignKey("datasets.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Theme(Base):
    __tablename__ = "themes"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(50), unique=True)
    title_zh: Mapped[str] = mapped_column(String(100))
    title_en: Mapped[str] = mapped_column(String(100))


class Tag(Base):
    """A keyword (dcat:keyword). Chinese and English keywords are tags alike."""

    __tablename__ = "tags"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100), unique=True)


class Dataset(Base):
    __tablename__ = "datasets"
    __table_args__ = (
        Index("ix_datasets_state_open_level", "state", "open_level"),
        Index("ix_datasets_modified", "modified"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    title_zh: Mapped[str] = mapped_column(String(300), default="")
    title_en: Mapped[str] = mapped_column(String(300), default="")
    description_zh: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    license_id: Mapped[str | None] = mapped_column(String(50), default=None)
    open_level: Mapped[OpenLevel] = mapped_column(_enum(OpenLevel, "open_level"))
    grade: Mapped[Grade] = mapped_column(_enum(Grade, "grade"), default=Grade.GENERAL)
    update_frequency: Mapped[Frequency | None] = mapped_column(
        _enum(Frequency, "frequency"), default=None
    )
    temporal_start: Mapped[date | None] = mapped_column(default=None)
    temporal_end: Mapped[date | None] = mapped_column(default=None)
    spatial: Mapped[str] = mapped_column(String(200), default="")
    version: Mapped[str] = mapped_column(String(50), default="1.0")
    state: Mapped[DatasetState] = mapped_column(
        _enum(DatasetState, "dataset_state"), default=DatasetState.DRAFT
    )
    issued: Mapped[datetime | None] = mapped_column(default=None)  # first publication
    modified: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    download_count: Mapped[int] = mapped_column(BigInteger, default=0)

    organization: Mapped[Organization] = relationship(lazy="joined")
    themes: Mapped[list[Theme]] = relationship(
        secondary=dataset_themes, lazy="selectin", order_by=Theme.code
    )
    tags: Mapped[list[Tag]] = relationship(
        secondary=dataset_tags, lazy="selectin", order_by=Tag.name
    )
    resources: Mapped[list[Resource]] = relationship(
        back_populates="dataset",
        lazy="selectin",
        order_by="Resource.position",
        cascade="all, delete-orphan",
    )


class Resource(Base):
    """A distribution: an uploaded file (by SHA-256 in the file store) or a link."""

    __tablename__ = "resources"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    dataset_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("datasets.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    format: Mapped[str] = mapped_column(String(30), default="")
    media_type: Mapped[str] = mapped_column(String(100), default="")
    url: Mapped[str | None] = mapped_column(String(2000), default=None)  # link resources
    sha256: Mapped[str | None] = mapped_column(String(64), default=None, index=True)
    size: Mapped[int | None] = mapped_column(BigInteger, default=None)
    filename: Mapped[str | None] = mapped_column(String(300), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    modified: Mapped[datetime] = mapped_column(default=utcnow)

    dataset: Mapped[Dataset] = relationship(back_populates="resources")

    @property
    def is_upload(self) -> bool:
        return self.sha256 is not None


class DatasetRevision(Base):
    """One change to a dataset's metadata: which fields, from what, to what, by whom."""

    __tablename__ = "dataset_revisions"
    __table_args__ = (UniqueConstraint("dataset_id", "number"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    dataset_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("datasets.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    action: Mapped[str] = mapped_column(String(30))  # created, updated, published, ...
    changes: Mapped[dict[str, Any]]
    actor_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SearchMiss(Base):
    """A search that found nothing: the words only, how often, first and last seen.

    No user, address or session is kept. See
    docs/architecture.md, "Searches that found nothing".
    """

    __tablename__ = "search_misses"

    text: Mapped[str] = mapped_column(String(100), primary_key=True)
    count: Mapped[int] = mapped_column(default=1)
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(default=utcnow, index=True)
