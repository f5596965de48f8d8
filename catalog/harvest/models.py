"""Harvest sources, their runs, and which local dataset each remote dataset became."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.clock import utcnow
from core.db import Base, new_id
from core.identity.models import Organization

SOURCE_KINDS = ("ckan", "dcat")


class HarvestSource(Base):
    __tablename__ = "harvest_sources"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # one of SOURCE_KINDS
    url: Mapped[str] = mapped_column(String(2000))
    # Harvested datasets are published under this organization.
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    interval_minutes: Mapped[int] = mapped_column(default=1440)  # scheduled runs; 0: manual only
    delay_ms: Mapped[int] = mapped_column(default=500)  # politeness: pause between requests
    max_datasets: Mapped[int] = mapped_column(default=1000)  # writes per run; the next continues
    # CKAN: the remote metadata_modified up to which everything has been taken (resume point).
    harvested_until: Mapped[str | None] = mapped_column(String(40), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_run_at: Mapped[datetime | None] = mapped_column(default=None)

    organization: Mapped[Organization] = relationship(lazy="joined")


class HarvestRun(Base):
    __tablename__ = "harvest_runs"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    source_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("harvest_sources.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(20), default="running")  # finished, failed
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    created: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    deleted: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    # [{"dataset": remote name or id, "reason": "..."}] for each dataset that failed.
    failures: Mapped[list[Any]] = mapped_column(default=list)
    message: Mapped[str] = mapped_column(Text, default="")  # why a run stopped early


class HarvestRecord(Base):
    """One remote dataset of a source and the local dataset it was harvested into."""

    __tablename__ = "harvest_records"
    __table_args__ = (UniqueConstraint("source_id", "remote_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    source_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("harvest_sources.id", ondelete="CASCADE"), index=True
    )
    remote_id: Mapped[str] = mapped_column(String(500))
    remote_name: Mapped[str] = mapped_column(String(200), default="")
    dataset_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("datasets.id", ondelete="SET NULL"), default=None, index=True
    )
    remote_modified: Mapped[str | None] = mapped_column(String(40), default=None)
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    deleted: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
