"""Datasets as read: typed read models loaded by three SQL Core statements for any number of
datasets, whatever their resources.

See docs/architecture.md, "Read models". The ORM graph of a dataset (organization, themes,
tags, resources, and each resource's datastore table) cost a query per relation and one per
resource, and most of a read's time in building ORM objects. A read loads plain rows instead:

1. the datasets with their organizations (a join);
2. their tags and themes (one ``UNION ALL``);
3. their resources with their datastore tables (an outer join).

The representations (API v1, CKAN's dicts, the dataset page) are built from these, so a dataset
looks the same however it was reached, and a write answers with what a read would show.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, literal, select, union_all
from sqlalchemy.orm import Session

from catalog.datastore.models import BadRowPolicy, DatastoreTable, IngestState
from catalog.models import (
    Dataset,
    DatasetState,
    Frequency,
    Grade,
    OpenLevel,
    Resource,
    Tag,
    Theme,
    dataset_tags,
    dataset_themes,
)
from core.identity.models import Organization, OrgKind


@dataclass(frozen=True, slots=True)
class OrganizationRead:
    id: uuid.UUID
    name: str
    kind: OrgKind
    title_zh: str
    title_en: str
    description_zh: str
    description_en: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ThemeRead:
    code: str
    title_zh: str
    title_en: str


@dataclass(frozen=True, slots=True)
class TagRead:
    name: str


@dataclass(frozen=True, slots=True)
class TableRead:
    """A resource's table in the datastore: its load state, report and fields."""

    table_name: str | None
    state: IngestState
    policy: BadRowPolicy
    row_count: int
    error: str | None
    report: dict[str, Any]
    findings: list[Any]
    fields: list[Any]


@dataclass(frozen=True, slots=True)
class ResourceRead:
    id: uuid.UUID
    dataset_id: uuid.UUID
    position: int
    name: str
    description: str
    format: str
    media_type: str
    url: str | None
    sha256: str | None
    size: int | None
    filename: str | None
    created_at: datetime
    modified: datetime
    table: TableRead | None

    @property
    def is_upload(self) -> bool:
        return self.sha256 is not None

    @property
    def datastore_active(self) -> bool:
        """Its table is loaded and can be queried (CKAN's ``datastore_active``)."""
        return self.table is not None and self.table.table_name is not None


@dataclass(frozen=True, slots=True)
class DatasetRead:
    id: uuid.UUID
    name: str
    title_zh: str
    title_en: str
    description_zh: str
    description_en: str
    organization_id: uuid.UUID
    contact_name: str
    contact_email: str
    license_id: str | None
    open_level: OpenLevel
    grade: Grade
    update_frequency: Frequency | None
    temporal_start: date | None
    temporal_end: date | None
    spatial: str
    version: str
    state: DatasetState
    issued: datetime | None
    modified: datetime
    created_at: datetime
    download_count: int
    organization: OrganizationRead
    themes: tuple[ThemeRead, ...]  # by code
    tags: tuple[TagRead, ...]  # by name
    resources: tuple[ResourceRead, ...]  # by position


_DATASET = (
    Dataset.id,
    Dataset.name,
    Dataset.title_zh,
    Dataset.title_en,
    Dataset.description_zh,
    Dataset.description_en,
    Dataset.organization_id,
    Dataset.contact_name,
    Dataset.contact_email,
    Dataset.license_id,
    Dataset.open_level,
    Dataset.grade,
    Dataset.update_frequency,
    Dataset.temporal_start,
    Dataset.temporal_end,
    Dataset.spatial,
    Dataset.version,
    Dataset.state,
    Dataset.issued,
    Dataset.modified,
    Dataset.created_at,
    Dataset.download_count,
)
_ORGANIZATION = (
    Organization.id,
    Organization.name,
    Organization.kind,
    Organization.title_zh,
    Organization.title_en,
    Organization.description_zh,
    Organization.description_en,
    Organization.created_at,
)
_RESOURCE = (
    Resource.id,
    Resource.dataset_id,
    Resource.position,
    Resource.name,
    Resource.description,
    Resource.format,
    Resource.media_type,
    Resource.url,
    Resource.sha256,
    Resource.size,
    Resource.filename,
    Resource.created_at,
    Resource.modified,
)
_TABLE = (
    DatastoreTable.resource_id,
    DatastoreTable.table_name,
    DatastoreTable.state,
    DatastoreTable.policy,
    DatastoreTable.row_count,
    DatastoreTable.error,
    DatastoreTable.report,
    DatastoreTable.findings,
    DatastoreTable.fields,
)

