"""Business rules of the catalog: who sees and edits which dataset, and how it changes."""

from __future__ import annotations

import mimetypes
import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, contains_eager, lazyload

from catalog.datastore.fetch import link_filename
from catalog.datastore.publication import drop_data_of, personal_data_problems
from catalog.datastore.sources import source_format
from catalog.filestore import StoredBlob
from catalog.licenses import OPEN_LICENSES
from catalog.models import (
    Dataset,
    DatasetRevision,
    DatasetState,
    Grade,
    OpenLevel,
    Resource,
    Tag,
    Theme,
)
from catalog.reads import DatasetRead, read_dataset
from catalog.schemas import DatasetCreate, DatasetUpdate, ResourceCreate, ResourceUpdate
from core import ledger, outbox
from core.clock import utcnow
from core.errors import Conflict, NotAuthenticated, NotFound, PermissionDenied, ValidationFailed
from core.identity.models import Organization, OrgKind
from core.identity.principal import Principal

SEARCH_TOPIC = "search.dataset"
DATASTORE_INGEST_TOPIC = "datastore.ingest"

# Which state changes are allowed (anything else is a 409).
TRANSITIONS: dict[DatasetState, frozenset[DatasetState]] = {
    DatasetState.DRAFT: frozenset({DatasetState.PUBLISHED}),
    DatasetState.PUBLISHED: frozenset({DatasetState.WITHDRAWN}),
    DatasetState.WITHDRAWN: frozenset({DatasetState.PUBLISHED}),
}

# Fields recorded in the history, as (attribute, how it is shown).
_TRACKED = (
    "title_zh",
    "title_en",
    "description_zh",
    "description_en",
    "contact_name",
    "contact_email",
    "license_id",
    "open_level",
    "grade",
    "update_frequency",
    "temporal_start",
    "temporal_end",
    "spatial",
    "version",
    "state",
)