# Resources with their tables (outer-joined: a resource without one has its columns all None).
_RESOURCES = select(*_RESOURCE, *_TABLE).outerjoin(
    DatastoreTable, DatastoreTable.resource_id == Resource.id
)


def read_datasets(
    session: Session,
    *where: ColumnElement[bool],
    order_by: Sequence[Any] = (),
    limit: int | None = None,
    offset: int = 0,
) -> list[DatasetRead]:
    """The datasets matching ``where`` (in ``order_by``), each whole, in three statements."""
    query = select(*_DATASET, *_ORGANIZATION).join(
        Organization, Organization.id == Dataset.organization_id
    )
    query = query.where(*where).order_by(*order_by).offset(offset or None).limit(limit)
    rows = session.execute(query).all()
    if not rows:
        return []
    ids = [row[0] for row in rows]
    tags: dict[uuid.UUID, list[TagRead]] = {i: [] for i in ids}
    themes: dict[uuid.UUID, list[ThemeRead]] = {i: [] for i in ids}
    labels = union_all(
        select(dataset_tags.c.dataset_id, literal("tag"), Tag.name, literal(""), literal(""))
        .join(Tag, Tag.id == dataset_tags.c.tag_id)
        .where(dataset_tags.c.dataset_id.in_(ids)),
        select(
            dataset_themes.c.dataset_id,
            literal("theme"),
            Theme.code,
            Theme.title_zh,
            Theme.title_en,
        )
        .join(Theme, Theme.id == dataset_themes.c.theme_id)
        .where(dataset_themes.c.dataset_id.in_(ids)),
    )
    for dataset_id, kind, value, title_zh, title_en in session.execute(labels):
        if kind == "tag":
            tags[dataset_id].append(TagRead(value))
        else:
            themes[dataset_id].append(ThemeRead(value, title_zh, title_en))
    resources: dict[uuid.UUID, list[ResourceRead]] = {i: [] for i in ids}
    files = _RESOURCES.where(Resource.dataset_id.in_(ids)).order_by(
        Resource.position, Resource.created_at, Resource.id
    )
    for row in session.execute(files):
        resources[row.dataset_id].append(_resource(row))
    return [
        _dataset(
            row,
            tuple(sorted(themes[row[0]], key=lambda t: t.code)),
            tuple(sorted(tags[row[0]], key=lambda t: t.name)),
            tuple(resources[row[0]]),
        )
        for row in rows
    ]


def _dataset(
    row: Any,
    themes: tuple[ThemeRead, ...],
    tags: tuple[TagRead, ...],
    resources: tuple[ResourceRead, ...],
) -> DatasetRead:
    split = len(_DATASET)
    columns = {c.key: v for c, v in zip(_DATASET, row[:split], strict=True)}
    organization = OrganizationRead(*row[split:])
    return DatasetRead(
        **columns, organization=organization, themes=themes, tags=tags, resources=resources
    )


def _resource(row: Any) -> ResourceRead:
    """A row of ``_RESOURCE`` and ``_TABLE`` (outer-joined: no table, all None)."""
    width = len(_RESOURCE)
    table = None if row[width] is None else TableRead(*row[width + 1 :])
    columns = {c.key: v for c, v in zip(_RESOURCE, row[:width], strict=True)}
    return ResourceRead(**columns, table=table)


def read_dataset(session: Session, *where: ColumnElement[bool]) -> DatasetRead | None:
    found = read_datasets(session, *where, limit=1)
    return found[0] if found else None


def reads_of(session: Session, datasets: Sequence[Dataset]) -> list[DatasetRead]:
    """What a read of each of ``datasets`` shows now (after a write: what the write did), in
    their order."""
    if not datasets:
        return []
    by_id = {d.id: d for d in read_datasets(session, Dataset.id.in_([d.id for d in datasets]))}
    return [by_id[d.id] for d in datasets]


def dataset_now(session: Session, dataset: Dataset) -> DatasetRead:
    """What a read of ``dataset`` shows now: after a write, what the write did."""
    return reads_of(session, [dataset])[0]


def resource_now(session: Session, resource: Resource) -> ResourceRead:
    """What a read of ``resource`` shows now."""
    found = read_resource(session, resource.id)
    if found is None:  # flushed by the read: only a resource deleted meanwhile is missing
        raise LookupError(f"resource {resource.id} is gone")
    return found


def read_resource(session: Session, resource_id: uuid.UUID) -> ResourceRead | None:
    row = session.execute(_RESOURCES.where(Resource.id == resource_id)).first()
    return None if row is None else _resource(row)