def _plain(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def public_condition() -> ColumnElement[bool]:
    return (Dataset.state == DatasetState.PUBLISHED) & Dataset.open_level.in_(
        (OpenLevel.OPEN, OpenLevel.CONDITIONAL)
    )


def visibility_condition(principal: Principal) -> ColumnElement[bool]:
    """SQL condition for the datasets ``principal`` may see.

    See docs/architecture.md, "Data classification".
    """
    if principal.sees_everything:
        return true()
    own = principal.publisher_org_ids
    if own:
        return or_(public_condition(), Dataset.organization_id.in_(own))
    return public_condition()


def check_classification(open_level: OpenLevel, grade: Grade, license_id: str | None) -> None:
    """The red lines (docs/architecture.md, "Data classification") and the open-data licence."""
    if grade is Grade.CORE and open_level is not OpenLevel.CLOSED:
        raise ValidationFailed(
            "Core data is never open or conditional",
            {"open_level": ["core-grade data must be closed"]},
        )
    if license_id is not None and license_id not in OPEN_LICENSES:
        raise ValidationFailed(
            f"Unknown license {license_id!r}",
            {"license": [f"one of {', '.join(OPEN_LICENSES)}"]},
        )
    if open_level is OpenLevel.OPEN and license_id is None:
        raise ValidationFailed(
            "Open data needs an open license",
            {"license": [f"one of {', '.join(OPEN_LICENSES)}"]},
        )
    if open_level is not OpenLevel.OPEN and license_id is not None:
        raise ValidationFailed(
            "Only open data carries an open license; conditional data is licensed by agreement",
            {"license": ["leave empty unless open_level is open"]},
        )


class ThemeService:
    def __init__(self, session: Session) -> None:
        self.session = session

    def all(self) -> list[Theme]:
        return list(self.session.scalars(select(Theme).order_by(Theme.code)))

    def ensure(self, code: str, title_zh: str, title_en: str) -> Theme:
        theme = self.session.scalar(select(Theme).where(Theme.code == code))
        if theme is None:
            theme = Theme(code=code, title_zh=title_zh, title_en=title_en)
            self.session.add(theme)
            self.session.flush()
        return theme

    def resolve(self, codes: Sequence[str]) -> list[Theme]:
        wanted = list(dict.fromkeys(codes))
        found = {
            t.code: t for t in self.session.scalars(select(Theme).where(Theme.code.in_(wanted)))
        }
        missing = [c for c in wanted if c not in found]
        if missing:
            raise ValidationFailed(
                f"Unknown theme(s): {', '.join(missing)}",
                {"themes": [f"unknown theme {c!r}; see GET /api/v1/themes" for c in missing]},
            )
        return [found[c] for c in wanted]


class DatasetService:
    """Reads and writes datasets on behalf of one principal."""

    def __init__(self, session: Session, principal: Principal) -> None:
        self.session = session
        self.principal = principal

    # -- reading -----------------------------------------------------------------------------

    def page(
        self,
        *,
        limit: int = 50,
        after: str | None = None,
        organization: str | None = None,
        open_level: OpenLevel | None = None,
        state: DatasetState | None = None,
    ) -> tuple[list[Dataset], int]:
        """Datasets ordered by name, keyset-paged after ``after``; also the total."""
        conditions: list[ColumnElement[bool]] = [visibility_condition(self.principal)]
        if organization is not None:
            conditions.append(
                Dataset.organization_id.in_(
                    select(Organization.id).where(Organization.name == organization)
                )
            )
        if open_level is not None:
            conditions.append(Dataset.open_level == open_level)
        if state is not None:
            conditions.append(Dataset.state == state)
        total = self.session.scalar(select(func.count(Dataset.id)).where(*conditions)) or 0
        query = select(Dataset).where(*conditions)
        if after is not None:
            query = query.where(Dataset.name > after)
        rows = list(self.session.scalars(query.order_by(Dataset.name).limit(limit)))
        return rows, total

    def get(self, name: str) -> Dataset:
        """A dataset the principal may see; an invisible one is reported as missing."""
        dataset = self.session.scalar(
            select(Dataset).where(Dataset.name == name, visibility_condition(self.principal))
        )
        if dataset is None:
            raise NotFound(f"No dataset named {name!r}")
        return dataset

    def read(self, name: str) -> DatasetRead:
        """``get`` as a read model (catalog.reads): what the API and the pages show."""
        dataset = read_dataset(
            self.session, Dataset.name == name, visibility_condition(self.principal)
        )
        if dataset is None:
            raise NotFound(f"No dataset named {name!r}")
        return dataset

    def history(self, name: str) -> list[DatasetRevision]:
        dataset = self.get(name)
        return list(
            self.session.scalars(
                select(DatasetRevision)
                .where(DatasetRevision.dataset_id == dataset.id)
                .order_by(DatasetRevision.number)
            )
        )

    # -- writing -----------------------------------------------------------------------------

    def _require_writer(self) -> None:
        if not self.principal.is_authenticated:
            raise NotAuthenticated("Log in or send an API token to change the catalog")
        if not self.principal.can_write:
            raise PermissionDenied("This API token is read-only; create one with write access")

    def _require_publisher_of(self, org: Organization) -> None:
        self._require_writer()
        if self.principal.is_admin:
            return
        if org.id not in self.principal.publisher_org_ids:
            raise PermissionDenied(f"You may not publish or edit datasets of {org.name!r}")

    def _editable(self, name: str) -> Dataset:
        dataset = self.get(name)
        self._require_publisher_of(dataset.organization)
        return dataset

    def _revise(self, dataset: Dataset, action: str, changes: dict[str, Any]) -> None:
        number = (
            self.session.scalar(
                select(func.max(DatasetRevision.number)).where(
                    DatasetRevision.dataset_id == dataset.id
                )
            )
            or 0
        ) + 1
        self.session.add(
            DatasetRevision(
                dataset_id=dataset.id,
                number=number,
                action=action,
                changes=changes,
                actor_id=self.principal.user_id,
            )
        )
        outbox.emit(self.session, SEARCH_TOPIC, dataset.name, {"id": str(dataset.id)})

    def _tags(self, keywords: Sequence[str]) -> list[Tag]:
        names = list(dict.fromkeys(k for k in keywords if k))
        existing = {t.name: t for t in self.session.scalars(select(Tag).where(Tag.name.in_(names)))}
        tags = []
        for name in names:
            tag = existing.get(name)
            if tag is None:
                tag = Tag(name=name)
                self.session.add(tag)
            tags.append(tag)
        return tags

    def create(self, data: DatasetCreate) -> Dataset:
        org = self.session.scalar(
            select(Organization).where(Organization.name == data.organization)
        )
        if org is None:
            raise ValidationFailed(
                f"No organization named {data.organization!r}",
                {"organization": ["unknown organization"]},
            )
        self._require_publisher_of(org)
        if org.kind is not OrgKind.DEPARTMENT:
            raise ValidationFailed(
                "Only departments publish datasets",
                {"organization": [f"{org.name!r} is a {org.kind.value}, not a department"]},
            )
        grade = data.grade or Grade.GENERAL
        check_classification(data.open_level, grade, data.license)
        if self.session.scalar(select(Dataset.id).where(Dataset.name == data.name)) is not None:
            raise Conflict(f"A dataset named {data.name!r} already exists", {"name": ["taken"]})
        now = utcnow()
        dataset = Dataset(
            name=data.name,
            title_zh=data.title.zh,
            title_en=data.title.en,
            organization=org,
            organization_id=org.id,
            open_level=data.open_level,
            grade=grade,
            license_id=data.license,
            created_by=self.principal.user_id,
            created_at=now,
            modified=now,
            state=DatasetState.DRAFT,
        )
        self._apply_common(dataset, data)
        if "themes" in data.model_fields_set:
            dataset.themes = ThemeService(self.session).resolve(data.themes or [])
        self.session.add(dataset)
        try:
            self.session.flush()
        except IntegrityError as exc:
            raise Conflict(
                f"A dataset named {data.name!r} already exists", {"name": ["taken"]}
            ) from exc
        self._revise(dataset, "created", {k: [None, _plain(getattr(dataset, k))] for k in _TRACKED})
        if data.state is not DatasetState.DRAFT:
            self._transition(dataset, data.state)
        return dataset

    def _apply_common(self, dataset: Dataset, data: DatasetCreate | DatasetUpdate) -> None:
        fields = data.model_fields_set
        if "description" in fields:
            description = data.description
            dataset.description_zh = description.zh if description else ""
            dataset.description_en = description.en if description else ""
        if "contact_point" in fields:
            contact = data.contact_point
            dataset.contact_name = contact.name if contact else ""
            dataset.contact_email = str(contact.email) if contact and contact.email else ""
        if "update_frequency" in fields:
            dataset.update_frequency = data.update_frequency
        if "temporal" in fields:
            temporal = data.temporal
            dataset.temporal_start = temporal.start if temporal else None
            dataset.temporal_end = temporal.end if temporal else None
        if "spatial" in fields:
            dataset.spatial = data.spatial or ""
        if "version" in fields:
            dataset.version = data.version or "1.0"
        if "keywords" in fields:
            dataset.tags = self._tags(data.keywords or [])

    def update(self, name: str, data: DatasetUpdate) -> Dataset:
        dataset = self._editable(name)
        before = {k: _plain(getattr(dataset, k)) for k in _TRACKED}
        tags_before = sorted(t.name for t in dataset.tags)
        themes_before = sorted(t.code for t in dataset.themes)
        fields = data.model_fields_set
        # Check the resulting classification before touching the object: a refused update
        # must leave the dataset exactly as it was.
        open_level = data.open_level or dataset.open_level
        grade = data.grade or dataset.grade
        license_id = data.license if "license" in fields else dataset.license_id
        check_classification(open_level, grade, license_id)
        if "themes" in fields:
            themes = ThemeService(self.session).resolve(data.themes or [])
        dataset.open_level, dataset.grade, dataset.license_id = open_level, grade, license_id
        if "title" in fields and data.title is not None:
            dataset.title_zh, dataset.title_en = data.title.zh, data.title.en
        self._apply_common(dataset, data)
        if "themes" in fields:
            dataset.themes = themes
        changes = {
            k: [before[k], _plain(getattr(dataset, k))]
            for k in _TRACKED
            if before[k] != _plain(getattr(dataset, k))
        }
        tags_after = sorted(t.name for t in dataset.tags)
        if tags_after != tags_before:
            changes["keywords"] = [tags_before, tags_after]
        themes_after = sorted(t.code for t in dataset.themes)
        if themes_after != themes_before:
            changes["themes"] = [themes_before, themes_after]
        if changes:
            dataset.modified = utcnow()
            self._revise(dataset, "updated", changes)
        return dataset

    def _transition(self, dataset: Dataset, target: DatasetState) -> None:
        if target not in TRANSITIONS[dataset.state]:
            raise Conflict(
                f"A {dataset.state.value} dataset cannot become {target.value}",
                {"state": [f"allowed next: {', '.join(sorted(TRANSITIONS[dataset.state]))}"]},
            )
        if target is DatasetState.PUBLISHED:
            check_classification(dataset.open_level, dataset.grade, dataset.license_id)
            if dataset.open_level is OpenLevel.OPEN:
                self.session.flush()
                problems = personal_data_problems(self.session, dataset.id)
                if problems:
                    raise ValidationFailed(
                        "Open data may not hold personal data: " + problems[0],
                        {"personal_data": problems},
                    )
            if dataset.issued is None:
                dataset.issued = utcnow()
        before = dataset.state
        dataset.state = target
        dataset.modified = utcnow()
        action = "published" if target is DatasetState.PUBLISHED else target.value
        self._revise(dataset, action, {"state": [before.value, target.value]})
        ledger.append(
            self.session,
            f"dataset.{action}",
            actor=self.principal.user_id,
            org=dataset.organization_id,
            subject=f"dataset:{dataset.id}",
            data={"name": dataset.name, "from": before.value},
        )

    def publish(self, name: str) -> Dataset:
        dataset = self._editable(name)
        self._transition(dataset, DatasetState.PUBLISHED)
        return dataset

    def withdraw(self, name: str) -> Dataset:
        dataset = self._editable(name)
        self._transition(dataset, DatasetState.WITHDRAWN)
        return dataset

    # -- resources ---------------------------------------------------------------------------

    def check_can_edit(self, name: str) -> Dataset:
        """Fail before an upload is read, not after: the caller may edit this dataset."""
        return self._editable(name)

    def add_resource(
        self,
        name: str,
        data: ResourceCreate,
        *,
        blob: StoredBlob | None = None,
        filename: str | None = None,
    ) -> Resource:
        dataset = self._editable(name)
        if (blob is None) == (data.url is None):
            raise ValidationFailed(
                "A resource is either an uploaded file or a link",
                {"url": ["give a file or a url, not both or neither"]},
            )
        media_type = data.media_type
        if not media_type and filename:
            media_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        fmt = data.format
        if not fmt and filename and "." in filename:
            fmt = filename.rsplit(".", 1)[1].upper()[:30]
        resource = Resource(
            dataset_id=dataset.id,
            position=len(dataset.resources),
            name=data.name or filename or "",
            description=data.description,
            format=fmt,
            media_type=media_type,
            url=data.url,
            sha256=blob.sha256 if blob else None,
            size=blob.size if blob else None,
            filename=filename,
        )
        dataset.resources.append(resource)
        dataset.modified = utcnow()
        self.session.flush()
        self._revise(dataset, "resource_added", {"resource": [None, str(resource.id)]})
        name_for_format = filename if blob is not None else link_filename(data.url)
        if source_format(name_for_format, media_type, fmt) is not None:
            # Tabular uploads (and links, fetched first) are loaded into the datastore from the
            # outbox (catalog.datastore).
            outbox.emit(self.session, DATASTORE_INGEST_TOPIC, str(resource.id))
        return resource

    def get_resource(self, resource_id: uuid.UUID) -> Resource:
        # The dataset comes in the same row (every caller reads it: visibility, the licence
        # check); its lists (themes, tags, resources) load only if someone reads them — three
        # queries a data API call does not need.
        resource = self.session.scalar(
            select(Resource)
            .join(Dataset, Resource.dataset_id == Dataset.id)
            .where(Resource.id == resource_id, visibility_condition(self.principal))
            .options(
                contains_eager(Resource.dataset).options(
                    lazyload(Dataset.themes), lazyload(Dataset.tags), lazyload(Dataset.resources)
                )
            )
        )
        if resource is None:
            raise NotFound("No such resource")
        return resource

    def editable_resource(self, resource_id: uuid.UUID) -> Resource:
        """A resource the caller may see and whose dataset the caller may edit."""
        resource = self.get_resource(resource_id)
        self.check_can_edit(resource.dataset.name)
        return resource

    def update_resource(self, resource_id: uuid.UUID, data: ResourceUpdate) -> Resource:
        resource = self.get_resource(resource_id)
        self._require_publisher_of(resource.dataset.organization)
        changes: dict[str, Any] = {}
        for field in data.model_fields_set:
            value = getattr(data, field)
            if field == "url" and resource.is_upload:
                raise ValidationFailed(
                    "An uploaded resource has no url", {"url": ["upload a new resource instead"]}
                )
            if value is not None and getattr(resource, field) != value:
                changes[f"resource.{field}"] = [getattr(resource, field), value]
                setattr(resource, field, value)
        if changes:
            resource.modified = resource.dataset.modified = utcnow()
            self._revise(resource.dataset, "resource_updated", changes)
        return resource

    def replace_resource_file(
        self, resource_id: uuid.UUID, blob: StoredBlob, filename: str | None, media_type: str
    ) -> Resource:
        """A new file for a resource (CKAN's resource_patch with an upload); its id stays."""
        resource = self.get_resource(resource_id)
        dataset = resource.dataset
        self._require_publisher_of(dataset.organization)
        drop_data_of(self.session, resource.id)
        before = resource.sha256
        resource.sha256, resource.size, resource.url = blob.sha256, blob.size, None
        resource.filename = filename
        resource.media_type = media_type or (
            mimetypes.guess_type(filename or "")[0] or "application/octet-stream"
        )
        if filename and "." in filename:
            resource.format = filename.rsplit(".", 1)[1].upper()[:30]
        resource.modified = dataset.modified = utcnow()
        self._revise(dataset, "resource_updated", {"resource.sha256": [before, blob.sha256]})
        if source_format(filename, resource.media_type, resource.format) is not None:
            outbox.emit(self.session, DATASTORE_INGEST_TOPIC, str(resource.id))
        return resource

    def delete_resource(self, resource_id: uuid.UUID) -> None:
        resource = self.get_resource(resource_id)
        dataset = resource.dataset
        self._require_publisher_of(dataset.organization)
        drop_data_of(self.session, resource.id)
        dataset.resources.remove(resource)
        dataset.modified = utcnow()
        self._revise(dataset, "resource_deleted", {"resource": [str(resource.id), None]})

    def blob_referenced(self, sha256: str) -> bool:
        """Whether any resource, visible or not, points at this stored file."""
        return (
            self.session.scalar(select(Resource.id).where(Resource.sha256 == sha256).limit(1))
            is not None
        )

    def count_download(self, resource: Resource) -> None:
        # An UPDATE ... SET n = n + 1, so concurrent downloads are all counted.
        self.session.execute(
            update(Dataset)
            .where(Dataset.id == resource.dataset_id)
            .values(download_count=Dataset.download_count + 1)
        )
